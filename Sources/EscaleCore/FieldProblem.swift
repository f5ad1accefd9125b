import Foundation

/// One thing wrong with one field, with the rule it breaks, so a form can say the real reason next to the field in
/// the reader's language, and an API client gets every problem of a body at once.
public struct FieldProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Rule: Sendable, Equatable {
        case required
        case tooLong(max: Int, actual: Int)
        case tooShort(min: Int)
        case inFuture
        case unreadable
        /// Any other rule; the message says which.
        case other
    }

    public let field: String
    public let rule: Rule
    /// For developers and API clients, in English.
    public let message: String

    public init(field: String, rule: Rule, message: String? = nil) {
        self.field = field
        self.rule = rule
        self.message = message ?? Self.defaultMessage(rule)
    }

    static func defaultMessage(_ rule: Rule) -> String {
        switch rule {
        case .required: "is required"
        case let .tooLong(max, actual): "at most \(max) characters (\(actual) given)"
        case let .tooShort(min): "at least \(min) characters"
        case .inFuture: "cannot be in the future"
        case .unreadable: "is unreadable"
        case .other: "is not accepted"
        }
    }

    public var description: String { "\(field): \(message)" }

    /// The error to throw for these problems: one is a plain `invalid`, several are reported together.
    public static func error(_ problems: [FieldProblem]) -> DomainError? {
        switch problems.count {
        case 0: nil
        case 1: .invalid(field: problems[0].field, problems[0].message)
        default: .invalidFields(problems)
        }
    }
}

extension Ticket {
    /// Everything wrong with what a new ticket says, all at once (the order is the form's).
    public static func problems(subject: String, description: String, occurredAt: Date?, tags: [String] = [], now: Date) -> [FieldProblem] {
        var found: [FieldProblem] = []
        let s = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.isEmpty { found.append(.init(field: "subject", rule: .required, message: "a subject is required")) }
        if s.count > TicketLimits.subjectLength.upperBound { found.append(.init(field: "subject", rule: .tooLong(max: TicketLimits.subjectLength.upperBound, actual: s.count))) }
        let d = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if d.count > TicketLimits.descriptionMaxLength { found.append(.init(field: "description", rule: .tooLong(max: TicketLimits.descriptionMaxLength, actual: d.count))) }
        if let o = occurredAt, o.timeIntervalSince(now) > TicketLimits.occurredAtFutureTolerance {
            found.append(.init(field: "occurred_at", rule: .inFuture, message: "an incident cannot have happened in the future"))
        }
        if (try? validTags(tags)) == nil { found.append(.init(field: "tags", rule: .other, message: "at most \(TicketLimits.maxTags) tags of 1–40 characters without commas")) }
        return found
    }
}
