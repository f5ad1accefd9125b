import Foundation

/// What a check looks at. Thresholds are in the kind's own unit; a missing one takes the default.
public enum CheckKind: String, Codable, Sendable, CaseIterable {
    /// `target`: a mount point (default `/`); fails at `threshold` % used or more (default 90).
    case disk
    /// Fails at `threshold` % of memory in use or more (default 90; available memory counts as free).
    case memory
    /// Fails when the 5-minute load average per CPU reaches `threshold` (default 2).
    case load
    /// `target`: a systemd unit; fails unless it is active.
    case systemd
    /// `target`: an http(s) URL; fails unless it answers 2xx or 3xx within `threshold` seconds (default 10).
    case http
    /// `target`: `host:port`; fails unless a connection opens within `threshold` seconds (default 5).
    case tcp
    /// `target`: `host[:port]` (default port 443); fails when the certificate expires within `threshold` days (default 14).
    case certificate

    public var defaultThreshold: Double? {
        switch self {
        case .disk, .memory: 90
        case .load: 2
        case .http: 10
        case .tcp: 5
        case .certificate: 14
        case .systemd: nil
        }
    }

    public var needsTarget: Bool { self == .systemd || self == .http || self == .tcp || self == .certificate }
}

/// One check an agent runs, as the server configured it.
public struct CheckSpec: Codable, Sendable, Equatable, Hashable {
    public var id: UUID
    public var name: String
    public var kind: CheckKind
    public var target: String?
    public var threshold: Double?
    public var intervalSeconds: Int

    public init(id: UUID, name: String, kind: CheckKind, target: String? = nil, threshold: Double? = nil, intervalSeconds: Int) {
        self.id = id; self.name = name; self.kind = kind; self.target = target; self.threshold = threshold; self.intervalSeconds = intervalSeconds
    }

    public var effectiveThreshold: Double? { threshold ?? kind.defaultThreshold }
}

public enum CheckStatus: String, Codable, Sendable, CaseIterable {
    case ok, failing
}

public struct CheckResult: Codable, Sendable, Equatable {
    public var checkId: UUID
    public var status: CheckStatus
    /// The measure (percent, load, days, seconds), when there is one.
    public var value: Double?
    /// One line a person reads: "/ is 93 % full (threshold 90 %)".
    public var message: String
    public var at: Date

    public init(checkId: UUID, status: CheckStatus, value: Double? = nil, message: String, at: Date) {
        self.checkId = checkId; self.status = status; self.value = value; self.message = message; self.at = at
    }
}

/// The verdicts, from measures the agent took: pure, so they are tested without a machine.
public enum CheckVerdict {
    public static func disk(mount: String, usedPercent: Double, threshold: Double) -> (CheckStatus, String) {
        let status: CheckStatus = usedPercent >= threshold ? .failing : .ok
        return (status, "\(mount) is \(format(usedPercent)) % full (threshold \(format(threshold)) %)")
    }

    public static func memory(usedPercent: Double, threshold: Double) -> (CheckStatus, String) {
        (usedPercent >= threshold ? .failing : .ok, "memory \(format(usedPercent)) % in use (threshold \(format(threshold)) %)")
    }

    public static func load(perCPU: Double, threshold: Double) -> (CheckStatus, String) {
        (perCPU >= threshold ? .failing : .ok, "5-minute load \(format(perCPU)) per CPU (threshold \(format(threshold)))")
    }

    public static func certificate(target: String, daysLeft: Double, threshold: Double) -> (CheckStatus, String) {
        if daysLeft < 0 { return (.failing, "the certificate of \(target) expired \(format(-daysLeft)) day(s) ago") }
        return (daysLeft < threshold ? .failing : .ok, "the certificate of \(target) expires in \(format(daysLeft)) day(s) (threshold \(format(threshold)))")
    }

    public static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }
}

/// `host:port` (an IPv6 address in brackets), the port in 1…65535 — a TCP or certificate check's target, read the same
/// way by the desk (to refuse a bad one) and the agent (to connect).
public enum HostPort {
    public static func parse(_ s: String, defaultPort: Int?) -> (host: String, port: Int)? {
        var host = s
        var port = defaultPort
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return nil }
            host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            if rest.hasPrefix(":") { port = Int(rest.dropFirst()) } else if !rest.isEmpty { return nil }
        } else if let colon = s.lastIndex(of: ":") {
            host = String(s[..<colon]); port = Int(s[s.index(after: colon)...])
        }
        guard !host.isEmpty, !host.contains(" "), let p = port, (1...65_535).contains(p) else { return nil }
        return (host, p)
    }
}
