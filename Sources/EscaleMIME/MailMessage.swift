import Foundation

/// A leaf that is an attachment or an inline image.
public struct MailPart: Sendable {
    public var filename: String?
    public var contentType: String
    public var contentId: String?
    public var isInline: Bool
    public var data: [UInt8]

    public init(filename: String?, contentType: String, contentId: String? = nil, isInline: Bool = false, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.contentId = contentId
        self.isInline = isInline
        self.data = data
    }
}

/// What a delivery status notification (RFC 3464) says about a message we sent.
public struct DeliveryReport: Sendable {
    public var action: String?
    public var status: String?
    public var finalRecipients: [String] = []
    public var diagnostic: String?
    public var isPermanentFailure: Bool = false
    public var originalMessageId: String?
    public var originalSubject: String?
    /// The original's References, then its In-Reply-To ids not already listed (both help find the ticket).
    public var originalReferences: [String] = []

    public init() {}
}

/// Why a message is considered machine-generated (RFC 3834 and PROTOCOLS.md §4.3). Never auto-answer those.
public enum AutomaticReason: String, Sendable {
    case autoSubmitted, precedence, nullSender, report, mailerDaemon, listId, autoReplyHeader, autoResponseSuppress
}

/// Resource limits for parsing untrusted input.
public struct MailLimits: Sendable {
    public var maxParts = 1_000
    public var maxDepth = 20
    /// All headers of one entity.
    public var maxHeaderBytes = 256 * 1024
    /// A longer header line is cut, not refused.
    public var maxLineBytes = 64 * 1024
    public static let standard = MailLimits()

    public init(maxParts: Int = 1_000, maxDepth: Int = 20, maxHeaderBytes: Int = 256 * 1024, maxLineBytes: Int = 64 * 1024) {
        self.maxParts = maxParts
        self.maxDepth = maxDepth
        self.maxHeaderBytes = maxHeaderBytes
        self.maxLineBytes = maxLineBytes
    }
}

/// A parsed inbound message.
public struct MailMessage: Sendable {
    public var headers: [MailHeader] = []
    /// From the leading mbox "From " line or Return-Path; "" for the null sender `<>`.
    public var envelopeSender: String?
    public var messageId: String?
    public var inReplyTo: [String] = []
    public var references: [String] = []
    public var subject: String = ""
    public var from: MailAddress?
    public var replyTo: [MailAddress] = []
    public var to: [MailAddress] = []
    public var cc: [MailAddress] = []
    public var date: Date?
    /// Display body: text/plain preferred, else HTML converted by `HTMLText`; LF line endings, leading blank lines
    /// and trailing whitespace removed.
    public var text: String = ""
    /// Raw HTML part, for reference only: NEVER render it.
    public var html: String?
    public var attachments: [MailPart] = []
    public var deliveryReport: DeliveryReport?
    public var automatic: [AutomaticReason] = []
    public var isAutomatic: Bool { !automatic.isEmpty }
    public var language: String?
    public var warnings: [String] = []

    public init() {}

    /// First value of the header, unfolded and undecoded (case-insensitive name).
    public func header(_ name: String) -> String? { headers.first(name) }

    /// All values of the header, in order.
    public func headerValues(_ name: String) -> [String] { headers.all(name) }

    /// First value of the header with RFC 2047 encoded-words decoded.
    public func decodedHeader(_ name: String) -> String? { header(name).map(EncodedWords.decode) }
}
