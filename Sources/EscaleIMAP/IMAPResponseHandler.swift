import NIOCore

/// Signals that no response arrived in time; the caller decides whether that is
/// fatal (a command) or expected (IDLE).
struct IMAPReadTimeout: Error {}

/// Queues parsed responses until the connection actor asks for them.
///
/// IMAP is not strictly request/response (untagged data arrives any time), so
/// the connection pulls responses one by one instead of matching them to
/// commands here. Lives on the channel's event loop.
final class IMAPResponseHandler: ChannelInboundHandler {
    typealias InboundIn = IMAPResponse

    private var buffered = CircularBuffer<IMAPResponse>()
    private var waiter: (promise: EventLoopPromise<IMAPResponse>, timeout: Scheduled<Void>)?
    private var failure: IMAPError?
    /// A server flooding us with untagged data faster than we consume it is broken or hostile.
    private let maxBuffered = 1_000_000

    /// Next response, waiting at most `timeout`. Must be called on the event loop.
    func next(timeout: TimeAmount, on eventLoop: EventLoop) -> EventLoopFuture<IMAPResponse> {
        if let response = buffered.popFirst() { return eventLoop.makeSucceededFuture(response) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        precondition(waiter == nil, "concurrent reads on one IMAP connection")
        let promise = eventLoop.makePromise(of: IMAPResponse.self)
        let scheduled = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, let waiter = self.waiter else { return }
            self.waiter = nil
            waiter.promise.fail(IMAPReadTimeout())
        }
        waiter = (promise, scheduled)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let response = unwrapInboundIn(data)
        if let waiter {
            self.waiter = nil
            waiter.timeout.cancel()
            waiter.promise.succeed(response)
        } else if buffered.count < maxBuffered {
            buffered.append(response)
        } else {
            fail(.protocolViolation("too many unread responses"))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail((error as? IMAPError) ?? .connection(Self.describe(error)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connection("connection closed by the server"))
        context.fireChannelInactive()
    }

    private func fail(_ error: IMAPError) {
        if failure == nil { failure = error }
        if let waiter {
            self.waiter = nil
            waiter.timeout.cancel()
            waiter.promise.fail(failure!)
        }
    }

    static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
