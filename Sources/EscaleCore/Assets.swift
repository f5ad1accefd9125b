import Foundation

/// What kind of machine an inventory describes: it decides what a contract's perimeter covers (workstations and
/// peripherals are "hardware"; servers are infrastructure).
public enum AssetKind: String, Codable, Sendable, CaseIterable {
    case workstation, laptop, server, virtualMachine = "virtual_machine", other

    /// From what agents report: the chassis type (SMBIOS names, as FusionInventory/GLPI spell them), the operating
    /// system's name and the virtualisation system (`Physical` or empty when none).
    public static func classify(chassis: String?, osName: String?, virtualization: String?) -> AssetKind {
        let os = (osName ?? "").lowercased()
        let chassis = (chassis ?? "").lowercased()
        let isServerOS = os.contains("server") || os.contains("esxi") || os.contains("proxmox")
        if let v = virtualization?.trimmingCharacters(in: .whitespaces).lowercased(), !v.isEmpty, v != "physical" {
            return isServerOS ? .server : .virtualMachine
        }
        if isServerOS || ["rack mount chassis", "blade", "multi-system chassis", "main server chassis", "server"].contains(where: chassis.contains) {
            return .server
        }
        if ["notebook", "laptop", "portable", "sub notebook", "convertible", "detachable", "tablet", "hand held"].contains(where: chassis.contains) {
            return .laptop
        }
        if ["desktop", "tower", "mini", "all in one", "space-saving", "lunch box", "pizza box"].contains(where: chassis.contains) || !os.isEmpty {
            return .workstation
        }
        return .other
    }
}

/// Whether a contract's perimeter covers a machine: the whole infrastructure covers everything; "hardware only"
/// covers workstations, laptops and peripherals, not servers nor virtual machines; a perimeter by categories covers
/// machines when it names a hardware category. No contract in force covers nothing.
public enum AssetCoverage {
    public static func covers(_ kind: AssetKind, perimeter: Perimeter?, hardwareCategoryKeys: Set<String> = []) -> Bool {
        guard let perimeter else { return false }
        switch perimeter {
        case .infrastructure: return true
        case .hardware: return kind == .workstation || kind == .laptop || kind == .other
        case let .categories(keys):
            return !keys.isDisjoint(with: hardwareCategoryKeys) && (kind == .workstation || kind == .laptop || kind == .other)
        }
    }
}

/// Which known machine an inventory is about, within one organization (never across two): the agent's id first, then
/// hardware identity the way GLPI's import rules do — system UUID, serial number, a physical MAC address together
/// with the name — so that a reinstalled agent (a new id) updates its machine instead of making a duplicate.
public enum AssetIdentity {
    public struct Known: Sendable, Equatable {
        public let id: UUID
        public let deviceId: String?
        public let systemUUID: String?
        public let serial: String?
        public let name: String
        public let macs: Set<String>
        public init(id: UUID, deviceId: String?, systemUUID: String?, serial: String?, name: String, macs: Set<String>) {
            self.id = id; self.deviceId = deviceId; self.systemUUID = systemUUID; self.serial = serial; self.name = name; self.macs = macs
        }
    }

    public struct Incoming: Sendable, Equatable {
        public let deviceId: String
        public let systemUUID: String?
        public let serial: String?
        public let name: String
        public let macs: Set<String>
        public init(deviceId: String, systemUUID: String?, serial: String?, name: String, macs: Set<String>) {
            self.deviceId = deviceId; self.systemUUID = systemUUID; self.serial = serial; self.name = name; self.macs = macs
        }
    }

    public enum Match: Sendable, Equatable {
        case existing(UUID)
        case new
        /// The agent id is already another machine's (different hardware): refused, nothing written.
        case conflict(String)
    }

    /// `candidates` are the organization's machines sharing the agent id, UUID, serial, or a MAC address.
    public static func match(_ incoming: Incoming, among candidates: [Known]) -> Match {
        if let byDevice = candidates.first(where: { $0.deviceId == incoming.deviceId }) {
            // Same agent id but provably other hardware: two machines claim one id (a cloned disk image).
            if let a = byDevice.systemUUID, let b = incoming.systemUUID, !a.isEmpty, !b.isEmpty, a.lowercased() != b.lowercased() {
                return .conflict("agent id \(incoming.deviceId) already belongs to another machine (system UUID \(a))")
            }
            if let a = byDevice.serial, let b = incoming.serial, !a.isEmpty, !b.isEmpty, a != b, byDevice.systemUUID == nil || incoming.systemUUID == nil {
                return .conflict("agent id \(incoming.deviceId) already belongs to another machine (serial \(a))")
            }
            return .existing(byDevice.id)
        }
        if let uuid = incoming.systemUUID?.lowercased(), !uuid.isEmpty,
           let m = candidates.first(where: { $0.systemUUID?.lowercased() == uuid }) {
            return .existing(m.id)
        }
        // A serial alone identifies when UUIDs do not contradict it (one of the two unknown).
        if let serial = incoming.serial, !serial.isEmpty,
           let m = candidates.first(where: { $0.serial == serial && ($0.systemUUID == nil || incoming.systemUUID == nil) }) {
            return .existing(m.id)
        }
        if !incoming.macs.isEmpty, let m = candidates.first(where: { !$0.macs.isDisjoint(with: incoming.macs) && $0.name.lowercased() == incoming.name.lowercased() }) {
            return .existing(m.id)
        }
        return .new
    }
}

/// Where an operating system stands in its vendor's support lifecycle on a given day.
public enum OSSupportStatus: String, Codable, Sendable {
    case supported
    /// Support ends within six months.
    case endingSoon = "ending_soon"
    case unsupported
    case unknown
}

/// The end of support of common operating systems (vendors' published dates; extended security updates sold
/// separately are not counted). Unknown systems say so rather than guess.
public enum OSSupport {
    struct Rule: Sendable { let matches: @Sendable (String) -> Bool; let end: Day }

    static func day(_ s: String) -> Day { Day(s)! }

    /// Most specific first.
    static let rules: [Rule] = {
        func has(_ parts: String...) -> @Sendable (String) -> Bool { { s in parts.allSatisfy { s.contains($0) } } }
        return [
            Rule(matches: has("windows", "xp"), end: day("2014-04-08")),
            Rule(matches: has("windows", "vista"), end: day("2017-04-11")),
            Rule(matches: has("windows 7"), end: day("2020-01-14")),
            Rule(matches: has("windows 8.1"), end: day("2023-01-10")),
            Rule(matches: has("windows 8"), end: day("2016-01-12")),
            Rule(matches: has("windows 10"), end: day("2025-10-14")),
            Rule(matches: has("windows 11"), end: day("2031-10-14")),
            Rule(matches: has("windows server 2008"), end: day("2020-01-14")),
            Rule(matches: has("windows server 2012"), end: day("2023-10-10")),
            Rule(matches: has("windows server 2016"), end: day("2027-01-12")),
            Rule(matches: has("windows server 2019"), end: day("2029-01-09")),
            Rule(matches: has("windows server 2022"), end: day("2031-10-14")),
            Rule(matches: has("windows server 2025"), end: day("2034-10-10")),
            Rule(matches: { $0.contains("debian") && ($0.contains(" 9") || $0.contains("stretch")) }, end: day("2022-06-30")),
            Rule(matches: { $0.contains("debian") && ($0.contains(" 10") || $0.contains("buster")) }, end: day("2024-06-30")),
            Rule(matches: { $0.contains("debian") && ($0.contains(" 11") || $0.contains("bullseye")) }, end: day("2026-08-31")),
            Rule(matches: { $0.contains("debian") && ($0.contains(" 12") || $0.contains("bookworm")) }, end: day("2028-06-30")),
            Rule(matches: { $0.contains("debian") && ($0.contains(" 13") || $0.contains("trixie")) }, end: day("2030-06-30")),
            Rule(matches: has("ubuntu", "18.04"), end: day("2023-05-31")),
            Rule(matches: has("ubuntu", "20.04"), end: day("2025-05-31")),
            Rule(matches: has("ubuntu", "22.04"), end: day("2027-06-30")),
            Rule(matches: has("ubuntu", "24.04"), end: day("2029-06-30")),
            Rule(matches: { ($0.contains("red hat") || $0.contains("rhel") || $0.contains("rocky") || $0.contains("alma")) && $0.contains(" 7") }, end: day("2024-06-30")),
            Rule(matches: { ($0.contains("red hat") || $0.contains("rhel") || $0.contains("rocky") || $0.contains("alma")) && $0.contains(" 8") }, end: day("2029-05-31")),
            Rule(matches: { ($0.contains("red hat") || $0.contains("rhel") || $0.contains("rocky") || $0.contains("alma")) && $0.contains(" 9") }, end: day("2032-05-31")),
            Rule(matches: { $0.contains("macos") && ($0.contains(" 12") || $0.contains("monterey")) }, end: day("2024-09-16")),
            Rule(matches: { $0.contains("macos") && ($0.contains(" 13") || $0.contains("ventura")) }, end: day("2025-09-15")),
            Rule(matches: { $0.contains("macos") && ($0.contains(" 14") || $0.contains("sonoma")) }, end: day("2026-09-15")),
            Rule(matches: { $0.contains("macos") && ($0.contains(" 15") || $0.contains("sequoia")) }, end: day("2027-09-15")),
        ]
    }()

    /// The status of the system named `name` (a full name such as "Microsoft Windows 10 Pro" or "Debian GNU/Linux
    /// 12 (bookworm)"), and the end of its support when known.
    public static func status(of name: String, on today: Day) -> (status: OSSupportStatus, end: Day?) {
        let s = " " + name.lowercased() + " "
        guard let rule = rules.first(where: { $0.matches(s) }) else { return (.unknown, nil) }
        if rule.end < today || rule.end == today { return (.unsupported, rule.end) }
        if rule.end < today.adding(months: 6) { return (.endingSoon, rule.end) }
        return (.supported, rule.end)
    }
}

extension Day {
    /// The same day `months` later (clamped to the month's last day).
    public func adding(months: Int) -> Day {
        let total = year * 12 + (month - 1) + months
        let y = total / 12, m = total % 12 + 1
        return Day(unchecked: y, m, min(day, Day.daysIn(month: m, year: y)))
    }
}
