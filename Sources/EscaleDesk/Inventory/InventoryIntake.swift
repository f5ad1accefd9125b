import EscaleAPI
import EscaleCore
import EscaleInventory
import EscaleStore
import FluentKit
import Foundation
import SQLKit
import Synchronization

/// What inventory agents report, written as machines of the token's organization: one transaction per inventory,
/// the machine found by `AssetIdentity` (agent id, then hardware), what changed kept on its history. A repeated
/// inventory (same digest) only moves "last seen"; software rows are rewritten only when the software changed.
public struct InventoryIntake: Sendable {
    let desk: Desk

    public enum Outcome: Sendable, Equatable {
        case created(UUID)
        case updated(UUID)
        case unchanged(UUID)

        public var assetId: UUID {
            switch self { case let .created(id), let .updated(id), let .unchanged(id): id }
        }
    }

    /// How often agents are asked to come back, in hours.
    public static let contactHours = 24

    /// An agent says hello (a PROLOG, a GLPI `contact`): a known machine was seen now. Contacts are gathered and
    /// written together about a second later (a fleet checks in constantly; "last seen" needs no better precision),
    /// in one transaction rather than one each.
    public func contact(deviceId: String, organization: UUID) async throws {
        guard !deviceId.isEmpty, deviceId.count <= 255 else { return }
        if desk.contacts.add(organization: organization, deviceId: deviceId, at: desk.now) {
            let desk = desk
            Task {
                try? await Task.sleep(for: .seconds(1))
                await desk.inventoryIntake.flushContacts()
            }
        }
    }

    /// Writes the gathered contacts (also called before reading machines in tests and at shutdown).
    public func flushContacts() async {
        let batch = desk.contacts.take()
        guard !batch.isEmpty else { return }
        do {
            try await desk.store.write { db in
                let sql = db as! any SQLDatabase
                for c in batch {
                    try await sql.raw("""
                        UPDATE assets SET last_seen_at = \(bind: c.at) WHERE organization_id = \(bind: c.organization) AND device_id = \(bind: c.deviceId)
                        AND last_seen_at < \(bind: c.at)
                        """).run()
                }
            }
        } catch {
            desk.logger.warning("inventory contacts not recorded", metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
    }

    /// A full inventory of one machine.
    public func receive(_ inventory: MachineInventory, deviceId rawDeviceId: String, source: String,
                        token: (id: UUID, organizationId: UUID)) async throws -> Outcome {
        let deviceId = rawDeviceId.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !deviceId.isEmpty else { throw DomainError.invalid(field: "DEVICEID", "the inventory names no device id") }
        guard deviceId.count <= 255 else { throw DomainError.invalid(field: "DEVICEID", "at most 255 characters") }
        // One encoding for both the stored inventory (in canonical order) and its digest.
        let (stored, digest) = inventory.storage()
        let encoded = Data(try InventoryBody.encode(stored, as: .zlib))
        // What changed is worked out before the write, on a read connection: reading the previous inventory back and
        // comparing takes longer than the write itself, and SQLite has one writer.
        let prepared = try? await prepare(inventory, digest: digest, deviceId: deviceId, organization: token.organizationId)
        do {
            return try await write(inventory, encoded: encoded, digest: digest, deviceId: deviceId, source: source, token: token, prepared: prepared)
        } catch let e as any DatabaseError where e.isConstraintFailure {
            // Two first inventories of one new machine raced (the agent id is unique per organization): the second
            // finds the first's machine now.
            return try await write(inventory, encoded: encoded, digest: digest, deviceId: deviceId, source: source, token: token, prepared: nil)
        }
    }

    /// The machine this inventory is about and what changed since its stored one, as read before the write; used by
    /// the write only if the machine is still at that version.
    struct Prepared: Sendable {
        let assetId: UUID
        let version: Int
        /// The same inventory as stored, from the same agent: only "last seen" to write.
        let unchanged: Bool
        /// The machine's MAC addresses as stored.
        let macs: Set<String>
        let old: MachineInventory?
        let diff: InventoryDiff?
        /// `diff` as the history keeps it, encoded outside the writer too.
        let changes: String?
    }

    private func prepare(_ inventory: MachineInventory, digest: String, deviceId: String, organization: UUID) async throws -> Prepared? {
        let macs = Set(inventory.macAddresses.map { $0.lowercased() })
        let candidates = try await Self.candidates(organization: organization, deviceId: deviceId, inventory: inventory, macs: macs, on: desk.store.database)
        let incoming = AssetIdentity.Incoming(deviceId: deviceId, systemUUID: inventory.systemUUID, serial: inventory.serial, name: inventory.name, macs: macs)
        guard case let .existing(id) = AssetIdentity.match(incoming, among: candidates.map(\.known)),
              let c = candidates.first(where: { $0.model.id == id }) else { return nil }
        let m = c.model
        if m.digest == digest, m.deviceId == deviceId {
            return Prepared(assetId: id, version: m.version, unchanged: true, macs: c.known.macs, old: nil, diff: nil, changes: nil)
        }
        let old = Self.stored(m.inventory)
        let diff = old.map { InventoryDiff.between($0, inventory) }
        return Prepared(assetId: id, version: m.version, unchanged: false, macs: c.known.macs, old: old, diff: diff,
                        changes: diff.map(Self.encoded))
    }

    private func write(_ inventory: MachineInventory, encoded: Data, digest: String, deviceId: String, source: String,
                       token: (id: UUID, organizationId: UUID), prepared: Prepared?) async throws -> Outcome {
        let now = desk.now
        let org = token.organizationId
        return try await desk.store.write { db in
            let sql = db as! any SQLDatabase
            let macs = Set(inventory.macAddresses.map { $0.lowercased() })
            // Read before the write and still so (same digest, same agent): only "last seen" changes.
            if let p = prepared, p.unchanged {
                let n = try await sql.raw("""
                    UPDATE assets SET last_seen_at = \(bind: now), last_inventory_at = \(bind: now)
                    WHERE id = \(bind: p.assetId) AND digest = \(bind: digest) AND device_id = \(bind: deviceId) RETURNING id
                    """).all()
                if !n.isEmpty { return .unchanged(p.assetId) }
            }
            // The machine matched before the write, still at the version read: no need to look for it again.
            let candidates: [Candidate]
            let match: AssetIdentity.Match
            if let p = prepared, !p.unchanged, let m = try await AssetModel.find(p.assetId, on: db), m.version == p.version, m.organizationId == org {
                candidates = [Candidate(model: m, known: .init(id: p.assetId, deviceId: m.deviceId, systemUUID: m.systemUUID, serial: m.serial,
                                                               name: m.name, macs: p.macs))]
                match = .existing(p.assetId)
            } else {
                candidates = try await Self.candidates(organization: org, deviceId: deviceId, inventory: inventory, macs: macs, on: db)
                let incoming = AssetIdentity.Incoming(deviceId: deviceId, systemUUID: inventory.systemUUID, serial: inventory.serial,
                                                      name: inventory.name, macs: macs)
                match = AssetIdentity.match(incoming, among: candidates.map(\.known))
            }
            switch match {
            case let .conflict(reason):
                throw DomainError.conflict(reason)
            case .new:
                let m = AssetModel()
                m.id = UUID(); m.organizationId = org; m.deviceId = deviceId; m.firstSeenAt = now; m.version = 1
                m.enrollmentTokenId = token.id
                Self.apply(inventory, encoded: encoded, digest: digest, source: source, to: m, now: now)
                try await m.create(on: db)
                try await Self.replaceMACs(m.id!, org, macs, on: sql)
                try await Self.replaceSoftware(m.id!, org, inventory.software, on: sql)
                try await history(m.id!, kind: "created", changes: nil, summary: "first inventory: \(inventory.software.count) software", on: db)
                try await linkAlerts(m, on: sql)
                return .created(m.id!)
            case let .existing(id):
                guard let found = candidates.first(where: { $0.model.id == id }) else { throw DomainError.notFound("asset") }
                let m = found.model
                if m.digest == digest, m.deviceId == deviceId {
                    try await sql.raw("UPDATE assets SET last_seen_at = \(bind: now), last_inventory_at = \(bind: now) WHERE id = \(bind: id)").run()
                    return .unchanged(id)
                }
                // Worked out before the write when the machine has not changed since; else now.
                let old: MachineInventory?, diff: InventoryDiff?, changes: String?
                if let p = prepared, p.assetId == id, p.version == m.version {
                    old = p.old; diff = p.diff; changes = p.changes
                } else {
                    old = Self.stored(m.inventory); diff = old.map { InventoryDiff.between($0, inventory) }; changes = diff.map(Self.encoded)
                }
                let softwareChanged = diff.map { !$0.softwareAdded.isEmpty || !$0.softwareRemoved.isEmpty || !$0.softwareUpdated.isEmpty } ?? true
                let reinstalled = m.deviceId != deviceId
                m.deviceId = deviceId; m.version += 1; m.enrollmentTokenId = token.id
                Self.apply(inventory, encoded: encoded, digest: digest, source: source, to: m, now: now)
                try await m.update(on: db)
                if macs != found.known.macs { try await Self.replaceMACs(id, org, macs, on: sql) }
                if softwareChanged {
                    if let old {
                        try await Self.applySoftware(id, org, old: old.software, new: inventory.software, on: sql)
                    } else {
                        try await Self.replaceSoftware(id, org, inventory.software, on: sql)
                    }
                }
                var lines: [String] = []
                if reinstalled { lines.append("agent reinstalled (new id \(deviceId))") }
                if let diff, !diff.isEmpty { lines.append(Self.summary(diff)) }
                if !lines.isEmpty {
                    try await history(id, kind: "inventory", changes: changes, summary: lines.joined(separator: "; "), on: db)
                }
                return .updated(id)
            }
        }
    }

    struct Candidate { let model: AssetModel; let known: AssetIdentity.Known }

    /// The organization's machines that could be this one: same agent id, UUID, serial, or a MAC address in common.
    static func candidates(organization: UUID, deviceId: String, inventory: MachineInventory, macs: Set<String>,
                           on db: any Database) async throws -> [Candidate] {
        let query = AssetModel.query(on: db).filter(\.$organizationId == organization).group(.or) { or in
            or.filter(\.$deviceId == deviceId)
            if let uuid = inventory.systemUUID, !uuid.isEmpty { or.filter(\.$systemUUID == uuid) }
            if let serial = inventory.serial, !serial.isEmpty { or.filter(\.$serial == serial) }
        }
        var models = try await query.limit(20).all()
        if !macs.isEmpty {
            let rows = try await (db as! any SQLDatabase).raw("""
                SELECT DISTINCT asset_id FROM asset_macs WHERE organization_id = \(bind: organization) AND mac IN (\(binds: Array(macs).prefix(50).map { $0 }))
                """).all()
            let ids = try rows.map { try $0.decode(column: "asset_id", as: UUID.self) }.filter { id in !models.contains { $0.id == id } }
            if !ids.isEmpty { models += try await AssetModel.query(on: db).filter(\.$id ~~ Array(ids.prefix(20))).all() }
        }
        guard !models.isEmpty else { return [] }
        // Every candidate's MAC addresses in one query.
        let rows = try await (db as! any SQLDatabase).raw("""
            SELECT asset_id, mac FROM asset_macs WHERE asset_id IN (\(binds: models.map { $0.id! }))
            """).all()
        var macsOf: [UUID: Set<String>] = [:]
        for r in rows { macsOf[try r.decode(column: "asset_id", as: UUID.self), default: []].insert(try r.decode(column: "mac", as: String.self)) }
        return models.map { m in
            Candidate(model: m, known: .init(id: m.id!, deviceId: m.deviceId, systemUUID: m.systemUUID, serial: m.serial, name: m.name,
                                             macs: macsOf[m.id!] ?? []))
        }
    }

    static func apply(_ inv: MachineInventory, encoded: Data, digest: String, source: String, to m: AssetModel, now: Date) {
        m.name = String((inv.name.isEmpty ? (inv.fqdn ?? m.deviceId) : inv.name).prefix(255))
        m.fqdn = inv.fqdn; m.systemUUID = inv.systemUUID; m.serial = inv.serial; m.manufacturer = inv.manufacturer; m.model = inv.model
        m.kind = AssetKind.classify(chassis: inv.type, osName: inv.os?.fullName ?? inv.os?.name, virtualization: inv.virtual).rawValue
        m.osName = inv.os?.name; m.osVersion = inv.os?.version; m.osFull = inv.os?.fullName ?? inv.os.map { [$0.name, $0.version].compactMap { $0 }.joined(separator: " ") }
        m.osArch = inv.os?.arch
        m.cpu = inv.cpus.first.map { c in inv.cpus.count > 1 ? "\(inv.cpus.count) × \(c.name ?? "CPU")" : (c.name ?? "CPU") }
        m.memoryMB = inv.memoryMB ?? (inv.memories.isEmpty ? nil : inv.memories.compactMap(\.capacityMB).reduce(0, +))
        m.storageMB = inv.disks.isEmpty ? nil : inv.disks.compactMap(\.sizeMB).reduce(0, +)
        m.ipAddresses = inv.ipAddresses.prefix(50).joined(separator: " ")
        m.users = inv.users.prefix(50).joined(separator: " ")
        m.agent = inv.agent; m.tag = inv.tag; m.source = source
        m.inventory = encoded; m.digest = digest; m.softwareCount = inv.software.count
        m.lastSeenAt = now; m.lastInventoryAt = now
    }

    static func replaceMACs(_ id: UUID, _ org: UUID, _ macs: Set<String>, on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM asset_macs WHERE asset_id = \(bind: id)").run()
        for mac in macs.prefix(50) {
            try await sql.raw("INSERT INTO asset_macs (asset_id, organization_id, mac) VALUES (\(bind: id), \(bind: org), \(bind: mac))").run()
        }
    }

    /// A stored inventory, or nil when it cannot be read (it is then rewritten whole).
    static func stored(_ data: Data) -> MachineInventory? {
        guard let bytes = try? InventoryBody.decode(Array(data), contentType: nil, contentEncoding: nil, limit: 64 << 20).bytes else { return nil }
        return MachineInventory.fromStorage(bytes)
    }

    /// Only what changed: rows of removed and updated packages deleted, rows of added and updated ones inserted (a
    /// month of updates touches a few dozen rows, not a thousand). Rows are keyed by name and version.
    static func applySoftware(_ id: UUID, _ org: UUID, old: [MachineInventory.Software], new: [MachineInventory.Software],
                              on sql: any SQLDatabase) async throws {
        func key(_ s: MachineInventory.Software) -> String { "\(s.name)\u{1}\(s.version ?? "")" }
        let before = Set(old.map(key)), after = Set(new.map(key))
        let gone = old.filter { !after.contains(key($0)) }
        let came = new.filter { !before.contains(key($0)) }
        guard gone.count + came.count < 400 else { return try await replaceSoftware(id, org, new, on: sql) }
        // One statement per 150 packages: each reads the machine's rows once.
        for chunk in stride(from: 0, to: gone.count, by: 150).map({ Array(gone[$0..<min($0 + 150, gone.count)]) }) {
            let pairs = SQLList(chunk.map { SQLGroupExpression([SQLBind($0.name), SQLBind($0.version ?? "")]) })
            try await sql.raw("DELETE FROM asset_software WHERE asset_id = \(bind: id) AND (name, version) IN (\(pairs))").run()
        }
        try await insertSoftware(id, org, came, on: sql)
    }

    /// One row per name and version on a machine (a package installed for two architectures counts once), so that
    /// counting rows counts machines.
    static func insertSoftware(_ id: UUID, _ org: UUID, _ all: [MachineInventory.Software], on sql: any SQLDatabase) async throws {
        var seen = Set<String>()
        let software = all.filter { seen.insert("\($0.name)\u{1}\($0.version ?? "")").inserted }
        for chunk in stride(from: 0, to: software.count, by: 150).map({ Array(software[$0..<min($0 + 150, software.count)]) }) {
            var insert = sql.insert(into: "asset_software").columns("asset_id", "organization_id", "name", "version", "publisher", "arch")
            for s in chunk {
                insert = insert.values([SQLBind(id), SQLBind(org), SQLBind(s.name), SQLBind(s.version ?? ""), SQLBind(s.publisher), SQLBind(s.arch)])
            }
            try await insert.run()
        }
    }

    /// Software rows in chunks (SQLite's bound-parameter limit), replaced whole.
    static func replaceSoftware(_ id: UUID, _ org: UUID, _ software: [MachineInventory.Software], on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM asset_software WHERE asset_id = \(bind: id)").run()
        try await insertSoftware(id, org, software, on: sql)
    }

    static func encoded(_ diff: InventoryDiff) -> String {
        String(decoding: (try? JSONEncoder().encode(diff)) ?? Data("{}".utf8), as: UTF8.self)
    }

    func history(_ assetId: UUID, kind: String, changes: String?, summary: String, on db: any Database) async throws {
        let h = AssetHistoryModel()
        h.id = UUID(); h.assetId = assetId; h.at = desk.now; h.kind = kind
        h.changes = changes ?? "{}"
        h.summary = String(summary.prefix(1_000))
        try await h.create(on: db)
    }

    /// Open monitoring alerts about this machine's host name (or FQDN) name it.
    func linkAlerts(_ m: AssetModel, on sql: any SQLDatabase) async throws {
        // Alert hosts are kept lowercased, sometimes with the exporter's port (`web01:9100`).
        let names = Array(Set([m.name.lowercased(), (m.fqdn ?? "").lowercased()].filter { !$0.isEmpty }))
        let patterns = names.map { $0 + ":%" }
        try await sql.raw("""
            INSERT INTO ticket_assets (ticket_id, asset_id, created_at)
            SELECT DISTINCT a.ticket_id, \(bind: m.id!), \(bind: desk.now) FROM alerts a
            WHERE a.organization_id = \(bind: m.organizationId) AND a.open_key IS NOT NULL
            AND (a.host IN (\(binds: names)) OR a.host LIKE \(bind: patterns[0]) OR a.host LIKE \(bind: patterns.last!))
            AND NOT EXISTS (SELECT 1 FROM ticket_assets x WHERE x.ticket_id = a.ticket_id AND x.asset_id = \(bind: m.id!))
            """).run()
    }

    /// One readable line of what changed.
    static func summary(_ d: InventoryDiff) -> String {
        var parts: [String] = []
        if !d.softwareAdded.isEmpty { parts.append("\(d.softwareAdded.count) software added") }
        if !d.softwareRemoved.isEmpty { parts.append("\(d.softwareRemoved.count) removed") }
        if !d.softwareUpdated.isEmpty { parts.append("\(d.softwareUpdated.count) updated") }
        if let m = d.memoryMB { parts.append("memory \(m.from.map(String.init) ?? "?") → \(m.to.map(String.init) ?? "?") MB") }
        if let os = d.os { parts.append("system \(os.from ?? "?") → \(os.to ?? "?")") }
        if !d.disksAdded.isEmpty || !d.disksRemoved.isEmpty { parts.append("disks +\(d.disksAdded.count) −\(d.disksRemoved.count)") }
        if !d.volumesChanged.isEmpty { parts.append("\(d.volumesChanged.count) volume changes") }
        if !d.networksChanged.isEmpty { parts.append("\(d.networksChanged.count) network changes") }
        if d.cpuChanged != nil { parts.append("processor changed") }
        return parts.joined(separator: ", ")
    }
}

extension Desk {
    public var inventoryIntake: InventoryIntake { InventoryIntake(desk: self) }
}

/// Contacts waiting to be written: the latest per machine.
public final class ContactBuffer: Sendable {
    public struct Contact: Sendable { let organization: UUID; let deviceId: String; let at: Date }
    private let pending = Mutex<[String: Contact]>([:])
    public init() {}

    /// Records a contact; true when the buffer was empty (the caller schedules the write).
    func add(organization: UUID, deviceId: String, at: Date) -> Bool {
        pending.withLock { p in
            let wasEmpty = p.isEmpty
            p["\(organization.uuidString)|\(deviceId)"] = Contact(organization: organization, deviceId: deviceId, at: at)
            return wasEmpty
        }
    }

    func take() -> [Contact] { pending.withLock { p in defer { p.removeAll() }; return Array(p.values) } }
}
