import EscaleCore
import EscaleInventory
import Foundation

public struct EnrollmentTokenInput: Codable, Sendable {
    /// What the token is for ("Siège, postes Windows"): tokens are told apart by name.
    public var name: String
    public init(name: String) { self.name = name }
}

/// The addresses each kind of agent is given as its server (the token is a path segment: agents can carry nothing else).
public struct EnrollmentURLs: Codable, Sendable, Equatable {
    /// ocsinventory-agent (`--server`).
    public var ocsinventory: String
    /// fusioninventory-agent (`--server`), GLPI's plugin path.
    public var fusioninventory: String
    /// glpi-agent (`server`), and fusioninventory-agent too.
    public var glpi: String
    public init(ocsinventory: String, fusioninventory: String, glpi: String) {
        self.ocsinventory = ocsinventory; self.fusioninventory = fusioninventory; self.glpi = glpi
    }
}

public struct EnrollmentTokenDTO: Codable, Sendable {
    public var id: UUID
    public var organizationId: UUID
    public var name: String
    /// The token's first characters.
    public var prefix: String
    /// The token itself: in the creation's answer only (only its hash is kept).
    public var token: String?
    /// With the token: the agents' server addresses.
    public var urls: EnrollmentURLs?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: UUID, organizationId: UUID, name: String, prefix: String, token: String?, urls: EnrollmentURLs?, createdAt: Date,
                lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id; self.organizationId = organizationId; self.name = name; self.prefix = prefix; self.token = token; self.urls = urls
        self.createdAt = createdAt; self.lastUsedAt = lastUsedAt; self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationId = "organization_id", name, prefix, token, urls, createdAt = "created_at", lastUsedAt = "last_used_at",
             revokedAt = "revoked_at"
    }
}

/// A machine in a list.
public struct AssetDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var organizationId: UUID
    public var name: String
    public var fqdn: String?
    public var kind: AssetKind
    public var deviceId: String
    public var systemUUID: String?
    public var serial: String?
    public var manufacturer: String?
    public var model: String?
    public var os: String?
    public var osSupport: OSSupportStatus
    public var osSupportEnds: Day?
    public var cpu: String?
    public var memoryMB: Int?
    public var storageMB: Int?
    public var ipAddresses: [String]
    public var users: [String]
    public var softwareCount: Int
    public var source: String
    public var agent: String?
    public var tag: String?
    /// The contract in force covers it (by its perimeter).
    public var covered: Bool
    public var firstSeenAt: Date
    public var lastSeenAt: Date
    public var lastInventoryAt: Date
    public var version: Int

    public init(id: UUID, organizationId: UUID, name: String, fqdn: String?, kind: AssetKind, deviceId: String, systemUUID: String?, serial: String?,
                manufacturer: String?, model: String?, os: String?, osSupport: OSSupportStatus, osSupportEnds: Day?, cpu: String?, memoryMB: Int?,
                storageMB: Int?, ipAddresses: [String], users: [String], softwareCount: Int, source: String, agent: String?, tag: String?, covered: Bool,
                firstSeenAt: Date, lastSeenAt: Date, lastInventoryAt: Date, version: Int) {
        self.id = id; self.organizationId = organizationId; self.name = name; self.fqdn = fqdn; self.kind = kind; self.deviceId = deviceId
        self.systemUUID = systemUUID; self.serial = serial; self.manufacturer = manufacturer; self.model = model; self.os = os
        self.osSupport = osSupport; self.osSupportEnds = osSupportEnds; self.cpu = cpu; self.memoryMB = memoryMB; self.storageMB = storageMB
        self.ipAddresses = ipAddresses; self.users = users; self.softwareCount = softwareCount; self.source = source; self.agent = agent
        self.tag = tag; self.covered = covered; self.firstSeenAt = firstSeenAt; self.lastSeenAt = lastSeenAt; self.lastInventoryAt = lastInventoryAt
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationId = "organization_id", name, fqdn, kind, deviceId = "device_id", systemUUID = "system_uuid", serial, manufacturer,
             model, os, osSupport = "os_support", osSupportEnds = "os_support_ends", cpu, memoryMB = "memory_mb", storageMB = "storage_mb",
             ipAddresses = "ip_addresses", users, softwareCount = "software_count", source, agent, tag, covered, firstSeenAt = "first_seen_at",
             lastSeenAt = "last_seen_at", lastInventoryAt = "last_inventory_at", version
    }
}

/// A machine with its whole last inventory and its tickets: the list's fields, then `hardware` (the inventory but its
/// software), `software` and `ticket_ids`, side by side in one object.
public struct AssetDetailDTO: Codable, Sendable {
    public var asset: AssetDTO
    public var hardware: MachineInventory
    public var software: [MachineInventory.Software]
    public var ticketIds: [UUID]

    public init(asset: AssetDTO, inventory: MachineInventory, ticketIds: [UUID]) {
        self.asset = asset; self.software = inventory.software; self.ticketIds = ticketIds
        var hardware = inventory
        hardware.software = []
        self.hardware = hardware
    }

    enum CodingKeys: String, CodingKey { case hardware, software, ticketIds = "ticket_ids" }

    public init(from decoder: any Decoder) throws {
        asset = try AssetDTO(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hardware = try c.decode(MachineInventory.self, forKey: .hardware)
        software = try c.decode([MachineInventory.Software].self, forKey: .software)
        ticketIds = try c.decode([UUID].self, forKey: .ticketIds)
    }

    public func encode(to encoder: any Encoder) throws {
        try asset.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hardware, forKey: .hardware)
        try c.encode(software, forKey: .software)
        try c.encode(ticketIds, forKey: .ticketIds)
    }
}

/// One entry of a machine's history: first seen, or what an inventory changed.
public struct AssetHistoryDTO: Codable, Sendable {
    public var id: UUID
    public var at: Date
    /// `created` or `inventory`.
    public var kind: String
    public var summary: String
    public var changes: InventoryDiff?
    public init(id: UUID, at: Date, kind: String, summary: String, changes: InventoryDiff?) {
        self.id = id; self.at = at; self.kind = kind; self.summary = summary; self.changes = changes
    }
}

public struct TicketAssetInput: Codable, Sendable {
    public var assetId: UUID
    public init(assetId: UUID) { self.assetId = assetId }
    enum CodingKeys: String, CodingKey { case assetId = "asset_id" }
}
