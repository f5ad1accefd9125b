import Crypto
import Foundation

/// What the server asks an agent to do. Signed by the server's Ed25519 key: the agent refuses anything that does not
/// verify, is meant for another agent, has expired or was seen before (its nonce), so neither a tampered database
/// row nor a replayed request can make a machine run anything.
public struct Command: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case script, tunnel }

    /// A remote-control session: the agent opens a WebSocket to `AgentWire.tunnelPath(id)` and relays it to a
    /// terminal it starts (`terminal`) or to the machine's local VNC server (`desktop`, on `port`).
    public struct Tunnel: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case terminal, desktop }
        public var kind: Kind
        public var port: Int?
        public init(kind: Kind, port: Int? = nil) { self.kind = kind; self.port = port }
    }

    /// The run this command is (its output and result are posted under this id).
    public var id: UUID
    public var agentId: UUID
    /// Random, single-use: the agent remembers every nonce until its command has expired.
    public var nonce: String
    public var issuedAt: Date
    public var expiresAt: Date
    public var kind: Kind
    /// What the run is called on the desk ("Restart a service: cups").
    public var label: String
    /// Run with `/bin/sh -c`.
    public var script: String
    public var timeoutSeconds: Int
    /// Bytes of output kept (the rest is read and dropped, so the script never blocks on a full pipe).
    public var outputLimit: Int
    /// Tunnels only; `timeoutSeconds` is then the session's longest duration.
    public var tunnel: Tunnel?

    public init(id: UUID, agentId: UUID, nonce: String, issuedAt: Date, expiresAt: Date, kind: Kind = .script, label: String,
                script: String, timeoutSeconds: Int, outputLimit: Int, tunnel: Tunnel? = nil) {
        self.id = id; self.agentId = agentId; self.nonce = nonce; self.issuedAt = issuedAt; self.expiresAt = expiresAt; self.kind = kind
        self.label = label; self.script = script; self.timeoutSeconds = timeoutSeconds; self.outputLimit = outputLimit; self.tunnel = tunnel
    }

    public static func newNonce() -> String {
        var g = SystemRandomNumberGenerator()
        return Data((0..<18).map { _ in UInt8.random(in: 0...255, using: &g) }).base64EncodedString()
    }
}

/// A command as it travels: the exact bytes signed (base64 of the command's JSON) and the signature over them. The
/// agent verifies the bytes before decoding anything.
public struct SignedCommand: Codable, Sendable, Equatable {
    public var payload: String
    public var signature: String

    public init(payload: String, signature: String) { self.payload = payload; self.signature = signature }

    public static func sign(_ command: Command, with key: Curve25519.Signing.PrivateKey) throws -> SignedCommand {
        let bytes = try AgentWire.encoder().encode(command)
        let signature = try key.signature(for: bytes)
        return SignedCommand(payload: bytes.base64EncodedString(), signature: Data(signature).base64EncodedString())
    }
}

public struct CommandBatch: Codable, Sendable, Equatable {
    public var commands: [SignedCommand]
    public init(commands: [SignedCommand]) { self.commands = commands }
}

/// Why an agent refused a command; reported back as the run's result.
public enum CommandRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case badSignature
    case otherAgent
    case expired
    case notYetValid
    case replayed

    public var description: String {
        switch self {
        case .malformed: "refused: the command cannot be read"
        case .badSignature: "refused: the signature does not verify against the server's key (tampered or forged)"
        case .otherAgent: "refused: the command is meant for another agent"
        case .expired: "refused: the command has expired"
        case .notYetValid: "refused: the command is dated in the future"
        case .replayed: "refused: this command was already received once (replay)"
        }
    }

    /// The run id when the bytes at least name one (a refusal is reported on the run it claims to be).
    public static func claimedRun(_ signed: SignedCommand) -> UUID? {
        guard let bytes = Data(base64Encoded: signed.payload) else { return nil }
        struct Id: Decodable { let id: UUID }
        return try? AgentWire.decoder().decode(Id.self, from: bytes).id
    }
}

/// The nonces an agent has accepted, each kept until its command expires (then a replay is refused as expired
/// anyway). Saved by the agent between restarts.
public struct NonceLedger: Codable, Sendable, Equatable {
    public private(set) var seen: [String: Date] = [:]
    public init() {}

    public func contains(_ nonce: String) -> Bool { seen[nonce] != nil }

    public mutating func record(_ nonce: String, until: Date) { seen[nonce] = until }

    public mutating func prune(now: Date, skew: TimeInterval) {
        seen = seen.filter { $0.value.addingTimeInterval(skew) >= now }
    }
}

/// The agent's side: verifies, then remembers the nonce. Only a command that passes every rule is returned.
public struct CommandVerifier: Sendable {
    public let serverKey: Curve25519.Signing.PublicKey
    public let agentId: UUID
    /// Clocks differ: a command dated this far in the future, or expired this recently, is still accepted.
    public let skew: TimeInterval

    public init(serverKey: Curve25519.Signing.PublicKey, agentId: UUID, skew: TimeInterval = 120) {
        self.serverKey = serverKey; self.agentId = agentId; self.skew = skew
    }

    public init(serverKeyBase64: String, agentId: UUID, skew: TimeInterval = 120) throws {
        guard let raw = Data(base64Encoded: serverKeyBase64) else { throw CommandRefusal.malformed }
        self.init(serverKey: try Curve25519.Signing.PublicKey(rawRepresentation: raw), agentId: agentId, skew: skew)
    }

    public func verify(_ signed: SignedCommand, now: Date, ledger: inout NonceLedger) throws(CommandRefusal) -> Command {
        guard let bytes = Data(base64Encoded: signed.payload), let signature = Data(base64Encoded: signed.signature) else {
            throw .malformed
        }
        guard serverKey.isValidSignature(signature, for: bytes) else { throw .badSignature }
        guard let command = try? AgentWire.decoder().decode(Command.self, from: bytes) else { throw .malformed }
        guard command.agentId == agentId else { throw .otherAgent }
        guard command.issuedAt.timeIntervalSince(now) <= skew else { throw .notYetValid }
        guard command.expiresAt.addingTimeInterval(skew) >= now else { throw .expired }
        guard !ledger.contains(command.nonce) else { throw .replayed }
        ledger.record(command.nonce, until: command.expiresAt)
        return command
    }
}

/// A chunk of a run's output, at its byte offset in the run's output: the server appends it only at its own length,
/// so a chunk sent twice (a retry after a lost reply) is kept once.
public struct RunOutput: Codable, Sendable, Equatable {
    public var offset: Int
    public var chunk: String
    public init(offset: Int, chunk: String) { self.offset = offset; self.chunk = chunk }
}

public enum RunStatus: String, Codable, Sendable, CaseIterable {
    /// A remote-control session waiting for the requester's consent (the contract asks for it), or refused by them.
    case awaitingConsent = "awaiting_consent", declined
    case queued, sent, running, succeeded, failed
    case timedOut = "timed_out"
    case refused, expired, canceled

    public var isFinal: Bool { ![.awaitingConsent, .queued, .sent, .running].contains(self) }
}

public struct RunResult: Codable, Sendable, Equatable {
    /// `succeeded`, `failed` (a non-zero exit), `timed_out` (killed, with its whole process group) or `refused`.
    public var status: RunStatus
    public var exitCode: Int?
    /// Bytes of output sent (the server checks it has them all).
    public var outputBytes: Int
    /// Output beyond the command's limit was dropped.
    public var truncated: Bool
    /// Why it was refused.
    public var detail: String?
    public var startedAt: Date?
    public var finishedAt: Date

    public init(status: RunStatus, exitCode: Int? = nil, outputBytes: Int = 0, truncated: Bool = false, detail: String? = nil,
                startedAt: Date? = nil, finishedAt: Date) {
        self.status = status; self.exitCode = exitCode; self.outputBytes = outputBytes; self.truncated = truncated; self.detail = detail
        self.startedAt = startedAt; self.finishedAt = finishedAt
    }
}
