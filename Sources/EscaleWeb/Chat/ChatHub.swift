import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The open chat sockets of this instance: visitors (one chat each) and agents (their chats, and the queue). It hears
/// `ChatSignal`s (after commit, from any instance) and sends each socket what it has not had yet: messages are read
/// from the store after the last `seq` the socket has, so nothing is lost or sent twice, whoever committed them.
actor ChatHub {
    enum Role: Sendable {
        case visitor(chatId: UUID)
        case agent(Actor)
    }

    final class Socket: Sendable {
        let id = UUID()
        let role: Role
        let out: AsyncStream<String>.Continuation
        init(role: Role, out: AsyncStream<String>.Continuation) { self.role = role; self.out = out }

        func send(_ frame: ChatFrame) {
            out.yield(String(decoding: try! ChatHub.encoder.encode(frame), as: UTF8.self))
        }
    }

    static let encoder = Wire.encoder()

    let desk: Desk
    private var sockets: [UUID: Socket] = [:]
    /// Per socket, per chat: the last `seq` sent.
    private var sent: [UUID: [UUID: Int]] = [:]

    init(desk: Desk) { self.desk = desk }

    var count: Int { sockets.count }

    func add(_ socket: Socket) { sockets[socket.id] = socket; sent[socket.id] = [:] }

    func remove(_ id: UUID) {
        sockets[id]?.out.finish()
        sockets[id] = nil; sent[id] = nil
    }

    /// A (re)connecting client has everything up to `seq`: it gets the rest, then whatever comes.
    func resume(_ id: UUID, chatId: UUID, after seq: Int) async {
        guard sockets[id] != nil else { return }
        sent[id]?[chatId] = max(0, seq)
        await deliverMessages(chatId, to: [id])
    }

    /// An agent's socket opened: their chats and the queue.
    func welcome(agent id: UUID) async {
        guard let s = sockets[id], case let .agent(actor) = s.role, let console = try? await desk.chats.console(by: actor) else { return }
        s.send(ChatFrame(type: "queue", waiting: console.waiting))
        for chat in console.mine {
            s.send(ChatFrame(type: "assigned", chatId: chat.id, chat: chat))
            if sent[id]?[chat.id] == nil { sent[id]?[chat.id] = 0 }
            await deliverMessages(chat.id, to: [id])
        }
    }

    /// A visitor's socket opened: where their chat stands.
    func welcome(visitor id: UUID, chatId: UUID) async {
        guard let s = sockets[id], let chat = try? await desk.chats.dto(chatId) else { return }
        s.send(Self.stateFrame(chat))
    }

    func handle(_ signal: ChatSignal) async {
        switch signal.kind {
        case .messages:
            await deliverMessages(signal.chatId, to: interested(in: signal.chatId, agentId: nil, all: true))
        case .typing:
            guard let author = signal.author.flatMap(ChatAuthor.init(rawValue:)) else { return }
            let frame = ChatFrame(type: "typing", chatId: signal.chatId, author: author, typing: signal.typing ?? true)
            for id in interested(in: signal.chatId, agentId: nil, all: true) {
                guard let s = sockets[id] else { continue }
                // Each side hears the other one typing.
                switch (s.role, author) {
                case (.visitor, .agent), (.agent, .visitor): s.send(frame)
                default: break
                }
            }
        case .read:
            guard let chat = try? await desk.chats.dto(signal.chatId) else { return }
            for id in interested(in: signal.chatId, agentId: chat.agentId, all: true) {
                sockets[id]?.send(ChatFrame(type: "read", chatId: chat.id, chat: chat))
            }
        case .state:
            await stateChanged(signal.chatId)
        }
    }

    private func stateChanged(_ chatId: UUID) async {
        if let chat = try? await desk.chats.dto(chatId) {
            for (id, s) in sockets {
                switch s.role {
                case let .visitor(c) where c == chatId:
                    s.send(Self.stateFrame(chat))
                case let .agent(actor):
                    let had = sent[id]?[chatId] != nil
                    let owns = chat.agentId == actor.userId && chat.state == .active
                    if owns {
                        s.send(ChatFrame(type: "assigned", chatId: chatId, chat: chat))
                        if !had { sent[id]?[chatId] = 0 }
                    } else if had {
                        s.send(ChatFrame(type: chat.state == .ended ? "ended" : "released", chatId: chatId, chat: chat))
                        sent[id]?[chatId] = nil
                    }
                default:
                    break
                }
            }
            await deliverMessages(chatId, to: interested(in: chatId, agentId: chat.agentId, all: false))
        }
        await queueChanged()
    }

    /// Visitors waiting learn their place; agents see the queue.
    private func queueChanged() async {
        guard !sockets.isEmpty, let waiting = try? await desk.chats.waitingNow() else { return }
        for (_, s) in sockets {
            switch s.role {
            case let .visitor(c):
                if let chat = waiting.first(where: { $0.id == c }) { s.send(ChatFrame(type: "queue", chatId: c, position: chat.queuePosition)) }
            case let .agent(actor):
                let scope = AccessPolicy.organizationScope(of: actor)
                s.send(ChatFrame(type: "queue", waiting: waiting.filter { $0.organizationId.map(scope.contains) ?? true }))
            }
        }
    }

    /// Sockets that follow a chat: its visitor's, and its agent's (those already sent some of it, unless `all` is false).
    private func interested(in chatId: UUID, agentId: UUID?, all: Bool) -> [UUID] {
        sockets.compactMap { id, s in
            switch s.role {
            case let .visitor(c): return c == chatId ? id : nil
            case let .agent(a): return sent[id]?[chatId] != nil || (agentId == a.userId) ? id : nil
            }
        }
    }

    /// Reads what the given sockets lack (after the smallest `seq` among them) and sends each its part.
    private func deliverMessages(_ chatId: UUID, to ids: [UUID]) async {
        let targets = ids.filter { sockets[$0] != nil && sent[$0]?[chatId] != nil }
        guard let from = targets.compactMap({ sent[$0]?[chatId] }).min(),
              let messages = try? await desk.chats.messages(of: chatId, after: from), !messages.isEmpty else { return }
        for id in targets {
            guard let s = sockets[id], let last = sent[id]?[chatId] else { continue }
            var upTo = last
            for m in messages where m.seq > upTo {
                s.send(ChatFrame(type: "message", chatId: chatId, seq: m.seq, message: m))
                upTo = m.seq
            }
            sent[id]?[chatId] = upTo
        }
    }

    static func stateFrame(_ chat: ChatDTO) -> ChatFrame {
        switch chat.state {
        case .waiting: ChatFrame(type: "queue", chatId: chat.id, chat: chat, position: chat.queuePosition)
        case .active: ChatFrame(type: "assigned", chatId: chat.id, chat: chat)
        case .ended: ChatFrame(type: "ended", chatId: chat.id, chat: chat)
        }
    }
}

/// Feeds the hub with chat signals: this instance's, and on PostgreSQL every instance's.
struct ChatHubService: Service {
    let desk: Desk
    let hub: ChatHub

    func run() async throws {
        let signals = desk.chatSignals.subscribe()
        let listener = Task { [desk] in
            guard desk.store.kind == .postgres else { return }
            await desk.store.listen(ChatSignal.channel) { desk.chatSignals.publish(payload: $0) }
        }
        await cancelWhenGracefulShutdown {
            for await signal in signals { await hub.handle(signal) }
        }
        listener.cancel()
    }
}

/// Token buckets per key (a visitor's chat, a client address), forgotten when full again.
final class ChatLimiter: Sendable {
    let capacity: Double
    let perSecond: Double
    private let buckets = Mutex<[String: RateLimit]>([:])

    init(capacity: Double, perSecond: Double) { self.capacity = capacity; self.perSecond = perSecond }

    /// Nil: allowed; else seconds to wait.
    func take(_ key: String, now: Date = Date()) -> Int? {
        buckets.withLock { b in
            if b.count > 50_000 { b = b.filter { $0.value.tokens < capacity - 1 } }
            var bucket = b[key] ?? RateLimit(capacity: capacity, perSecond: perSecond, now: now)
            let ok = bucket.take(at: now)
            b[key] = bucket
            return ok ? nil : max(1, bucket.retryAfter)
        }
    }
}
