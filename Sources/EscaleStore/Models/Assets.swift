import FluentKit
import Foundation

/// A secret that lets inventory agents report to one organization (its hash only).
public final class EnrollmentTokenModel: Model, @unchecked Sendable {
    public static let schema = "enrollment_tokens"
    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationId: UUID
    @Field(key: "name") public var name: String
    @Field(key: "token_hash") public var tokenHash: String
    /// The token's first characters, to tell tokens apart in a list.
    @Field(key: "prefix") public var prefix: String
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    public init() {}
}

/// An organization's inventory document of one month, in one language, as generated that month.
public final class InventoryDocumentModel: Model, @unchecked Sendable {
    public static let schema = "inventory_documents"
    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationId: UUID
    /// `2026-11`: the month it describes (generated on the 1st of the next).
    @Field(key: "period") public var period: String
    @Field(key: "language") public var language: String
    @Field(key: "generated_at") public var generatedAt: Date
    @Field(key: "machines") public var machines: Int
    @Field(key: "document") public var document: Data
    public init() {}
}

/// A machine of an organization, as its last inventory described it. Its MAC addresses (`asset_macs`), software
/// (`asset_software`) and tickets (`ticket_assets`) are plain rows without ids, written with SQLKit.
public final class AssetModel: Model, @unchecked Sendable {
    public static let schema = "assets"
    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationId: UUID
    @Field(key: "name") public var name: String
    @OptionalField(key: "fqdn") public var fqdn: String?
    @Field(key: "kind") public var kind: String
    @Field(key: "device_id") public var deviceId: String
    @OptionalField(key: "system_uuid") public var systemUUID: String?
    @OptionalField(key: "serial") public var serial: String?
    @OptionalField(key: "manufacturer") public var manufacturer: String?
    @OptionalField(key: "model") public var model: String?
    @OptionalField(key: "os_name") public var osName: String?
    @OptionalField(key: "os_version") public var osVersion: String?
    @OptionalField(key: "os_full") public var osFull: String?
    @OptionalField(key: "os_arch") public var osArch: String?
    @OptionalField(key: "cpu") public var cpu: String?
    @OptionalField(key: "memory_mb") public var memoryMB: Int?
    @OptionalField(key: "storage_mb") public var storageMB: Int?
    /// Space-separated.
    @Field(key: "ip_addresses") public var ipAddresses: String
    /// Space-separated logins.
    @Field(key: "users") public var users: String
    @OptionalField(key: "agent") public var agent: String?
    @OptionalField(key: "tag") public var tag: String?
    /// `ocs`, `glpi` or `escale-agent`.
    @Field(key: "source") public var source: String
    /// The last inventory: `MachineInventory` as JSON, zlib-compressed.
    @Field(key: "inventory") public var inventory: Data
    @Field(key: "digest") public var digest: String
    @Field(key: "software_count") public var softwareCount: Int
    @Field(key: "first_seen_at") public var firstSeenAt: Date
    @Field(key: "last_seen_at") public var lastSeenAt: Date
    @Field(key: "last_inventory_at") public var lastInventoryAt: Date
    @OptionalField(key: "enrollment_token_id") public var enrollmentTokenId: UUID?
    @Field(key: "version") public var version: Int
    public init() {}
}

/// One entry of the asset's timeline: an inventory's changes, or a ticket that named it.
public final class AssetHistoryModel: Model, @unchecked Sendable {
    public static let schema = "asset_history"
    @ID(key: .id) public var id: UUID?
    @Field(key: "asset_id") public var assetId: UUID
    @Field(key: "at") public var at: Date
    /// `created`, `inventory`, `ticket`.
    @Field(key: "kind") public var kind: String
    /// JSON (`InventoryDiff`, or `{}`).
    @Field(key: "changes") public var changes: String
    /// One readable line.
    @Field(key: "summary") public var summary: String
    public init() {}
}
