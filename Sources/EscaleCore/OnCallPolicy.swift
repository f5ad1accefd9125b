import Foundation

/// An on-call escalation policy: ordered steps, each notifying people then waiting for an acknowledgement before the
/// next step; the whole policy runs again up to `repeats` more times.
public struct OnCallPolicy: Sendable, Equatable {
    public enum Target: Sendable, Equatable, Hashable {
        /// Whoever is on call on this schedule when the step runs.
        case schedule(UUID)
        case user(UUID)
    }

    public struct Step: Sendable, Equatable {
        public let targets: [Target]
        /// Minutes to wait for an acknowledgement before the next step.
        public let delayMinutes: Int
        public init(targets: [Target], delayMinutes: Int) throws {
            guard !targets.isEmpty else { throw DomainError.invalid(field: "steps", "each step needs at least one target") }
            guard (1...1_440).contains(delayMinutes) else { throw DomainError.invalid(field: "delay_minutes", "must be between 1 and 1440") }
            self.targets = targets
            self.delayMinutes = delayMinutes
        }
    }

    public let steps: [Step]
    /// How many more times the whole policy runs after its first pass when nobody acknowledges.
    public let repeats: Int

    public init(steps: [Step], repeats: Int) throws {
        guard (1...20).contains(steps.count) else { throw DomainError.invalid(field: "steps", "give between 1 and 20 steps") }
        guard (0...10).contains(repeats) else { throw DomainError.invalid(field: "repeat", "must be between 0 and 10") }
        self.steps = steps
        self.repeats = repeats
    }

    /// Where an escalation goes after running step `step` of pass `round`: the next position and when, or nil when
    /// every pass is spent.
    public func next(afterStep step: Int, round: Int, at now: Date) -> (step: Int, round: Int, at: Date)? {
        let at = now.addingTimeInterval(TimeInterval(steps[step].delayMinutes) * 60)
        if step + 1 < steps.count { return (step + 1, round, at) }
        if round < repeats { return (0, round + 1, at) }
        return nil
    }
}
