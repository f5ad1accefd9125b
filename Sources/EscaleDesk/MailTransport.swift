import Foundation

/// A name and an address, as in `Escale Support <support@desk.example>`.
public struct MailboxName: Sendable, Equatable, Codable {
    public var name: String?
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// Reads `Name <addr@host>` or a bare `addr@host`; nil if there is no plausible address.
    public static func parse(_ text: String) -> MailboxName? {
        let t = text.trimmingCharacters(in: .whitespaces)
        var name: String?
        var address = t
        if let open = t.lastIndex(of: "<"), t.hasSuffix(">") {
            address = String(t[t.index(after: open)..<t.index(before: t.endIndex)]).trimmingCharacters(in: .whitespaces)
            let n = t[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            name = n.isEmpty ? nil : n
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !address.contains(where: { $0.isWhitespace || "<>,;\"".contains($0) }) else {
            return nil
        }
        return MailboxName(name: name, address: address)
    }
}

public struct OutboundAttachment: Sendable {
    public var filename: String
    public var contentType: String
    public var data: [UInt8]

    public init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// One message as rendered into the outbox, handed to the transport (which builds the MIME: multipart/alternative
/// text + HTML, attachments, headers).
public struct OutboundMail: Sendable {
    public var from: MailboxName
    public var to: [MailboxName]
    public var cc: [MailboxName]
    public var replyTo: MailboxName?
    public var subject: String
    public var text: String
    public var html: String?
    /// Without angle brackets.
    public var messageId: String
    public var inReplyTo: String?
    public var references: [String]
    /// `Auto-Submitted: auto-generated`.
    public var autoSubmitted: Bool
    /// `Content-Language`.
    public var language: String?
    public var attachments: [OutboundAttachment]
    public var date: Date

    public init(from: MailboxName, to: [MailboxName], cc: [MailboxName] = [], replyTo: MailboxName? = nil, subject: String, text: String, html: String? = nil,
                messageId: String, inReplyTo: String? = nil, references: [String] = [], autoSubmitted: Bool = true, language: String? = nil,
                attachments: [OutboundAttachment] = [], date: Date) {
        self.from = from; self.to = to; self.cc = cc; self.replyTo = replyTo; self.subject = subject; self.text = text; self.html = html
        self.messageId = messageId; self.inReplyTo = inReplyTo; self.references = references; self.autoSubmitted = autoSubmitted
        self.language = language; self.attachments = attachments; self.date = date
    }
}

/// Sends one message (SMTP in production; tests record). Throws an error conforming to `MailDeliveryError` when it
/// knows whether trying again can help; any other error counts as temporary.
public protocol MailTransport: Sendable {
    func send(_ mail: OutboundMail) async throws
}

public protocol MailDeliveryError: Error {
    /// A 5xx answer: trying again will not help.
    var isPermanent: Bool { get }
}
