import EscaleDesk
import EscaleStore
import EscaleChannels
import Foundation
import Logging
import NIOCore

/// Everything the server needs, from flags and the environment (12-factor). Invalid values fail at start,
/// naming the variable and what is wrong, in one line.
public struct AppConfiguration: Sendable {
    public var hostname = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = URL(fileURLWithPath: "escale-data")
    /// nil: embedded SQLite in the data directory.
    public var databaseURL: String?
    public var maxUploadBytes = 25 * 1024 * 1024
    /// The largest inventory an agent may send, decompressed.
    public var inventoryMaxBytes = 32 * 1024 * 1024
    /// How often escale-agents heartbeat, in seconds.
    public var agentHeartbeatSeconds = 60
    public var bcryptCost: UInt8 = 12
    public var adminEmail: String?
    public var adminPassword: String?
    public var logLevel: Logger.Level = .info
    /// Migrate on start (the default for a single instance); `escale migrate` does it explicitly.
    public var migrateOnStart = true
    /// PostgreSQL connections per event loop (the loops are as many as cores); ×4 is this instance's pool ceiling.
    public var databaseConnectionsPerLoop = 2
    /// Tests only: count SQL statements and report them per response in `X-Query-Count`.
    public var countQueries = false
    /// Where people reach Escale (links in pages, calendar feeds); `http://host:port` if not set.
    public var publicURL: String?
    /// Run the durable scheduler on this instance (every instance may).
    public var runScheduler = true
    /// How long a claimed job is held before another runner may take it over (a crashed runner's jobs wait this long).
    public var jobLease: TimeInterval = 60
    /// Reverse proxies whose `X-Forwarded-For` names the real client (throttling, logs).
    public var trustedProxies = TrustedProxies.none
    /// Timeouts and connection caps against slow or greedy clients.
    public var connections = ConnectionLimits()
    /// The sender of outgoing mail (`ESCALE_MAIL_FROM`, `Name <address>` or a bare address).
    public var mailFrom: MailboxName?
    /// Where replies to outgoing mail go (`ESCALE_MAIL_REPLY_TO`); absent, the sender.
    public var mailReplyTo: MailboxName?
    /// How outgoing mail leaves (nil: messages are rendered and wait in the outbox).
    public var mailTransport: (any MailTransport)?

    public init() {}

    public var databaseLocation: DatabaseLocation {
        if let url = databaseURL { return .postgres(url: url) }
        return .sqlite(path: dataDirectory.appendingPathComponent("escale.sqlite").path)
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `ESCALE_*` variables over the defaults.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var c = AppConfiguration()
        if let h = env["ESCALE_HOST"] { c.hostname = try hostname(h, name: "ESCALE_HOST") }
        if let p = env["ESCALE_PORT"] { c.port = try port(p, name: "ESCALE_PORT") }
        if let d = env["ESCALE_DATA_DIR"] {
            guard !d.isEmpty else { throw Invalid(description: "ESCALE_DATA_DIR is empty: give a directory path") }
            c.dataDirectory = URL(fileURLWithPath: d)
        }
        if let u = env["ESCALE_DATABASE_URL"], !u.isEmpty {
            guard let parsed = URL(string: u), ["postgres", "postgresql"].contains(parsed.scheme ?? ""), parsed.host != nil, !(parsed.path.dropFirst().isEmpty) else {
                throw Invalid(description: "ESCALE_DATABASE_URL must look like postgres://user:password@host:5432/database")
            }
            c.databaseURL = u
        }
        if let m = env["ESCALE_MAX_UPLOAD_BYTES"] {
            guard let v = Int(m), v >= 1024, v <= 1 << 32 else { throw Invalid(description: "ESCALE_MAX_UPLOAD_BYTES must be a number of bytes between 1024 and 4294967296, got '\(m)'") }
            c.maxUploadBytes = v
        }
        if let m = env["ESCALE_INVENTORY_MAX_BYTES"] {
            guard let v = Int(m), v >= 64 * 1024, v <= 1 << 30 else {
                throw Invalid(description: "ESCALE_INVENTORY_MAX_BYTES must be a number of bytes between 65536 and 1073741824, got '\(m)'")
            }
            c.inventoryMaxBytes = v
        }
        if let h = env["ESCALE_AGENT_HEARTBEAT_SECONDS"] {
            guard let v = Int(h), (5...3_600).contains(v) else {
                throw Invalid(description: "ESCALE_AGENT_HEARTBEAT_SECONDS must be between 5 and 3600 seconds, got '\(h)'")
            }
            c.agentHeartbeatSeconds = v
        }
        if let p = env["ESCALE_DATABASE_CONNECTIONS"] {
            guard let v = Int(p), (1...64).contains(v) else { throw Invalid(description: "ESCALE_DATABASE_CONNECTIONS must be between 1 and 64 (per core), got '\(p)'") }
            c.databaseConnectionsPerLoop = v
        }
        if let b = env["ESCALE_BCRYPT_COST"] {
            guard let v = UInt8(b), (4...16).contains(v) else { throw Invalid(description: "ESCALE_BCRYPT_COST must be between 4 and 16, got '\(b)'") }
            c.bcryptCost = v
        }
        if let l = env["ESCALE_LOG_LEVEL"] {
            guard let v = Logger.Level(rawValue: l.lowercased()) else {
                throw Invalid(description: "ESCALE_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got '\(l)'")
            }
            c.logLevel = v
        }
        if let u = env["ESCALE_PUBLIC_URL"], !u.isEmpty {
            guard let parsed = URL(string: u), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw Invalid(description: "ESCALE_PUBLIC_URL must be an http(s) URL such as https://support.example.com, got '\(u)'")
            }
            c.publicURL = u.hasSuffix("/") ? String(u.dropLast()) : u
        }
        if let s = env["ESCALE_SCHEDULER"] {
            guard ["on", "off"].contains(s) else { throw Invalid(description: "ESCALE_SCHEDULER must be on or off, got '\(s)'") }
            c.runScheduler = s == "on"
        }
        if let l = env["ESCALE_JOB_LEASE_SECONDS"] {
            guard let v = Int(l), (1...3_600).contains(v) else { throw Invalid(description: "ESCALE_JOB_LEASE_SECONDS must be between 1 and 3600, got '\(l)'") }
            c.jobLease = TimeInterval(v)
        }
        if let t = env["ESCALE_TRUSTED_PROXIES"] {
            switch TrustedProxies.parse(t) {
            case let .success(p): c.trustedProxies = p
            case let .failure(e):
                throw Invalid(description: "ESCALE_TRUSTED_PROXIES must list IP addresses or CIDR ranges separated by commas (10.0.0.1, 192.168.0.0/16, ::1); '\(e.entry)' is neither")
            }
        }
        func seconds(_ name: String, _ range: ClosedRange<Int>) throws -> TimeAmount? {
            guard let raw = env[name] else { return nil }
            guard let v = Int(raw), range.contains(v) else { throw Invalid(description: "\(name) must be a number of seconds between \(range.lowerBound) and \(range.upperBound), got '\(raw)'") }
            return .seconds(Int64(v))
        }
        func count(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let raw = env[name] else { return nil }
            guard let v = Int(raw), range.contains(v) else { throw Invalid(description: "\(name) must be a number between \(range.lowerBound) and \(range.upperBound), got '\(raw)'") }
            return v
        }
        if let v = try seconds("ESCALE_HEADER_TIMEOUT_SECONDS", 1...600) { c.connections.headerTimeout = v }
        if let v = try seconds("ESCALE_BODY_TIMEOUT_SECONDS", 1...3_600) { c.connections.bodyTimeout = v }
        if let v = try seconds("ESCALE_IDLE_TIMEOUT_SECONDS", 1...3_600) { c.connections.idleTimeout = v }
        if let v = try count("ESCALE_MAX_CONNECTIONS", 1...1_000_000) { c.connections.maxConnections = v }
        if let v = try count("ESCALE_MAX_CONNECTIONS_PER_ADDRESS", 1...1_000_000) { c.connections.maxConnectionsPerAddress = v }
        for (name, keyPath) in [("ESCALE_MAIL_FROM", \AppConfiguration.mailFrom), ("ESCALE_MAIL_REPLY_TO", \AppConfiguration.mailReplyTo)] {
            guard let raw = env[name], !raw.isEmpty else { continue }
            guard let mailbox = MailboxName.parse(raw) else {
                throw Invalid(description: "\(name) must be an address such as support@desk.example or Escale Support <support@desk.example>, got '\(raw)'")
            }
            c[keyPath: keyPath] = mailbox
        }
        if let url = env["ESCALE_SMTP_URL"], !url.isEmpty {
            // Bounces come back to the sender's address: the mailbox the intake reads, so they mark addresses undeliverable.
            let envelope = c.mailFrom?.address ?? "escale@\(c.hostname)"
            do {
                c.mailTransport = try SMTPMailTransport(url: url, envelopeFrom: envelope)
            } catch {
                throw Invalid(description: "ESCALE_SMTP_URL: \(error) (smtp://user:pass@host:587 or smtps://host:465)")
            }
        }
        c.adminEmail = env["ESCALE_ADMIN_EMAIL"].flatMap { $0.isEmpty ? nil : $0 }
        c.adminPassword = env["ESCALE_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if (c.adminEmail == nil) != (c.adminPassword == nil) {
            throw Invalid(description: "set both ESCALE_ADMIN_EMAIL and ESCALE_ADMIN_PASSWORD, or neither (a password is then generated)")
        }
        return c
    }

    public static func hostname(_ value: String, name: String) throws -> String {
        guard !value.isEmpty, value.count <= 253, !value.contains(" "), !value.contains("/") else {
            throw Invalid(description: "\(name) must be a host name or IP address, got '\(value)'")
        }
        return value
    }

    public static func port(_ value: String, name: String) throws -> Int {
        guard let p = Int(value), (0...65535).contains(p) else { throw Invalid(description: "\(name) must be a port number (0–65535), got '\(value)'") }
        return p
    }
}
