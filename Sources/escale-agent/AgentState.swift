import EscaleAgentWire
import Foundation

/// What enrollment gave this machine, kept in the state directory readable by root only.
struct AgentState: Codable {
    var server: String
    var agentId: UUID
    var credential: String
    var organizationId: UUID
    /// The server's Ed25519 public key, pinned at enrollment.
    var serverKey: String
    var heartbeatSeconds: Int
    var inventorySeconds: Int

    var deviceId: String { "escale-agent-\(agentId.uuidString.lowercased())" }

    static func file(in dir: URL) -> URL { dir.appendingPathComponent("agent.json") }
    static func ledgerFile(in dir: URL) -> URL { dir.appendingPathComponent("nonces.json") }

    func save(in dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let data = try AgentWire.encoder().encode(self)
        let url = Self.file(in: dir)
        try data.write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    static func load(from dir: URL) throws -> AgentState {
        let url = file(in: dir)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AgentFailure("not enrolled: no \(url.path) (run escale-agent enroll --server URL --token TOKEN)")
        }
        return try AgentWire.decoder().decode(AgentState.self, from: data)
    }

    static func loadLedger(from dir: URL) -> NonceLedger {
        guard let data = FileManager.default.contents(atPath: ledgerFile(in: dir).path),
              let ledger = try? JSONDecoder().decode(NonceLedger.self, from: data) else { return NonceLedger() }
        return ledger
    }

    static func saveLedger(_ ledger: NonceLedger, in dir: URL) throws {
        let url = ledgerFile(in: dir)
        try JSONEncoder().encode(ledger).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }
}

struct AgentFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
