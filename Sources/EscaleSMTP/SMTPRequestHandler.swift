import NIOCore

/// A command (or nothing, for the greeting) plus the promise for its reply.
struct SMTPRequest: Sendable {
    var bytes: ByteBuffer?
    /// Used in timeout messages; never contains credentials.
    var label: String
    var timeout: TimeAmount
    var promise: EventLoopPromise<SMTPReply>
}

/// Matches replies to requests in FIFO order, which is exactly SMTP's (and
/// PIPELINING's) model, and enforces the per-command timeout.
///
/// Any failure (timeout, decode error, TLS error, EOF) poisons the handler and
/// closes the channel: after that the session state is unknown, so the
/// connection must not be reused.
final class SMTPRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiter {
        var label: String
        var promise: EventLoopPromise<SMTPReply>
        var timeout: Scheduled<Void>?
    }

    private var waiters = CircularBuffer<Waiter>()
    /// Replies that arrived before anyone asked (normally just the greeting).
    private var unclaimed = CircularBuffer<SMTPReply>()
    private var failure: SMTPError?
    private var lastReply: SMTPReply?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        if request.bytes == nil, let reply = unclaimed.popFirst() {
            request.promise.succeed(reply)
            promise?.succeed(())
            return
        }
        let label = request.label
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) { [weak self] in
            guard let self else { return }
            self.fail(context: context, with: .connection("timed out waiting for the reply to \(label)"))
        }
        waiters.append(Waiter(label: request.label, promise: request.promise, timeout: timeout))
        if let bytes = request.bytes {
            context.write(wrapOutboundOut(bytes), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        lastReply = reply
        if let waiter = waiters.popFirst() {
            waiter.timeout?.cancel()
            waiter.promise.succeed(reply)
        } else if unclaimed.count < 4 {
            unclaimed.append(reply)
        } else {
            fail(context: context, with: .protocolViolation("server sent unsolicited replies"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let smtpError = (error as? SMTPError) ?? .connection(Self.describe(error))
        fail(context: context, with: smtpError)
    }

    func channelInactive(context: ChannelHandlerContext) {
        var message = "connection closed by the server"
        if let last = lastReply, last.code == 421 { message += " (\(last.code) \(last.text))" }
        fail(context: context, with: .connection(message), close: false)
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext, with error: SMTPError, close: Bool = true) {
        if failure == nil { failure = error }
        let error = failure!
        while let waiter = waiters.popFirst() {
            waiter.timeout?.cancel()
            waiter.promise.fail(error)
        }
        if close { context.close(promise: nil) }
    }

    static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
