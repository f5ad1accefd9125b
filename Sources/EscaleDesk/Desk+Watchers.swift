import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

extension Desk {
    /// Who follows a ticket (staff only).
    public func watchers(of id: UUID, by actor: Actor) async throws -> [WatcherDTO] {
        let db = store.database
        let ticket = try await self.ticket(id, by: actor, on: db)
        try AccessPolicy.require(actor, .workTickets)
        let ids = try await TicketLinkStore.watchers(of: ticket.id, on: db)
        let names = try await self.names(users: ids, organizations: [UUID](), groups: [UUID]())
        return ids.map { WatcherDTO(userId: $0, name: names.user($0) ?? "") }
    }

    /// Adds a watcher: oneself, or (staff) another active staff member.
    public func watch(_ id: UUID, userId: UUID, by actor: Actor, on db: any Database) async throws {
        let ticket = try await self.ticket(id, by: actor, on: db)
        try AccessPolicy.require(actor, .workTickets)
        if userId != actor.userId {
            guard let user = try await UserModel.find(userId, on: db), user.active, Role(rawValue: user.role)?.isStaff == true else {
                throw DomainError.invalid(field: "user_id", "unknown staff member")
            }
        }
        try await TicketLinkStore.watch(ticket.id, userId: userId, at: now, on: db)
    }

    /// Stops following a ticket (staff, for themselves).
    public func unwatch(_ id: UUID, by actor: Actor, on db: any Database) async throws {
        let ticket = try await self.ticket(id, by: actor, on: db)
        try AccessPolicy.require(actor, .workTickets)
        try await TicketLinkStore.unwatch(ticket.id, userId: actor.userId, on: db)
    }

    /// Whether the actor follows a ticket they have already read through their scope.
    public func isWatching(_ ticket: Ticket, by actor: Actor) async throws -> Bool {
        try await TicketLinkStore.watchers(of: ticket.id, on: store.database).contains(actor.userId)
    }

    /// Tells each watcher, except whoever did it, of a public reply or a status change.
    func notifyWatchers(_ ticket: Ticket, events: [TicketEvent], on db: any Database) async throws {
        let told = events.filter { $0.isPublic && ($0.kind == .reply || $0.kind == .statusChanged) }
        guard !told.isEmpty else { return }
        for user in try await TicketLinkStore.watchers(of: ticket.id, on: db) {
            let byOthers = told.filter { $0.actorId != user }
            guard !byOthers.isEmpty else { continue }
            let reason = byOthers.map { e in
                e.kind == .reply ? "New public reply." : "Status changed: \(e.oldValue ?? "—") → \(e.newValue ?? "—")."
            }.joined(separator: " ")
            try await notify(user, about: ticket, event: .watched, reason: reason, incidentId: nil, emailByDefault: true, on: db)
        }
    }
}
