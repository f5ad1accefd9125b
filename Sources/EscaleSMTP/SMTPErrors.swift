/// Errors surfaced by the SMTP client.
///
/// The split mirrors what a mail queue needs to decide: drop/bounce the message
/// (`permanent`), or keep it and retry later (everything else).
public enum SMTPError: Error, CustomStringConvertible, Sendable {
    /// A 5xx reply: retrying the same message will not help.
    /// `code == 0` means the problem was detected locally before talking to the
    /// server (e.g. an address containing CR/LF or a message over the advertised SIZE).
    case permanent(code: Int, message: String)
    /// A 4xx reply: the server asked us to retry later.
    case transient(code: Int, message: String)
    /// Network, DNS, TLS or timeout failure: retry later, possibly on another connection.
    case connection(String)
    /// The server said something we cannot interpret, or a required feature is missing.
    case protocolViolation(String)

    /// Whether the message should be given up on (bounced) rather than retried.
    public var isPermanent: Bool {
        if case .permanent = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .permanent(let code, let message): return "SMTP permanent failure \(code): \(message)"
        case .transient(let code, let message): return "SMTP transient failure \(code): \(message)"
        case .connection(let message): return "SMTP connection error: \(message)"
        case .protocolViolation(let message): return "SMTP protocol violation: \(message)"
        }
    }

    /// Classifies a non-success reply by its first digit (RFC 5321 §4.2.1).
    static func from(_ reply: SMTPReply, expecting: String) -> SMTPError {
        switch reply.code {
        case 400..<500: return .transient(code: reply.code, message: reply.text)
        case 500..<600: return .permanent(code: reply.code, message: reply.text)
        default:
            return .protocolViolation("unexpected reply \(reply.code) \(reply.text) (expected \(expecting))")
        }
    }
}
