import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// The durable mail outbox: messages rendered at the time of their event, each sent by a job of its own through the
/// `MailTransport`, retried with the scheduler's backoff, and reported on the ticket's timeline when they fail for good.
extension Desk {
    /// A message ready for the outbox.
    struct MailDraft {
        var kind: String
        var ticketId: UUID?
        var ticketNumber: String?
        var recipientId: UUID?
        var to: String
        var subject: String
        var text: String
        var html: String?
        var language: String?
        var attachmentIds: [UUID] = []
        var autoSubmitted = true
        /// Counted by the per-address rate limit.
        var requesterFacing = false
    }

    /// Public attachments travel with a reply up to this total; beyond, the mail links to the ticket instead.
    static let maxMailAttachmentBytes = 10 * 1024 * 1024

    /// Where replies to a ticket's mail go: the mailbox its mail came to, else `ESCALE_MAIL_REPLY_TO`, else the only
    /// active mailbox, else the sender. Never a List-Unsubscribe: this is a conversation, not a list.
    func replyAddress(for ticketId: UUID?) async throws -> MailboxName? {
        let db = store.database
        if let ticketId, let first = try await InboundMessageModel.query(on: db).filter(\.$ticketId == ticketId).sort(\.$receivedAt).first(),
           let box = try await MailboxModel.find(first.mailboxId, on: db), box.active {
            return MailboxName(name: box.name == box.address ? nil : box.name, address: box.address)
        }
        if let configured = config.mailReplyTo { return configured }
        let active = try await MailboxModel.query(on: db).filter(\.$active == true).limit(2).all()
        if active.count == 1, let box = active.first { return MailboxName(name: box.name == box.address ? nil : box.name, address: box.address) }
        return config.mailFrom
    }

    var mailSender: MailboxName {
        config.mailFrom ?? MailboxName(name: "Escale", address: "escale@\(config.mailDomain)")
    }

    /// Renders nothing: stores the message with its identity and thread, then schedules its sending (when a transport
    /// exists; without one it waits in the outbox, listed for administrators, with no retry storm).
    @discardableResult
    func enqueueMail(_ d: MailDraft, on db: any Database) async throws -> MailOutboxModel {
        let id = UUID()
        var inReplyTo: String?
        var references: [String] = []
        if let ticketId = d.ticketId {
            // The thread is every message of the ticket, received or sent, in time order; it starts with the mail that
            // opened the ticket when there was one, so the requester's client files our answer under their message.
            let received = try await InboundMessageModel.query(on: db).filter(\.$ticketId == ticketId).filter(\.$messageId != nil)
                .sort(\.$receivedAt).limit(500).all().compactMap { m in m.messageId.map { (m.receivedAt, $0) } }
            let sent = try await MailOutboxModel.query(on: db).filter(\.$ticketId == ticketId).sort(\.$createdAt).limit(500).all()
                .map { ($0.createdAt, $0.messageId) }
            let thread = (received + sent).sorted { $0.0 < $1.0 }.map(\.1)
            inReplyTo = received.first?.1 ?? sent.first?.1
            references = MailIdentity.references(thread: ([inReplyTo].compactMap { $0 } + thread).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
        }
        let m = MailOutboxModel()
        m.id = id
        m.messageId = MailIdentity.messageId(ticketNumber: d.ticketNumber, id: id, domain: config.mailDomain)
        m.ticketId = d.ticketId; m.kind = d.kind; m.recipientId = d.recipientId; m.toAddress = d.to.lowercased()
        m.cc = "[]"; m.subject = d.subject; m.textBody = d.text; m.htmlBody = d.html; m.inReplyTo = inReplyTo
        m.references = Self.payload(references); m.autoSubmitted = d.autoSubmitted; m.language = d.language
        m.attachmentIds = Self.payload(d.attachmentIds); m.status = "queued"; m.attempts = 0; m.createdAt = now
        if let why = try await suppression(of: d, on: db) {
            m.status = "suppressed"; m.lastError = why
        }
        try await m.create(on: db)
        if m.status == "queued", mail != nil { try await scheduleSend(id, on: db) }
        return m
    }

    /// Messages rendered while no transport was configured (or queued by an instance without one) are sent once one
    /// is: called at start. Scheduling is idempotent (one pending job per message).
    @discardableResult
    public func resumeQueuedMail(limit: Int = 10_000) async throws -> Int {
        guard mail != nil else { return 0 }
        let ids = try await MailOutboxModel.query(on: store.database).filter(\.$status == "queued").sort(\.$createdAt).limit(limit).all().compactMap(\.id)
        guard !ids.isEmpty else { return 0 }
        try await store.write { db in
            for id in ids { try await self.scheduleSend(id, on: db) }
        }
        return ids.count
    }

    private func scheduleSend(_ id: UUID, on db: any Database) async throws {
        try await JobQueue.schedule(key: "mail:\(id.uuidString)", kind: JobKind.mailSend, at: now, payload: Self.payload(["id": id]),
                                    maxAttempts: 8, now: now, on: db)
    }

    /// Why a message must not go out: an address known to bounce, or a requester-facing address that already had its
    /// hour's share of automatic mail (a robot answering each message cannot make a loop snowball).
    private func suppression(of d: MailDraft, on db: any Database) async throws -> String? {
        if let user = d.recipientId, try await isUndeliverable(userId: user, on: db) { return "the address is marked undeliverable" }
        guard d.requesterFacing, d.autoSubmitted else { return nil }
        if store.kind == .postgres {
            // Concurrent notification jobs count the same address's hour: one at a time (SQLite's single writer already
            // serialises them), or two could each see four and both send a fifth.
            try await (db as! any SQLDatabase).raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "mail-rate:" + d.to.lowercased())))").run()
        }
        // Ticket mail only: that is what a robot answering mail keeps alive.
        let recent = try await MailOutboxModel.query(on: db).filter(\.$toAddress == d.to.lowercased()).filter(\.$ticketId != nil).filter(\.$autoSubmitted == true)
            .filter(\.$status != "suppressed").filter(\.$createdAt >= now.addingTimeInterval(-3_600)).count()
        return recent >= MailIdentity.requesterMailsPerHour ? "rate limited: \(recent) automatic messages to this address within the hour" : nil
    }

    /// Whether a permanent bounce marked the user's address undeliverable (`users.email_status`, set by the intake).
    func isUndeliverable(userId: UUID, on db: any Database) async throws -> Bool {
        try await UserModel.find(userId, on: db)?.emailStatus == "undeliverable"
    }

    /// Sends one queued message. A permanent refusal (5xx) fails it at once; anything else is retried by the scheduler.
    func runMailSend(_ job: Job) async throws {
        struct Payload: Decodable { let id: UUID }
        let id = try Self.payload(Payload.self, of: job).id
        guard let transport = mail, let row = try await MailOutboxModel.find(id, on: store.database), row.status == "queued" else {
            try await complete(job) { _ in }
            return
        }
        let message = try await outboundMail(row)
        do {
            try await transport.send(message)
        } catch let e as any MailDeliveryError where e.isPermanent {
            try await complete(job) { db in try await self.markMailFailed(id, error: "\(e)", attempts: job.attempts, on: db) }
            return
        } catch {
            _ = try? await store.write { db in
                guard let m = try await MailOutboxModel.find(id, on: db) else { return }
                m.attempts = job.attempts; m.lastError = String("\(error)".prefix(2_000))
                try await m.save(on: db)
            }
            throw error
        }
        try await complete(job) { db in
            guard let m = try await MailOutboxModel.find(id, on: db) else { return }
            m.status = "sent"; m.sentAt = self.now; m.attempts = job.attempts; m.lastError = nil
            try await m.save(on: db)
        }
    }

    /// A send job that ran out of attempts.
    func mailGaveUp(_ job: Job, error: String) async {
        struct Payload: Decodable { let id: UUID }
        guard let id = try? Self.payload(Payload.self, of: job).id else { return }
        _ = try? await store.write { db in try await self.markMailFailed(id, error: error, attempts: job.attempts, on: db) }
    }

    /// Marks a message failed and, for a ticket's mail, says so on its timeline (internal).
    private func markMailFailed(_ id: UUID, error: String, attempts: Int, on db: any Database) async throws {
        guard let m = try await MailOutboxModel.find(id, on: db) else { return }
        m.status = "failed"; m.attempts = attempts; m.lastError = String(error.prefix(2_000))
        try await m.save(on: db)
        guard let ticketId = m.ticketId, let ticket = try await TicketRepository.find(ticketId, scope: .all, on: db) else { return }
        try await TicketRepository.appendSystem([TicketEvent(kind: .deliveryFailed, actorId: nil, at: now, isPublic: false, field: "email",
                                                             newValue: m.recipientId?.uuidString, reason: String(error.prefix(500)))],
                                                to: ticket.id, version: ticket.version, on: db)
        try await publish(.updated, ticket, isPublic: false, on: db)
    }

    /// The message as the transport takes it, attachments read from storage.
    func outboundMail(_ row: MailOutboxModel) async throws -> OutboundMail {
        let ids = (try? JSONDecoder().decode([UUID].self, from: Data(row.attachmentIds.utf8))) ?? []
        var attachments: [OutboundAttachment] = []
        if !ids.isEmpty {
            for a in try await AttachmentModel.query(on: store.database).filter(\.$id ~~ ids).all() {
                let data = try Data(contentsOf: files.url(for: a.sha256))
                attachments.append(OutboundAttachment(filename: a.filename, contentType: a.contentType, data: [UInt8](data)))
            }
        }
        let cc = ((try? JSONDecoder().decode([String].self, from: Data(row.cc.utf8))) ?? []).map { MailboxName(address: $0) }
        return OutboundMail(from: mailSender, to: [MailboxName(address: row.toAddress)], cc: cc, replyTo: try await replyAddress(for: row.ticketId),
                            subject: row.subject, text: row.textBody, html: row.htmlBody, messageId: row.messageId, inReplyTo: row.inReplyTo,
                            references: (try? JSONDecoder().decode([String].self, from: Data(row.references.utf8))) ?? [],
                            autoSubmitted: row.autoSubmitted, language: row.language, attachments: attachments, date: row.createdAt)
    }

    // MARK: Administration

    public func mailOutbox(status: String?, limit: Int = 200, by actor: Actor) async throws -> [MailOutboxDTO] {
        try AccessPolicy.require(actor, .manageDirectory)
        if let status, !Self.mailStatuses.contains(status) {
            throw DomainError.invalid(field: "status", "must be one of \(Self.mailStatuses.joined(separator: ", "))")
        }
        var q = MailOutboxModel.query(on: store.database).sort(\.$createdAt, .descending).limit(limit)
        if let status { q = q.filter(\.$status == status) }
        return try await q.all().map(Self.dto)
    }

    public static let mailStatuses = ["queued", "sent", "failed", "suppressed"]

    /// Sends a failed message again (a fresh series of attempts).
    public func retryMail(_ id: UUID, by actor: Actor, on db: any Database) async throws -> MailOutboxDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await MailOutboxModel.find(id, on: db) else { throw DomainError.notFound("message") }
        guard m.status == "failed" else { throw DomainError.conflict("only a failed message can be sent again") }
        m.status = "queued"; m.attempts = 0; m.lastError = nil
        try await m.save(on: db)
        if mail != nil { try await scheduleSend(id, on: db) }
        try await audit(actor, "retry", "mail", id, m.toAddress, on: db)
        return Self.dto(m)
    }

    static func dto(_ m: MailOutboxModel) -> MailOutboxDTO {
        MailOutboxDTO(id: m.id!, messageId: m.messageId, ticketId: m.ticketId, kind: m.kind, recipientId: m.recipientId, to: m.toAddress,
                      subject: m.subject, status: m.status, attempts: m.attempts, lastError: m.lastError, createdAt: m.createdAt, sentAt: m.sentAt)
    }
}
