/// Errors surfaced by the IMAP client.
public enum IMAPError: Error, CustomStringConvertible, Sendable {
    /// Network, TLS, timeout or the server closing the connection; the connection is unusable.
    case connection(String)
    /// LOGIN/AUTHENTICATE was refused: wrong credentials or a disabled account.
    case authentication(String)
    /// A tagged NO: the command failed but the session is fine.
    case no(String)
    /// A tagged BAD: the server did not understand the command.
    case bad(String)
    /// The server sent something we cannot parse, or lacks a required capability.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .connection(let m): return "IMAP connection error: \(m)"
        case .authentication(let m): return "IMAP authentication failed: \(m)"
        case .no(let m): return "IMAP NO: \(m)"
        case .bad(let m): return "IMAP BAD: \(m)"
        case .protocolViolation(let m): return "IMAP protocol violation: \(m)"
        }
    }
}
