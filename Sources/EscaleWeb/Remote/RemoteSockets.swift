import EscaleAgentWire
import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// Pairs the two ends of each remote-control session — the browser of the person who opened it, and the machine's
/// escale-agent — and relays their binary frames (a terminal's bytes, or VNC's) until either leaves. Frames wait in
/// a bounded buffer until the other end arrives.
final class RemoteHub: Sendable {
    struct Ends {
        var toBrowser: (stream: AsyncStream<ByteBuffer>, continuation: AsyncStream<ByteBuffer>.Continuation)
        var toAgent: (stream: AsyncStream<ByteBuffer>, continuation: AsyncStream<ByteBuffer>.Continuation)
        var browser = false
        var agent = false
    }
    private let sessions = Mutex<[UUID: Ends]>([:])

    enum Side { case browser, agent }

    /// The streams of one side: what it reads (to send on its socket) and where it writes (the other side's).
    func attach(_ id: UUID, as side: Side) -> (incoming: AsyncStream<ByteBuffer>, outgoing: AsyncStream<ByteBuffer>.Continuation)? {
        sessions.withLock { s in
            var e = s[id] ?? Ends(toBrowser: AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(4_096)),
                                  toAgent: AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(4_096)))
            switch side {
            case .browser:
                if e.browser { return nil }
                e.browser = true
                s[id] = e
                return (e.toBrowser.stream, e.toAgent.continuation)
            case .agent:
                if e.agent { return nil }
                e.agent = true
                s[id] = e
                return (e.toAgent.stream, e.toBrowser.continuation)
            }
        }
    }

    /// Either side left: both streams end, so the other socket closes too.
    func close(_ id: UUID) {
        let ends = sessions.withLock { $0.removeValue(forKey: id) }
        ends?.toBrowser.continuation.finish()
        ends?.toAgent.continuation.finish()
    }
}

/// The remote-control WebSockets: `/remote/{id}/socket` for the browser (the session cookie of the person who opened
/// it, from this site's pages only) and `/agent/v1/tunnels/{id}` for the agent (its credential).
struct RemoteSockets {
    let desk: Desk
    let hub: RemoteHub

    /// Frames are bounded by the server's WebSocket frame limit; a message this large is refused.
    static let maxMessage = 1 << 20

    func register(on router: Router<ChatSocketContext>) {
        let desk = desk, hub = hub
        router.ws("/remote/:id/socket", shouldUpgrade: { request, context in
            _ = try await Self.browserSession(request, context.parameters.get("id"), desk: desk)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            guard let session = try? await Self.browserSession(context.request, context.request.uri.path.split(separator: "/").dropFirst().first.map(String.init), desk: desk),
                  let ends = hub.attach(session.id, as: .browser) else { return }
            await Self.relay(inbound, outbound, ends, session: session.id, hub: hub, desk: desk)
        })
        router.ws("/agent/v1/tunnels/:id", shouldUpgrade: { request, context in
            _ = try await Self.agentSession(request, context.parameters.get("id"), desk: desk)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            let segment = context.request.uri.path.split(separator: "/").last.map(String.init)
            guard let id = try? await Self.agentSession(context.request, segment, desk: desk),
                  let ends = hub.attach(id, as: .agent) else { return }
            _ = try? await desk.remoteControl.agentAttach(id, agent: try await AgentController.agent(context.request, desk))
            await Self.relay(inbound, outbound, ends, session: id, hub: hub, desk: desk)
            await desk.remoteControl.ended(id, detail: nil)
        })
    }

    static func browserSession(_ request: Request, _ raw: String?, desk: Desk) async throws -> RemoteRunDTOLite {
        guard let raw, let id = UUID(uuidString: raw) else { throw DomainError.notFound("remote control session") }
        guard let cookie = request.cookies[WebSessionMiddleware.cookieName]?.value, let session = try await desk.session(cookie: cookie) else {
            throw APIError.unauthenticated
        }
        // A page of another site cannot open the session with the person's cookie.
        if let origin = ChatSockets.browserOrigins(request).first, let host = request.head.authority,
           origin != "http://\(host)", origin != "https://\(host)" {
            throw ChatError.originRefused(origin)
        }
        let run = try await desk.remoteControl.browserAttach(id, by: session.actor)
        guard [.queued, .sent, .running].contains(run.status) else { throw DomainError.conflict("this session is \(run.status.rawValue)") }
        return RemoteRunDTOLite(id: run.id)
    }

    static func agentSession(_ request: Request, _ raw: String?, desk: Desk) async throws -> UUID {
        guard let raw, let id = UUID(uuidString: raw) else { throw DomainError.notFound("remote control session") }
        let agent = try await AgentController.agent(request, desk)
        guard let run = try await desk.remoteActions.runForAgent(id, agent: agent), [.sent, .running].contains(run.status),
              run.kind == .terminal || run.kind == .desktop else {
            throw DomainError.notFound("remote control session")
        }
        return id
    }

    /// Copies frames both ways until either end leaves (then the hub ends the other).
    static func relay(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
                      _ ends: (incoming: AsyncStream<ByteBuffer>, outgoing: AsyncStream<ByteBuffer>.Continuation),
                      session: UUID, hub: RemoteHub, desk: Desk) async {
        let writer = Task {
            for await buffer in ends.incoming {
                // At most 16 KB a frame: the other end's limit.
                var b = buffer
                while b.readableBytes > 0, let slice = b.readSlice(length: min(b.readableBytes, 16 << 10)) {
                    try await outbound.write(.binary(slice))
                }
            }
            try? await outbound.close(.normalClosure, reason: "session ended")
        }
        do {
            for try await message in inbound.messages(maxSize: maxMessage) {
                switch message {
                case let .binary(b): ends.outgoing.yield(b)
                case let .text(t): ends.outgoing.yield(ByteBuffer(string: t))
                }
            }
        } catch {
            // A broken connection or an oversized message ends the session.
        }
        hub.close(session)
        _ = await writer.result
    }
}

struct RemoteRunDTOLite: Sendable { let id: UUID }
