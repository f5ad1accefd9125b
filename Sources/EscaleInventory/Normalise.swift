/// The small normalisations both dialects need: placeholders firmware vendors leave in serial numbers, MAC and IP
/// addresses, the agents' date formats.
enum Normalise {
    /// What DMI tables hold when nobody filled them in.
    private static let placeholders: Set<String> = [
        "to be filled by o.e.m.", "to be filled by oem", "default string", "system serial number", "not specified",
        "not applicable", "not available", "none", "null", "n/a", "na", "unknown", "invalid", "0", "123456789",
        "system manufacturer", "system product name", "system version", "chassis serial number",
        "base board serial number", "serial number", "o.e.m.", "oem", "empty", "-",
    ]

    /// nil for an empty value or a placeholder (also any run of one repeated character: "00000000", "XXXXXXXX").
    static func meaningful(_ value: String?) -> String? {
        guard let v = value?.trimmingWhitespace, !v.isEmpty else { return nil }
        let lower = v.lowercased()
        if placeholders.contains(lower) || lower.contains("filled by o.e.m") { return nil }
        if v.count >= 3, Set(lower.filter { $0 != "-" && $0 != ":" && $0 != " " }).count <= 1 { return nil }
        return v
    }

    /// `aa:bb:cc:dd:ee:ff` from `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff`, `aabbccddeeff` or `a:b:c:d:e:f`; nil if not a MAC.
    static func mac(_ value: String?) -> String? {
        guard let v = value?.trimmingWhitespace.lowercased(), !v.isEmpty, v.utf8.count <= 32 else { return nil }
        var groups = v.split(whereSeparator: { $0 == ":" || $0 == "-" || $0 == "." }).map(String.init)
        if groups.count == 1 || groups.count == 3 {
            let hex = groups.joined()
            guard hex.count == 12 else { return nil }
            groups = stride(from: 0, to: 12, by: 2).map { i in
                String(hex[hex.index(hex.startIndex, offsetBy: i)..<hex.index(hex.startIndex, offsetBy: i + 2)])
            }
        }
        guard groups.count == 6, groups.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy(\.isHexDigit) }) else {
            return nil
        }
        return groups.map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: ":")
    }

    /// A MAC that identifies nothing: all zeros or broadcast.
    static func isPlaceholderMAC(_ mac: String) -> Bool {
        mac == "00:00:00:00:00:00" || mac == "ff:ff:ff:ff:ff:ff"
    }

    static func isLoopback(_ ip: String) -> Bool {
        ip.hasPrefix("127.") || ip == "::1" || ip == "0.0.0.0" || ip == "::"
    }

    /// The host part of a fully qualified name.
    static func host(_ fqdn: String?) -> String? {
        guard let f = fqdn, let first = f.split(separator: ".").first, !first.isEmpty else { return nil }
        return String(first)
    }

    /// The agents' device id is `<hostname>-YYYY-MM-DD-HH-MM-SS`: the host name when nothing better is known.
    static func hostFromDeviceId(_ deviceId: String) -> String {
        let parts = deviceId.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count > 6,
            parts.suffix(6).allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return deviceId }
        let host = parts.dropLast(6).joined(separator: "-")
        return host.isEmpty ? deviceId : host
    }

    /// ISO-8601 from the agents' formats: `2025/04/20 00:00:00` (OCS), `2025-04-20 00:00:00`, `20/04/2025` (Windows
    /// software, day first) or `04/20/2025` (DMI BIOS dates, month first); anything else as given.
    static func date(_ value: String?, dayFirst: Bool) -> String? {
        guard let v = value?.trimmingWhitespace, !v.isEmpty else { return nil }
        let digits = v.map { $0.isASCII && $0.isNumber }
        func num(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= digits.count, digits[from..<(from + length)].allSatisfy({ $0 }) else { return nil }
            let start = v.index(v.startIndex, offsetBy: from)
            return Int(v[start..<v.index(start, offsetBy: length)])
        }
        func char(_ at: Int) -> Character? { at < v.count ? v[v.index(v.startIndex, offsetBy: at)] : nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        func iso(_ y: Int, _ m: Int, _ d: Int) -> String? {
            guard (1...12).contains(m), (1...31).contains(d), (1901...9999).contains(y) else { return nil }
            return "\(y)-\(two(m))-\(two(d))"
        }
        // YYYY-MM-DD or YYYY/MM/DD, with an optional time.
        if let y = num(0, 4), let m = num(5, 2), let d = num(8, 2), char(4) == char(7), char(4) == "-" || char(4) == "/" {
            guard let day = iso(y, m, d) else { return v }
            if v.count == 10 { return day }
            if let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2), v.count == 19, char(10) == " " || char(10) == "T" {
                return day + "T\(two(h)):\(two(mi)):\(two(s))"
            }
            return v
        }
        // DD/MM/YYYY or MM/DD/YYYY.
        if let a = num(0, 2), let b = num(3, 2), let y = num(6, 4), v.count == 10, char(2) == "/", char(5) == "/" {
            var (d, m) = dayFirst ? (a, b) : (b, a)
            if m > 12 && d <= 12 { swap(&d, &m) }
            return iso(y, m, d) ?? v
        }
        return v
    }
}
