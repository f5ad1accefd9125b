import Foundation

/// A call as the call log shows it, built from the PBX's events in whatever order (and however many times) they
/// arrive: a repeated event changes nothing, a late `newCall` does not undo an answer.
public struct PhoneCallState: Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case ringing, answered, missed, ended
    }

    public var status: Status
    public var inbound: Bool
    public var startedAt: Date
    public var answeredAt: Date?
    public var endedAt: Date?
    public var cause: String?

    public init(status: Status, inbound: Bool, startedAt: Date, answeredAt: Date? = nil, endedAt: Date? = nil, cause: String? = nil) {
        self.status = status; self.inbound = inbound; self.startedAt = startedAt; self.answeredAt = answeredAt; self.endedAt = endedAt; self.cause = cause
    }

    public enum Event: Sendable, Equatable { case newCall, answer, hangup(cause: String?) }

    /// The call's first event (a PBX may skip `newCall`).
    public static func start(_ event: Event, inbound: Bool, at: Date) -> PhoneCallState {
        var s = PhoneCallState(status: .ringing, inbound: inbound, startedAt: at)
        s.apply(event, at: at)
        return s
    }

    public mutating func apply(_ event: Event, at: Date) {
        switch event {
        case .newCall:
            if at < startedAt { startedAt = at }
        case .answer:
            guard status == .ringing else { return }
            status = .answered; answeredAt = at
        case let .hangup(cause):
            guard status == .ringing || status == .answered else { return }
            endedAt = at; self.cause = cause
            // An inbound call nobody answered is missed, whatever the PBX calls the reason; an unanswered outbound
            // call simply ended (its cause says why).
            status = (answeredAt == nil && inbound) ? .missed : .ended
        }
    }

    /// Seconds talked (answer to hang-up); nil until it ends, 0 for an unanswered call.
    public var durationSeconds: Int? {
        guard let end = endedAt else { return nil }
        guard let a = answeredAt else { return 0 }
        return max(0, Int(end.timeIntervalSince(a).rounded()))
    }

    /// Minutes to log as time spent on a ticket: talked time, rounded up, at least one minute for an answered call.
    public var minutesSpent: Int? {
        guard let d = durationSeconds, answeredAt != nil else { return nil }
        return max(1, (d + 59) / 60)
    }
}
