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

    /// The small, slow-changing part of the directory every page shows (organizations, groups, categories, staff),
    /// read in four queries and kept like the rest of the directory cache: dropped on any directory change here,
    /// at most 10 s old for changes made by another instance.
    public struct DirectorySnapshot: Sendable {
        public struct Staff: Sendable {
            public let id: UUID
            public let name: String
            public let groupIds: Set<UUID>
        }
        public let organizations: [OrganizationDTO]
        public let groups: [GroupDTO]
        public let categories: [CategoryDTO]
        /// Active agents, supervisors and administrators, by name.
        public let staff: [Staff]
        public let settings: DeskSettingsDTO

        /// Groups as routing sees them.
        var routingCandidates: [GroupRouting.Candidate] {
            groups.map { .init(id: $0.id, tier: $0.tier, servesAll: $0.servesAllOrganizations, organizationIds: Set($0.organizationIds), active: $0.active) }
        }

        public func group(_ id: UUID) -> GroupDTO? { groups.first { $0.id == id } }
        public func organization(_ id: UUID) -> OrganizationDTO? { organizations.first { $0.id == id } }
    }

    /// The cached directory. Inside a write transaction pass its `db`: on SQLite the pool may have no other connection
    /// to give while the writer holds one. A snapshot read inside a transaction is not cached (it could roll back).
    public func directory(on transaction: (any Database)? = nil) async throws -> DirectorySnapshot {
        if let cached = cache.snapshot() { return cached }
        let db = transaction ?? store.database
        let orgs = try await OrganizationModel.query(on: db).sort(\.$name).all().map(Self.dto)
        let groups = try await GroupModel.query(on: db).sort(\.$tier).sort(\.$name).all()
        let links = try await GroupOrganizationModel.query(on: db).all()
        let byGroup = Dictionary(grouping: links, by: \.groupId)
        let categories = try await CategoryModel.query(on: db).sort(\.$id).all().map(Self.dto)
        let staffRoles = [Role.agent, .supervisor, .admin].map(\.rawValue)
        let staff = try await UserModel.query(on: db).filter(\.$active == true).filter(\.$role ~~ staffRoles).sort(\.$name).all()
        let members = try await GroupMemberModel.query(on: db).all()
        let groupsOf = Dictionary(grouping: members, by: \.userId).mapValues { Set($0.map(\.groupId)) }
        let snapshot = DirectorySnapshot(
            organizations: orgs,
            groups: groups.map { g in
                Self.dto(g, organizationIds: (byGroup[g.id!] ?? []).map(\.organizationId))
            },
            categories: categories,
            staff: staff.map { .init(id: $0.id!, name: $0.name, groupIds: groupsOf[$0.id!] ?? []) },
            settings: try await Settings.json(DeskSettingsDTO.self, key: SettingKey.desk, on: db) ?? DeskSettingsDTO())
        if transaction == nil { cache.setSnapshot(snapshot) }
        return snapshot
    }

    public func names(users: some Collection<UUID>, organizations: some Collection<UUID>, groups: some Collection<UUID>) async throws -> Names {
        let directory = try await directory()
        var names = Names()
        for o in directory.organizations { names.organizations[o.id] = o.name }
        for g in directory.groups { names.groups[g.id] = g.name }
        for s in directory.staff { names.users[s.id] = s.name }
        let missing = Array(Set(users).filter { names.users[$0] == nil })
        if !missing.isEmpty {
            for m in try await UserModel.query(on: store.database).filter(\.$id ~~ missing).field(\.$id).field(\.$name).all() { names.users[m.id!] = m.name }
        }
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
        try await directory().staff.filter { s in group.map { s.groupIds.contains($0) } ?? true }.map { ($0.id, $0.name) }
    }
}
