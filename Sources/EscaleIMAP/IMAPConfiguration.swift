/// Where and how to reach the mailbox.
public struct IMAPConfiguration: Sendable {
    public enum Security: String, Sendable {
        /// Plain text (loopback or trusted networks only).
        case none
        /// Plain connection upgraded with STARTTLS; fails if the server does not offer it.
        case startTLS
        /// Implicit TLS (imaps, port 993).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String
    public var password: String
    public var verifyCertificates = true
    /// PEM file with the trust anchors to use instead of the system ones (tests use a self-signed certificate).
    public var trustRoots: String?
    public var connectTimeout: Duration = .seconds(10)
    /// How long to wait for each response of a command (not for the whole command,
    /// so fetching a large message over a slow link does not time out while bytes flow).
    public var commandTimeout: Duration = .seconds(60)
    /// Upper bound for one literal (a message body in FETCH); larger ones abort the connection.
    public var maxLiteralSize = 50 << 20
    /// Upper bound for one response line outside literals.
    public var maxLineLength = 4 << 20
    /// Test hook: use AUTHENTICATE PLAIN even when LOGIN is allowed.
    var preferAuthenticatePlain = false

    public init(host: String, port: Int? = nil, security: Security = .tls, username: String, password: String) {
        self.host = host
        self.security = security
        self.port = port ?? (security == .tls ? 993 : 143)
        self.username = username
        self.password = password
    }
}

/// What SELECT reports about a mailbox.
public struct IMAPMailboxStatus: Sendable, Equatable {
    /// UIDs are only stable while this value stays the same.
    public var uidValidity: UInt32
    public var exists: Int
    public var recent: Int
    /// The UID the next message will get, if the server says (it nearly always does).
    public var uidNext: UInt32?
    public var readOnly: Bool
}
