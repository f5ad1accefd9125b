import EscaleCore
import Foundation

public struct OrganizationInput: Codable, Sendable {
    public var name: String
    /// The company's main e-mail domain.
    public var domain: String?
    /// Every e-mail domain of the company: mail from an unknown sender at one of them opens a ticket for this
    /// organization (with `domain`, which is always one of them).
    public var domains: [String]?
    /// `fr` or `en`: the language of the organization's new users when nobody chose one; absent, the installation's.
    public var locale: String?
    /// False for a former client: kept for history, no new tickets. Absent means true.
    public var active: Bool?
    /// The switchboard's number, as typed: calls from it are the organization's (matched in E.164).
    public var phone: String?
    public init(name: String, domain: String? = nil, domains: [String]? = nil, locale: String? = nil, active: Bool? = nil, phone: String? = nil) {
        self.name = name; self.domain = domain; self.domains = domains; self.locale = locale; self.active = active; self.phone = phone
    }
}

public struct OrganizationDTO: Codable, Sendable {
    public var id: UUID
    public var name: String
    public var domain: String?
    public var domains: [String]
    public var locale: String?
    public var active: Bool
    public var phone: String?
    public var createdAt: Date
    public init(id: UUID, name: String, domain: String?, domains: [String] = [], locale: String? = nil, active: Bool = true, phone: String? = nil, createdAt: Date) {
        self.id = id; self.name = name; self.domain = domain; self.domains = domains; self.locale = locale; self.active = active; self.createdAt = createdAt
        self.phone = phone
    }

    /// The input that would recreate it: the base a merge patch applies to.
    public var input: OrganizationInput { OrganizationInput(name: name, domain: domain, domains: domains, locale: locale, active: active, phone: phone) }

    enum CodingKeys: String, CodingKey {
        case id, name, domain, domains, locale, active, phone, createdAt = "created_at"
    }
}

public struct ContractInput: Codable, Sendable {
    public var name: String?
    /// `hardware`, `infrastructure` or `categories` (then `categories` lists the covered keys).
    public var perimeter: String
    public var categories: [String]?
    public var validFrom: Day
    public var validUntil: Day?
    public var calendarId: UUID?
    public var slaPolicyId: UUID?
    public var onCall: Bool?
    public var requestersSeeOrganization: Bool?
    public var onCallPolicyId: UUID?
    public var escalationRules: [EscalationRuleDTO]?
    public var pageBeforeTriage: Bool?
    /// Remote control (desktop, terminal) of the organization's machines waits for the requester's consent (default false).
    public var remoteControlConsent: Bool?
    public init(name: String? = nil, perimeter: String, categories: [String]? = nil, validFrom: Day, validUntil: Day? = nil,
                calendarId: UUID? = nil, slaPolicyId: UUID? = nil, onCall: Bool? = nil, requestersSeeOrganization: Bool? = nil,
                onCallPolicyId: UUID? = nil, escalationRules: [EscalationRuleDTO]? = nil, pageBeforeTriage: Bool? = nil,
                remoteControlConsent: Bool? = nil) {
        self.pageBeforeTriage = pageBeforeTriage
        self.remoteControlConsent = remoteControlConsent
        self.name = name; self.perimeter = perimeter; self.categories = categories; self.validFrom = validFrom
        self.validUntil = validUntil; self.calendarId = calendarId; self.slaPolicyId = slaPolicyId; self.onCall = onCall
        self.requestersSeeOrganization = requestersSeeOrganization
        self.onCallPolicyId = onCallPolicyId; self.escalationRules = escalationRules
    }

    enum CodingKeys: String, CodingKey {
        case name, perimeter, categories, validFrom = "valid_from", validUntil = "valid_until", calendarId = "calendar_id", slaPolicyId = "sla_policy_id", onCall = "on_call", requestersSeeOrganization = "requesters_see_organization"
        case onCallPolicyId = "on_call_policy_id", escalationRules = "escalation_rules", pageBeforeTriage = "page_before_triage",
             remoteControlConsent = "remote_control_consent"
    }
}

public struct ContractDTO: Codable, Sendable {
    public var id: UUID
    public var organizationId: UUID
    public var name: String
    public var perimeter: String
    public var categories: [String]
    public var validFrom: Day
    public var validUntil: Day?
    public var calendarId: UUID?
    public var slaPolicyId: UUID?
    public var onCall: Bool
    public var requestersSeeOrganization: Bool
    public var onCallPolicyId: UUID?
    public var escalationRules: [EscalationRuleDTO]
    public var pageBeforeTriage: Bool
    public var remoteControlConsent: Bool
    public var active: Bool
    public var createdAt: Date
    public init(id: UUID, organizationId: UUID, name: String, perimeter: String, categories: [String], validFrom: Day,
                validUntil: Day?, calendarId: UUID?, slaPolicyId: UUID?, onCall: Bool, requestersSeeOrganization: Bool,
                onCallPolicyId: UUID?, escalationRules: [EscalationRuleDTO], pageBeforeTriage: Bool, remoteControlConsent: Bool = false, active: Bool, createdAt: Date) {
        self.pageBeforeTriage = pageBeforeTriage
        self.remoteControlConsent = remoteControlConsent
        self.onCallPolicyId = onCallPolicyId; self.escalationRules = escalationRules
        self.id = id; self.organizationId = organizationId; self.name = name; self.perimeter = perimeter
        self.categories = categories; self.validFrom = validFrom; self.validUntil = validUntil; self.calendarId = calendarId
        self.slaPolicyId = slaPolicyId; self.onCall = onCall; self.requestersSeeOrganization = requestersSeeOrganization
        self.active = active; self.createdAt = createdAt
    }

    public var input: ContractInput {
        ContractInput(name: name, perimeter: perimeter, categories: categories, validFrom: validFrom, validUntil: validUntil,
                      calendarId: calendarId, slaPolicyId: slaPolicyId, onCall: onCall, requestersSeeOrganization: requestersSeeOrganization,
                      onCallPolicyId: onCallPolicyId, escalationRules: escalationRules, pageBeforeTriage: pageBeforeTriage,
                      remoteControlConsent: remoteControlConsent)
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationId = "organization_id", name, perimeter, categories, validFrom = "valid_from", validUntil = "valid_until", calendarId = "calendar_id", slaPolicyId = "sla_policy_id", onCall = "on_call", requestersSeeOrganization = "requesters_see_organization", active, createdAt = "created_at"
        case onCallPolicyId = "on_call_policy_id", escalationRules = "escalation_rules", pageBeforeTriage = "page_before_triage",
             remoteControlConsent = "remote_control_consent"
    }
}

public struct GroupInput: Codable, Sendable {
    public var name: String
    public var tier: Tier
    /// Organizations served; absent or empty means all of them.
    public var organizationIds: [UUID]?
    /// False: the group receives no more tickets and is offered nowhere. Absent means true.
    public var active: Bool?
    public init(name: String, tier: Tier, organizationIds: [UUID]? = nil, active: Bool? = nil) {
        self.name = name; self.tier = tier; self.organizationIds = organizationIds; self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case name, tier, organizationIds = "organization_ids", active
    }
}

public struct GroupDTO: Codable, Sendable {
    public var id: UUID
    public var name: String
    public var tier: Tier
    public var servesAllOrganizations: Bool
    public var organizationIds: [UUID]
    public var active: Bool
    public var createdAt: Date
    public init(id: UUID, name: String, tier: Tier, servesAllOrganizations: Bool, organizationIds: [UUID], active: Bool = true, createdAt: Date) {
        self.id = id; self.name = name; self.tier = tier; self.servesAllOrganizations = servesAllOrganizations
        self.organizationIds = organizationIds; self.active = active; self.createdAt = createdAt
    }

    public var input: GroupInput { GroupInput(name: name, tier: tier, organizationIds: organizationIds, active: active) }

    enum CodingKeys: String, CodingKey {
        case id, name, tier, servesAllOrganizations = "serves_all_organizations", organizationIds = "organization_ids", active, createdAt = "created_at"
    }
}

public struct UserInput: Codable, Sendable {
    public var email: String
    public var name: String
    public var role: Role
    public var password: String
    public var organizationId: UUID?
    public var groupIds: [UUID]?
    /// `fr` or `en`. Absent: the organization's language, else the installation's, else the user's browser at each
    /// sign-in until they choose.
    public var locale: String?
    /// IANA time zone for dates shown to this user; Europe/Paris if absent.
    public var timeZone: String?
    /// As typed (`01 23 45 67 89`, `+33 1 23 45 67 89`): a call from it is this user's; an agent's extension tells
    /// who answered.
    public var phone: String?
    public init(email: String, name: String, role: Role, password: String, organizationId: UUID? = nil, groupIds: [UUID]? = nil, locale: String? = nil, timeZone: String? = nil,
                phone: String? = nil) {
        self.email = email; self.name = name; self.role = role; self.password = password
        self.organizationId = organizationId; self.groupIds = groupIds; self.locale = locale; self.timeZone = timeZone; self.phone = phone
    }

    enum CodingKeys: String, CodingKey {
        case email, name, role, password, organizationId = "organization_id", groupIds = "group_ids", locale, timeZone = "time_zone", phone
    }
}

public struct UserDTO: Codable, Sendable {
    public var id: UUID
    public var email: String
    public var name: String
    public var role: Role
    public var organizationId: UUID?
    public var groupIds: [UUID]
    public var locale: String
    /// Nobody chose the language: it follows the organization's, the installation's, then the browser's at sign-in.
    public var localeAutomatic: Bool
    public var active: Bool
    public var createdAt: Date
    /// `ok`, or `undeliverable` once mail to the address bounced for good (no more mail is sent to it).
    public var emailStatus: String
    /// The bounce's status and diagnostic, when undeliverable.
    public var emailStatusReason: String?
    public var phone: String?
    public init(id: UUID, email: String, name: String, role: Role, organizationId: UUID?, groupIds: [UUID], locale: String,
                localeAutomatic: Bool = false, active: Bool, createdAt: Date, emailStatus: String = "ok", emailStatusReason: String? = nil,
                phone: String? = nil) {
        self.id = id; self.email = email; self.name = name; self.role = role; self.organizationId = organizationId
        self.groupIds = groupIds; self.locale = locale; self.localeAutomatic = localeAutomatic; self.active = active; self.createdAt = createdAt
        self.emailStatus = emailStatus; self.emailStatusReason = emailStatusReason; self.phone = phone
    }

    enum CodingKeys: String, CodingKey {
        case id, email, name, role, organizationId = "organization_id", groupIds = "group_ids", locale, localeAutomatic = "locale_automatic",
             active, createdAt = "created_at", emailStatus = "email_status", emailStatusReason = "email_status_reason", phone
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id); email = try c.decode(String.self, forKey: .email)
        name = try c.decode(String.self, forKey: .name); role = try c.decode(Role.self, forKey: .role)
        organizationId = try c.decodeIfPresent(UUID.self, forKey: .organizationId); groupIds = try c.decode([UUID].self, forKey: .groupIds)
        locale = try c.decode(String.self, forKey: .locale); localeAutomatic = try c.decodeIfPresent(Bool.self, forKey: .localeAutomatic) ?? false
        active = try c.decode(Bool.self, forKey: .active); createdAt = try c.decode(Date.self, forKey: .createdAt)
        emailStatus = try c.decodeIfPresent(String.self, forKey: .emailStatus) ?? "ok"
        emailStatusReason = try c.decodeIfPresent(String.self, forKey: .emailStatusReason)
        phone = try c.decodeIfPresent(String.self, forKey: .phone)
    }
}

public struct CategoryDTO: Codable, Sendable {
    public var key: String
    public var domain: CategoryDomain
    public var nameEn: String
    public var nameFr: String
    /// False: offered no more for new tickets (tickets filed under it keep it). Absent on input means true.
    public var active: Bool?
    public init(key: String, domain: CategoryDomain, nameEn: String, nameFr: String, active: Bool? = true) {
        self.key = key; self.domain = domain; self.nameEn = nameEn; self.nameFr = nameFr; self.active = active
    }

    public var isActive: Bool { active ?? true }

    enum CodingKeys: String, CodingKey {
        case key, domain, nameEn = "name_en", nameFr = "name_fr", active
    }
}

/// The installation's settings: the language of users nobody chose one for (after their organization's), and the
/// group that receives a tier's tickets when several groups of that tier serve the client.
public struct DeskSettingsDTO: Codable, Sendable, Equatable {
    public struct DefaultGroups: Codable, Sendable, Equatable {
        public var n1: UUID?
        public var n2: UUID?
        public var n3: UUID?
        public init(n1: UUID? = nil, n2: UUID? = nil, n3: UUID? = nil) { self.n1 = n1; self.n2 = n2; self.n3 = n3 }

        public subscript(tier: Tier) -> UUID? {
            get { switch tier { case .n1: n1; case .n2: n2; case .n3: n3 } }
            set { switch tier { case .n1: n1 = newValue; case .n2: n2 = newValue; case .n3: n3 = newValue } }
        }

        public var byTier: [Tier: UUID] {
            Dictionary(uniqueKeysWithValues: Tier.allCases.compactMap { t in self[t].map { (t, $0) } })
        }
    }

    /// `fr`, `en`, or absent: new users follow their browser until they choose.
    public var defaultLocale: String?
    public var defaultGroups: DefaultGroups

    public init(defaultLocale: String? = nil, defaultGroups: DefaultGroups = .init()) {
        self.defaultLocale = defaultLocale; self.defaultGroups = defaultGroups
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaultLocale = try c.decodeIfPresent(String.self, forKey: .defaultLocale)
        defaultGroups = try c.decodeIfPresent(DefaultGroups.self, forKey: .defaultGroups) ?? .init()
    }

    enum CodingKeys: String, CodingKey {
        case defaultLocale = "default_locale", defaultGroups = "default_groups"
    }
}

/// An automatic escalation rule of a contract: `{trigger: "first_response" | "resolution" | "breach" | "priority1_created",
/// percent (first_response and resolution), action: "functional" | "hierarchical"}`.
public struct EscalationRuleDTO: Codable, Sendable, Equatable {
    public var trigger: String
    public var percent: Int?
    public var action: String

    public init(trigger: String, percent: Int? = nil, action: String) {
        self.trigger = trigger; self.percent = percent; self.action = action
    }

    public init(_ rule: EscalationRule) {
        action = rule.action.rawValue
        switch rule.trigger {
        case let .firstResponse(p): trigger = "first_response"; percent = p
        case let .resolution(p): trigger = "resolution"; percent = p
        case .breach: trigger = "breach"; percent = nil
        case .priorityOneCreated: trigger = "priority1_created"; percent = nil
        }
    }

    public func rule() throws -> EscalationRule {
        guard let action = EscalationRule.Action(rawValue: action) else {
            throw DomainError.invalid(field: "escalation_rules", "action must be functional or hierarchical")
        }
        func percent() throws -> Int {
            guard let p = self.percent else { throw DomainError.invalid(field: "escalation_rules", "\(trigger) needs a percent (1–100)") }
            return p
        }
        let t: EscalationRule.Trigger = switch trigger {
        case "first_response": .firstResponse(percent: try percent())
        case "resolution": .resolution(percent: try percent())
        case "breach": .breach
        case "priority1_created": .priorityOneCreated
        default: throw DomainError.invalid(field: "escalation_rules", "trigger must be first_response, resolution, breach or priority1_created")
        }
        return try EscalationRule(trigger: t, action: action)
    }
}

/// A support group's members (`PUT /groups/{id}/members` replaces them).
public struct GroupMembersDTO: Codable, Sendable {
    public var userIds: [UUID]
    public init(userIds: [UUID]) { self.userIds = userIds }
    enum CodingKeys: String, CodingKey { case userIds = "user_ids" }
}
