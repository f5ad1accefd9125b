import Foundation

/// An automatic escalation a contract asks for: when a trigger fires on a ticket, move it to the next tier's group
/// (functional) or notify the supervisors (hierarchical). Each rule fires at most once per ticket.
public struct EscalationRule: Sendable, Equatable, Hashable {
    public enum Trigger: Sendable, Equatable, Hashable {
        /// No first response when the first-response clock reaches this share of its target.
        case firstResponse(percent: Int)
        /// The resolution clock reaches this share of its target.
        case resolution(percent: Int)
        /// Any clock breaches.
        case breach
        /// A priority-1 ticket is created.
        case priorityOneCreated
    }

    public enum Action: String, Sendable, Equatable, Hashable, Codable {
        /// To the next tier's group serving the organization.
        case functional
        /// Notify the supervisors (of the ticket's group, else all of them).
        case hierarchical
    }

    public let trigger: Trigger
    public let action: Action

    public init(trigger: Trigger, action: Action) throws {
        switch trigger {
        case let .firstResponse(p), let .resolution(p):
            guard (1...100).contains(p) else { throw DomainError.invalid(field: "escalation_rules", "percent must be between 1 and 100") }
        case .breach, .priorityOneCreated: break
        }
        self.trigger = trigger
        self.action = action
    }

    /// A stable name for the rule, recorded on the timeline when it fires (so it never fires twice).
    public var key: String {
        let t = switch trigger {
        case let .firstResponse(p): "first_response:\(p)"
        case let .resolution(p): "resolution:\(p)"
        case .breach: "breach"
        case .priorityOneCreated: "priority1_created"
        }
        return "rule:\(t):\(action.rawValue)"
    }

    /// When the rule fires for a ticket: now if it already should have, a later instant, or never (nil).
    /// `sla` is nil for a ticket without SLA terms; only the priority-1 rule applies then.
    public func firesAt(createdPriority: Priority, createdAt: Date, sla: SLAState?, calendar: BusinessCalendar?) -> Date? {
        switch trigger {
        case .priorityOneCreated:
            return createdPriority == .critical ? createdAt : nil
        case .breach:
            guard let sla else { return nil }
            return SLAMetric.allCases.compactMap { sla.progress[$0] }.compactMap { p in
                p.breached ? p.breachedAt : (p.running ? p.dueAt : nil)
            }.min()
        case let .firstResponse(percent):
            guard let sla, let calendar, let p = sla.progress[.firstResponse] else { return nil }
            return p.instant(reaching: percent, calendar: calendar, now: sla.at)
        case let .resolution(percent):
            guard let sla, let calendar, let p = sla.progress[.resolution] else { return nil }
            return p.instant(reaching: percent, calendar: calendar, now: sla.at)
        }
    }
}

extension SLAState {
    /// Where one clock stands: enough to find when it reaches a share of its target.
    public struct Progress: Sendable, Equatable {
        public let elapsedSeconds: TimeInterval
        public let targetSeconds: TimeInterval
        /// Counting now (not paused, not done).
        public let running: Bool
        public let done: Bool
        public let breached: Bool
        public let breachedAt: Date?
        public let dueAt: Date?

        /// The instant the clock reaches `percent` of its target: `now` or earlier if it already has (its exact
        /// instant is not kept), nil if it is done first or stopped.
        public func instant(reaching percent: Int, calendar: BusinessCalendar, now: Date) -> Date? {
            let threshold = targetSeconds * TimeInterval(percent) / 100
            // A clock already done (answered, resolved) needs no escalation, even if it got there late.
            if done { return nil }
            if elapsedSeconds >= threshold { return now }
            guard running else { return nil }
            return calendar.adding(seconds: threshold - elapsedSeconds, to: now)
        }
    }
}
