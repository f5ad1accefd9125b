#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how to submit mail.
public struct SMTPConfiguration: Sendable {
    public enum Security: String, Sendable {
        /// Plain text, never upgrade.
        case none
        /// STARTTLS is mandatory; the connection fails if the server does not offer it.
        case startTLS
        /// Upgrade when offered, otherwise continue in plain text (credentials are still
        /// never sent in clear text to a non-loopback host).
        case startTLSIfAvailable
        /// Implicit TLS from the first byte (smtps, port 465).
        case tls
    }

    /// Error thrown by `init(url:)`.
    public struct URLError: Error, CustomStringConvertible, Sendable {
        public var url: String
        public var reason: String
        public var description: String { "invalid SMTP URL '\(Self.redact(url))': \(reason)" }

        /// Never echo a password into logs.
        static func redact(_ url: String) -> String {
            guard let schemeEnd = url.firstRange(of: "://"),
                  let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else { return url }
            let userinfo = url[schemeEnd.upperBound..<at]
            guard let colon = userinfo.firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// Name announced in EHLO/HELO.
    public var heloName: String
    public var connectTimeout: Duration = .seconds(10)
    public var commandTimeout: Duration = .seconds(60)
    /// PEM file with additional trust anchors (tests use a self-signed certificate).
    public var trustRoots: String?
    public var verifyCertificates = true

    public init(
        host: String,
        port: Int? = nil,
        security: Security = .startTLSIfAvailable,
        username: String? = nil,
        password: String? = nil,
        heloName: String? = nil
    ) {
        self.host = host
        self.security = security
        self.port = port ?? Self.defaultPort(security: security, hasCredentials: username != nil)
        self.username = username
        self.password = password
        self.heloName = heloName ?? Self.defaultHeloName()
    }

    /// Parses `smtp://user:pass@host:587`, `smtps://host:465` or
    /// `smtp://host:25?tls=none|starttls|starttls-if-available|tls`.
    ///
    /// Without an explicit `tls=` an `smtp://` URL upgrades opportunistically, but
    /// requires STARTTLS when credentials are given for a non-loopback host so a
    /// downgrade attack cannot harvest the password.
    public init(url: String) throws {
        func fail(_ reason: String) -> URLError { URLError(url: url, reason: reason) }
        guard let schemeEnd = url.firstRange(of: "://") else { throw fail("missing scheme (expected smtp:// or smtps://)") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "smtp" || scheme == "smtps" else { throw fail("unsupported scheme '\(scheme)'") }

        var rest = Substring(url[schemeEnd.upperBound...])
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else { throw fail("SMTP URLs take no path") }
            rest = rest[..<slash]
        }

        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let (u, p): (Substring, Substring?) = {
                if let colon = userinfo.firstIndex(of: ":") {
                    return (userinfo[..<colon], userinfo[userinfo.index(after: colon)...])
                }
                return (userinfo, nil)
            }()
            guard let du = Self.percentDecode(u) else { throw fail("bad percent-encoding in user name") }
            username = du
            if let p {
                guard let dp = Self.percentDecode(p) else { throw fail("bad percent-encoding in password") }
                password = dp
            }
            if du.isEmpty { throw fail("empty user name") }
        }

        var host: String
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("unterminated IPv6 literal") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("garbage after IPv6 literal") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard let decodedHost = Self.percentDecode(Substring(host)), !decodedHost.isEmpty else { throw fail("missing host") }
        host = decodedHost
        if host.contains(where: { $0 == " " || $0 == "/" || $0 == "@" || $0.asciiValue.map { $0 < 0x20 } == true }) {
            throw fail("invalid host '\(host)'")
        }

        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw fail("invalid port '\(portText)'") }
            port = p
        }

        var security: Security = scheme == "smtps" ? .tls : .startTLSIfAvailable
        var explicitSecurity = false
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = kv[0].lowercased()
            let value = kv.count > 1 ? (Self.percentDecode(kv[1]) ?? "").lowercased() : ""
            switch key {
            case "tls", "security":
                switch value {
                case "none", "off", "plain": security = .none
                case "starttls", "required": security = .startTLS
                case "starttls-if-available", "starttlsifavailable", "opportunistic": security = .startTLSIfAvailable
                case "tls", "implicit", "smtps": security = .tls
                default: throw fail("unknown tls mode '\(value)' (use none, starttls or tls)")
                }
                explicitSecurity = true
            default:
                throw fail("unknown query parameter '\(key)'")
            }
        }
        if scheme == "smtps" && security != .tls {
            throw fail("smtps:// always uses implicit TLS")
        }
        if !explicitSecurity, username != nil, security == .startTLSIfAvailable, !Self.isLoopback(host) {
            security = .startTLS
        }

        self.init(host: host, port: port, security: security, username: username, password: password)
        if port == nil {
            self.port = scheme == "smtps" ? 465 : (username != nil ? 587 : 25)
        }
    }

    static func defaultPort(security: Security, hasCredentials: Bool) -> Int {
        switch security {
        case .tls: return 465
        case .none, .startTLS, .startTLSIfAvailable: return hasCredentials ? 587 : 25
        }
    }

    /// The machine's host name, or "localhost" when it is unavailable or not a usable domain.
    static func defaultHeloName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let valid = !name.isEmpty && name.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x2E
        }
        return valid ? name : "localhost"
    }

    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h.hasSuffix(".localhost") || h == "::1" || h.hasPrefix("127.")
    }

    /// Strict RFC 3986 percent-decoding; returns nil on malformed escapes or invalid UTF-8.
    static func percentDecode(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        while let c = it.next() {
            if c == UInt8(ascii: "%") {
                guard let h = it.next().flatMap(hex), let l = it.next().flatMap(hex) else { return nil }
                bytes.append(h << 4 | l)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Who the message is from and to, as used in MAIL FROM / RCPT TO (not the headers).
public struct SMTPEnvelope: Sendable {
    /// Reverse path; `""` is the null sender used for bounces and auto-replies.
    public var from: String
    public var recipients: [String]

    public init(from: String, recipients: [String]) {
        self.from = from
        self.recipients = recipients
    }
}

/// Outcome of one accepted message.
public struct SMTPSendResult: Sendable {
    public var accepted: [String]
    /// Recipients the server refused while others were accepted.
    public var refused: [(String, SMTPError)]
    /// The final reply text after DATA, often containing the server's queue id.
    public var reply: String

    public init(accepted: [String], refused: [(String, SMTPError)], reply: String) {
        self.accepted = accepted
        self.refused = refused
        self.reply = reply
    }
}
