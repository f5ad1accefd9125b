import EscaleCore
import Foundation

/// An IMAP account a mailbox fetches from. The password is write-only: answers say `password_set` instead.
public struct MailboxIMAPDTO: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int?
    /// `tls` (implicit, port 993 — the default), `starttls` (port 143) or `none` (tests and loopback only).
    public var security: String?
    public var username: String
    /// Write-only. Absent in a PATCH: the stored one is kept.
    public var password: String?
    public var passwordSet: Bool?
    /// The folder read (default `INBOX`).
    public var folder: String?
    /// What becomes of a fetched message once stored: `move` (the default) to `processed_folder`, or `flag` (kept in
    /// place, flagged `$Escale` and seen).
    public var afterFetch: String?
    /// Default `Escale/Processed`.
    public var processedFolder: String?
    /// Seconds between checks when the server has no IDLE (default 60, at least 10).
    public var pollSeconds: Int?

    public init(host: String, port: Int? = nil, security: String? = nil, username: String, password: String? = nil, passwordSet: Bool? = nil,
                folder: String? = nil, afterFetch: String? = nil, processedFolder: String? = nil, pollSeconds: Int? = nil) {
        self.host = host; self.port = port; self.security = security; self.username = username; self.password = password
        self.passwordSet = passwordSet; self.folder = folder; self.afterFetch = afterFetch; self.processedFolder = processedFolder
        self.pollSeconds = pollSeconds
    }

    enum CodingKeys: String, CodingKey {
        case host, port, security, username, password, passwordSet = "password_set", folder, afterFetch = "after_fetch",
             processedFolder = "processed_folder", pollSeconds = "poll_seconds"
    }
}

public struct MailboxInput: Codable, Sendable {
    public var address: String
    public var name: String?
    /// The client this mailbox serves; absent: the sender's organization, else the one whose `domains` match.
    public var organizationId: UUID?
    /// The group its new tickets go to; absent: the desk's routing.
    public var groupId: UUID?
    /// `fr` or `en`: the language of requesters created from its mail; absent: the message's, else the defaults.
    public var language: String?
    /// `create` (the default), `hold` or `reject`.
    public var unknownSenders: InboundMail.UnknownSenders?
    public var imap: MailboxIMAPDTO?
    public var active: Bool?

    public init(address: String, name: String? = nil, organizationId: UUID? = nil, groupId: UUID? = nil, language: String? = nil,
                unknownSenders: InboundMail.UnknownSenders? = nil, imap: MailboxIMAPDTO? = nil, active: Bool? = nil) {
        self.address = address; self.name = name; self.organizationId = organizationId; self.groupId = groupId; self.language = language
        self.unknownSenders = unknownSenders; self.imap = imap; self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case address, name, organizationId = "organization_id", groupId = "group_id", language, unknownSenders = "unknown_senders", imap, active
    }
}

/// The IMAP fetcher's progress.
public struct MailboxIMAPStatus: Codable, Sendable, Equatable {
    public var checkedAt: Date?
    public var lastError: String?
    public var uidValidity: UInt32?
    public var fetched: Int
    public init(checkedAt: Date? = nil, lastError: String? = nil, uidValidity: UInt32? = nil, fetched: Int = 0) {
        self.checkedAt = checkedAt; self.lastError = lastError; self.uidValidity = uidValidity; self.fetched = fetched
    }
    enum CodingKeys: String, CodingKey { case checkedAt = "checked_at", lastError = "last_error", uidValidity = "uid_validity", fetched }
}

public struct MailboxDTO: Codable, Sendable {
    public var id: UUID
    public var address: String
    public var name: String
    public var organizationId: UUID?
    public var groupId: UUID?
    public var language: String?
    public var unknownSenders: InboundMail.UnknownSenders
    public var imap: MailboxIMAPDTO?
    public var imapStatus: MailboxIMAPStatus?
    public var active: Bool
    /// The intake token, only in the answer that made it (creation, `POST …/token`): it is stored hashed.
    public var token: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, address: String, name: String, organizationId: UUID?, groupId: UUID?, language: String?, unknownSenders: InboundMail.UnknownSenders,
                imap: MailboxIMAPDTO?, imapStatus: MailboxIMAPStatus?, active: Bool, token: String? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id; self.address = address; self.name = name; self.organizationId = organizationId; self.groupId = groupId
        self.language = language; self.unknownSenders = unknownSenders; self.imap = imap; self.imapStatus = imapStatus
        self.active = active; self.token = token; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The input that would recreate it (without the IMAP password, which a merge patch then keeps).
    public var input: MailboxInput {
        var i = imap
        i?.passwordSet = nil
        return MailboxInput(address: address, name: name, organizationId: organizationId, groupId: groupId, language: language,
                            unknownSenders: unknownSenders, imap: i, active: active)
    }

    enum CodingKeys: String, CodingKey {
        case id, address, name, organizationId = "organization_id", groupId = "group_id", language, unknownSenders = "unknown_senders",
             imap, imapStatus = "imap_status", active, token, createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// What the intake did with a message.
public struct InboundReceiptDTO: Codable, Sendable {
    public var id: UUID
    /// `created`, `replied`, `noted`, `automatic`, `bounce`, `held`, `rejected` or `failed`.
    public var status: String
    /// The same message had already arrived: nothing was done again.
    public var duplicate: Bool
    public var ticketId: UUID?
    public var number: String?
    public var detail: String?
    public init(id: UUID, status: String, duplicate: Bool, ticketId: UUID?, number: String?, detail: String?) {
        self.id = id; self.status = status; self.duplicate = duplicate; self.ticketId = ticketId; self.number = number; self.detail = detail
    }
    enum CodingKeys: String, CodingKey { case id, status, duplicate, ticketId = "ticket_id", number, detail }
}

public struct InboundMessageDTO: Codable, Sendable {
    public var id: UUID
    public var mailboxId: UUID
    public var messageId: String?
    public var from: String?
    public var subject: String
    public var size: Int
    public var status: String
    public var detail: String?
    public var ticketId: UUID?
    public var number: String?
    public var receivedAt: Date
    public var handledAt: Date?
    public init(id: UUID, mailboxId: UUID, messageId: String?, from: String?, subject: String, size: Int, status: String, detail: String?,
                ticketId: UUID?, number: String?, receivedAt: Date, handledAt: Date?) {
        self.id = id; self.mailboxId = mailboxId; self.messageId = messageId; self.from = from; self.subject = subject; self.size = size
        self.status = status; self.detail = detail; self.ticketId = ticketId; self.number = number; self.receivedAt = receivedAt; self.handledAt = handledAt
    }
    enum CodingKeys: String, CodingKey {
        case id, mailboxId = "mailbox_id", messageId = "message_id", from, subject, size, status, detail, ticketId = "ticket_id", number,
             receivedAt = "received_at", handledAt = "handled_at"
    }
}

/// How a held message is settled by an administrator.
public struct InboundDecisionInput: Codable, Sendable {
    /// `accept` (open a ticket: `organization_id` for an unknown sender, else theirs), `retry` (run the intake again, e.g.
    /// after adding the sender or a domain), or `discard`.
    public var action: String
    public var organizationId: UUID?
    public init(action: String, organizationId: UUID? = nil) { self.action = action; self.organizationId = organizationId }
    enum CodingKeys: String, CodingKey { case action, organizationId = "organization_id" }
}

/// What "test connection" found.
public struct MailboxTestDTO: Codable, Sendable {
    public var ok: Bool
    public var detail: String
    /// The server offers IDLE: new mail is fetched as it arrives, not at the next poll.
    public var idle: Bool
    public init(ok: Bool, detail: String, idle: Bool) { self.ok = ok; self.detail = detail; self.idle = idle }
}

/// Someone copied on a ticket's mail who is not a user: they get its public replies by e-mail.
public struct MailCopyDTO: Codable, Sendable, Equatable {
    public var address: String
    public var name: String?
    public init(address: String, name: String?) { self.address = address; self.name = name }
}
