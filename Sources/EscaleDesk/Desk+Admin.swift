import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Administrative edits: users (role, organization, groups, active), contracts, group membership.
extension Desk {
    public struct UserUpdate: Sendable {
        public var name: String
        public var role: Role
        public var organizationId: UUID?
        public var groupIds: [UUID]
        public var active: Bool
        public var locale: String
        public var timeZone: String
        public init(name: String, role: Role, organizationId: UUID?, groupIds: [UUID], active: Bool, locale: String, timeZone: String) {
            self.name = name; self.role = role; self.organizationId = organizationId; self.groupIds = groupIds
            self.active = active; self.locale = locale; self.timeZone = timeZone
        }
    }

    public func updateUser(_ id: UUID, _ update: UserUpdate, by actor: Actor) async throws -> UserDTO {
        try AccessPolicy.require(actor, .manageUsers)
        let name = try Self.validName(update.name, field: "name")
        guard ["fr", "en"].contains(update.locale) else { throw DomainError.invalid(field: "locale", "must be fr or en") }
        guard TimeZone(identifier: update.timeZone) != nil else { throw DomainError.invalid(field: "time_zone", "unknown time zone '\(update.timeZone)'") }
        if update.role.isStaff, update.organizationId != nil {
            throw DomainError.invalid(field: "organization_id", "support staff work for the desk, not for a client organization")
        }
        if !update.role.isStaff, update.organizationId == nil {
            throw DomainError.invalid(field: "organization_id", "a \(update.role.rawValue) belongs to a client organization")
        }
        let groups = update.role.isStaff ? Array(Set(update.groupIds)) : []
        if id == actor.userId, !update.active || update.role != .admin, actor.role == .admin {
            throw DomainError.invalid(field: "role", "you cannot remove your own administrator access")
        }
        return try await store.write { db in
            guard let u = try await UserModel.find(id, on: db) else { throw DomainError.notFound("user") }
            if let org = update.organizationId, try await OrganizationModel.find(org, on: db) == nil {
                throw DomainError.invalid(field: "organization_id", "unknown organization")
            }
            if !groups.isEmpty, try await GroupModel.query(on: db).filter(\.$id ~~ groups).count() != groups.count {
                throw DomainError.invalid(field: "group_ids", "unknown group")
            }
            u.name = name; u.role = update.role.rawValue; u.organizationId = update.organizationId; u.active = update.active
            u.locale = update.locale; u.timeZone = update.timeZone
            try await u.save(on: db)
            try await GroupMemberModel.query(on: db).filter(\.$userId == id).delete()
            for g in groups { try await GroupMemberModel(groupId: g, userId: id).create(on: db) }
            if !update.active { try await WebSessionModel.query(on: db).filter(\.$userId == id).delete() }
            try await self.audit(actor, "update", "user", id, "\(u.email) (\(u.role), active: \(u.active))", on: db)
            return Self.dto(u, groupIds: groups)
        }
    }

    public func user(_ id: UUID, by actor: Actor) async throws -> (UserDTO, timeZone: String) {
        try AccessPolicy.require(actor, .manageUsers)
        let db = store.database
        guard let u = try await UserModel.find(id, on: db) else { throw DomainError.notFound("user") }
        let groups = try await GroupMemberModel.query(on: db).filter(\.$userId == id).all().map(\.groupId)
        return (Self.dto(u, groupIds: groups), u.timeZone)
    }

    /// Replaces a contract's terms. Open tickets keep the scope flag they were given; new tickets use the new terms.
    public func updateContract(_ id: UUID, _ input: ContractInput, by actor: Actor) async throws -> ContractDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        return try await store.write { db in
            guard let m = try await ContractModel.find(id, on: db) else { throw DomainError.notFound("contract") }
            let replacement = try await self.contractRow(organizationId: m.organizationId, input, id: id, on: db)
            m.name = replacement.name; m.perimeter = replacement.perimeter; m.categories = replacement.categories
            m.validFrom = replacement.validFrom; m.validUntil = replacement.validUntil; m.calendarId = replacement.calendarId
            m.slaPolicyId = replacement.slaPolicyId; m.onCall = replacement.onCall
            m.requestersSeeOrganization = replacement.requestersSeeOrganization
            m.pageBeforeTriage = replacement.pageBeforeTriage
            m.onCallPolicyId = replacement.onCallPolicyId; m.escalationRules = replacement.escalationRules
            try await m.save(on: db)
            // The organization's open tickets run on the new terms from now on.
            try await self.scheduleSLAReplay(organizationId: m.organizationId, on: db)
            try await self.audit(actor, "update", "contract", id, "\(m.name) (\(m.perimeter))", on: db)
            return try self.dto(m)
        }
    }

    public func contract(_ id: UUID, by actor: Actor) async throws -> ContractDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await ContractModel.find(id, on: store.database) else { throw DomainError.notFound("contract") }
        return try dto(m)
    }
}
