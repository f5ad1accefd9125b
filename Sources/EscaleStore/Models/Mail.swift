import FluentKit
import Foundation

/// Where mail reaches the desk (`M021_CreateMailIntake`): an address, where its new tickets go, what to do with
/// unknown senders, its intake token (hashed) and, optionally, an IMAP account to fetch from.
public final class MailboxModel: Model, @unchecked Sendable {
    public static let schema = "mailboxes"
    @ID(key: .id) public var id: UUID?
    /// Lowercased.
    @Field(key: "address") public var address: String
    @Field(key: "name") public var name: String
    @OptionalField(key: "organization_id") public var organizationId: UUID?
    @OptionalField(key: "group_id") public var groupId: UUID?
    @OptionalField(key: "language") public var language: String?
    /// `create`, `hold` or `reject`.
    @Field(key: "unknown_senders") public var unknownSenders: String
    /// SHA-256 of the intake token.
    @Field(key: "token_hash") public var tokenHash: String
    /// The IMAP account as JSON (`MailboxIMAP`), the password sealed; nil: mail arrives through the MTA pipe.
    @OptionalField(key: "imap") public var imap: String?
    /// The fetcher's progress and last error as JSON (`MailboxIMAPState`).
    @OptionalField(key: "imap_state") public var imapState: String?
    @Field(key: "active") public var active: Bool
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// One message as it arrived, kept raw (`raw_sha256` in attachment storage) with what became of it.
public final class InboundMessageModel: Model, @unchecked Sendable {
    public static let schema = "inbound_messages"
    @ID(key: .id) public var id: UUID?
    @Field(key: "mailbox_id") public var mailboxId: UUID
    /// Message-ID + recipient, or a hash of the message when it has no Message-ID: a redelivery finds its row.
    @Field(key: "dedupe_key") public var dedupeKey: String
    @OptionalField(key: "message_id") public var messageId: String?
    @OptionalField(key: "from_address") public var fromAddress: String?
    @Field(key: "subject") public var subject: String
    @Field(key: "raw_sha256") public var rawSHA256: String
    @Field(key: "size") public var size: Int
    /// `created`, `replied`, `noted`, `automatic`, `bounce`, `held`, `rejected`, `failed`.
    @Field(key: "status") public var status: String
    /// Why it was held, rejected or failed; what was repaired.
    @OptionalField(key: "detail") public var detail: String?
    @OptionalField(key: "ticket_id") public var ticketId: UUID?
    @OptionalField(key: "event_id") public var eventId: UUID?
    /// The envelope (sender, recipient, extension, action) as JSON, so a retry sees what the MTA said.
    @Field(key: "envelope") public var envelope: String
    @Field(key: "received_at") public var receivedAt: Date
    @OptionalField(key: "handled_at") public var handledAt: Date?
    public init() {}
}
