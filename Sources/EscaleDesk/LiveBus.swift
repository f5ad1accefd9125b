import EscaleCore
import Foundation
import Synchronization

/// A committed change to a ticket, as live pages need it: enough to decide who may see it without a query.
public struct LiveEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case created, updated }
    public let kind: Kind
    public let ticketId: UUID
    public let number: String
    public let organizationId: UUID
    public let requesterId: UUID
    /// False when the change is only internal (a note, a work log): requesters are not told of it.
    public let isPublic: Bool
    public let version: Int
}

/// In-process publish/subscribe of ticket changes, fed after commit. One instance serves its own subscribers; with
/// several instances each one sees only the changes made through it (see the README).
public final class LiveBus: Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<LiveEvent>.Continuation] = [:]
        var finished = false
    }
    private let state = Mutex(State())

    public init() {}

    /// A stream of every event published from now on, until `finish` or the subscriber goes away.
    public func subscribe() -> AsyncStream<LiveEvent> {
        let id = UUID()
        // A slow subscriber keeps only the newest events: a live page needs to know that something changed, not all of it.
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(100))
        let accepted = state.withLock { s -> Bool in
            guard !s.finished else { return false }
            s.subscribers[id] = continuation
            return true
        }
        if !accepted { continuation.finish() }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ event: LiveEvent) {
        for c in state.withLock({ Array($0.subscribers.values) }) { c.yield(event) }
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every stream (graceful shutdown), and refuses new subscribers.
    public func finish() {
        let all = state.withLock { s -> [AsyncStream<LiveEvent>.Continuation] in
            s.finished = true
            defer { s.subscribers.removeAll() }
            return Array(s.subscribers.values)
        }
        for c in all { c.finish() }
    }
}
