import FluentKit
import Foundation

/// Something that pushes into the desk (`M023_CreateIntegrations`): `alertmanager`, `events_v2` or `cti`. Its
/// secret token is derived from the server's key and the generation (so its URL can be shown again), and only
/// its SHA-256 is stored to find it.
public final class IntegrationModel: Model, @unchecked Sendable {
    public static let schema = "integrations"
    @ID(key: .id) public var id: UUID?
    @Field(key: "type") public var type: String
    @Field(key: "name") public var name: String
    @OptionalField(key: "organization_id") public var organizationId: UUID?
    @Field(key: "auto_resolve") public var autoResolve: Bool
    @Field(key: "max_alerts") public var maxAlerts: Int
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "token_generation") public var tokenGeneration: Int
    /// The account its tickets are opened under (inactive, no password, no mail).
    @Field(key: "user_id") public var userId: UUID
    @Field(key: "active") public var active: Bool
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// One delivery to an integration and what became of it: the last 50 per integration are kept.
public final class IntegrationDeliveryModel: Model, @unchecked Sendable {
    public static let schema = "integration_deliveries"
    @ID(key: .id) public var id: UUID?
    @Field(key: "integration_id") public var integrationId: UUID
    @Field(key: "received_at") public var receivedAt: Date
    /// `accepted`, `deduplicated` or `refused`.
    @Field(key: "outcome") public var outcome: String
    @Field(key: "http_status") public var httpStatus: Int
    @OptionalField(key: "detail") public var detail: String?
    @Field(key: "events") public var events: Int
    @OptionalField(key: "body_sha256") public var bodySHA256: String?
    /// The tickets it opened or changed, as a JSON array of ids.
    @OptionalField(key: "ticket_ids") public var ticketIds: String?
    public init() {}
}

/// One occurrence of a problem monitoring reported, and its ticket.
public final class AlertModel: Model, @unchecked Sendable {
    public static let schema = "alerts"
    @ID(key: .id) public var id: UUID?
    @Field(key: "integration_id") public var integrationId: UUID
    /// The fingerprint or dedup key.
    @Field(key: "key") public var key: String
    /// `key` while the occurrence is open, nil once resolved: unique per integration.
    @OptionalField(key: "open_key") public var openKey: String?
    @OptionalField(key: "group_key") public var groupKey: String?
    @Field(key: "ticket_id") public var ticketId: UUID
    @Field(key: "organization_id") public var organizationId: UUID
    /// `firing`, `acknowledged`, `resolving`, `resolved` (`AlertState`).
    @Field(key: "state") public var state: String
    @Field(key: "summary") public var summary: String
    /// The sender's name for the thing concerned.
    @OptionalField(key: "source") public var source: String?
    /// The host name, lowercased, for the inventory to link.
    @OptionalField(key: "host") public var host: String?
    @Field(key: "severity") public var severity: String
    /// JSON object.
    @Field(key: "labels") public var labels: String
    @OptionalField(key: "starts_at") public var startsAt: Date?
    @Field(key: "first_seen") public var firstSeen: Date
    @Field(key: "last_seen") public var lastSeen: Date
    @Field(key: "count") public var count: Int
    @Field(key: "flaps") public var flaps: Int
    @OptionalField(key: "last_flap_at") public var lastFlapAt: Date?
    @OptionalField(key: "resolved_at") public var resolvedAt: Date?
    @OptionalField(key: "hold_until") public var holdUntil: Date?
    public init() {}
}

/// One phone call from the PBX's events.
public final class CallModel: Model, @unchecked Sendable {
    public static let schema = "calls"
    @ID(key: .id) public var id: UUID?
    @Field(key: "integration_id") public var integrationId: UUID
    @Field(key: "call_id") public var callId: String
    @Field(key: "direction") public var direction: String
    @Field(key: "from_number") public var fromNumber: String
    @Field(key: "to_number") public var toNumber: String
    /// The outside party's number in E.164, when it is one.
    @OptionalField(key: "external_e164") public var externalE164: String?
    @OptionalField(key: "queue") public var queue: String?
    @Field(key: "status") public var status: String
    @OptionalField(key: "cause") public var cause: String?
    @OptionalField(key: "user_id") public var userId: UUID?
    @OptionalField(key: "organization_id") public var organizationId: UUID?
    @OptionalField(key: "answered_by") public var answeredBy: UUID?
    @OptionalField(key: "answered_by_names") public var answeredByNames: String?
    @Field(key: "started_at") public var startedAt: Date
    @OptionalField(key: "answered_at") public var answeredAt: Date?
    @OptionalField(key: "ended_at") public var endedAt: Date?
    @OptionalField(key: "duration_seconds") public var durationSeconds: Int?
    @OptionalField(key: "ticket_id") public var ticketId: UUID?
    /// The talked time was logged on the ticket (once).
    @Field(key: "time_logged") public var timeLogged: Bool
    @OptionalField(key: "callback_done_at") public var callbackDoneAt: Date?
    @OptionalField(key: "callback_done_by") public var callbackDoneBy: UUID?
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}
