import Foundation

/// How two tickets relate, seen from one of them.
public enum TicketLinkKind: String, Codable, Sendable, CaseIterable {
    /// Symmetric.
    case related
    /// The other ticket is this one's parent.
    case parent
    /// The other ticket is this one's child.
    case child
    /// This ticket duplicates the other.
    case duplicateOf = "duplicate_of"
    /// The other ticket duplicates this one (the far side of `duplicate_of`; never asked for).
    case duplicatedBy = "duplicated_by"

    /// The same link seen from the other ticket.
    public var inverse: TicketLinkKind {
        switch self {
        case .related: .related
        case .parent: .child
        case .child: .parent
        case .duplicateOf: .duplicatedBy
        case .duplicatedBy: .duplicateOf
        }
    }

    /// Links are stored once, from the side where the kind is `related`, `parent` or `duplicate_of`.
    public var isStored: Bool { self == .related || self == .parent || self == .duplicateOf }
}

/// The rules of links between tickets. Pure: the caller reads the existing links and the parent chain.
public enum TicketLinkRules {
    /// Refuses a self-link, a second link between the same two tickets, a second parent and a parent cycle.
    /// - Parameters:
    ///   - linked: tickets already linked to `ticket`, whatever the kind.
    ///   - hasParent: whether the ticket that would become a child already has a parent.
    ///   - ancestorsOfParent: the parent chain above the ticket that would become the parent (its parent, grandparent…).
    public static func check(_ kind: TicketLinkKind, from ticket: UUID, to other: UUID, linked: Set<UUID>, hasParent: Bool,
                             ancestorsOfParent: [UUID]) throws {
        if kind == .duplicatedBy { throw DomainError.invalid(field: "kind", "link from the duplicate instead: duplicate_of") }
        if ticket == other { throw DomainError.invalid(field: "ticket_id", "a ticket cannot be linked to itself") }
        if linked.contains(other) { throw DomainError.conflict("these two tickets are already linked: remove that link first") }
        guard kind == .parent || kind == .child else { return }
        let child = kind == .parent ? ticket : other
        if hasParent { throw DomainError.conflict("that ticket already has a parent: remove that link first") }
        if ancestorsOfParent.contains(child) {
            throw DomainError.invalid(field: "ticket_id", "that would make a ticket its own ancestor")
        }
    }
}

extension Ticket {
    /// Closes this ticket as merged into `target` (staff): a public entry points to the target, then the status change.
    /// Only open or resolved tickets of the same organization merge, into a ticket that is not closed.
    public mutating func closeAsMerged(into target: Ticket, by actor: Actor, at now: Date) throws -> [TicketEvent] {
        guard actor.role.isStaff else { throw DomainError.forbidden("only support staff merge tickets") }
        if target.id == id { throw DomainError.invalid(field: "into", "a ticket cannot be merged into itself") }
        if status == .closed { throw DomainError.conflict("this ticket is closed: it can no longer be merged") }
        if target.organizationId != organizationId {
            throw DomainError.invalid(field: "into", "tickets of different organizations cannot be merged")
        }
        if target.status == .closed { throw DomainError.invalid(field: "into", "that ticket is closed: merge into an open one") }
        let events = [
            TicketEvent(kind: .merged, actorId: actor.userId, at: now, isPublic: true, field: "into", newValue: target.number),
            TicketEvent(kind: .statusChanged, actorId: actor.userId, at: now, isPublic: true, oldValue: status.rawValue,
                        newValue: TicketStatus.closed.rawValue),
        ]
        status = .closed
        closedAt = now
        touch(at: now)
        return events
    }
}
