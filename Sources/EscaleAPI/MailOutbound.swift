import EscaleCore
import Foundation

/// One message of the outgoing mail outbox (administrators).
public struct MailOutboxDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var messageId: String
    public var ticketId: UUID?
    public var kind: String
    public var recipientId: UUID?
    public var to: String
    public var subject: String
    /// `queued`, `sent`, `failed`, `suppressed`.
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?

    public init(id: UUID, messageId: String, ticketId: UUID?, kind: String, recipientId: UUID?, to: String, subject: String, status: String,
                attempts: Int, lastError: String?, createdAt: Date, sentAt: Date?) {
        self.id = id; self.messageId = messageId; self.ticketId = ticketId; self.kind = kind; self.recipientId = recipientId; self.to = to
        self.subject = subject; self.status = status; self.attempts = attempts; self.lastError = lastError; self.createdAt = createdAt; self.sentAt = sentAt
    }

    enum CodingKeys: String, CodingKey {
        case id, messageId = "message_id", ticketId = "ticket_id", kind, recipientId = "recipient_id", to, subject, status, attempts
        case lastError = "last_error", createdAt = "created_at", sentAt = "sent_at"
    }
}

/// Which notifications someone receives, or the installation's defaults: `{kind: on}` for every kind offered.
public struct NotificationSettingsDTO: Codable, Sendable, Equatable {
    public var notifications: [String: Bool]

    public init(notifications: [String: Bool]) { self.notifications = notifications }
}
