import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// The HTTP server with the chat's WebSocket upgrade, and the connection guard's header timeout kept for the first
/// request: Hummingbird's upgrade channel adds `ConnectionGuard` only once the first request's head is read (it must
/// first see whether it asks for an upgrade), so until then `FirstHeadTimeout` closes a connection that never finishes
/// a request head — the same bound `ConnectionGuard` puts on every later request.
struct GuardedUpgradeChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value
    let inner: HTTP1WebSocketUpgradeChannel
    let headerTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let timeout = headerTimeout
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FirstHeadTimeout(timeout: timeout))
        }.flatMap { inner.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }

    static func builder<Context: WebSocketRequestContext>(webSocketRouter: Router<Context>, configuration: HTTP1WebSocketUpgradeChannel.Configuration,
                                                          headerTimeout: TimeAmount) -> HTTPServerBuilder {
        let responder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { http in
            GuardedUpgradeChannel(inner: HTTP1WebSocketUpgradeChannel(responder: http, webSocketResponder: responder, configuration: configuration),
                                  headerTimeout: headerTimeout)
        }
    }
}

/// Closes the connection unless a complete request head (`CRLF CRLF`) arrives in time; then steps aside.
final class FirstHeadTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// The last bytes seen, to find `\r\n\r\n` across reads.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel(); timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let bytes = tail + Array(buffer.readableBytesView)
        let complete = bytes.count >= 4 && (0...(bytes.count - 4)).contains { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
        tail = Array(bytes.suffix(3))
        context.fireChannelRead(data)
        if complete {
            timer?.cancel(); timer = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

@available(*, unavailable)
extension FirstHeadTimeout: Sendable {}
