import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Reads the web pages need beyond the API's: tickets by number, bounded queue counts, display names in bulk.
extension Desk {
    /// Display names for the ids a page shows, one query per kind of entity (never one per row).
    public struct Names: Sendable {
        public var users: [UUID: String] = [:]
        public var organizations: [UUID: String] = [:]
        public var groups: [UUID: String] = [:]
        public func user(_ id: UUID?) -> String? { id.flatMap { users[$0] } }
        public func organization(_ id: UUID?) -> String? { id.flatMap { organizations[$0] } }
        public func group(_ id: UUID?) -> String? { id.flatMap { groups[$0] } }
    }

    public func names(users: some Collection<UUID>, organizations: some Collection<UUID>, groups: some Collection<UUID>) async throws -> Names {
        let db = store.database
        var names = Names()
        let u = Array(Set(users)), o = Array(Set(organizations)), g = Array(Set(groups))
        if !u.isEmpty { for m in try await UserModel.query(on: db).filter(\.$id ~~ u).field(\.$id).field(\.$name).all() { names.users[m.id!] = m.name } }
        if !o.isEmpty { for m in try await OrganizationModel.query(on: db).filter(\.$id ~~ o).all() { names.organizations[m.id!] = m.name } }
        if !g.isEmpty { for m in try await GroupModel.query(on: db).filter(\.$id ~~ g).all() { names.groups[m.id!] = m.name } }
        return names
    }

    /// The ticket with this number, if the actor may see it (the same not-found for another tenant's and a missing one).
    public func ticket(number seq: Int, by actor: Actor) async throws -> Ticket {
        guard let t = try await TicketRepository.find(seqs: [seq], scope: AccessPolicy.ticketScope(of: actor), on: store.database)[seq] else {
            throw DomainError.notFound("ticket")
        }
        return t
    }

    public func countTickets(_ filter: TicketFilter, by actor: Actor, cap: Int) async throws -> Int {
        try await TicketRepository.count(filter, scope: AccessPolicy.ticketScope(of: actor), cap: cap, on: store.database)
    }

    /// Staff who may be assigned a ticket of this group (or every active staff member if it has none).
    public func assignableAgents(group: UUID?) async throws -> [(id: UUID, name: String)] {
        let db = store.database
        let q = UserModel.query(on: db).filter(\.$active == true).filter(\.$role ~~ [Role.agent.rawValue, Role.supervisor.rawValue, Role.admin.rawValue])
        if let group {
            let members = try await GroupMemberModel.query(on: db).filter(\.$groupId == group).all().map(\.userId)
            guard !members.isEmpty else { return [] }
            q.filter(\.$id ~~ members)
        }
        return try await q.sort(\.$name).all().map { ($0.id!, $0.name) }
    }
}
