import Hummingbird
import NIOCore
import Synchronization

/// Reads a request body once. When the body is refused part-way (too large, unparseable) the rest of what the client
/// is sending is read and dropped, up to `drainLimit`, before the refusal is answered: a client that sends its whole
/// body before reading the answer (Python's urllib, with `Connection: close` and no `Expect: 100-continue`) then reads
/// the 413 instead of blocking on a full socket until its own timeout.
enum BodyReader {
    static let drainLimit = 256 << 20

    /// Feeds each chunk to `consume`; if it (or the stream) throws, drains the rest and rethrows.
    static func stream(_ request: Request, _ consume: (ByteBuffer) async throws -> Void) async throws {
        var iterator = request.body.makeAsyncIterator()
        do {
            while let chunk = try await iterator.next() { try await consume(chunk) }
        } catch {
            // A body bigger than any drain would be is not waited for: the connection closes after the answer.
            let declared = request.headers[.contentLength].flatMap(Int.init) ?? 0
            if declared <= drainLimit {
                var drained = 0
                while drained < drainLimit, let chunk = try? await iterator.next() { drained += chunk.readableBytes }
            }
            throw error
        }
    }

    /// The whole body, or `tooLarge` once it passes `limit` (the rest drained).
    static func collect(_ request: Request, upTo limit: Int, tooLarge: any Error) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try await stream(request) { chunk in
            guard buffer.readableBytes + chunk.readableBytes <= limit else { throw tooLarge }
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        return buffer
    }
}

/// For refusals decided before the body was read at all (no session, bad CSRF token, unknown route): drains the
/// body the client is still sending before the answer goes out, as `BodyReader` does for bodies refused part-way.
struct UnreadBodyDrainMiddleware: RouterMiddleware {
    typealias Context = EscaleContext

    /// Whether anyone started reading the body.
    final class Tracker: Sendable {
        let started = Atomic<Bool>(false)
    }

    struct Tracked: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let base: RequestBody
        let tracker: Tracker
        func makeAsyncIterator() -> RequestBody.AsyncIterator {
            tracker.started.store(true, ordering: .relaxed)
            return base.makeAsyncIterator()
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap(Int.init) ?? 0
        guard declared > 0 || request.headers[.transferEncoding] != nil else { return try await next(request, context) }
        let tracker = Tracker()
        let original = request.body
        var request = request
        request.body = RequestBody(asyncSequence: Tracked(base: original, tracker: tracker))
        let response = try await next(request, context)
        if response.status.code >= 400, !tracker.started.load(ordering: .relaxed), declared <= BodyReader.drainLimit {
            var drained = 0
            var iterator = original.makeAsyncIterator()
            while drained < BodyReader.drainLimit, let chunk = try? await iterator.next() { drained += chunk.readableBytes }
        }
        return response
    }
}
