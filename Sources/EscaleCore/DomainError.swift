import Foundation

/// Errors raised by domain rules. The HTTP edge maps them to problem+json; the core knows nothing of HTTP.
public enum DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bad input: a field and what is wrong with it.
    case invalid(field: String, String)
    /// Bad input in several fields, all reported at once.
    case invalidFields([FieldProblem])
    /// A lifecycle rule forbids the change.
    case invalidTransition(from: TicketStatus, to: TicketStatus)
    /// The actor may not do this (to something they are allowed to see).
    case forbidden(String)
    /// The thing does not exist, or the actor may not know it exists.
    case notFound(String)
    /// Optimistic concurrency: the record changed since the caller read it.
    case versionConflict(current: Int)
    /// A uniqueness rule (e-mail, name…) would be broken.
    case conflict(String)

    /// The problems of a bad input, one per field at fault.
    public var problems: [FieldProblem] {
        switch self {
        case let .invalid(field, message): [FieldProblem(field: field, rule: .other, message: message)]
        case let .invalidFields(p): p
        default: []
        }
    }

    public var description: String {
        switch self {
        case let .invalid(field, message): "\(field): \(message)"
        case let .invalidFields(problems): problems.map(\.description).joined(separator: "; ")
        case let .invalidTransition(from, to): "a ticket cannot go from \(from.rawValue) to \(to.rawValue)"
        case let .forbidden(message): message
        case let .notFound(what): "\(what) not found"
        case let .versionConflict(current): "the ticket was changed by someone else (it is now at version \(current)); reload it and apply your change again"
        case let .conflict(message): message
        }
    }
}
