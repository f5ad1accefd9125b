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
        /// nil: nobody chooses, the defaults and the browser decide (`LanguageDefault`).
        public var locale: String?
        public var timeZone: String
        /// As typed; nil or empty: none.
        public var phone: String?
        public init(name: String, role: Role, organizationId: UUID?, groupIds: [UUID], active: Bool, locale: String?, timeZone: String, phone: String? = nil) {
            self.name = name; self.role = role; self.organizationId = organizationId; self.groupIds = groupIds
            self.active = active; self.locale = locale; self.timeZone = timeZone; self.phone = phone
        }
    }

    public func updateUser(_ id: UUID, _ update: UserUpdate, by actor: Actor) async throws -> UserDTO {
        try AccessPolicy.require(actor, .manageUsers)
        let name = try Self.validName(update.name, field: "name")
        if let l = update.locale, !LanguageDefault.supported.contains(l) { throw DomainError.invalid(field: "locale", "must be fr or en") }
        guard TimeZone(identifier: update.timeZone) != nil else { throw DomainError.invalid(field: "time_zone", "unknown time zone '\(update.timeZone)'") }
        if update.role.isStaff, update.organizationId != nil {
            throw DomainError.invalid(field: "organization_id", "support staff work for the desk, not for a client organization")
        }
        if !update.role.isStaff, update.organizationId == nil {
            throw DomainError.invalid(field: "organization_id", "a \(update.role.rawValue) belongs to a client organization")
        }
        let groups = update.role.isStaff ? Array(Set(update.groupIds)) : []
        let phone = try Self.validPhone(update.phone)
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
            if let l = update.locale { u.locale = l }
            u.localeAuto = update.locale == nil; u.timeZone = update.timeZone
            (u.phone, u.phoneE164) = phone
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
        try await store.write { db in try await self.updateContract(id, input, by: actor, on: db) }
    }

    public func updateContract(_ id: UUID, _ input: ContractInput, by actor: Actor, on db: any Database) async throws -> ContractDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await ContractModel.find(id, on: db) else { throw DomainError.notFound("contract") }
        let replacement = try await contractRow(organizationId: m.organizationId, input, id: id, on: db)
        m.name = replacement.name; m.perimeter = replacement.perimeter; m.categories = replacement.categories
        m.validFrom = replacement.validFrom; m.validUntil = replacement.validUntil; m.calendarId = replacement.calendarId
        m.slaPolicyId = replacement.slaPolicyId; m.onCall = replacement.onCall
        m.requestersSeeOrganization = replacement.requestersSeeOrganization
        m.pageBeforeTriage = replacement.pageBeforeTriage
        m.remoteControlConsent = replacement.remoteControlConsent
        m.onCallPolicyId = replacement.onCallPolicyId; m.escalationRules = replacement.escalationRules
        try await m.save(on: db)
        // The organization's open tickets run on the new terms from now on.
        try await scheduleSLAReplay(organizationId: m.organizationId, on: db)
        try await audit(actor, "update", "contract", id, "\(m.name) (\(m.perimeter))", on: db)
        return try dto(m)
    }

    // MARK: Organizations, groups, categories

    public func organization(_ id: UUID, by actor: Actor) async throws -> OrganizationDTO {
        Self.dto(try await visibleOrganization(id, by: actor, on: store.database))
    }

    /// Renames, re-domains, sets the default language of, deactivates or reactivates an organization.
    public func updateOrganization(_ id: UUID, _ input: OrganizationInput, by actor: Actor, on db: any Database) async throws -> OrganizationDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let org = try await visibleOrganization(id, by: actor, on: db)
        let name = try Self.validName(input.name, field: "name")
        if let other = try await OrganizationModel.query(on: db).filter(\.$name == name).first(), other.id != id {
            throw DomainError.conflict("an organization named '\(name)' already exists")
        }
        if let l = input.locale, !LanguageDefault.supported.contains(l) { throw DomainError.invalid(field: "locale", "must be fr or en") }
        org.name = name
        org.domain = try input.domain.map { try Self.validDomain($0) }
        org.domains = try await mailDomains(domain: org.domain, domains: input.domains, organizationId: id, on: db)
        org.locale = input.locale
        org.active = input.active ?? true
        (org.phone, org.phoneE164) = try Self.validPhone(input.phone)
        try await org.save(on: db)
        try await audit(actor, "update", "organization", id, "\(name) (active: \(org.active), language: \(org.locale ?? "default"))", on: db)
        return Self.dto(org)
    }

    public func group(_ id: UUID, by actor: Actor) async throws -> GroupDTO {
        try AccessPolicy.require(actor, .readDirectory)
        guard let g = try await directory().group(id) else { throw DomainError.notFound("group") }
        return g
    }

    /// Renames a group, changes whom it serves, deactivates or reactivates it. Its tier is what it is: tickets and
    /// escalations depend on it, so a group of another tier is a new group.
    public func updateGroup(_ id: UUID, _ input: GroupInput, by actor: Actor, on db: any Database) async throws -> GroupDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let g = try await GroupModel.find(id, on: db) else { throw DomainError.notFound("group") }
        guard input.tier.rawValue == g.tier else {
            throw DomainError.invalid(field: "tier", "a group's tier cannot change (create a group at that tier instead)")
        }
        let name = try Self.validName(input.name, field: "name")
        if let other = try await GroupModel.query(on: db).filter(\.$name == name).first(), other.id != id {
            throw DomainError.conflict("a group named '\(name)' already exists")
        }
        let orgs = Array(Set(input.organizationIds ?? []))
        if !orgs.isEmpty, try await OrganizationModel.query(on: db).filter(\.$id ~~ orgs).count() != orgs.count {
            throw DomainError.invalid(field: "organization_ids", "unknown organization")
        }
        let active = input.active ?? true
        if !active, let settings = try await Settings.json(DeskSettingsDTO.self, key: SettingKey.desk, on: db),
           Tier.allCases.contains(where: { settings.defaultGroups[$0] == id }) {
            throw DomainError.invalid(field: "active", "this group is the default group of its tier: choose another default in the settings first")
        }
        g.name = name; g.servesAll = orgs.isEmpty; g.active = active
        try await g.save(on: db)
        try await GroupOrganizationModel.query(on: db).filter(\.$groupId == id).delete()
        for o in orgs { try await GroupOrganizationModel(groupId: id, organizationId: o).create(on: db) }
        try await audit(actor, "update", "group", id, "\(name) (active: \(active))", on: db)
        return Self.dto(g, organizationIds: orgs)
    }

    /// Replaces a group's members (agents, supervisors, administrators).
    public func setGroupMembers(_ id: UUID, _ userIds: [UUID], by actor: Actor, on db: any Database) async throws -> [UUID] {
        try AccessPolicy.require(actor, .manageUsers)
        guard try await GroupModel.find(id, on: db) != nil else { throw DomainError.notFound("group") }
        let ids = Array(Set(userIds))
        let users = ids.isEmpty ? [] : try await UserModel.query(on: db).filter(\.$id ~~ ids).all()
        guard users.count == ids.count else { throw DomainError.invalid(field: "user_ids", "unknown user") }
        if let u = users.first(where: { Role(rawValue: $0.role)?.isStaff != true }) {
            throw DomainError.invalid(field: "user_ids", "\(u.email) is not support staff: only staff are members of support groups")
        }
        try await GroupMemberModel.query(on: db).filter(\.$groupId == id).delete()
        for u in ids { try await GroupMemberModel(groupId: id, userId: u).create(on: db) }
        try await audit(actor, "update", "group_members", id, "\(ids.count) members", on: db)
        return ids.sorted { $0.uuidString < $1.uuidString }
    }

    /// Renames a category (both languages), moves it to the other domain, deactivates or reactivates it.
    public func updateCategory(_ key: String, _ input: CategoryDTO, by actor: Actor, on db: any Database) async throws -> CategoryDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await CategoryModel.find(key, on: db) else { throw DomainError.notFound("category") }
        guard input.key == key else { throw DomainError.invalid(field: "key", "a category's key cannot change") }
        let c = try ServiceCategory(key: key, domain: input.domain, nameEn: input.nameEn, nameFr: input.nameFr)
        m.domain = c.domain.rawValue; m.nameEn = c.nameEn; m.nameFr = c.nameFr; m.active = input.isActive
        try await m.save(on: db)
        try await audit(actor, "update", "category", nil, "\(key) (active: \(m.active))", on: db)
        return Self.dto(m)
    }

    public func contract(_ id: UUID, by actor: Actor) async throws -> ContractDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await ContractModel.find(id, on: store.database) else { throw DomainError.notFound("contract") }
        return try dto(m)
    }
}
