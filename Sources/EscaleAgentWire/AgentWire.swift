import Foundation

/// The escale-agent's wire: what an agent and the server say to each other, and nothing of the desk. The agent
/// depends on this target alone (plus an HTTP client); the server decodes the same types, so the two cannot drift.
///
/// Every call after enrollment carries `Authorization: Bearer <credential>`; the agent connects out only (long
/// poll), so it works behind NAT. Paths, relative to the server's base URL:
///
/// | call | body → reply |
/// |---|---|
/// | `POST agent/v1/enroll` | `EnrollRequest` → `EnrollResponse` (the organization's enrollment token in the body) |
/// | `POST agent/v1/inventory` | GLPI native inventory JSON (`AgentInventory.glpiJSON`), zlib or plain → `InventoryReceipt` |
/// | `POST agent/v1/heartbeat` | `Heartbeat` (check results) → `HeartbeatReply` (the checks to run) |
/// | `GET agent/v1/commands?wait=25` | → `CommandBatch` (signed commands; waits for one up to `wait` seconds) |
/// | `POST agent/v1/runs/{id}/output` | `RunOutput` (a chunk at an offset: a retry appends nothing twice) |
/// | `POST agent/v1/runs/{id}/result` | `RunResult` |
public enum AgentWire {
    public static let protocolVersion = 1
    public static let enrollPath = "agent/v1/enroll"
    public static let inventoryPath = "agent/v1/inventory"
    public static let heartbeatPath = "agent/v1/heartbeat"
    public static let commandsPath = "agent/v1/commands"
    public static func outputPath(_ run: UUID) -> String { "agent/v1/runs/\(run.uuidString.lowercased())/output" }
    public static func resultPath(_ run: UUID) -> String { "agent/v1/runs/\(run.uuidString.lowercased())/result" }
    /// A remote-control session's WebSocket (binary frames both ways: the terminal's bytes, or VNC's).
    public static func tunnelPath(_ session: UUID) -> String { "agent/v1/tunnels/\(session.uuidString.lowercased())" }

    /// snake_case keys, ISO-8601 instants (whole seconds: what is signed must read back the same).
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not an ISO-8601 instant")
        }
        return d
    }
}

public struct EnrollRequest: Codable, Sendable, Equatable {
    /// The organization's enrollment token (the same ones the inventory agents carry in their URL).
    public var token: String
    public var hostname: String
    public var agentVersion: String
    /// `PRETTY_NAME` of /etc/os-release, or the like.
    public var os: String?

    public init(token: String, hostname: String, agentVersion: String, os: String? = nil) {
        self.token = token; self.hostname = hostname; self.agentVersion = agentVersion; self.os = os
    }
}

public struct EnrollResponse: Codable, Sendable, Equatable {
    public var agentId: UUID
    /// The agent's own secret for every later call (the server keeps only its hash): shown once.
    public var credential: String
    public var organizationId: UUID
    /// The server's Ed25519 public key (raw, base64): every command must verify against it.
    public var serverKey: String
    public var heartbeatSeconds: Int
    public var inventorySeconds: Int

    public init(agentId: UUID, credential: String, organizationId: UUID, serverKey: String, heartbeatSeconds: Int, inventorySeconds: Int) {
        self.agentId = agentId; self.credential = credential; self.organizationId = organizationId; self.serverKey = serverKey
        self.heartbeatSeconds = heartbeatSeconds; self.inventorySeconds = inventorySeconds
    }
}

public struct InventoryReceipt: Codable, Sendable, Equatable {
    public var assetId: UUID
    /// `created`, `updated` or `unchanged`.
    public var outcome: String
    public init(assetId: UUID, outcome: String) { self.assetId = assetId; self.outcome = outcome }
}

public struct Heartbeat: Codable, Sendable, Equatable {
    public var agentVersion: String
    public var uptimeSeconds: Int?
    /// The latest result of each check the agent runs (the server acts on changes only).
    public var results: [CheckResult]

    public init(agentVersion: String, uptimeSeconds: Int? = nil, results: [CheckResult] = []) {
        self.agentVersion = agentVersion; self.uptimeSeconds = uptimeSeconds; self.results = results
    }
}

public struct HeartbeatReply: Codable, Sendable, Equatable {
    public var heartbeatSeconds: Int
    public var inventorySeconds: Int
    /// The server has no inventory of this agent yet (or wants a fresh one now).
    public var inventoryDue: Bool
    public var checks: [CheckSpec]

    public init(heartbeatSeconds: Int, inventorySeconds: Int, inventoryDue: Bool, checks: [CheckSpec]) {
        self.heartbeatSeconds = heartbeatSeconds; self.inventorySeconds = inventorySeconds; self.inventoryDue = inventoryDue; self.checks = checks
    }
}

/// The server's refusals: problem details (RFC 9457) — `title` and a `detail` that says what to do.
public struct AgentProblem: Codable, Sendable {
    public var title: String?
    public var detail: String?
}
