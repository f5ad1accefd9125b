import Foundation

/// Ticket lifecycle: new → assigned → in_progress → pending → resolved → closed, with reopen.
public enum TicketStatus: String, Codable, Sendable, CaseIterable {
    case new
    case assigned
    case inProgress = "in_progress"
    case pending
    case resolved
    case closed

    /// Open statuses are the ones an agent still has to work on.
    public var isOpen: Bool { self != .resolved && self != .closed }

    /// Statuses reachable from this one. `resolved → in_progress` is the reopen; `closed` is final.
    public var successors: Set<TicketStatus> {
        switch self {
        case .new: [.assigned, .inProgress, .pending, .resolved]
        case .assigned: [.new, .inProgress, .pending, .resolved]
        case .inProgress: [.assigned, .pending, .resolved]
        case .pending: [.assigned, .inProgress, .resolved]
        case .resolved: [.inProgress, .closed]
        case .closed: []
        }
    }

    public func canMove(to next: TicketStatus) -> Bool { successors.contains(next) }
}
