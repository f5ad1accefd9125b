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

    /// The notification channel between instances.
    public static let channel = "escale_live"

    private struct Wire: Codable {
        var k: String, t: UUID, n: String, o: UUID, r: UUID, p: Bool, v: Int
    }

    /// A compact JSON form, well under PostgreSQL's 8,000-byte notification limit.
    var payload: String {
        let w = Wire(k: kind.rawValue, t: ticketId, n: number, o: organizationId, r: requesterId, p: isPublic, v: version)
        return String(decoding: try! JSONEncoder().encode(w), as: UTF8.self)
    }

    init(kind: Kind, ticketId: UUID, number: String, organizationId: UUID, requesterId: UUID, isPublic: Bool, version: Int) {
        self.kind = kind; self.ticketId = ticketId; self.number = number; self.organizationId = organizationId
        self.requesterId = requesterId; self.isPublic = isPublic; self.version = version
    }

    init?(payload: String) {
        guard let w = try? JSONDecoder().decode(Wire.self, from: Data(payload.utf8)), let kind = Kind(rawValue: w.k) else { return nil }
        self.init(kind: kind, ticketId: w.t, number: w.n, organizationId: w.o, requesterId: w.r, isPublic: w.p, version: w.v)
    }
}

/// A call just answered, for the agent who picked up (a pop-up on whatever page they have open).
public struct LiveCall: Sendable, Equatable {
    public let callId: UUID
    public let userId: UUID

    private struct Wire: Codable { var c: UUID, u: UUID }

    var payload: String { String(decoding: try! JSONEncoder().encode(Wire(c: callId, u: userId)), as: UTF8.self) }

    init(callId: UUID, userId: UUID) { self.callId = callId; self.userId = userId }

    init?(payload: String) {
        guard let w = try? JSONDecoder().decode(Wire.self, from: Data(payload.utf8)) else { return nil }
        self.init(callId: w.c, userId: w.u)
    }
}

/// Publish/subscribe of ticket changes for this instance's live pages, fed after commit: in-process on SQLite, and
/// through PostgreSQL notifications (`LiveRelay`) so that a change made on any instance reaches every instance.
public final class LiveBus: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<LiveEvent>.Continuation]>([:])
    private let callSubscribers = Mutex<[UUID: AsyncStream<LiveCall>.Continuation]>([:])

    public init() {}

    /// A stream of every event published from now on, until the subscriber goes away.
    public func subscribe() -> AsyncStream<LiveEvent> {
        let id = UUID()
        // A slow subscriber keeps only the newest events: a live page needs to know that something changed, not all of it.
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(100))
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ event: LiveEvent) {
        for c in subscribers.withLock({ Array($0.values) }) { c.yield(event) }
    }

    /// A notification from the store (this instance's or another's); malformed ones are ignored.
    public func publish(payload: String) {
        if let event = LiveEvent(payload: payload) { publish(event) } else if let call = LiveCall(payload: payload) { publish(call) }
    }

    /// Calls answered from now on.
    public func subscribeCalls() -> AsyncStream<LiveCall> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<LiveCall>.makeStream(bufferingPolicy: .bufferingNewest(20))
        callSubscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.callSubscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ call: LiveCall) {
        for c in callSubscribers.withLock({ Array($0.values) }) { c.yield(call) }
    }

}
