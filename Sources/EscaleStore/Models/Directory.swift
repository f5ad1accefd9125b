import FluentKit
import Foundation

// Directory entities: plain Fluent models. Ticket rows, which sit on the hot paths, use SQLKit (TicketRow).

public final class OrganizationModel: Model, @unchecked Sendable {
    public static let schema = "organizations"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @OptionalField(key: "domain") public var domain: String?
    /// Language of the organization's new users when nobody chose one (`fr`, `en`, or nil: the installation's).
    @OptionalField(key: "locale") public var locale: String?
    /// Every mail domain as a JSON list, lowercased (`M021_CreateMailIntake`).
    @Field(key: "domains") public var domainsJSON: String
    /// A former client: kept for history, no new tickets, contracts or users.
    @Field(key: "active") public var active: Bool
    @Field(key: "created_at") public var createdAt: Date
    /// As typed, and its E.164 form to match callers (`M023_CreateIntegrations`).
    @OptionalField(key: "phone") public var phone: String?
    @OptionalField(key: "phone_e164") public var phoneE164: String?
    public init() {}
    public init(id: UUID = UUID(), name: String, domain: String?, locale: String? = nil, createdAt: Date) {
        self.id = id; self.name = name; self.domain = domain; self.locale = locale; self.active = true; self.createdAt = createdAt
        self.domainsJSON = "[]"
    }

    public var domains: [String] {
        get { (try? JSONDecoder().decode([String].self, from: Data(domainsJSON.utf8))) ?? [] }
        set { domainsJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("[]".utf8), as: UTF8.self) }
    }
}

public final class ContractModel: Model, @unchecked Sendable {
    public static let schema = "contracts"
    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationId: UUID
    @Field(key: "name") public var name: String
    @Field(key: "perimeter") public var perimeter: String
    /// JSON array of category keys, for a `categories` perimeter.
    @Field(key: "categories") public var categories: String
    @Field(key: "valid_from") public var validFrom: String
    @OptionalField(key: "valid_until") public var validUntil: String?
    @OptionalField(key: "calendar_id") public var calendarId: UUID?
    @OptionalField(key: "sla_policy_id") public var slaPolicyId: UUID?
    @Field(key: "on_call") public var onCall: Bool
    @OptionalField(key: "on_call_policy_id") public var onCallPolicyId: UUID?
    /// JSON array of `EscalationRuleDTO`.
    @Field(key: "escalation_rules") public var escalationRules: String
    @Field(key: "requesters_see_organization") public var requestersSeeOrganization: Bool
    @Field(key: "page_before_triage") public var pageBeforeTriage: Bool
    @Field(key: "remote_control_consent") public var remoteControlConsent: Bool
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class GroupModel: Model, @unchecked Sendable {
    public static let schema = "support_groups"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "tier") public var tier: Int
    @Field(key: "serves_all") public var servesAll: Bool
    /// A deactivated group receives no tickets and is offered nowhere; its history stays.
    @Field(key: "active") public var active: Bool
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class GroupOrganizationModel: Model, @unchecked Sendable {
    public static let schema = "group_organizations"
    @ID(key: .id) public var id: UUID?
    @Field(key: "group_id") public var groupId: UUID
    @Field(key: "organization_id") public var organizationId: UUID
    public init() {}
    public init(groupId: UUID, organizationId: UUID) { id = UUID(); self.groupId = groupId; self.organizationId = organizationId }
}

public final class GroupMemberModel: Model, @unchecked Sendable {
    public static let schema = "group_members"
    @ID(key: .id) public var id: UUID?
    @Field(key: "group_id") public var groupId: UUID
    @Field(key: "user_id") public var userId: UUID
    public init() {}
    public init(groupId: UUID, userId: UUID) { id = UUID(); self.groupId = groupId; self.userId = userId }
}

public final class UserModel: Model, @unchecked Sendable {
    public static let schema = "users"
    @ID(key: .id) public var id: UUID?
    /// Stored lowercased; unique.
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    @Field(key: "role") public var role: String
    @OptionalField(key: "organization_id") public var organizationId: UUID?
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "locale") public var locale: String
    /// Nobody chose this user's language: it follows the browser at each sign-in until they pick one.
    @Field(key: "locale_auto") public var localeAuto: Bool
    /// IANA time zone in which pages show this user's dates.
    @Field(key: "time_zone") public var timeZone: String
    @Field(key: "active") public var active: Bool
    @Field(key: "created_at") public var createdAt: Date
    /// `ok`, or `undeliverable` once a permanent bounce came back for this address (`M021_CreateMailIntake`).
    @Field(key: "email_status") public var emailStatus: String
    @OptionalField(key: "email_status_reason") public var emailStatusReason: String?
    @OptionalField(key: "email_status_at") public var emailStatusAt: Date?
    /// As typed, and its E.164 form to match callers (`M023_CreateIntegrations`).
    @OptionalField(key: "phone") public var phone: String?
    @OptionalField(key: "phone_e164") public var phoneE164: String?
    public init() {}
}

public final class ApiTokenModel: Model, @unchecked Sendable {
    public static let schema = "api_tokens"
    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userId: UUID
    @Field(key: "name") public var name: String
    /// SHA-256 of the token, hex. The token itself is shown once and never stored.
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    public init() {}
}

/// A signed-in browser. The cookie carries a random token; only its SHA-256 is stored.
public final class WebSessionModel: Model, @unchecked Sendable {
    public static let schema = "web_sessions"
    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userId: UUID
    @Field(key: "token_hash") public var tokenHash: String
    /// Synchroniser token: every form of the session carries it, and a POST without it is refused.
    @Field(key: "csrf_token") public var csrfToken: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @Field(key: "last_seen_at") public var lastSeenAt: Date
    public init() {}
}

/// A business calendar; `definition` is the JSON of its hours and holidays (`CalendarDefinition` in EscaleAPI).
public final class CalendarModel: Model, @unchecked Sendable {
    public static let schema = "calendars"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "time_zone") public var timeZone: String
    @Field(key: "definition") public var definition: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// An SLA policy; `definition` is the JSON of its targets, pause statuses and warning threshold (`SLAPolicyInput`).
public final class SLAPolicyModel: Model, @unchecked Sendable {
    public static let schema = "sla_policies"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "calendar_id") public var calendarId: UUID
    @Field(key: "definition") public var definition: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class CategoryModel: Model, @unchecked Sendable {
    public static let schema = "categories"
    @ID(custom: "key", generatedBy: .user) public var id: String?
    @Field(key: "domain") public var domain: String
    @Field(key: "name_en") public var nameEn: String
    @Field(key: "name_fr") public var nameFr: String
    /// A deactivated category is offered no more; tickets filed under it keep it.
    @Field(key: "active") public var active: Bool
    public init() {}
    public init(key: String, domain: String, nameEn: String, nameFr: String) {
        id = key; self.domain = domain; self.nameEn = nameEn; self.nameFr = nameFr; self.active = true
    }
}

public final class SettingModel: Model, @unchecked Sendable {
    public static let schema = "settings"
    @ID(custom: "key", generatedBy: .user) public var id: String?
    @Field(key: "value") public var value: String
    public init() {}
    public init(key: String, value: String) { id = key; self.value = value }
}

public final class AttachmentModel: Model, @unchecked Sendable {
    public static let schema = "attachments"
    @ID(key: .id) public var id: UUID?
    @Field(key: "ticket_id") public var ticketId: UUID
    @OptionalField(key: "event_id") public var eventId: UUID?
    @Field(key: "filename") public var filename: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "size") public var size: Int
    @Field(key: "sha256") public var sha256: String
    @Field(key: "public") public var isPublic: Bool
    @Field(key: "uploaded_by") public var uploadedBy: UUID
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// Administrative changes outside tickets (tickets have their timeline).
public final class AuditEntryModel: Model, @unchecked Sendable {
    public static let schema = "audit_log"
    @ID(key: .id) public var id: UUID?
    @OptionalField(key: "actor_id") public var actorId: UUID?
    @Field(key: "action") public var action: String
    @Field(key: "entity") public var entity: String
    @OptionalField(key: "entity_id") public var entityId: String?
    @Field(key: "detail") public var detail: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
    public init(actorId: UUID?, action: String, entity: String, entityId: String?, detail: String, at: Date) {
        id = UUID(); self.actorId = actorId; self.action = action; self.entity = entity; self.entityId = entityId
        self.detail = detail; createdAt = at
    }
}

public final class OnCallScheduleModel: Model, @unchecked Sendable {
    public static let schema = "oncall_schedules"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "time_zone") public var timeZone: String
    /// JSON `OnCallScheduleInput`.
    @Field(key: "definition") public var definition: String
    /// Bumped to revoke the calendar feed's URL.
    @Field(key: "feed_generation") public var feedGeneration: Int
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

public final class OnCallPolicyModel: Model, @unchecked Sendable {
    public static let schema = "oncall_policies"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    /// JSON `OnCallPolicyInput`.
    @Field(key: "definition") public var definition: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class ContactMethodModel: Model, @unchecked Sendable {
    public static let schema = "contact_methods"
    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userId: UUID
    @Field(key: "type") public var type: String
    @Field(key: "address") public var address: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class OnCallIncidentModel: Model, @unchecked Sendable {
    public static let schema = "oncall_incidents"
    @ID(key: .id) public var id: UUID?
    @Field(key: "ticket_id") public var ticketId: UUID
    @Field(key: "policy_id") public var policyId: UUID
    /// active, acknowledged or exhausted.
    @Field(key: "state") public var state: String
    @Field(key: "step") public var step: Int
    @Field(key: "round") public var round: Int
    @OptionalField(key: "acknowledged_by") public var acknowledgedBy: UUID?
    @OptionalField(key: "acknowledged_at") public var acknowledgedAt: Date?
    /// `acknowledge` (the button, the link, the API), or what handled the ticket meanwhile: `assignment`, `reply`,
    /// `resolution`, `closure`.
    @OptionalField(key: "acknowledged_via") public var acknowledgedVia: String?
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A form's typed values kept across a redirect (`M016_CreateFormDrafts`).
public final class FormDraftModel: Model, @unchecked Sendable {
    public static let schema = "form_drafts"
    @ID(key: .id) public var id: UUID?
    @Field(key: "session_id") public var sessionId: UUID
    @Field(key: "payload") public var payload: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A queue saved with its filters (`M020_CreateSavedViews`).
public final class SavedViewModel: Model, @unchecked Sendable {
    public static let schema = "saved_views"
    @ID(key: .id) public var id: UUID?
    @Field(key: "owner_id") public var ownerId: UUID
    @Field(key: "shared") public var shared: Bool
    @Field(key: "name") public var name: String
    /// The queue it starts from (`mine`, `n1`, `open`…).
    @Field(key: "queue") public var queue: String
    /// `SavedView.canonicalQuery` of its filters.
    @Field(key: "query") public var query: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}
