/// An inventory's content as both dialects carry it, before normalisation: sections (`HARDWARE`, `SOFTWARES`…, upper
/// case) of entries, each a flat map of field (upper case, `TIMEZONE/NAME` for a nested one) to text. The OCS XML
/// reader and the GLPI JSON reader both produce this, so one mapping (`MachineInventory(sections:deviceId:)`) serves both.
struct InventorySections {
    /// The sections the mapping reads; anything else the agents send (processes, environment, controllers…) is skipped
    /// while reading.
    static let kept: Set<String> = [
        "ACCOUNTINFO", "BIOS", "CPUS", "DRIVES", "HARDWARE", "MEMORIES", "MONITORS", "NETWORKS", "OPERATINGSYSTEM",
        "PRINTERS", "SOFTWARES", "STORAGES", "USERS", "VERSIONCLIENT",
    ]

    typealias Entry = [String: String]

    private(set) var entries: [String: [Entry]] = [:]

    /// Keeps an entry of a kept section, up to the section's bound. Empty ones (the OCS agent sends a `<STORAGES/>`)
    /// are no entries.
    mutating func add(_ entry: Entry, to section: String) {
        guard Self.kept.contains(section), !entry.isEmpty,
            entries[section, default: []].count < InventoryLimits.entries(of: section)
        else { return }
        entries[section, default: []].append(entry)  // in place: no copy of the list per entry
    }

    subscript(section: String) -> [Entry] { entries[section] ?? [] }

    /// The first entry of a section that appears once (HARDWARE, BIOS, OPERATINGSYSTEM).
    func single(_ section: String) -> Entry { entries[section]?.first ?? [:] }
}

extension InventorySections.Entry {
    /// The first non-empty value among these field names (the dialects' synonyms), trimmed and bounded.
    func text(_ names: String...) -> String? {
        for name in names {
            if let v = self[name]?.trimmingWhitespace, !v.isEmpty { return v.bounded }
        }
        return nil
    }

    /// A whole number of the first of these fields that has one: "2", "274877.906944", "2300 MHz", "2.30 GHz" (×1000).
    func number(_ names: String...) -> Int? {
        for name in names {
            if let v = self[name], let n = Self.leadingNumber(v) { return n }
        }
        return nil
    }

    /// An agent's boolean: "1", "true", "yes" (JSON `true` arrives as "true").
    func flag(_ name: String) -> Bool? {
        guard let v = self[name]?.trimmingWhitespace.lowercased(), !v.isEmpty else { return nil }
        return ["1", "true", "yes", "y"].contains(v)
    }

    static func leadingNumber(_ text: String) -> Int? {
        let s = text.trimmingWhitespace
        var digits = ""
        var seenDot = false
        for c in s {
            if c.isASCII && c.isNumber {
                digits.append(c)
            } else if c == "." && !seenDot && !digits.isEmpty {
                seenDot = true
                digits.append(c)
            } else if c == "-" && digits.isEmpty {
                digits.append(c)
            } else {
                break
            }
            if digits.count > 18 { return nil }
        }
        guard let value = Double(digits), value.isFinite else { return nil }
        // Whole units are cut (OCS's DISKSIZE 274877.906944 is FusionInventory's 274877); GHz become MHz.
        let scaled = s.lowercased().hasSuffix("ghz") ? (value * 1000).rounded() : value.rounded(.down)
        guard abs(scaled) < 9e15 else { return nil }
        return Int(scaled)
    }
}

extension String {
    var trimmingWhitespace: String {
        // Nearly every value starts and ends with a visible ASCII character: nothing to look up then.
        let bytes = utf8
        if let head = bytes.first, let tail = bytes.last, head > 0x20, head < 0x7F, tail > 0x20, tail < 0x7F { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
