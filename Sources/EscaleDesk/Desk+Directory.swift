import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

extension Desk {
    // MARK: Organizations

    public func createOrganization(_ input: OrganizationInput, by actor: Actor, on db: any Database) async throws -> OrganizationDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let name = try Self.validName(input.name, field: "name")
        let domain = try input.domain.map { try Self.validDomain($0) }
        if try await OrganizationModel.query(on: db).filter(\.$name == name).first() != nil {
            throw DomainError.conflict("an organization named '\(name)' already exists")
        }
        if let l = input.locale, !LanguageDefault.supported.contains(l) { throw DomainError.invalid(field: "locale", "must be fr or en") }
        let org = OrganizationModel(name: name, domain: domain, locale: input.locale, createdAt: now)
        org.active = input.active ?? true
        org.id = UUID()
        org.domains = try await mailDomains(domain: domain, domains: input.domains, organizationId: org.id!, on: db)
        (org.phone, org.phoneE164) = try Self.validPhone(input.phone)
        try await org.create(on: db)
        try await audit(actor, "create", "organization", org.id, name, on: db)
        return Self.dto(org)
    }

    /// Organizations the caller may know of (`AccessPolicy.organizationScope`).
    public func listOrganizations(by actor: Actor) async throws -> [OrganizationDTO] {
        let scope = AccessPolicy.organizationScope(of: actor)
        return try await directory().organizations.filter { scope.contains($0.id) }
    }

    /// An organization the caller may know of, or not-found (never "forbidden": existence is not disclosed).
    /// Whether an organization exists (cached: organizations are never deleted).
    func organizationExists(_ id: UUID, on db: any Database) async throws -> Bool {
        if cache.organizationExists(id) { return true }
        guard try await OrganizationModel.find(id, on: db) != nil else { return false }
        cache.rememberOrganization(id)
        return true
    }

    func visibleOrganization(_ id: UUID, by actor: Actor, on db: any Database) async throws -> OrganizationModel {
        guard AccessPolicy.organizationScope(of: actor).contains(id), let org = try await OrganizationModel.find(id, on: db) else { throw DomainError.notFound("organization") }
        return org
    }

    // MARK: Contracts

    public func createContract(organizationId: UUID, _ input: ContractInput, by actor: Actor, on db: any Database) async throws -> ContractDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard try await self.visibleOrganization(organizationId, by: actor, on: db).active else {
            throw DomainError.invalid(field: "organization_id", "that organization is deactivated: reactivate it first")
        }
        let m = try await contractRow(organizationId: organizationId, input, id: UUID(), on: db)
        m.createdAt = self.now
        try await m.create(on: db)
        try await self.audit(actor, "create", "contract", m.id, "\(m.name) (\(m.perimeter))", on: db)
        return try self.dto(m)
    }

    /// Validates contract terms into a (not yet saved) row.
    func contractRow(organizationId: UUID, _ input: ContractInput, id: UUID, on db: any Database) async throws -> ContractModel {
        let perimeter: Perimeter
        switch input.perimeter {
        case "hardware": perimeter = .hardware
        case "infrastructure": perimeter = .infrastructure
        case "categories":
            let keys = Set(input.categories ?? [])
            let known = Set(try await CategoryModel.query(on: db).all().compactMap(\.id))
            if let unknown = keys.subtracting(known).sorted().first {
                throw DomainError.invalid(field: "categories", "unknown category '\(unknown)'")
            }
            perimeter = .categories(keys)
        default:
            throw DomainError.invalid(field: "perimeter", "must be one of hardware, infrastructure, categories")
        }
        if let c = input.calendarId, try await !calendarExists(c, on: db) {
            throw DomainError.invalid(field: "calendar_id", "unknown calendar")
        }
        if let p = input.slaPolicyId, try await !slaPolicyExists(p, on: db) {
            throw DomainError.invalid(field: "sla_policy_id", "unknown SLA policy")
        }
        if let p = input.onCallPolicyId, try await OnCallPolicyModel.find(p, on: db) == nil {
            throw DomainError.invalid(field: "on_call_policy_id", "unknown on-call policy")
        }
        let rules = try (input.escalationRules ?? []).map { try $0.rule() }
        let contract = try Contract(
            id: id, organizationId: organizationId, perimeter: perimeter, validFrom: input.validFrom,
            validUntil: input.validUntil, calendarId: input.calendarId, slaPolicyId: input.slaPolicyId,
            onCall: input.onCall ?? false, requestersSeeOrganization: input.requestersSeeOrganization ?? false,
            onCallPolicyId: input.onCallPolicyId, escalationRules: rules, pageBeforeTriage: input.pageBeforeTriage ?? false,
            remoteControlConsent: input.remoteControlConsent ?? false)
        let m = ContractModel()
        m.id = contract.id
        m.organizationId = organizationId
        m.name = try Self.validName(input.name ?? "Contract \(input.validFrom)", field: "name")
        m.perimeter = perimeter.kind
        if case let .categories(keys) = perimeter {
            m.categories = String(decoding: try JSONEncoder().encode(keys.sorted()), as: UTF8.self)
        } else {
            m.categories = "[]"
        }
        m.validFrom = contract.validFrom.description
        m.validUntil = contract.validUntil?.description
        m.calendarId = contract.calendarId
        m.slaPolicyId = contract.slaPolicyId
        m.onCall = contract.onCall
        m.requestersSeeOrganization = contract.requestersSeeOrganization
        m.pageBeforeTriage = contract.pageBeforeTriage
        m.remoteControlConsent = contract.remoteControlConsent
        m.onCallPolicyId = contract.onCallPolicyId
        m.escalationRules = Self.payload(rules.map(EscalationRuleDTO.init))
        return m
    }

    public func listContracts(organizationId: UUID, by actor: Actor) async throws -> [ContractDTO] {
        let db = store.database
        _ = try await visibleOrganization(organizationId, by: actor, on: db)
        return try await ContractModel.query(on: db).filter(\.$organizationId == organizationId).sort(\.$validFrom, .descending).all().map(dto)
    }

    func activeContract(of organizationId: UUID, on db: any Database) async throws -> Contract? {
        if let cached = cache.contract(of: organizationId) { return cached }
        let today = Day(now).description
        // Day strings (YYYY-MM-DD) sort like the days they name.
        let rows = try await ContractModel.query(on: db).filter(\.$organizationId == organizationId).filter(\.$validFrom <= today).all()
        let contract = Contract.active(among: try rows.map(Self.contract), on: Day(now))
        cache.setContract(contract, of: organizationId)
        return contract
    }

    static func contract(_ m: ContractModel) throws -> Contract {
        let perimeter: Perimeter = switch m.perimeter {
        case "hardware": .hardware
        case "infrastructure": .infrastructure
        default: .categories(Set((try? JSONDecoder().decode([String].self, from: Data(m.categories.utf8))) ?? []))
        }
        return try Contract(id: m.id!, organizationId: m.organizationId, perimeter: perimeter, validFrom: Day(m.validFrom)!,
                            validUntil: m.validUntil.flatMap(Day.init), calendarId: m.calendarId, slaPolicyId: m.slaPolicyId,
                            onCall: m.onCall, requestersSeeOrganization: m.requestersSeeOrganization,
                            onCallPolicyId: m.onCallPolicyId, escalationRules: try Self.escalationRules(m), pageBeforeTriage: m.pageBeforeTriage,
                            remoteControlConsent: m.remoteControlConsent)
    }

    static func escalationRules(_ m: ContractModel) throws -> [EscalationRule] {
        try JSONDecoder().decode([EscalationRuleDTO].self, from: Data(m.escalationRules.utf8)).map { try $0.rule() }
    }

    // MARK: Support groups

    public func createGroup(_ input: GroupInput, by actor: Actor, on db: any Database) async throws -> GroupDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let name = try Self.validName(input.name, field: "name")
        let orgs = Array(Set(input.organizationIds ?? []))
        if try await GroupModel.query(on: db).filter(\.$name == name).first() != nil {
            throw DomainError.conflict("a group named '\(name)' already exists")
        }
        if !orgs.isEmpty, try await OrganizationModel.query(on: db).filter(\.$id ~~ orgs).count() != orgs.count {
            throw DomainError.invalid(field: "organization_ids", "unknown organization")
        }
        let g = GroupModel()
        g.id = UUID(); g.name = name; g.tier = input.tier.rawValue; g.servesAll = orgs.isEmpty; g.active = input.active ?? true; g.createdAt = self.now
        try await g.create(on: db)
        for o in orgs { try await GroupOrganizationModel(groupId: g.id!, organizationId: o).create(on: db) }
        try await self.audit(actor, "create", "group", g.id, "\(name) (\(input.tier.label))", on: db)
        return Self.dto(g, organizationIds: orgs)
    }

    public func listGroups(by actor: Actor) async throws -> [GroupDTO] {
        try AccessPolicy.require(actor, .readDirectory)
        return try await directory().groups
    }

    // MARK: Users

    /// A user whose input is validated and password hashed, ready to be written.
    public struct PreparedUser: Sendable {
        let input: UserInput
        let email: String
        let name: String
        /// The chosen language, or nil: the organization's, the installation's, or the browser's (`LanguageDefault`).
        let locale: String?
        let groupIds: [UUID]
        let passwordHash: String
    }

    /// Validates a new user and hashes the password (slow on purpose), outside any transaction.
    public func prepareUser(_ input: UserInput) async throws -> PreparedUser {
        let email = try Self.validEmail(input.email)
        let name = try Self.validName(input.name, field: "name")
        guard input.password.count >= PasswordHasher.minimumLength, input.password.count <= 200 else {
            throw DomainError.invalid(field: "password", "use at least \(PasswordHasher.minimumLength) characters")
        }
        let locale = input.locale.flatMap { $0.isEmpty ? nil : $0 }
        if let locale, !LanguageDefault.supported.contains(locale) { throw DomainError.invalid(field: "locale", "must be fr or en") }
        if let tz = input.timeZone, TimeZone(identifier: tz) == nil { throw DomainError.invalid(field: "time_zone", "unknown time zone '\(tz)'") }
        if input.role.isStaff, input.organizationId != nil {
            throw DomainError.invalid(field: "organization_id", "support staff work for the desk, not for a client organization")
        }
        if !input.role.isStaff, input.organizationId == nil {
            throw DomainError.invalid(field: "organization_id", "a \(input.role.rawValue) belongs to a client organization")
        }
        let groupIds = Array(Set(input.groupIds ?? []))
        if !groupIds.isEmpty, !input.role.isStaff {
            throw DomainError.invalid(field: "group_ids", "only support staff are members of support groups")
        }
        return PreparedUser(input: input, email: email, name: name, locale: locale, groupIds: groupIds, passwordHash: try await passwords.hash(input.password))
    }

    /// Writes a prepared user. `actor` is nil only for the first administrator, created at first start.
    public func createUser(_ user: PreparedUser, by actor: Actor?, on db: any Database) async throws -> UserDTO {
        if let actor { try AccessPolicy.require(actor, .manageUsers) }
        let created = try await insertUser(user, by: actor, on: db)
        // An administrator made the account: its owner chooses their own password from the welcome mail.
        if actor != nil { try await queueWelcome(userId: created.id, on: db) }
        return created
    }

    /// A caller who is not in the directory yet (a phone call, a walk-in), created by the agent taking the call: a
    /// requester of an organization the agent serves, with an unguessable password nobody knows (an administrator's
    /// reset, or the password-reset e-mail, gives them access to the portal).
    public func prepareCaller(name: String, email: String, organizationId: UUID, by actor: Actor) async throws -> PreparedUser {
        try AccessPolicy.require(actor, .workTickets)
        guard AccessPolicy.organizationScope(of: actor).contains(organizationId) else { throw DomainError.invalid(field: "organization_id", "unknown organization") }
        return try await prepareUser(UserInput(email: email, name: name, role: .requester, password: Self.randomToken(), organizationId: organizationId))
    }

    public func createCaller(_ user: PreparedUser, by actor: Actor, on db: any Database) async throws -> UserDTO {
        try AccessPolicy.require(actor, .workTickets)
        guard user.input.role == .requester, let org = user.input.organizationId, AccessPolicy.organizationScope(of: actor).contains(org) else {
            throw DomainError.forbidden("agents add requesters of the organizations they serve, nothing else")
        }
        return try await insertUser(user, by: actor, on: db)
    }

    func insertUser(_ user: PreparedUser, id: UUID = UUID(), by actor: Actor?, on db: any Database) async throws -> UserDTO {
        if try await UserModel.query(on: db).filter(\.$email == user.email).first() != nil {
            throw DomainError.conflict("a user with the e-mail address \(user.email) already exists")
        }
        var organization: OrganizationModel?
        if let org = user.input.organizationId {
            guard let o = try await OrganizationModel.find(org, on: db) else { throw DomainError.invalid(field: "organization_id", "unknown organization") }
            guard o.active else { throw DomainError.invalid(field: "organization_id", "that organization is deactivated") }
            organization = o
        }
        if !user.groupIds.isEmpty, try await GroupModel.query(on: db).filter(\.$id ~~ user.groupIds).count() != user.groupIds.count {
            throw DomainError.invalid(field: "group_ids", "unknown group")
        }
        let u = UserModel()
        u.id = id; u.email = user.email; u.name = user.name; u.role = user.input.role.rawValue
        u.organizationId = user.input.organizationId; u.passwordHash = user.passwordHash
        let resolved = LanguageDefault.resolve(explicit: user.locale, organization: organization?.locale,
                                               installation: try await Settings.json(DeskSettingsDTO.self, key: SettingKey.desk, on: db)?.defaultLocale)
        // Nobody chose: the user's language is worked out again at each sign-in (`signIn`), so it follows the
        // organization's and the installation's defaults, and finally the browser.
        u.locale = resolved ?? "fr"; u.localeAuto = user.locale == nil
        u.timeZone = user.input.timeZone ?? "Europe/Paris"
        u.active = true; u.createdAt = now; u.emailStatus = "ok"
        (u.phone, u.phoneE164) = try Self.validPhone(user.input.phone)
        try await u.create(on: db)
        for g in user.groupIds { try await GroupMemberModel(groupId: g, userId: u.id!).create(on: db) }
        try await audit(actor, "create", "user", u.id, "\(user.email) (\(user.input.role.rawValue))", on: db)
        return Self.dto(u, groupIds: user.groupIds)
    }

    /// Users the caller may know of (`AccessPolicy.userScope`).
    /// `matching`: words found in the name or e-mail address (case- and accent-blind on the stored text's case);
    /// `clientSide`: only requesters and client managers (people who call the desk).
    public func listUsers(by actor: Actor, organizationId: UUID? = nil, matching: String? = nil, clientSide: Bool = false, limit: Int? = nil) async throws -> [UserDTO] {
        let db = store.database
        let q = UserModel.query(on: db).sort(\.$email)
        if let organizationId { q.filter(\.$organizationId == organizationId) }
        if clientSide { q.filter(\.$role ~~ [Role.requester.rawValue, Role.clientManager.rawValue]).filter(\.$active == true) }
        for word in (matching ?? "").lowercased().split(whereSeparator: \.isWhitespace).prefix(5) {
            // LIKE with the wildcards of the typed text escaped; lower() on both sides for PostgreSQL's case-sensitive LIKE.
            let pattern = "%" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            q.group(.or) {
                $0.filter(.sql(unsafeRaw: "lower(name) LIKE \(Self.sqlQuote(pattern)) ESCAPE '\\'"))
                  .filter(.sql(unsafeRaw: "lower(email) LIKE \(Self.sqlQuote(pattern)) ESCAPE '\\'"))
            }
        }
        if let limit { q.limit(limit) }
        switch AccessPolicy.userScope(of: actor) {
        case .all: break
        case let .staffAnd(ids): q.group(.or) { $0.filter(\.$organizationId == nil).filter(\.$organizationId ~~ ids) }
        case let .organization(org): q.filter(\.$organizationId == org)
        case let .onlySelf(id): q.filter(\.$id == id)
        }
        let users = try await q.all()
        let members = try await GroupMemberModel.query(on: db).filter(\.$userId ~~ users.compactMap(\.id)).all()
        let byUser = Dictionary(grouping: members, by: \.userId)
        return users.map { Self.dto($0, groupIds: (byUser[$0.id!] ?? []).map(\.groupId)) }
    }

    public func me(_ actor: Actor) async throws -> UserDTO {
        let db = store.database
        guard let user = try await UserModel.find(actor.userId, on: db) else { throw AuthError.unauthenticated }
        let groups = try await GroupMemberModel.query(on: db).filter(\.$userId == actor.userId).all()
        return Self.dto(user, groupIds: groups.map(\.groupId))
    }

    /// Creates the first administrator when the directory is empty (first start). Returns nil if users exist.
    public func bootstrapAdmin(email: String, password: String) async throws -> UserDTO? {
        guard try await UserModel.query(on: store.database).count() == 0 else { return nil }
        // No language: the first administrator gets their browser's, as every user nobody chose a language for.
        let prepared = try await prepareUser(UserInput(email: email, name: "Administrator", role: .admin, password: password))
        return try await store.write { db in try await self.createUser(prepared, by: nil, on: db) }
    }

    // MARK: Categories and priority matrix

    public func listCategories() async throws -> [CategoryDTO] {
        try await directory().categories
    }

    public func createCategory(_ input: CategoryDTO, by actor: Actor, on db: any Database) async throws -> CategoryDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let c = try ServiceCategory(key: input.key, domain: input.domain, nameEn: input.nameEn, nameFr: input.nameFr)
        if try await CategoryModel.find(c.key, on: db) != nil { throw DomainError.conflict("the category '\(c.key)' already exists") }
        let m = CategoryModel(key: c.key, domain: c.domain.rawValue, nameEn: c.nameEn, nameFr: c.nameFr)
        m.active = input.isActive
        try await m.create(on: db)
        try await self.audit(actor, "create", "category", nil, c.key, on: db)
        return Self.dto(m)
    }

    /// A category a ticket may be filed under now (deactivated ones are kept by the tickets that have them, not offered).
    func category(_ key: String, on db: any Database) async throws -> ServiceCategory {
        guard let m = try await CategoryModel.find(key, on: db) else { throw DomainError.invalid(field: "category", "unknown category '\(key)'") }
        guard m.active else { throw DomainError.invalid(field: "category", "the category '\(key)' is no longer in use") }
        return try ServiceCategory(key: m.id!, domain: CategoryDomain(rawValue: m.domain) ?? .infrastructure, nameEn: m.nameEn, nameFr: m.nameFr)
    }

    public func priorityMatrix(on db: (any Database)? = nil) async throws -> PriorityMatrix {
        if let cached = cache.matrix() { return cached }
        guard let s = try await SettingModel.find(SettingKey.priorityMatrix, on: db ?? store.database) else { return .itil }
        let matrix = try JSONDecoder().decode(PriorityMatrix.self, from: Data(s.value.utf8))
        cache.setMatrix(matrix)
        return matrix
    }

    /// Replaces the matrix. Existing tickets keep their priority until their impact or urgency changes.
    public func setPriorityMatrix(_ matrix: PriorityMatrix, by actor: Actor) async throws -> PriorityMatrix {
        try AccessPolicy.require(actor, .manageDirectory)
        let value = String(decoding: try JSONEncoder().encode(matrix), as: UTF8.self)
        try await store.write { db in
            let s = try await SettingModel.find(SettingKey.priorityMatrix, on: db) ?? SettingModel(key: SettingKey.priorityMatrix, value: value)
            s.value = value
            try await s.save(on: db)
            try await self.audit(actor, "update", "priority_matrix", nil, value, on: db)
        }
        return matrix
    }

    // MARK: Mapping and validation

    /// An organization's mail domains: the main one first, each valid, lowercased, listed once, and no other
    /// organization's (inbound mail from an unknown sender is routed by its domain, so it must name one client).
    func mailDomains(domain: String?, domains: [String]?, organizationId: UUID, on db: any Database) async throws -> [String] {
        var list: [String] = []
        for d in [domain].compactMap({ $0 }) + (domains ?? []) {
            let valid = try Self.validDomain(d, field: "domains")
            if !list.contains(valid) { list.append(valid) }
        }
        guard list.count <= 50 else { throw DomainError.invalid(field: "domains", "at most 50 domains") }
        guard !list.isEmpty else { return [] }
        for other in try await OrganizationModel.query(on: db).filter(\.$id != organizationId).all() {
            if let taken = other.domains.first(where: list.contains) ?? other.domain.flatMap({ list.contains($0) ? $0 : nil }) {
                throw DomainError.conflict("the domain \(taken) already belongs to \(other.name)")
            }
        }
        return list
    }

    /// A phone number as typed and its E.164 form; empty is none; anything that is no number is refused.
    static func validPhone(_ raw: String?, field: String = "phone") throws -> (String?, String?) {
        guard let raw = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return (nil, nil) }
        guard raw.count <= 40, let e164 = PhoneNumber.e164(raw) else {
            throw DomainError.invalid(field: field, "not a phone number: write it as 01 23 45 67 89, +33 1 23 45 67 89 or an extension")
        }
        return (raw, e164)
    }

    static func dto(_ o: OrganizationModel) -> OrganizationDTO {
        OrganizationDTO(id: o.id!, name: o.name, domain: o.domain, domains: o.domains, locale: o.locale, active: o.active, phone: o.phone, createdAt: o.createdAt)
    }

    static func dto(_ g: GroupModel, organizationIds: [UUID]) -> GroupDTO {
        GroupDTO(id: g.id!, name: g.name, tier: Tier(rawValue: g.tier) ?? .n1, servesAllOrganizations: g.servesAll,
                 organizationIds: organizationIds.sorted { $0.uuidString < $1.uuidString }, active: g.active, createdAt: g.createdAt)
    }

    static func dto(_ c: CategoryModel) -> CategoryDTO {
        CategoryDTO(key: c.id!, domain: CategoryDomain(rawValue: c.domain) ?? .infrastructure, nameEn: c.nameEn, nameFr: c.nameFr, active: c.active)
    }

    func dto(_ m: ContractModel) throws -> ContractDTO {
        let c = try Self.contract(m)
        let categories: [String] = if case let .categories(keys) = c.perimeter { keys.sorted() } else { [] }
        return ContractDTO(id: m.id!, organizationId: m.organizationId, name: m.name, perimeter: m.perimeter, categories: categories,
                           validFrom: c.validFrom, validUntil: c.validUntil, calendarId: m.calendarId, slaPolicyId: m.slaPolicyId,
                           onCall: m.onCall, requestersSeeOrganization: m.requestersSeeOrganization, onCallPolicyId: m.onCallPolicyId,
                           escalationRules: c.escalationRules.map(EscalationRuleDTO.init), pageBeforeTriage: m.pageBeforeTriage,
                           remoteControlConsent: m.remoteControlConsent, active: c.isActive(on: Day(now)), createdAt: m.createdAt)
    }

    static func dto(_ u: UserModel, groupIds: [UUID]) -> UserDTO {
        UserDTO(id: u.id!, email: u.email, name: u.name, role: Role(rawValue: u.role) ?? .requester, organizationId: u.organizationId,
                groupIds: groupIds.sorted { $0.uuidString < $1.uuidString }, locale: u.locale, localeAutomatic: u.localeAuto,
                active: u.active, createdAt: u.createdAt, emailStatus: u.emailStatus, emailStatusReason: u.emailStatusReason, phone: u.phone)
    }

    /// A SQL string literal (quotes doubled): for the few filters FluentKit cannot bind.
    static func sqlQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    static func validName(_ s: String, field: String) throws -> String {
        let v = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(v.count) else { throw DomainError.invalid(field: field, v.isEmpty ? "is required" : "at most 200 characters") }
        return v
    }

    static func validEmail(_ s: String) throws -> String {
        let v = s.trimmingCharacters(in: .whitespaces).lowercased()
        guard v.count <= 254, v.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) != nil else {
            throw DomainError.invalid(field: "email", "'\(s)' is not an e-mail address")
        }
        return v
    }

    static func validDomain(_ s: String, field: String = "domain") throws -> String {
        let v = s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard v.range(of: #"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"#, options: .regularExpression) != nil else {
            throw DomainError.invalid(field: field, "'\(s)' is not a domain name")
        }
        return v
    }
}
