import FluentKit
import Foundation

/// One outgoing message, rendered at the time of its event (`M022_CreateMailOutbox`).
public final class MailOutboxModel: Model, @unchecked Sendable {
    public static let schema = "mail_outbox"
    @ID(key: .id) public var id: UUID?
    /// Without angle brackets.
    @Field(key: "message_id") public var messageId: String
    @OptionalField(key: "ticket_id") public var ticketId: UUID?
    /// A `NotificationKind`, `page` (on-call), or an account mail.
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "recipient_id") public var recipientId: UUID?
    @Field(key: "to_address") public var toAddress: String
    /// JSON list of addresses.
    @Field(key: "cc") public var cc: String
    @Field(key: "subject") public var subject: String
    @Field(key: "text_body") public var textBody: String
    @OptionalField(key: "html_body") public var htmlBody: String?
    @OptionalField(key: "in_reply_to") public var inReplyTo: String?
    /// JSON list of Message-IDs, oldest first.
    @Field(key: "references") public var references: String
    @Field(key: "auto_submitted") public var autoSubmitted: Bool
    @OptionalField(key: "language") public var language: String?
    /// JSON list of attachment ids.
    @Field(key: "attachment_ids") public var attachmentIds: String
    /// `queued`, `sent`, `failed`, `suppressed`.
    @Field(key: "status") public var status: String
    @Field(key: "attempts") public var attempts: Int
    @OptionalField(key: "last_error") public var lastError: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?
    public init() {}
}

/// How far a ticket's timeline has been turned into notifications: the last (version, ordinal) handled.
public final class MailNotifyCursorModel: Model, @unchecked Sendable {
    public static let schema = "mail_notify_cursors"
    /// The ticket's id.
    @ID(custom: .id, generatedBy: .user) public var id: UUID?
    @Field(key: "ticket_version") public var ticketVersion: Int
    @Field(key: "ordinal") public var ordinal: Int
    public init() {}
}

/// A person's choice of notifications: JSON `{kind: bool}` over the installation's defaults.
public final class NotificationPreferencesModel: Model, @unchecked Sendable {
    public static let schema = "notification_preferences"
    /// The user's id.
    @ID(custom: .id, generatedBy: .user) public var id: UUID?
    @Field(key: "choices") public var choices: String
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// A single-use link sent by mail (welcome, password reset): only the token's SHA-256 is stored.
public final class AccountTokenModel: Model, @unchecked Sendable {
    public static let schema = "account_tokens"
    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userId: UUID
    /// `welcome` or `reset`.
    @Field(key: "purpose") public var purpose: String
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "used_at") public var usedAt: Date?
    public init() {}
}

/// An administrator's wording of one mail in one language, over the built-in template.
public final class MailTemplateModel: Model, @unchecked Sendable {
    public static let schema = "mail_templates"
    @ID(key: .id) public var id: UUID?
    @Field(key: "kind") public var kind: String
    @Field(key: "language") public var language: String
    @Field(key: "subject") public var subject: String
    @Field(key: "text_body") public var textBody: String
    @Field(key: "html_body") public var htmlBody: String
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}
