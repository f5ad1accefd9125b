import Crypto
import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import FluentKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Runs a write command in one transaction and answers with its JSON result.
///
/// With an `Idempotency-Key`, the response is recorded in the same transaction as the command: a retry gets the
/// first response back (marked `Idempotent-Replayed: true`), a concurrent duplicate loses on the unique key and
/// replays the winner's, and the same key with a different body is refused.
struct CommandRunner: Sendable {
    let desk: Desk

    struct Output: Sendable {
        var status: HTTPResponse.Status
        var body: String
        var location: String?
        var etag: String?
    }

    func run(
        _ request: Request, context: EscaleContext, bodyFingerprint: String,
        _ command: @escaping @Sendable (any Database, Actor) async throws -> Output
    ) async throws -> Response {
        let actor = try context.requireActor()
        guard let key = request.headers[.idempotencyKey] else {
            return Self.response(try await desk.store.write { db in try await command(db, actor) }, replayed: false)
        }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw APIError.idempotencyKeyInvalid
        }
        let fingerprint = Self.fingerprint(request.method.rawValue, request.uri.path, bodyFingerprint)
        if let replay = try await replay(actor: actor, key: key, fingerprint: fingerprint) { return replay }
        let path = request.uri.path, method = request.method.rawValue, at = desk.clock.now()
        do {
            let output = try await desk.store.write { db in
                let output = try await command(db, actor)
                try await IdempotencyStore.save(
                    userId: actor.userId, key: key, method: method, path: path, fingerprint: fingerprint,
                    response: StoredResponse(status: Int(output.status.code), body: output.body, location: output.location, etag: output.etag),
                    at: at, on: db)
                return output
            }
            return Self.response(output, replayed: false)
        } catch {
            // A concurrent request with the same key committed first: answer with its result.
            if let db = error as? any DatabaseError, db.isConstraintFailure,
               let replay = try await replay(actor: actor, key: key, fingerprint: fingerprint) { return replay }
            throw error
        }
    }

    private func replay(actor: Actor, key: String, fingerprint: String) async throws -> Response? {
        guard let record = try await IdempotencyStore.find(userId: actor.userId, key: key, on: desk.store.database) else { return nil }
        guard record.fingerprint == fingerprint else { throw APIError.idempotencyKeyReused }
        let r = record.response
        return Self.response(Output(status: .init(code: r.status), body: r.body, location: r.location, etag: r.etag), replayed: true)
    }

    static func output(_ value: some Encodable, status: HTTPResponse.Status = .created, location: String? = nil, etag: String? = nil) throws -> Output {
        Output(status: status, body: String(decoding: try JSONBody.encoder.encode(value), as: UTF8.self), location: location, etag: etag)
    }

    static func response(_ o: Output, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let l = o.location { headers[.location] = l }
        if let e = o.etag { headers[.eTag] = e }
        if replayed { headers[.idempotentReplayed] = "true" }
        return Response(status: o.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: o.body)))
    }

    static func fingerprint(_ parts: String...) -> String {
        Hex.encode(SHA256.hash(data: Data(parts.joined(separator: "\n").utf8)))
    }
}
