import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Saved views: a queue with its filters and sort under a name, in the navigation with its count.
extension Desk {
    public struct SavedViewInfo: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let queue: String
        public let query: String
        public let shared: Bool
        /// The reader may delete it (theirs, or shared and they may share).
        public let canDelete: Bool
    }

    /// The actor's own views and the shared ones, by name.
    public func savedViews(for actor: Actor) async throws -> [SavedViewInfo] {
        guard actor.role.isStaff else { return [] }
        let rows = try await SavedViewModel.query(on: store.database)
            .group(.or) { $0.filter(\.$ownerId == actor.userId).filter(\.$shared == true) }
            .sort(\.$name).limit(SavedView.maxPerPerson * 2).all()
        return rows.map { SavedViewInfo(id: $0.id!, name: $0.name, queue: $0.queue, query: $0.query, shared: $0.shared,
                                        canDelete: AccessPolicy.canManageAgentTool(actor, ownerId: $0.ownerId, shared: $0.shared)) }
    }

    /// `queues`: the queue names a view may start from (the console's).
    public func saveView(name: String, queue: String, params: [String: String], shared: Bool, queues: [String], by actor: Actor) async throws -> SavedViewInfo {
        try AccessPolicy.require(actor, .workTickets)
        if shared { try AccessPolicy.require(actor, .shareWithTeam) }
        let name = try SavedView.validName(name)
        guard queues.contains(queue) else { throw DomainError.invalid(field: "queue", "unknown queue") }
        return try await store.write { db in
            let owned = try await SavedViewModel.query(on: db).filter(\.$ownerId == actor.userId).count()
            guard owned < SavedView.maxPerPerson else {
                throw DomainError.invalid(field: "name", "at most \(SavedView.maxPerPerson) views each: delete one first")
            }
            let m = SavedViewModel()
            m.id = UUID(); m.ownerId = actor.userId; m.shared = shared; m.name = name; m.queue = queue
            m.query = SavedView.canonicalQuery(params); m.createdAt = self.now
            try await m.create(on: db)
            if shared { try await self.audit(actor, "create", "saved_view", m.id, name, on: db) }
            return SavedViewInfo(id: m.id!, name: name, queue: queue, query: m.query, shared: shared, canDelete: true)
        }
    }

    public func deleteView(_ id: UUID, by actor: Actor) async throws {
        try await store.write { db in
            guard let m = try await SavedViewModel.find(id, on: db), AccessPolicy.canSeeAgentTool(actor, ownerId: m.ownerId, shared: m.shared) else {
                throw DomainError.notFound("view")
            }
            guard AccessPolicy.canManageAgentTool(actor, ownerId: m.ownerId, shared: m.shared) else {
                throw DomainError.forbidden("only supervisors and administrators change what the whole team shares")
            }
            try await m.delete(on: db)
            if m.shared { try await self.audit(actor, "delete", "saved_view", id, m.name, on: db) }
        }
    }
}
