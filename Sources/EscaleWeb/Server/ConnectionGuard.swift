import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Limits that keep slow or greedy clients from holding the server's connections (`ESCALE_*_TIMEOUT_SECONDS`,
/// `ESCALE_MAX_CONNECTIONS`, `ESCALE_MAX_CONNECTIONS_PER_ADDRESS`).
public struct ConnectionLimits: Sendable, Equatable {
    /// From the connection's start (or the previous response) to a complete request head.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// The longest wait for the next piece of a request body.
    public var bodyTimeout: TimeAmount = .seconds(15)
    /// How long a kept-alive connection may sit idle between requests.
    public var idleTimeout: TimeAmount = .seconds(30)
    /// Open connections in all; beyond it new ones get a 503 and are closed.
    public var maxConnections = 4_096
    /// Open connections from one address (a trusted proxy is exempt); beyond it, a 429.
    public var maxConnectionsPerAddress = 256
    public init() {}
}

/// Open connections, in all and per peer address, shared by every connection's `ConnectionGuard`.
final class ConnectionCounter: Sendable {
    private let state = Mutex<(total: Int, perAddress: [String: Int])>((0, [:]))

    enum Admission { case admitted, tooManyInAll, tooManyFromAddress }

    /// Counts a new connection; a refused one is counted too (it holds a socket until it is closed).
    func open(_ address: String?, limits: ConnectionLimits, exempt: Bool) -> Admission {
        state.withLock { s in
            s.total += 1
            if let address { s.perAddress[address, default: 0] += 1 }
            if s.total > limits.maxConnections { return .tooManyInAll }
            if !exempt, let address, s.perAddress[address]! > limits.maxConnectionsPerAddress { return .tooManyFromAddress }
            return .admitted
        }
    }

    func close(_ address: String?) {
        state.withLock { s in
            s.total -= 1
            if let address {
                let n = (s.perAddress[address] ?? 1) - 1
                s.perAddress[address] = n > 0 ? n : nil
            }
        }
    }

    var total: Int { state.withLock { $0.total } }
}

/// Per connection: closes it when a request head, a body or the next request takes too long, and answers a clear
/// refusal (503 or 429 with `Retry-After`, then close) to connections over the caps. It sits after HTTP decoding, so
/// it reasons in requests, not bytes: a client that trickles header bytes is cut at the header timeout all the same.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let counter: ConnectionCounter
    private let exempt: @Sendable (String) -> Bool
    private let logger: Logger
    private var address: String?
    private var counted = false
    private var refusal: Admission?
    private var timer: Scheduled<Void>?
    private var reading = false
    private var inFlight = 0

    typealias Admission = ConnectionCounter.Admission

    init(limits: ConnectionLimits, counter: ConnectionCounter, exempt: @escaping @Sendable (String) -> Bool, logger: Logger) {
        self.limits = limits; self.counter = counter; self.exempt = exempt; self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        address = context.channel.remoteAddress?.ipAddress
        switch counter.open(address, limits: limits, exempt: address.map(exempt) ?? false) {
        case .admitted:
            arm(context, limits.headerTimeout)
        case let refused:
            // Wait for the request (briefly) so the client reads the answer instead of a reset.
            refusal = refused
            logger.notice("connection refused", metadata: ["address": "\(address ?? "?")", "reason": "\(refused)"])
            arm(context, .seconds(2))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        release()
        context.fireChannelInactive()
    }

    private func release() {
        if counted { counter.close(address); counted = false }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if let refusal {
            if case .head = part { refuse(context, refusal) }
            return
        }
        switch part {
        case let .head(head):
            inFlight += 1
            let hasBody = head.headerFields[.transferEncoding] != nil || (head.headerFields[.contentLength].flatMap(Int.init) ?? 0) > 0
            reading = hasBody
            if hasBody { arm(context, limits.bodyTimeout) } else { disarm() }
        case .body:
            if reading { arm(context, limits.bodyTimeout) }
        case .end:
            reading = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            // Between requests: the next one has the idle timeout to begin (its head is then complete soon after).
            if inFlight == 0 && !reading { arm(context, limits.idleTimeout) }
        }
        context.write(data, promise: promise)
    }

    private func refuse(_ context: ChannelHandlerContext, _ why: Admission) {
        disarm()
        let status: HTTPResponse.Status = why == .tooManyFromAddress ? .tooManyRequests : .serviceUnavailable
        // Plain text in both languages: this answer comes before any session or preference is known.
        let text = why == .tooManyFromAddress
            ? "Too many connections from your address; retry shortly.\nTrop de connexions depuis votre adresse ; réessayez dans un instant.\n"
            : "The server is at its connection limit; retry shortly.\nLe serveur a atteint sa limite de connexions ; réessayez dans un instant.\n"
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        let head = HTTPResponse(status: status, headerFields: [
            .connection: "close", .retryAfter: "5", .contentType: "text/plain; charset=utf-8", .contentLength: String(buffer.readableBytes),
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    private func arm(_ context: ChannelHandlerContext, _ delay: TimeAmount) {
        disarm()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            bound.value.handler.timer = nil
            bound.value.context.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
