import EscaleAPI
import EscaleCore
import EscaleInventory
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// The inventory document of one organization: its machines (hardware, system and its support, last seen, covered
/// or not), software counted per name and version, operating systems counted with their support status, machines
/// not seen for 30 days, and what the contract covers. Read in three queries whatever the fleet's size (the machines'
/// columns without their stored inventories, one GROUP BY on software, the contract); rendered by the web layer as
/// HTML, PDF, CSV or JSON.
public struct InventoryDocument: Codable, Sendable {
    public struct Machine: Codable, Sendable {
        public var id: UUID
        public var name: String
        public var kind: AssetKind
        public var manufacturer: String?
        public var model: String?
        public var serial: String?
        public var os: String?
        public var osSupport: OSSupportStatus
        public var osSupportEnds: Day?
        public var cpu: String?
        public var memoryMB: Int?
        public var storageMB: Int?
        public var ipAddresses: [String]
        public var softwareCount: Int
        public var lastSeenAt: Date
        public var covered: Bool
        public var stale: Bool

        enum CodingKeys: String, CodingKey {
            case id, name, kind, manufacturer, model, serial, os, osSupport = "os_support", osSupportEnds = "os_support_ends", cpu,
                 memoryMB = "memory_mb", storageMB = "storage_mb", ipAddresses = "ip_addresses", softwareCount = "software_count",
                 lastSeenAt = "last_seen_at", covered, stale
        }
    }

    public struct SoftwareCount: Codable, Sendable {
        public var name: String
        public var version: String
        public var publisher: String?
        public var machines: Int
    }

    public struct SystemCount: Codable, Sendable {
        public var os: String
        public var support: OSSupportStatus
        public var supportEnds: Day?
        public var machines: Int
        enum CodingKeys: String, CodingKey { case os, support, supportEnds = "support_ends", machines }
    }

    public var organizationId: UUID
    public var organization: String
    public var generatedAt: Date
    public var language: String
    /// `hardware`, `infrastructure`, `categories`, or nil without a contract in force.
    public var perimeter: String?
    public var machines: [Machine]
    public var software: [SoftwareCount]
    public var systems: [SystemCount]
    public var staleDays: Int
    public var totals: Totals

    public struct Totals: Codable, Sendable {
        public var machines: Int
        public var covered: Int
        public var stale: Int
        public var unsupportedSystems: Int
        public var byKind: [String: Int]
        public var softwareTitles: Int
        enum CodingKeys: String, CodingKey {
            case machines, covered, stale, unsupportedSystems = "unsupported_systems", byKind = "by_kind", softwareTitles = "software_titles"
        }
    }

    enum CodingKeys: String, CodingKey {
        case organizationId = "organization_id", organization, generatedAt = "generated_at", language, perimeter, machines, software, systems,
             staleDays = "stale_days", totals
    }
}

extension Assets {
    /// The organization's inventory document, as of now.
    public func document(of organizationId: UUID, language: String, by actor: Actor) async throws -> InventoryDocument {
        let scope = try scope(actor)
        guard scope.contains(organizationId), let org = try await OrganizationModel.find(organizationId, on: desk.store.database) else {
            throw DomainError.notFound("organization")
        }
        return try await document(of: org, language: language)
    }

    func document(of org: OrganizationModel, language: String) async throws -> InventoryDocument {
        let db = desk.store.database
        let sql = db as! any SQLDatabase
        let orgId = org.id!
        let now = desk.now
        let staleDays = 30
        let staleBefore = now.addingTimeInterval(-Double(staleDays) * 86_400)
        let perimeter = try await desk.activeContract(of: orgId, on: db)?.perimeter
        let hardwareKeys = Set(try await desk.directory().categories.filter { $0.domain == .hardware }.map(\.key))
        let today = Day(now)
        struct Row: Decodable {
            let id: UUID; let name: String; let kind: String; let manufacturer: String?; let model: String?; let serial: String?
            let os_full: String?; let cpu: String?; let memory_mb: Int?; let storage_mb: Int?; let ip_addresses: String; let software_count: Int
            let last_seen_at: Date
        }
        let rows = try await sql.raw("""
            SELECT id, name, kind, manufacturer, model, serial, os_full, cpu, memory_mb, storage_mb, ip_addresses, software_count, last_seen_at
            FROM assets WHERE organization_id = \(bind: orgId) ORDER BY name
            """).all(decoding: Row.self, with: Store.rowDecoder)
        let machines = rows.map { r -> InventoryDocument.Machine in
            let kind = AssetKind(rawValue: r.kind) ?? .other
            let support = r.os_full.map { OSSupport.status(of: $0, on: today) } ?? (.unknown, nil)
            return .init(id: r.id, name: r.name, kind: kind, manufacturer: r.manufacturer, model: r.model, serial: r.serial, os: r.os_full,
                         osSupport: support.status, osSupportEnds: support.end, cpu: r.cpu, memoryMB: r.memory_mb, storageMB: r.storage_mb,
                         ipAddresses: r.ip_addresses.split(separator: " ").map(String.init), softwareCount: r.software_count, lastSeenAt: r.last_seen_at,
                         covered: AssetCoverage.covers(kind, perimeter: perimeter, hardwareCategoryKeys: hardwareKeys), stale: r.last_seen_at < staleBefore)
        }
        struct SoftwareRow: Decodable { let name: String; let version: String; let publisher: String?; let machines: Int }
        let software = try await sql.raw("""
            SELECT name, version, MAX(publisher) AS publisher, COUNT(*) AS machines FROM asset_software
            WHERE organization_id = \(bind: orgId) GROUP BY name, version ORDER BY machines DESC, name, version
            """).all(decoding: SoftwareRow.self)
        var systems: [String: InventoryDocument.SystemCount] = [:]
        for m in machines {
            let key = m.os ?? "—"
            systems[key, default: .init(os: key, support: m.osSupport, supportEnds: m.osSupportEnds, machines: 0)].machines += 1
        }
        let totals = InventoryDocument.Totals(
            machines: machines.count, covered: machines.filter(\.covered).count, stale: machines.filter(\.stale).count,
            unsupportedSystems: machines.filter { $0.osSupport == .unsupported }.count,
            byKind: Dictionary(grouping: machines, by: \.kind.rawValue).mapValues(\.count), softwareTitles: Set(software.map(\.name)).count)
        return InventoryDocument(
            organizationId: orgId, organization: org.name, generatedAt: now, language: language, perimeter: perimeter?.kind, machines: machines,
            software: software.map { .init(name: $0.name, version: $0.version, publisher: $0.publisher, machines: $0.machines) },
            systems: systems.values.sorted { ($0.machines, $1.os) > ($1.machines, $0.os) }, staleDays: staleDays, totals: totals)
    }
}

/// One archived monthly document, as listed.
public struct ArchivedInventoryDocumentDTO: Codable, Sendable, Equatable {
    public var period: String
    public var language: String
    public var generatedAt: Date
    public var machines: Int
    enum CodingKeys: String, CodingKey { case period, language, generatedAt = "generated_at", machines }
}

extension Assets {
    /// The 1st of the month after `date`, 03:00 UTC: when the month's document is made.
    static func nextMonthStart(after date: Date) -> Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month], from: date)
        let first = cal.date(from: DateComponents(year: c.year, month: c.month, day: 1, hour: 3))!
        return cal.date(byAdding: .month, value: 1, to: first)!
    }

    /// `2026-11` for an instant of November 2026 (UTC).
    static func period(of date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", c.year!, c.month!)
    }

    static func monthlyKey(_ organization: UUID) -> String { "inventory-document:\(organization.uuidString.lowercased())" }

    /// Keeps the organization's next monthly document scheduled (idempotent: one job per organization).
    func scheduleMonthlyDocument(organization: UUID, on db: any Database) async throws {
        try await JobQueue.schedule(key: Self.monthlyKey(organization), kind: Desk.JobKind.inventoryDocument, at: Self.nextMonthStart(after: desk.now),
                                    payload: Desk.payload(["organization": organization.uuidString]), now: desk.now, on: db)
    }

    /// The month that just ended, in both languages, then the next month's job.
    func runMonthlyDocument(_ job: Job) async throws {
        let payload = try Desk.payload([String: String].self, of: job)
        guard let id = payload["organization"].flatMap(UUID.init(uuidString:)), let org = try await OrganizationModel.find(id, on: desk.store.database) else {
            try await desk.complete(job) { _ in }
            return
        }
        // Generated on the 1st: it describes the month before.
        let period = Self.period(of: desk.now.addingTimeInterval(-86_400))
        var rows: [InventoryDocumentModel] = []
        for language in ["fr", "en"] {
            let doc = try await document(of: org, language: language)
            let m = InventoryDocumentModel()
            m.id = UUID(); m.organizationId = id; m.period = period; m.language = language; m.generatedAt = desk.now; m.machines = doc.machines.count
            m.document = Data(try InventoryBody.encode(Array(try JSONEncoder().encode(doc)), as: .zlib))
            rows.append(m)
        }
        let ready = rows, active = org.active
        try await desk.complete(job) { db in
            for m in ready {
                // A rerun of the same month replaces it.
                try await InventoryDocumentModel.query(on: db).filter(\.$organizationId == id).filter(\.$period == m.period)
                    .filter(\.$language == m.language).delete()
                try await m.create(on: db)
            }
            if active { try await self.scheduleMonthlyDocument(organization: id, on: db) }
        }
    }

    /// The organization's monthly documents, newest first.
    public func archive(of organizationId: UUID, by actor: Actor) async throws -> [ArchivedInventoryDocumentDTO] {
        guard try scope(actor).contains(organizationId) else { throw DomainError.notFound("organization") }
        return try await InventoryDocumentModel.query(on: desk.store.database).filter(\.$organizationId == organizationId)
            .field(\.$period).field(\.$language).field(\.$generatedAt).field(\.$machines)
            .sort(\.$period, .descending).sort(\.$language).all()
            .map { ArchivedInventoryDocumentDTO(period: $0.period, language: $0.language, generatedAt: $0.generatedAt, machines: $0.machines) }
    }

    /// One month's document as it was generated.
    public func archived(of organizationId: UUID, period: String, language: String, by actor: Actor) async throws -> InventoryDocument {
        guard try scope(actor).contains(organizationId) else { throw DomainError.notFound("organization") }
        guard let m = try await InventoryDocumentModel.query(on: desk.store.database).filter(\.$organizationId == organizationId)
            .filter(\.$period == period).filter(\.$language == language).first() else {
            throw DomainError.notFound("inventory document of \(period.prefix(7))")
        }
        let bytes = try InventoryBody.decode(Array(m.document), contentType: nil, contentEncoding: nil, limit: 1 << 30).bytes
        return try JSONDecoder().decode(InventoryDocument.self, from: Data(bytes))
    }
}
