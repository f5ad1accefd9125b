import FluentKit
import Foundation

/// An enrolled escale-agent. Its asset is known once its first inventory arrived.
public final class AgentModel: Model, @unchecked Sendable {
    public static let schema = "agents"
    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationId: UUID
    @OptionalField(key: "asset_id") public var assetId: UUID?
    @Field(key: "credential_hash") public var credentialHash: String
    @Field(key: "hostname") public var hostname: String
    @Field(key: "version") public var version: String
    @OptionalField(key: "os") public var os: String?
    @OptionalField(key: "enrollment_token_id") public var enrollmentTokenId: UUID?
    @Field(key: "enrolled_at") public var enrolledAt: Date
    @Field(key: "last_seen_at") public var lastSeenAt: Date
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    public init() {}
}

/// A check administrators configure: for every machine of an organization (no asset) or for one.
public final class AgentCheckModel: Model, @unchecked Sendable {
    public static let schema = "agent_checks"
    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationId: UUID
    @OptionalField(key: "asset_id") public var assetId: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "target") public var target: String?
    @OptionalField(key: "threshold") public var threshold: Double?
    @Field(key: "interval_seconds") public var intervalSeconds: Int
    @Field(key: "severity") public var severity: String
    @Field(key: "enabled") public var enabled: Bool
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// A script an administrator wrote, run with `/bin/sh -c` by the agents it is sent to.
public final class RemoteScriptModel: Model, @unchecked Sendable {
    public static let schema = "remote_scripts"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "description") public var description: String
    @Field(key: "script") public var script: String
    @Field(key: "timeout_seconds") public var timeoutSeconds: Int
    @Field(key: "output_limit") public var outputLimit: Int
    @Field(key: "active") public var active: Bool
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// One action on one machine: the signed command as sent, its state, and what came back.
public final class RemoteRunModel: Model, @unchecked Sendable {
    public static let schema = "remote_runs"
    @ID(key: .id) public var id: UUID?
    @Field(key: "agent_id") public var agentId: UUID
    @Field(key: "asset_id") public var assetId: UUID
    @Field(key: "organization_id") public var organizationId: UUID
    @OptionalField(key: "ticket_id") public var ticketId: UUID?
    /// A library action's key, or a script's id.
    @Field(key: "action") public var action: String
    @Field(key: "kind") public var kind: String
    @Field(key: "label") public var label: String
    @OptionalField(key: "parameter") public var parameter: String?
    @Field(key: "requested_by") public var requestedBy: UUID
    /// The `SignedCommand`'s JSON, exactly as the agent receives it.
    @Field(key: "command") public var command: String
    @Field(key: "nonce") public var nonce: String
    @Field(key: "issued_at") public var issuedAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @Field(key: "status") public var status: String
    @OptionalField(key: "exit_code") public var exitCode: Int?
    @Field(key: "output") public var output: String
    @Field(key: "output_bytes") public var outputBytes: Int
    @Field(key: "truncated") public var truncated: Bool
    @OptionalField(key: "detail") public var detail: String?
    @OptionalField(key: "delivered_at") public var deliveredAt: Date?
    @OptionalField(key: "started_at") public var startedAt: Date?
    @OptionalField(key: "finished_at") public var finishedAt: Date?
    public init() {}
}
