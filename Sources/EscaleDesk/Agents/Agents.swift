import Crypto
import EscaleAgentWire
import EscaleAPI
import EscaleCore
import EscaleInventory
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// The escale-agents' side of the desk: enrollment with an organization's token, the credential every later call
/// carries, heartbeats (with check results), and the agent's own inventory, taken in by the same intake as every
/// other agent's.
public struct Agents: Sendable {
    let desk: Desk

    /// How often agents are asked to heartbeat and to send a full inventory.
    public var heartbeatSeconds: Int { desk.config.agentHeartbeatSeconds }
    public static let inventorySeconds = 3_600

    /// The server's Ed25519 key: every command is signed with it; agents pin its public half at enrollment.
    public func signingKey() async throws -> Curve25519.Signing.PrivateKey {
        if let key = desk.agentState.signingKey.withLock({ $0 }) { return key }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: try await Settings.secret("agent_signing_key", store: desk.store))
        desk.agentState.signingKey.withLock { $0 = key }
        return key
    }

    public func publicKey() async throws -> String {
        try await signingKey().publicKey.rawRepresentation.base64EncodedString()
    }

    /// nil: the token is unknown or revoked (answered 401, nothing stored).
    public func enroll(_ request: EnrollRequest) async throws -> EnrollResponse? {
        guard let token = try await desk.enrollmentTokens.resolve(request.token.trimmingCharacters(in: .whitespaces)) else { return nil }
        let hostname = request.hostname.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !hostname.isEmpty, hostname.count <= 255 else { throw DomainError.invalid(field: "hostname", "1 to 255 characters") }
        guard request.agentVersion.count <= 100 else { throw DomainError.invalid(field: "agent_version", "at most 100 characters") }
        let credential = "eag_" + Desk.randomToken()
        let key = try await publicKey()
        let m = AgentModel()
        m.id = UUID(); m.organizationId = token.organizationId; m.credentialHash = Desk.hashToken(credential); m.hostname = hostname
        m.version = request.agentVersion; m.os = request.os.map { String($0.prefix(255)) }; m.enrollmentTokenId = token.id
        m.enrolledAt = desk.now; m.lastSeenAt = desk.now
        try await desk.store.write { db in
            try await m.create(on: db)
            try await self.desk.audit(nil, "enroll", "agent", m.id, "\(hostname) (\(request.agentVersion))", on: db)
        }
        return EnrollResponse(agentId: m.id!, credential: credential, organizationId: token.organizationId, serverKey: key,
                              heartbeatSeconds: heartbeatSeconds, inventorySeconds: Self.inventorySeconds)
    }

    /// The agent a credential belongs to, or nil (answered 401).
    public func authenticate(_ credential: String) async throws -> AgentState.Identity? {
        guard credential.hasPrefix("eag_"), credential.count <= 100 else { return nil }
        let hash = Desk.hashToken(credential)
        if let hit = desk.agentState.identity(hash, now: desk.now) { return hit }
        guard let m = try await AgentModel.query(on: desk.store.database).filter(\.$credentialHash == hash).first(), m.revokedAt == nil,
              let org = try await OrganizationModel.find(m.organizationId, on: desk.store.database), org.active else { return nil }
        let identity = AgentState.Identity(agentId: m.id!, organizationId: m.organizationId, assetId: m.assetId)
        desk.agentState.remember(hash, identity, now: desk.now)
        // "Last seen", at most once a minute an agent (this read happens once per 10 s an agent, on a cache miss).
        if desk.now.timeIntervalSince(m.lastSeenAt) > 60 {
            let now = desk.now
            try await desk.store.write { db in
                try await (db as! any SQLDatabase).raw("UPDATE agents SET last_seen_at = \(bind: now) WHERE id = \(bind: m.id!)").run()
            }
        }
        return identity
    }

    /// The agent's inventory (GLPI JSON, already decoded): its machine is found or made like any agent's, under the
    /// agent's own device id whatever the body says; the agent is then the machine's one live agent.
    public func inventory(_ inventory: MachineInventory, from agent: AgentState.Identity) async throws -> InventoryReceipt {
        guard let tokenId = try await AgentModel.find(agent.agentId, on: desk.store.database)?.enrollmentTokenId else {
            throw DomainError.notFound("agent")
        }
        let outcome = try await desk.inventoryIntake.receive(inventory, deviceId: agent.deviceId, source: "escale-agent",
                                                             token: (id: tokenId, organizationId: agent.organizationId))
        let asset = outcome.assetId
        if agent.assetId != asset {
            try await desk.store.write { db in
                let sql = db as! any SQLDatabase
                // A reinstalled agent replaces the machine's previous one: the old credential stops working.
                try await sql.raw("UPDATE agents SET revoked_at = \(bind: self.desk.now) WHERE asset_id = \(bind: asset) AND id <> \(bind: agent.agentId) AND revoked_at IS NULL").run()
                try await sql.raw("UPDATE agents SET asset_id = \(bind: asset) WHERE id = \(bind: agent.agentId)").run()
            }
            desk.agentState.forgetAll()
        }
        let name = switch outcome { case .created: "created"; case .updated: "updated"; case .unchanged: "unchanged" }
        return InventoryReceipt(assetId: asset, outcome: name)
    }

    public func heartbeat(_ beat: Heartbeat, from agent: AgentState.Identity) async throws -> HeartbeatReply {
        guard let assetId = agent.assetId else {
            guard beat.results.isEmpty else {
                throw DomainError.conflict("this agent has no machine yet: send its inventory before check results")
            }
            return HeartbeatReply(heartbeatSeconds: heartbeatSeconds, inventorySeconds: Self.inventorySeconds, inventoryDue: true, checks: [])
        }
        try await desk.inventoryIntake.contact(deviceId: agent.deviceId, organization: agent.organizationId)
        let checks = try await desk.agentChecks.specs(organization: agent.organizationId, asset: assetId)
        if !beat.results.isEmpty {
            try await desk.agentChecks.record(beat.results, checks: checks, asset: assetId, organization: agent.organizationId)
        }
        if beat.agentVersion.count <= 100 {
            let version = beat.agentVersion
            try await desk.store.write { db in
                try await (db as! any SQLDatabase).raw("UPDATE agents SET version = \(bind: version) WHERE id = \(bind: agent.agentId) AND version <> \(bind: version)").run()
            }
        }
        return HeartbeatReply(heartbeatSeconds: heartbeatSeconds, inventorySeconds: Self.inventorySeconds, inventoryDue: false,
                              checks: checks.map(\.spec))
    }

    /// The live agent of a machine, as the asset page shows it.
    public func agent(ofAsset assetId: UUID) async throws -> AgentDTO? {
        let db = desk.store.database
        guard let m = try await AgentModel.query(on: db).filter(\.$assetId == assetId).filter(\.$revokedAt == nil)
            .sort(\.$enrolledAt, .descending).first() else { return nil }
        return AgentDTO(id: m.id!, hostname: m.hostname, version: m.version, os: m.os, enrolledAt: m.enrolledAt, lastSeenAt: m.lastSeenAt,
                        checks: try await desk.agentChecks.states(asset: assetId))
    }

    /// Which of these machines have a live escale-agent.
    public func withAgent(_ assetIds: [UUID]) async throws -> Set<UUID> {
        guard !assetIds.isEmpty else { return [] }
        return Set(try await AgentModel.query(on: desk.store.database).filter(\.$assetId ~~ assetIds).filter(\.$revokedAt == nil)
            .field(\.$assetId).all().compactMap(\.assetId))
    }

    /// An administrator revokes a machine's agent: its credential stops working at once on this instance, within
    /// seconds on the others.
    public func revoke(asset assetId: UUID, by actor: Actor) async throws {
        try AccessPolicy.require(actor, .manageDirectory)
        _ = try await desk.assets.model(assetId, by: actor)
        try await desk.store.write { db in
            try await (db as! any SQLDatabase).raw("UPDATE agents SET revoked_at = \(bind: self.desk.now) WHERE asset_id = \(bind: assetId) AND revoked_at IS NULL").run()
            try await self.desk.audit(actor, "revoke", "agent", assetId, "the machine's escale-agent", on: db)
        }
        desk.agentState.forgetAll()
    }
}

extension Desk {
    public var agents: Agents { Agents(desk: self) }
}
