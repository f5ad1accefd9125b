import EscaleAgentWire
import EscaleCore
import Foundation

/// A check the escale-agents of an organization (or of one machine) run.
public struct AgentCheckInput: Codable, Sendable {
    public var organizationId: UUID?
    /// One machine only; none: every machine of the organization.
    public var assetId: UUID?
    public var name: String?
    public var kind: CheckKind?
    public var target: String?
    public var threshold: Double?
    public var intervalSeconds: Int?
    /// `critical`, `warning` or `info`: the ticket's impact and urgency, as for monitoring alerts.
    public var severity: String?
    public var enabled: Bool?

    public init(organizationId: UUID? = nil, assetId: UUID? = nil, name: String? = nil, kind: CheckKind? = nil, target: String? = nil,
                threshold: Double? = nil, intervalSeconds: Int? = nil, severity: String? = nil, enabled: Bool? = nil) {
        self.organizationId = organizationId; self.assetId = assetId; self.name = name; self.kind = kind; self.target = target
        self.threshold = threshold; self.intervalSeconds = intervalSeconds; self.severity = severity; self.enabled = enabled
    }

    enum CodingKeys: String, CodingKey {
        case organizationId = "organization_id", assetId = "asset_id", name, kind, target, threshold, intervalSeconds = "interval_seconds",
             severity, enabled
    }
}

public struct AgentCheckDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var organizationId: UUID
    public var assetId: UUID?
    public var name: String
    public var kind: CheckKind
    public var target: String?
    public var threshold: Double?
    public var intervalSeconds: Int
    public var severity: String
    public var enabled: Bool
    /// Machines failing it now.
    public var failing: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, organizationId: UUID, assetId: UUID?, name: String, kind: CheckKind, target: String?, threshold: Double?,
                intervalSeconds: Int, severity: String, enabled: Bool, failing: Int, createdAt: Date, updatedAt: Date) {
        self.id = id; self.organizationId = organizationId; self.assetId = assetId; self.name = name; self.kind = kind; self.target = target
        self.threshold = threshold; self.intervalSeconds = intervalSeconds; self.severity = severity; self.enabled = enabled
        self.failing = failing; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationId = "organization_id", assetId = "asset_id", name, kind, target, threshold, intervalSeconds = "interval_seconds",
             severity, enabled, failing, createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// A machine's last verdict on one check.
public struct AgentCheckStateDTO: Codable, Sendable, Equatable {
    public var checkId: UUID
    public var name: String
    public var kind: CheckKind
    public var status: CheckStatus
    public var value: Double?
    public var message: String
    public var changedAt: Date
    public var reportedAt: Date

    public init(checkId: UUID, name: String, kind: CheckKind, status: CheckStatus, value: Double?, message: String, changedAt: Date, reportedAt: Date) {
        self.checkId = checkId; self.name = name; self.kind = kind; self.status = status; self.value = value; self.message = message
        self.changedAt = changedAt; self.reportedAt = reportedAt
    }

    enum CodingKeys: String, CodingKey {
        case checkId = "check_id", name, kind, status, value, message, changedAt = "changed_at", reportedAt = "reported_at"
    }
}

/// The escale-agent on a machine.
public struct AgentDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var hostname: String
    public var version: String
    public var os: String?
    public var enrolledAt: Date
    public var lastSeenAt: Date
    public var checks: [AgentCheckStateDTO]

    public init(id: UUID, hostname: String, version: String, os: String?, enrolledAt: Date, lastSeenAt: Date, checks: [AgentCheckStateDTO]) {
        self.id = id; self.hostname = hostname; self.version = version; self.os = os; self.enrolledAt = enrolledAt; self.lastSeenAt = lastSeenAt
        self.checks = checks
    }

    enum CodingKeys: String, CodingKey {
        case id, hostname, version, os, enrolledAt = "enrolled_at", lastSeenAt = "last_seen_at", checks
    }
}

/// An action one may run: a library action (`id` is its key, e.g. `restart-service`) or an administrator's script
/// (`id` is a UUID).
public struct RemoteActionDTO: Codable, Sendable, Equatable {
    public var id: String
    public var kind: RemoteActionKind
    public var name: String
    public var description: String
    /// `unit` (a systemd unit, `required` or not), `time` (HH:MM or now), or none.
    public var parameter: String?
    public var parameterRequired: Bool
    public var timeoutSeconds: Int
    public var outputLimit: Int
    /// Scripts only: the text administrators wrote.
    public var script: String?
    public var active: Bool

    public init(id: String, kind: RemoteActionKind, name: String, description: String, parameter: String?, parameterRequired: Bool,
                timeoutSeconds: Int, outputLimit: Int, script: String?, active: Bool) {
        self.id = id; self.kind = kind; self.name = name; self.description = description; self.parameter = parameter
        self.parameterRequired = parameterRequired; self.timeoutSeconds = timeoutSeconds; self.outputLimit = outputLimit; self.script = script
        self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, name, description, parameter, parameterRequired = "parameter_required", timeoutSeconds = "timeout_seconds",
             outputLimit = "output_limit", script, active
    }
}

public struct RemoteScriptInput: Codable, Sendable {
    public var name: String?
    public var description: String?
    public var script: String?
    public var timeoutSeconds: Int?
    public var outputLimit: Int?
    public var active: Bool?

    public init(name: String? = nil, description: String? = nil, script: String? = nil, timeoutSeconds: Int? = nil, outputLimit: Int? = nil, active: Bool? = nil) {
        self.name = name; self.description = description; self.script = script; self.timeoutSeconds = timeoutSeconds; self.outputLimit = outputLimit
        self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case name, description, script, timeoutSeconds = "timeout_seconds", outputLimit = "output_limit", active
    }
}

/// Open a remote-control session (a terminal, or the desktop through the machine's VNC server).
public struct RemoteSessionInput: Codable, Sendable {
    public var assetId: UUID
    /// `terminal` or `desktop`.
    public var kind: String
    public var ticketId: UUID?
    /// Desktop: the machine's local VNC port (default 5900).
    public var port: Int?
    public init(assetId: UUID, kind: String, ticketId: UUID? = nil, port: Int? = nil) {
        self.assetId = assetId; self.kind = kind; self.ticketId = ticketId; self.port = port
    }
    enum CodingKeys: String, CodingKey { case assetId = "asset_id", kind, ticketId = "ticket_id", port }
}

public struct RemoteConsentInput: Codable, Sendable {
    public var allow: Bool
    public init(allow: Bool) { self.allow = allow }
}

/// Run an action on one machine or many, from a ticket or not.
public struct RemoteRunInput: Codable, Sendable {
    /// A library key or a script's id.
    public var action: String
    public var assetIds: [UUID]
    public var ticketId: UUID?
    public var parameter: String?

    public init(action: String, assetIds: [UUID], ticketId: UUID? = nil, parameter: String? = nil) {
        self.action = action; self.assetIds = assetIds; self.ticketId = ticketId; self.parameter = parameter
    }

    enum CodingKeys: String, CodingKey { case action, assetIds = "asset_ids", ticketId = "ticket_id", parameter }
}

public struct RemoteRunDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var assetId: UUID
    public var assetName: String
    public var organizationId: UUID
    public var ticketId: UUID?
    public var action: String
    public var kind: RemoteActionKind
    public var label: String
    public var parameter: String?
    public var requestedBy: UUID
    public var status: RunStatus
    public var exitCode: Int?
    public var output: String
    public var truncated: Bool
    public var detail: String?
    public var issuedAt: Date
    public var expiresAt: Date
    public var deliveredAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(id: UUID, assetId: UUID, assetName: String, organizationId: UUID, ticketId: UUID?, action: String, kind: RemoteActionKind,
                label: String, parameter: String?, requestedBy: UUID, status: RunStatus, exitCode: Int?, output: String, truncated: Bool,
                detail: String?, issuedAt: Date, expiresAt: Date, deliveredAt: Date?, startedAt: Date?, finishedAt: Date?) {
        self.id = id; self.assetId = assetId; self.assetName = assetName; self.organizationId = organizationId; self.ticketId = ticketId
        self.action = action; self.kind = kind; self.label = label; self.parameter = parameter; self.requestedBy = requestedBy; self.status = status
        self.exitCode = exitCode; self.output = output; self.truncated = truncated; self.detail = detail; self.issuedAt = issuedAt
        self.expiresAt = expiresAt; self.deliveredAt = deliveredAt; self.startedAt = startedAt; self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, assetId = "asset_id", assetName = "asset_name", organizationId = "organization_id", ticketId = "ticket_id", action, kind, label,
             parameter, requestedBy = "requested_by", status, exitCode = "exit_code", output, truncated, detail, issuedAt = "issued_at",
             expiresAt = "expires_at", deliveredAt = "delivered_at", startedAt = "started_at", finishedAt = "finished_at"
    }
}
