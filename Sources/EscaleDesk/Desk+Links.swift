import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

extension Desk {
    /// The links of a ticket the actor may see, to tickets the actor may see: a link to a ticket outside the scope is
    /// left out, so its number and subject never leak.
    public func links(of id: UUID, by actor: Actor) async throws -> [TicketLinkDTO] {
        let db = store.database
        let ticket = try await self.ticket(id, by: actor, on: db)
        let scope = AccessPolicy.ticketScope(of: actor)
        var out: [TicketLinkDTO] = []
        for row in try await TicketLinkStore.links(of: ticket.id, on: db) {
            guard case let (kind, otherId)? = row.seen(from: ticket.id),
                  let other = try await TicketRepository.find(otherId, scope: scope, on: db) else { continue }
            out.append(TicketLinkDTO(id: row.id, kind: kind, ticketId: other.id, number: other.number, subject: other.subject,
                                     status: other.status, createdAt: row.createdAt))
        }
        return out
    }

    /// Links two tickets (staff), with an entry on both timelines. A parent link also sets the child's `parent_id`.
    public func link(_ id: UUID, _ input: TicketLinkInput, by actor: Actor, on db: any Database) async throws -> TicketLinkDTO {
        let ticket = try await self.ticket(id, by: actor, forUpdate: true, on: db)
        try AccessPolicy.require(actor, .workTickets)
        let other = try await linkable(input.ticketId, by: actor, on: db)
        let family = input.kind == .parent || input.kind == .child
        let (child, parent) = input.kind == .parent ? (ticket.id, other.id) : (other.id, ticket.id)
        let linked = Set(try await TicketLinkStore.links(of: ticket.id, on: db).compactMap { $0.seen(from: ticket.id)?.other })
        var hasParent = false, ancestors: [UUID] = []
        if family {
            hasParent = try await TicketLinkStore.parent(of: child, on: db) != nil
            ancestors = try await TicketLinkStore.ancestors(of: parent, on: db)
        }
        try TicketLinkRules.check(input.kind, from: ticket.id, to: other.id, linked: linked, hasParent: hasParent, ancestorsOfParent: ancestors)
        let row = input.kind == .child
            ? TicketLinkRow(id: UUID(), ticketId: other.id, otherId: ticket.id, kind: TicketLinkKind.parent.rawValue, createdBy: actor.userId, createdAt: now)
            : TicketLinkRow(id: UUID(), ticketId: ticket.id, otherId: other.id, kind: input.kind.rawValue, createdBy: actor.userId, createdAt: now)
        try await TicketLinkStore.insert(row, on: db)
        if family { try await setParentField(of: child, to: parent, by: actor, on: db) }
        try await recordLink(.linked, row, by: actor, on: db)
        return TicketLinkDTO(id: row.id, kind: input.kind, ticketId: other.id, number: other.number, subject: other.subject,
                             status: other.status, createdAt: row.createdAt)
    }

    /// Removes a link of a ticket (staff), with an entry on both timelines. A link to a ticket the actor may not see
    /// answers like a missing one.
    public func unlink(_ id: UUID, linkId: UUID, by actor: Actor, on db: any Database) async throws {
        let ticket = try await self.ticket(id, by: actor, forUpdate: true, on: db)
        try AccessPolicy.require(actor, .workTickets)
        guard let row = try await TicketLinkStore.link(linkId, on: db), case let (_, otherId)? = row.seen(from: ticket.id),
              row.ticketId == ticket.id || row.otherId == ticket.id,
              try await TicketRepository.find(otherId, scope: AccessPolicy.ticketScope(of: actor), on: db) != nil else {
            throw DomainError.notFound("link")
        }
        try await TicketLinkStore.delete(row.id, on: db)
        if row.kind == TicketLinkKind.parent.rawValue { try await setParentField(of: row.ticketId, to: nil, by: actor, on: db) }
        try await recordLink(.unlinked, row, by: actor, on: db)
    }

    /// Refuses a `parent_id` that would put a ticket above itself (PATCH goes through here too).
    func checkParent(of id: UUID, to parent: UUID, on db: any Database) async throws {
        if try await TicketLinkStore.ancestors(of: parent, on: db).contains(id) {
            throw DomainError.invalid(field: "parent_id", "that would make a ticket its own ancestor")
        }
    }

    /// Keeps the `parent` link equal to a `parent_id` changed by PATCH: the old link goes, the new one comes.
    func syncParentLink(of ticket: Ticket, by actor: Actor, on db: any Database) async throws {
        for row in try await TicketLinkStore.links(of: ticket.id, on: db) where row.ticketId == ticket.id && row.kind == TicketLinkKind.parent.rawValue {
            try await TicketLinkStore.delete(row.id, on: db)
            try await recordLink(.unlinked, row, by: actor, on: db)
        }
        guard let parent = ticket.parentId else { return }
        let row = TicketLinkRow(id: UUID(), ticketId: ticket.id, otherId: parent, kind: TicketLinkKind.parent.rawValue, createdBy: actor.userId, createdAt: now)
        try await TicketLinkStore.insert(row, on: db)
        try await recordLink(.linked, row, by: actor, on: db)
    }

    /// A ticket named in a body: one the actor may not see is unknown, exactly like a missing one.
    func linkable(_ id: UUID, field: String = "ticket_id", by actor: Actor, on db: any Database) async throws -> Ticket {
        guard let t = try await TicketRepository.find(id, scope: AccessPolicy.ticketScope(of: actor), forUpdate: true, on: db) else {
            throw DomainError.invalid(field: field, "unknown ticket")
        }
        return t
    }

    private func setParentField(of child: UUID, to parent: UUID?, by actor: Actor, on db: any Database) async throws {
        guard var ticket = try await TicketRepository.find(child, scope: .all, forUpdate: true, on: db) else { throw DomainError.notFound("ticket") }
        let before = ticket
        var change = TicketChange()
        change.parentId = .some(parent)
        let events = try ticket.apply(change, matrix: try await priorityMatrix(on: db),
                                      contract: try await activeContract(of: ticket.organizationId, on: db), by: actor, at: now)
        try await save(ticket, before: before, events: events, on: db)
    }

    /// One internal entry on each ticket of the link, naming the other; no new ticket version (no field changed).
    func recordLink(_ kind: TicketEventKind, _ row: TicketLinkRow, by actor: Actor, on db: any Database) async throws {
        guard let a = try await TicketRepository.find(row.ticketId, scope: .all, on: db),
              let b = try await TicketRepository.find(row.otherId, scope: .all, on: db),
              let stored = TicketLinkKind(rawValue: row.kind) else { return }
        for (ticket, other, seen) in [(a, b, stored), (b, a, stored.inverse)] {
            let event = TicketEvent(kind: kind, actorId: actor.userId, at: now, isPublic: false, field: seen.rawValue,
                                    oldValue: kind == .unlinked ? other.number : nil, newValue: kind == .linked ? other.number : nil)
            try await TicketRepository.appendSystem([event], to: ticket.id, version: ticket.version, on: db)
            try await publish(.updated, ticket, isPublic: false, on: db)
        }
    }
}
