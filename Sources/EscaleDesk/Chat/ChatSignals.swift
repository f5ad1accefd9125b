import Foundation
import Synchronization

/// What changed in a chat, as open sockets need to hear it: no content, they read it (messages are stored first).
public struct ChatSignal: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// New messages: read after the last one each socket has.
        case messages
        /// The chat's state, agent or queue changed (queues everywhere move).
        case state
        /// A read mark moved.
        case read
        /// Someone is typing (not stored).
        case typing
    }
    public var kind: Kind
    public var chatId: UUID
    public var author: String?
    public var typing: Bool?

    public init(kind: Kind, chatId: UUID, author: String? = nil, typing: Bool? = nil) {
        self.kind = kind; self.chatId = chatId; self.author = author; self.typing = typing
    }

    /// The notification channel between instances.
    public static let channel = "escale_chat"

    public var payload: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }
    public init?(payload: String) {
        guard let s = try? JSONDecoder().decode(ChatSignal.self, from: Data(payload.utf8)) else { return nil }
        self = s
    }
}

/// Publish/subscribe of chat signals on this instance, fed after commit (in-process on SQLite, through PostgreSQL
/// notifications between instances, like `LiveBus`).
public final class ChatSignals: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<ChatSignal>.Continuation]>([:])

    public init() {}

    public func subscribe() -> AsyncStream<ChatSignal> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ChatSignal>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    public func publish(_ signal: ChatSignal) {
        for c in subscribers.withLock({ Array($0.values) }) { c.yield(signal) }
    }

    public func publish(payload: String) {
        if let s = ChatSignal(payload: payload) { publish(s) }
    }
}
