import EscaleCore
import Foundation

/// What pushes into the desk: monitoring (`alertmanager`, `events_v2`) or the PBX (`cti`).
public enum IntegrationType: String, Codable, Sendable, CaseIterable {
    case alertmanager
    case eventsV2 = "events_v2"
    case cti
    /// The escale-agents' checks of one organization: made by the desk itself (never through the API), so failing
    /// checks go through the same intake as any monitoring alert.
    case escaleAgent = "escale_agent"

    public var isMonitoring: Bool { self != .cti }
}

public struct IntegrationInput: Codable, Sendable {
    public var type: IntegrationType
    public var name: String
    /// Monitoring: the organization alerts belong to unless an `organization` label names another (required).
    /// CTI: the organization of callers nobody knows (optional).
    public var organizationId: UUID?
    /// Monitoring: a resolved alert resolves its ticket. Absent means true.
    public var autoResolve: Bool?
    /// Monitoring: the most alerts one delivery may carry (1 to 5,000; default 1,000). Beyond, it is refused with 413.
    public var maxAlerts: Int?
    /// False: deliveries are refused (404) until it is active again. Absent means true.
    public var active: Bool?

    public init(type: IntegrationType, name: String, organizationId: UUID? = nil, autoResolve: Bool? = nil, maxAlerts: Int? = nil, active: Bool? = nil) {
        self.type = type; self.name = name; self.organizationId = organizationId; self.autoResolve = autoResolve; self.maxAlerts = maxAlerts
        self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case type, name, organizationId = "organization_id", autoResolve = "auto_resolve", maxAlerts = "max_alerts", active
    }
}

public struct IntegrationDTO: Codable, Sendable {
    public var id: UUID
    public var type: IntegrationType
    public var name: String
    public var organizationId: UUID?
    public var autoResolve: Bool
    public var maxAlerts: Int
    public var active: Bool
    /// The secret address the sender posts to (administrators only).
    public var url: String
    /// Events v2: the `routing_key` to send (the same secret as in the URL).
    public var routingKey: String?
    /// The secret alone.
    public var token: String
    public var createdAt: Date
    public var lastDeliveryAt: Date?

    public init(id: UUID, type: IntegrationType, name: String, organizationId: UUID?, autoResolve: Bool, maxAlerts: Int, active: Bool,
                url: String, routingKey: String?, token: String, createdAt: Date, lastDeliveryAt: Date?) {
        self.id = id; self.type = type; self.name = name; self.organizationId = organizationId; self.autoResolve = autoResolve
        self.maxAlerts = maxAlerts; self.active = active; self.url = url; self.routingKey = routingKey; self.token = token
        self.createdAt = createdAt; self.lastDeliveryAt = lastDeliveryAt
    }

    public var input: IntegrationInput {
        IntegrationInput(type: type, name: name, organizationId: organizationId, autoResolve: autoResolve, maxAlerts: maxAlerts, active: active)
    }

    enum CodingKeys: String, CodingKey {
        case id, type, name, organizationId = "organization_id", autoResolve = "auto_resolve", maxAlerts = "max_alerts", active, url,
             routingKey = "routing_key", token, createdAt = "created_at", lastDeliveryAt = "last_delivery_at"
    }
}

/// One delivery and what became of it.
public struct IntegrationDeliveryDTO: Codable, Sendable {
    public var id: UUID
    public var receivedAt: Date
    /// `accepted` (something changed), `deduplicated` (repeats of open problems, or a retry already handled),
    /// `refused` (with why).
    public var outcome: String
    public var httpStatus: Int
    public var detail: String?
    /// Alerts or events the delivery carried.
    public var events: Int
    public var ticketIds: [UUID]

    public init(id: UUID, receivedAt: Date, outcome: String, httpStatus: Int, detail: String?, events: Int, ticketIds: [UUID]) {
        self.id = id; self.receivedAt = receivedAt; self.outcome = outcome; self.httpStatus = httpStatus; self.detail = detail
        self.events = events; self.ticketIds = ticketIds
    }

    enum CodingKeys: String, CodingKey {
        case id, receivedAt = "received_at", outcome, httpStatus = "http_status", detail, events, ticketIds = "ticket_ids"
    }
}

/// What an alert delivery did, answered to the sender.
public struct AlertReceiptDTO: Codable, Sendable {
    public var outcome: String
    public var alerts: Int
    public var created: Int
    public var repeated: Int
    public var resolved: Int
    public var ticketIds: [UUID]
    public init(outcome: String, alerts: Int, created: Int, repeated: Int, resolved: Int, ticketIds: [UUID]) {
        self.outcome = outcome; self.alerts = alerts; self.created = created; self.repeated = repeated; self.resolved = resolved; self.ticketIds = ticketIds
    }
    enum CodingKeys: String, CodingKey {
        case outcome, alerts, created, repeated, resolved, ticketIds = "ticket_ids"
    }
}

/// A ticket's monitoring problem: where it came from and how often it fired.
public struct TicketAlertDTO: Codable, Sendable, Equatable {
    public var integrationId: UUID
    /// The integration's type.
    public var source: String
    /// The fingerprint or dedup key.
    public var key: String
    public var groupKey: String?
    /// `firing`, `acknowledged`, `resolving` or `resolved`.
    public var state: String
    public var severity: String
    public var host: String?
    public var summary: String
    public var labels: [String: String]
    /// How many times it was reported (the first time included).
    public var count: Int
    public var flaps: Int
    public var firstSeen: Date
    public var lastSeen: Date
    public var startsAt: Date?
    public var resolvedAt: Date?

    public init(integrationId: UUID, source: String, key: String, groupKey: String?, state: String, severity: String, host: String?, summary: String,
                labels: [String: String], count: Int, flaps: Int, firstSeen: Date, lastSeen: Date, startsAt: Date?, resolvedAt: Date?) {
        self.integrationId = integrationId; self.source = source; self.key = key; self.groupKey = groupKey; self.state = state
        self.severity = severity; self.host = host; self.summary = summary; self.labels = labels; self.count = count; self.flaps = flaps
        self.firstSeen = firstSeen; self.lastSeen = lastSeen; self.startsAt = startsAt; self.resolvedAt = resolvedAt
    }

    enum CodingKeys: String, CodingKey {
        case integrationId = "integration_id", source, key, groupKey = "group_key", state, severity, host, summary, labels, count, flaps,
             firstSeen = "first_seen", lastSeen = "last_seen", startsAt = "starts_at", resolvedAt = "resolved_at"
    }
}

/// One phone call of the call log.
public struct CallDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var integrationId: UUID
    public var callId: String
    /// `in` or `out`.
    public var direction: String
    public var from: String
    public var to: String
    public var queue: String?
    /// `ringing`, `answered`, `missed` or `ended`.
    public var status: String
    public var cause: String?
    /// The outside party, when their number is known.
    public var userId: UUID?
    public var userName: String?
    public var organizationId: UUID?
    public var organizationName: String?
    public var answeredBy: UUID?
    public var answeredByName: String?
    public var startedAt: Date
    public var answeredAt: Date?
    public var endedAt: Date?
    public var durationSeconds: Int?
    public var ticketId: UUID?
    public var ticketNumber: String?
    public var callbackDoneAt: Date?
    public var callbackDoneBy: UUID?

    public init(id: UUID, integrationId: UUID, callId: String, direction: String, from: String, to: String, queue: String?, status: String,
                cause: String?, userId: UUID?, userName: String?, organizationId: UUID?, organizationName: String?, answeredBy: UUID?,
                answeredByName: String?, startedAt: Date, answeredAt: Date?, endedAt: Date?, durationSeconds: Int?, ticketId: UUID?,
                ticketNumber: String?, callbackDoneAt: Date?, callbackDoneBy: UUID?) {
        self.id = id; self.integrationId = integrationId; self.callId = callId; self.direction = direction; self.from = from; self.to = to
        self.queue = queue; self.status = status; self.cause = cause; self.userId = userId; self.userName = userName
        self.organizationId = organizationId; self.organizationName = organizationName; self.answeredBy = answeredBy
        self.answeredByName = answeredByName; self.startedAt = startedAt; self.answeredAt = answeredAt; self.endedAt = endedAt
        self.durationSeconds = durationSeconds; self.ticketId = ticketId; self.ticketNumber = ticketNumber
        self.callbackDoneAt = callbackDoneAt; self.callbackDoneBy = callbackDoneBy
    }

    enum CodingKeys: String, CodingKey {
        case id, integrationId = "integration_id", callId = "call_id", direction, from, to, queue, status, cause, userId = "user_id",
             userName = "user_name", organizationId = "organization_id", organizationName = "organization_name", answeredBy = "answered_by",
             answeredByName = "answered_by_name", startedAt = "started_at", answeredAt = "answered_at", endedAt = "ended_at",
             durationSeconds = "duration_seconds", ticketId = "ticket_id", ticketNumber = "ticket_number",
             callbackDoneAt = "callback_done_at", callbackDoneBy = "callback_done_by"
    }
}

/// Attach a call to a ticket (`ticket_id`), or open one from it (`ticket`).
public struct CallTicketInput: Codable, Sendable {
    public var ticketId: UUID?
    public var ticket: TicketInput?
    public init(ticketId: UUID? = nil, ticket: TicketInput? = nil) { self.ticketId = ticketId; self.ticket = ticket }
    enum CodingKeys: String, CodingKey { case ticketId = "ticket_id", ticket }
}

/// A missed call was called back (`done: true`), or the mark is taken back.
public struct CallbackInput: Codable, Sendable {
    public var done: Bool
    public init(done: Bool) { self.done = done }
}
