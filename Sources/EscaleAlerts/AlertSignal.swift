import Foundation

/// One alert as the desk needs it, whatever format it came in: Alertmanager's webhook or an Events v2 event.
/// Knows nothing of tickets; the desk decides what a signal does (`AlertLifecycle` in Core).
public struct AlertSignal: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable, CaseIterable {
        case trigger, acknowledge, resolve
    }

    public var action: Action
    /// What makes two signals the same problem: Alertmanager's fingerprint (a hash of the label set), or Events v2's
    /// `dedup_key`.
    public var key: String
    /// The notification group it arrived in (Alertmanager's `groupKey`), which links the tickets of one group.
    public var groupKey: String?
    /// One line saying what is wrong.
    public var summary: String
    /// The machine or service concerned (a host name without its port), when the sender says.
    public var source: String?
    /// The sender's severity, as given (`critical`, `warning`…); the desk maps it to impact and urgency.
    public var severity: String?
    public var labels: [String: String]
    /// Annotations (Alertmanager) or custom details (Events v2), flattened to text.
    public var details: [String: String]
    /// When the problem started, by the sender's clock.
    public var startsAt: Date?
    /// When it ended (resolved alerts only).
    public var endsAt: Date?
    /// Where to look: the graph that fired, a runbook, the links of an event.
    public var links: [String]

    public init(action: Action, key: String, groupKey: String? = nil, summary: String, source: String? = nil, severity: String? = nil,
                labels: [String: String] = [:], details: [String: String] = [:], startsAt: Date? = nil, endsAt: Date? = nil, links: [String] = []) {
        self.action = action; self.key = key; self.groupKey = groupKey; self.summary = summary; self.source = source
        self.severity = severity; self.labels = labels; self.details = details; self.startsAt = startsAt; self.endsAt = endsAt; self.links = links
    }

    /// The organization the sender names (an `organization` label or custom detail), if any.
    public var organizationHint: String? {
        (labels["organization"] ?? labels["organisation"] ?? labels["customer"] ?? labels["client"] ?? details["organization"])
            .flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Why a payload was refused: said to the sender (a 4xx) and kept in the integration's delivery log.
public enum AlertPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON, or JSON of the wrong shape.
    case malformed(String)
    /// Well-formed but missing or wrong fields.
    case invalid([String])
    /// More alerts in one payload than the desk takes.
    case tooManyAlerts(count: Int, limit: Int)

    public var description: String {
        switch self {
        case let .malformed(m): m
        case let .invalid(problems): problems.joined(separator: "; ")
        case let .tooManyAlerts(count, limit):
            "\(count) alerts in one payload, more than the \(limit) taken: set max_alerts in the webhook configuration"
        }
    }
}

/// RFC 3339 instants with any number of fractional digits (Alertmanager writes 3, Go writes up to 9), `Z` or an offset.
/// Alertmanager's "zero time" (`0001-01-01T00:00:00Z`) means "none".
public enum RFC3339 {
    public static func parse(_ s: String) -> Date? {
        let b = Array(s.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for i in from..<from + len {
                guard (0x30...0x39).contains(b[i]) else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == 0x2D, let month = num(5, 2), b[7] == 0x2D, let day = num(8, 2),
              b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20, let hour = num(11, 2), b[13] == 0x3A, let minute = num(14, 2),
              b[16] == 0x3A, let second = num(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        if year <= 1 { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, (0x30...0x39).contains(b[i]) { fraction += Double(b[i] - 0x30) * scale; scale /= 10; i += 1 }
            if i == start { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3_600 + om * 60) * (b[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm): no Calendar, no locale.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = Double(days * 86_400 + hour * 3_600 + minute * 60 + min(second, 59) - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }
}

/// FNV-1a, 64 bits: a stable key for a label set when the sender gave no fingerprint (not a security hash).
enum StableHash {
    static func hex(_ parts: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in parts {
            for byte in p.utf8 { h ^= UInt64(byte); h = h &* 0x0000_0100_0000_01b3 }
            h ^= 0xff; h = h &* 0x0000_0100_0000_01b3
        }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
