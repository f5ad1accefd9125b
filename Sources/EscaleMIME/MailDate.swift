import Foundation

/// RFC 5322 §3.3 dates, parsed and formatted by hand: DateFormatter is slow to create, not Sendable, and
/// rejects the many small deviations real mailers produce ("Tue,  1 Dec 2026", "(UTC)", 2-digit years).
enum MailDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday

    static func parse(_ raw: String?) -> Date? {
        guard let raw else { return nil }
        // Drop comments and the optional day name; split on whitespace and commas.
        var cleaned = ""
        var depth = 0
        for ch in raw {
            if ch == "(" { depth += 1; continue }
            if ch == ")" { depth = max(0, depth - 1); continue }
            if depth == 0 { cleaned.append(ch == "," ? " " : ch) }
        }
        var tokens = cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            .map { String($0) }
        if let f = tokens.first, Int(f) == nil, !months.contains(String(f.prefix(3)).lowercased()) {
            tokens.removeFirst()  // day name ("Mon")
        }
        guard tokens.count >= 4 else { return nil }
        var day: Int?, month: Int?
        // "30 Nov 2026" and the occasional "Nov 30 2026".
        if let d = Int(tokens[0]) {
            day = d
            month = months.firstIndex(of: String(tokens[1].prefix(3)).lowercased()).map { $0 + 1 }
        } else if let d = Int(tokens[1]) {
            day = d
            month = months.firstIndex(of: String(tokens[0].prefix(3)).lowercased()).map { $0 + 1 }
        }
        guard let day, let month, (1...31).contains(day), var year = Int(tokens[2]) else { return nil }
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        let timeParts = tokens[3].split(separator: ":").map { Int($0) }
        guard timeParts.count >= 2, let h = timeParts[0], let m = timeParts[1], (0...23).contains(h),
            (0...59).contains(m)
        else { return nil }
        let sec = timeParts.count > 2 ? (timeParts[2] ?? 0) : 0
        guard (0...60).contains(sec) else { return nil }
        var offset = 0
        if tokens.count > 4 { offset = zoneOffset(tokens[4]) }
        let days = daysFromCivil(year, month, day)
        let t = Double(days) * 86400 + Double(h * 3600 + m * 60 + sec) - Double(offset)
        return Date(timeIntervalSince1970: t)
    }

    private static func zoneOffset(_ z: String) -> Int {
        if let f = z.first, f == "+" || f == "-", z.count == 5, let v = Int(z.dropFirst()) {
            let secs = (v / 100) * 3600 + (v % 100) * 60
            return f == "-" ? -secs : secs
        }
        switch z.uppercased() {
        case "EDT": return -4 * 3600
        case "EST", "CDT": return -5 * 3600
        case "CST", "MDT": return -6 * 3600
        case "MST", "PDT": return -7 * 3600
        case "PST": return -8 * 3600
        case "CET", "MEZ": return 3600
        case "CEST", "MESZ": return 7200
        default: return 0  // UT, GMT, Z, military zones and garbage: RFC 5322 says treat as +0000
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// "Mon, 30 Nov 2026 08:00:00 +0000" — the en_US_POSIX RFC 5322 form, always in UTC.
    static func format(_ date: Date) -> String {
        let t = Int(date.timeIntervalSince1970.rounded(.down))
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let (y, m, d) = civilFromDays(days)
        let wd = ((days % 7) + 7) % 7
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(dayNames[wd]), \(d) \(monthNames[m - 1]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) +0000"
    }
}
