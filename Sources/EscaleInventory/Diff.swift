/// What changed between two inventories of one machine, for the asset's timeline: only what a person would want to
/// read there. Free space, IPv6 addresses (temporary ones rotate daily) and virtual interfaces (containers come and
/// go) are left out; `MachineInventory.digest` still tells any change at all. Lists are sorted by name, so the order
/// the agent listed things in never matters.
public struct InventoryDiff: Codable, Sendable, Equatable {
    public typealias Software = MachineInventory.Software
    public typealias Disk = MachineInventory.Disk

    /// The same package (name and architecture) in another version. A missing version is "".
    public struct SoftwareUpdate: Codable, Sendable, Equatable {
        public var name: String
        public var arch: String?
        public var from: String
        public var to: String

        public init(name: String, arch: String? = nil, from: String, to: String) {
            self.name = name
            self.arch = arch
            self.from = from
            self.to = to
        }

        enum CodingKeys: String, CodingKey {
            case name, arch, from, to
        }
    }

    /// A value before and after; nil on one side when the thing appeared or disappeared.
    public struct Change<T: Codable & Equatable & Sendable>: Codable, Sendable, Equatable {
        public var from: T?
        public var to: T?

        public init(from: T?, to: T?) {
            self.from = from
            self.to = to
        }

        enum CodingKeys: String, CodingKey {
            case from, to
        }
    }

    public var softwareAdded: [Software]
    public var softwareRemoved: [Software]
    public var softwareUpdated: [SoftwareUpdate]
    public var memoryMB: Change<Int>?
    /// The full name, with the version when the full name does not carry it.
    public var os: Change<String>?
    public var disksAdded: [Disk]
    public var disksRemoved: [Disk]
    /// A volume added, removed, resized or reformatted, as readable text: "/home (ext4, 40189 MB)".
    public var volumesChanged: [Change<String>]
    /// A physical interface added or removed, or its MAC or IPv4 addresses changed: "eth0 02:fc:00:00:00:01 192.0.2.2".
    public var networksChanged: [Change<String>]
    /// The processors, summed up: "AMD EPYC (2 cores, 2 threads)".
    public var cpuChanged: Change<String>?

    public init(
        softwareAdded: [Software] = [], softwareRemoved: [Software] = [], softwareUpdated: [SoftwareUpdate] = [],
        memoryMB: Change<Int>? = nil, os: Change<String>? = nil, disksAdded: [Disk] = [], disksRemoved: [Disk] = [],
        volumesChanged: [Change<String>] = [], networksChanged: [Change<String>] = [], cpuChanged: Change<String>? = nil
    ) {
        self.softwareAdded = softwareAdded
        self.softwareRemoved = softwareRemoved
        self.softwareUpdated = softwareUpdated
        self.memoryMB = memoryMB
        self.os = os
        self.disksAdded = disksAdded
        self.disksRemoved = disksRemoved
        self.volumesChanged = volumesChanged
        self.networksChanged = networksChanged
        self.cpuChanged = cpuChanged
    }

    enum CodingKeys: String, CodingKey {
        case softwareAdded = "software_added"
        case softwareRemoved = "software_removed"
        case softwareUpdated = "software_updated"
        case memoryMB = "memory_mb"
        case os
        case disksAdded = "disks_added"
        case disksRemoved = "disks_removed"
        case volumesChanged = "volumes_changed"
        case networksChanged = "networks_changed"
        case cpuChanged = "cpu_changed"
    }

    public var isEmpty: Bool {
        softwareAdded.isEmpty && softwareRemoved.isEmpty && softwareUpdated.isEmpty && memoryMB == nil && os == nil
            && disksAdded.isEmpty && disksRemoved.isEmpty && volumesChanged.isEmpty && networksChanged.isEmpty
            && cpuChanged == nil
    }

    public static func between(_ old: MachineInventory, _ new: MachineInventory) -> InventoryDiff {
        var diff = InventoryDiff()
        (diff.softwareAdded, diff.softwareRemoved, diff.softwareUpdated) = software(old.software, new.software)
        diff.memoryMB = change(old.memoryMB, new.memoryMB)
        diff.os = change(label(old.os), label(new.os))
        (diff.disksAdded, diff.disksRemoved) = disks(old.disks, new.disks)
        diff.volumesChanged = changes(old.volumes, new.volumes, key: { $0.mountPoint ?? $0.device ?? "" }, text: text)
        let physical = { (inventory: MachineInventory) in inventory.networks.filter { !$0.virtual } }
        diff.networksChanged = changes(physical(old), physical(new), key: { $0.description ?? $0.mac ?? "" }, text: text)
        diff.cpuChanged = change(summary(old.cpus), summary(new.cpus))
        return diff
    }

    private static func change<T>(_ from: T?, _ to: T?) -> Change<T>? {
        from == to ? nil : Change(from: from, to: to)
    }

    /// Keyed by name and architecture: one version on each side that differ is an update; otherwise versions that
    /// appear are added and those that disappear removed (several kernels side by side, say).
    private static func software(_ old: [Software], _ new: [Software]) -> ([Software], [Software], [SoftwareUpdate]) {
        struct Key: Hashable {
            let name: String
            let arch: String?
        }
        let before = Dictionary(grouping: old) { Key(name: $0.name, arch: $0.arch) }
        let after = Dictionary(grouping: new) { Key(name: $0.name, arch: $0.arch) }
        var added: [Software] = [], removed: [Software] = [], updated: [SoftwareUpdate] = []
        for key in Set(before.keys).union(after.keys) {
            let o = before[key] ?? [], n = after[key] ?? []
            let oldVersions = Set(o.map(\.version)), newVersions = Set(n.map(\.version))
            if oldVersions == newVersions { continue }
            if o.count == 1, n.count == 1 {
                updated.append(SoftwareUpdate(name: key.name, arch: key.arch, from: o[0].version ?? "", to: n[0].version ?? ""))
            } else {
                added += n.filter { !oldVersions.contains($0.version) }
                removed += o.filter { !newVersions.contains($0.version) }
            }
        }
        let bySoftware = { (a: Software, b: Software) in
            (a.name, a.arch ?? "", a.version ?? "") < (b.name, b.arch ?? "", b.version ?? "")
        }
        return (added.sorted(by: bySoftware), removed.sorted(by: bySoftware), updated.sorted { ($0.name, $0.arch ?? "") < ($1.name, $1.arch ?? "") })
    }

    /// A disk is known by its serial, else by its name, size and model.
    private static func disks(_ old: [Disk], _ new: [Disk]) -> ([Disk], [Disk]) {
        let identity = { (d: Disk) in d.serial ?? "\(d.name ?? "")|\(d.sizeMB ?? 0)|\(d.model ?? "")" }
        let before = Set(old.map(identity)), after = Set(new.map(identity))
        let byName = { (a: Disk, b: Disk) in (a.name ?? "", identity(a)) < (b.name ?? "", identity(b)) }
        return (new.filter { !before.contains(identity($0)) }.sorted(by: byName), old.filter { !after.contains(identity($0)) }.sorted(by: byName))
    }

    /// One change per key whose text differs (appeared, disappeared or changed), sorted by key.
    private static func changes<T>(_ old: [T], _ new: [T], key: (T) -> String, text: (T) -> String) -> [Change<String>] {
        let before = Dictionary(old.map { (key($0), text($0)) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { (key($0), text($0)) }, uniquingKeysWith: { first, _ in first })
        return Set(before.keys).union(after.keys).sorted().compactMap { k in change(before[k], after[k]) }
    }

    private static func text(_ v: MachineInventory.Volume) -> String {
        let details = [v.filesystem, v.totalMB.map { "\($0) MB" }].compactMap { $0 }.joined(separator: ", ")
        return (v.mountPoint ?? v.device ?? "?") + (details.isEmpty ? "" : " (\(details))")
    }

    private static func text(_ n: MachineInventory.NetworkInterface) -> String {
        ([n.description, n.mac].compactMap { $0 } + n.ipv4.sorted()).joined(separator: " ")
    }

    static func label(_ os: MachineInventory.OperatingSystem?) -> String? {
        guard let os, let name = os.fullName ?? os.name else { return os?.version }
        guard let version = os.version, !name.contains(version) else { return name }
        return "\(name) \(version)"
    }

    private static func summary(_ cpus: [MachineInventory.CPU]) -> String? {
        guard !cpus.isEmpty else { return nil }
        var counts: [String: Int] = [:]
        for cpu in cpus {
            let details = [cpu.cores.map { "\($0) cores" }, cpu.threads.map { "\($0) threads" }].compactMap { $0 }
            let text = (cpu.name ?? "CPU") + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")
            counts[text, default: 0] += 1
        }
        return counts.keys.sorted().map { counts[$0]! > 1 ? "\(counts[$0]!) × \($0)" : $0 }.joined(separator: ", ")
    }
}
