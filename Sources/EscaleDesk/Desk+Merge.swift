import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

extension Desk {
    /// Merges a ticket into another of the same organization, in the caller's transaction: the source closes with a
    /// public entry pointing to the target and a `duplicate_of` link, keeping its own timeline (replies, notes and
    /// attachments stay where they were written); the target gets an internal entry naming the source, and the
    /// source's requester watches the target.
    public func merge(_ id: UUID, into targetId: UUID, expectedVersion: Int, by actor: Actor, on db: any Database) async throws -> Ticket {
        var source = try await self.ticket(id, by: actor, forUpdate: true, on: db)
        try AccessPolicy.require(actor, .workTickets)
        guard source.version == expectedVersion else { throw DomainError.versionConflict(current: source.version) }
        let target = try await linkable(targetId, field: "into", by: actor, on: db)
        let existing = try await TicketLinkStore.links(of: source.id, on: db).filter { $0.seen(from: source.id)?.other == target.id }
        if existing.contains(where: { $0.seen(from: source.id)?.kind != .duplicateOf }) {
            throw DomainError.conflict("these two tickets are already linked otherwise: remove that link first")
        }
        let before = source
        let events = try source.closeAsMerged(into: target, by: actor, at: now)
        try await save(source, before: before, events: events, on: db)
        if existing.isEmpty {
            let row = TicketLinkRow(id: UUID(), ticketId: source.id, otherId: target.id, kind: TicketLinkKind.duplicateOf.rawValue,
                                    createdBy: actor.userId, createdAt: now)
            try await TicketLinkStore.insert(row, on: db)
            try await recordLink(.linked, row, by: actor, on: db)
        }
        let entry = TicketEvent(kind: .merged, actorId: actor.userId, at: now, isPublic: false, body: "\(source.number) — \(source.subject)",
                                field: "from", newValue: source.number)
        let current = try await TicketRepository.find(target.id, scope: .all, on: db) ?? target
        try await TicketRepository.appendSystem([entry], to: current.id, version: current.version, on: db)
        try await TicketLinkStore.watch(target.id, userId: source.requesterId, at: now, on: db)
        try await publish(.updated, current, isPublic: false, on: db)
        return source
    }

    /// The number of the ticket this one was merged into, if it was (read from its timeline).
    public func mergedInto(_ ticket: Ticket, on db: (any Database)? = nil) async throws -> String? {
        guard ticket.status == .closed else { return nil }
        return try await TicketLinkStore.mergedInto(ticket.id, on: db ?? store.database)
    }

    /// A merged ticket takes no more comments: people are sent to the ticket it was merged into.
    func refuseIfMerged(_ ticket: Ticket, on db: any Database) async throws {
        if let target = try await mergedInto(ticket, on: db) {
            throw DomainError.invalid(field: "merged_into", "this ticket was merged into \(target): write there instead")
        }
    }
}
