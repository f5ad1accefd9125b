import Crypto
import EscaleAPI
import EscaleCore
import EscaleMIME
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// What the MTA (or the IMAP fetcher) said about a message besides its bytes.
public struct MailEnvelope: Codable, Sendable, Equatable {
    /// The envelope sender (`SENDER`, `Return-Path`): empty for a bounce.
    public var sender: String?
    /// The envelope recipient (`RECIPIENT`/`ORIGINAL_RECIPIENT`).
    public var recipient: String?
    /// The recipient's `+extension` (`EXTENSION`).
    public var `extension`: String?
    public var action: InboundMail.Action

    public init(sender: String? = nil, recipient: String? = nil, extension: String? = nil, action: InboundMail.Action = .correspond) {
        self.sender = sender; self.recipient = recipient; self.extension = `extension`; self.action = action
    }
}

/// The e-mail channel's intake: one raw message in, a ticket, a reply, a note, a bounce recorded, or a message held
/// for triage out — in one transaction, with the raw message kept whatever happens, and a redelivery stored once.
///
/// Order of work: authenticate the mailbox, de-duplicate, keep the raw bytes, parse (`EscaleMIME`), read the facts
/// (sender, thread, organization) and decide (`InboundMail.decide`, pure), store the attachments, then write.
public struct MailIntake: Sendable {
    let desk: Desk

    /// Largest message taken (the HTTP intake refuses more with 413, the gateway exits with a permanent error).
    public static let maxMessageBytes = 40 << 20

    public enum IntakeError: Error, Sendable { case unknownMailbox }

    /// The mailbox an intake token opens (active ones only).
    public func mailbox(token: String) async throws -> MailboxModel {
        guard !token.isEmpty, token.count <= 200,
              let m = try await MailboxModel.query(on: desk.store.database).filter(\.$tokenHash == Desk.hashToken(token)).first(), m.active else {
            throw IntakeError.unknownMailbox
        }
        return m
    }

    public func receive(_ raw: [UInt8], mailbox: MailboxModel, envelope: MailEnvelope) async throws -> InboundReceiptDTO {
        let message = MailParser.parse(raw)
        let recipient = (envelope.recipient?.lowercased()).flatMap { $0.isEmpty ? nil : $0 } ?? mailbox.address
        let key = Self.dedupeKey(message, raw: raw, recipient: "\(mailbox.id!.uuidString)/\(recipient)")
        if let seen = try await InboundMessageModel.query(on: desk.store.database).filter(\.$dedupeKey == key).first() {
            return try await receipt(seen, duplicate: true)
        }
        // Kept before anything can fail: an administrator can always run it again.
        let rawSHA = try desk.files.store(raw)
        let row = InboundMessageModel()
        row.id = UUID(); row.mailboxId = mailbox.id!; row.dedupeKey = key; row.messageId = message.messageId.map { String($0.prefix(500)) }
        row.fromAddress = message.from?.address ?? envelope.sender.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        row.subject = String(message.subject.prefix(500)); row.rawSHA256 = rawSHA; row.size = raw.count
        row.envelope = String(decoding: try JSONEncoder().encode(envelope), as: UTF8.self)
        row.receivedAt = desk.now; row.status = "processing"
        if !message.warnings.isEmpty { row.detail = String(message.warnings.joined(separator: "; ").prefix(1_000)) }
        return try await process(message, row: row, mailbox: mailbox, envelope: envelope)
    }

    /// Runs a kept message through the intake again (an administrator's retry, or accepting a held message).
    func process(_ message: MailMessage, row: InboundMessageModel, mailbox: MailboxModel, envelope: MailEnvelope,
                 override: InboundMail.Decision? = nil, isNew: Bool = true) async throws -> InboundReceiptDTO {
        do {
            let plan = try await plan(message, mailbox: mailbox, envelope: envelope, override: override)
            let files = try storeParts(message)
            return try await desk.store.write { db in
                if isNew { try await row.create(on: db) }
                try await self.apply(plan, files: files, message: message, row: row, on: db)
                row.handledAt = self.desk.now
                try await row.update(on: db)
                return try await self.receipt(row, duplicate: false, on: db)
            }
        } catch where isNew && (error as? any DatabaseError)?.isConstraintFailure == true {
            // The same message arrived concurrently and the other delivery won the unique key.
            if let seen = try await InboundMessageModel.query(on: desk.store.database).filter(\.$dedupeKey == row.dedupeKey).first() {
                return try await receipt(seen, duplicate: true)
            }
            throw error
        } catch let error as StorageUnavailable {
            throw error
        } catch {
            // Whatever went wrong, the message is not lost: recorded as failed with its raw bytes, for a retry.
            desk.logger.warning("inbound mail \(row.id!) failed: \(error)")
            row.status = "failed"; row.detail = String("\(error)".prefix(1_000)); row.handledAt = desk.now
            return try await desk.store.write { db in
                if isNew, try await InboundMessageModel.find(row.id, on: db) == nil { try await row.create(on: db) } else { try await row.update(on: db) }
                return try await self.receipt(row, duplicate: false, on: db)
            }
        }
    }

    // MARK: Facts and decision (reads, outside the write)

    /// Everything the write needs, decided and validated beforehand.
    struct Plan: Sendable {
        var decision: InboundMail.Decision
        var sender: Actor?
        var senderAddress: String?
        var thread: Ticket?
        var prepared: Desk.PreparedTicket?
        var newUser: (Desk.PreparedUser, UUID)?
        var ccUsers: [UUID]
        var ccAddresses: [MailAddress]
    }

    func plan(_ message: MailMessage, mailbox: MailboxModel, envelope: MailEnvelope, override: InboundMail.Decision?) async throws -> Plan {
        let db = desk.store.database
        let address = message.from?.address ?? envelope.sender.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        var senderUser: UserModel?
        if let address { senderUser = try await UserModel.query(on: db).filter(\.$email == address).first() }
        var sender: InboundMail.Sender = .unknown
        var actor: Actor?
        if let u = senderUser, let role = Role(rawValue: u.role) {
            if !u.active {
                sender = .inactive(userId: u.id!)
            } else if let a = try await desk.resolveActor(userId: u.id!, on: db) {
                actor = a
                if role.isStaff { sender = .staff(userId: u.id!, role: role) } else if let org = u.organizationId { sender = .client(userId: u.id!, organizationId: org, role: role) }
            }
        }
        let thread = try await threadTicket(message, envelope: envelope, mailbox: mailbox)
        var threadFacts: InboundMail.Thread?
        if let t = thread {
            threadFacts = InboundMail.Thread(ticketId: t.id, requesterId: t.requesterId, organizationId: t.organizationId, closed: t.status == .closed,
                                             watcherIds: Set(try await TicketLinkStore.watchers(of: t.id, on: db)))
        }
        let directory = try await desk.directory()
        let domain = address.flatMap { $0.split(separator: "@").last.map(String.init) }
        let domainOrg = domain.flatMap { d in
            directory.organizations.first { $0.active && ($0.domains.contains(d) || $0.domain == d) }?.id
        }
        let facts = InboundMail.Facts(
            sender: sender, thread: threadFacts, action: envelope.action, automatic: message.isAutomatic || envelope.sender == "",
            deliveryReport: message.deliveryReport != nil, unknownSenders: InboundMail.UnknownSenders(rawValue: mailbox.unknownSenders) ?? .create,
            mailboxOrganizationId: mailbox.organizationId, domainOrganizationId: domainOrg)
        let decision = override ?? InboundMail.decide(facts)
        var plan = Plan(decision: decision, sender: actor, senderAddress: address, thread: thread, ccUsers: [], ccAddresses: [])
        if case let .newTicket(requester, _) = decision {
            let requesterActor: Actor
            switch requester {
            case let .existing(userId, _):
                guard let a = actor, a.userId == userId else { throw DomainError.invalid(field: "from", "the sender's account cannot open tickets") }
                requesterActor = a
            case let .create(organizationId):
                guard let address else { throw DomainError.invalid(field: "from", "the message has no sender address") }
                let id = UUID()
                let name = Self.displayName(message.from, address: address)
                let language = mailbox.language ?? message.language.flatMap { LanguageDefault.supported.contains($0) ? $0 : nil }
                let user = Desk.PreparedUser(
                    input: UserInput(email: address, name: name, role: .requester, password: "", organizationId: organizationId, locale: language),
                    email: try Desk.validEmail(address), name: name, locale: language, groupIds: [],
                    // No password until they choose one through a reset link: nothing can match this hash.
                    passwordHash: "!mail-" + Desk.randomToken())
                plan.newUser = (user, id)
                requesterActor = Actor(userId: id, role: .requester, organizationId: organizationId)
            }
            plan.prepared = try await prepareTicket(message, mailbox: mailbox, by: requesterActor)
        }
        if case .newTicket = decision {} else if case .reply = decision {} else { return plan }
        // Copied people: users of the same organization (or staff) follow the ticket; other addresses get its public replies.
        let own = Set([mailbox.address, address ?? ""] + [envelope.recipient ?? ""].map { $0.lowercased() })
        let copied = (message.cc + message.to).filter { !own.contains($0.address) && !Self.isOurs($0.address, mailbox: mailbox) }
        if !copied.isEmpty {
            let users = try await UserModel.query(on: db).filter(\.$email ~~ copied.map(\.address)).filter(\.$active == true).all()
            let org = plan.prepared?.draft.organizationId ?? thread?.organizationId
            plan.ccUsers = users.filter { u in (Role(rawValue: u.role)?.isStaff ?? false) || u.organizationId == org }.compactMap(\.id)
            let known = Set(users.map(\.email))
            plan.ccAddresses = Array(message.cc.filter { !own.contains($0.address) && !known.contains($0.address) && !Self.isOurs($0.address, mailbox: mailbox) }.prefix(20))
        }
        return plan
    }

    /// Mail to another of our mailboxes (or its `+extension`) is not a person to copy.
    static func isOurs(_ address: String, mailbox: MailboxModel) -> Bool {
        let base = { (a: String) -> String in
            guard let at = a.firstIndex(of: "@") else { return a }
            let local = a[..<at].split(separator: "+", maxSplits: 1).first.map(String.init) ?? ""
            return local + a[at...]
        }
        return base(address) == base(mailbox.address)
    }

    func prepareTicket(_ message: MailMessage, mailbox: MailboxModel, by actor: Actor) async throws -> Desk.PreparedTicket {
        var subject = SubjectTag.clean(message.subject)
        if subject.isEmpty { subject = Self.firstLine(of: message.text) ?? "(no subject)" }
        // Longer than a ticket's subject allows: shortened on a word boundary, never refused.
        subject = Self.shorten(subject, to: TicketLimits.subjectLength.upperBound)
        let description = Self.shorten(Self.bodyText(message), to: TicketLimits.descriptionMaxLength)
        let now = desk.now
        // The time the person wrote (the incident is at the latest then), unless the sender's clock is off.
        let occurred = message.date.flatMap { $0 <= now && $0 > now.addingTimeInterval(-30 * 86_400) ? $0 : nil }
        let input = TicketInput(subject: subject, description: description, impact: .medium, urgency: .medium, occurredAt: occurred)
        var prepared = try await desk.prepareTicket(input, by: actor, defaultChannel: .email)
        if let g = mailbox.groupId, let group = try? await desk.groupServingTicket(g, organizationId: prepared.draft.organizationId, on: desk.store.database) {
            prepared = Desk.PreparedTicket(draft: prepared.draft, contract: prepared.contract, matrix: prepared.matrix, group: group, routed: false,
                                           assigneeId: nil)
        }
        return prepared
    }

    /// The ticket a message is about, most reliable evidence first: our own Message-IDs (or a message already
    /// threaded) in In-Reply-To/References, the `[ESC-…]` tag of the subject, the recipient's `+extension`. A number in
    /// the body never counts.
    func threadTicket(_ message: MailMessage, envelope: MailEnvelope, mailbox: MailboxModel) async throws -> Ticket? {
        let db = desk.store.database
        var ids = message.inReplyTo + message.references.reversed()
        if let report = message.deliveryReport {
            ids += [report.originalMessageId].compactMap { $0 } + report.originalReferences.reversed()
        }
        ids = Array(ids.prefix(50))
        func ticket(number: Int) async throws -> Ticket? {
            try await TicketRepository.find(seqs: [number], scope: .all, on: db)[number]
        }
        for id in ids {
            if let n = Self.ourTicketNumber(inMessageId: id), let t = try await ticket(number: n) { return t }
        }
        if !ids.isEmpty {
            let known = try await InboundMessageModel.query(on: db).filter(\.$messageId ~~ ids).filter(\.$ticketId != nil).sort(\.$receivedAt, .descending).first()
            if let id = known?.ticketId, let t = try await TicketRepository.find(id, scope: .all, on: db) { return t }
        }
        let subject = message.deliveryReport?.originalSubject ?? message.subject
        if let n = SubjectTag.ticketNumber(in: subject), let t = try await ticket(number: n) { return t }
        let ext = envelope.extension.flatMap { $0.isEmpty ? nil : $0 } ?? Self.plusExtension(envelope.recipient)
        if let ext, let n = TicketNumber.parse(ext), let t = try await ticket(number: n) { return t }
        return nil
    }

    /// `ESC-000123.<uuid>@host`: the Message-IDs of our own notifications carry the ticket's number.
    static func ourTicketNumber(inMessageId id: String) -> Int? {
        guard id.hasPrefix("ESC-"), let dot = id.firstIndex(of: "."), id.contains("@") else { return nil }
        return Int(id[id.index(id.startIndex, offsetBy: 4)..<dot])
    }

    static func plusExtension(_ recipient: String?) -> String? {
        guard let r = recipient, let at = r.firstIndex(of: "@"), let plus = r[..<at].firstIndex(of: "+") else { return nil }
        return String(r[r.index(after: plus)..<at])
    }

    // MARK: The write

    func apply(_ plan: Plan, files: [Desk.StoredFile], message: MailMessage, row: InboundMessageModel, on db: any Database) async throws {
        switch plan.decision {
        case .deliveryReport:
            try await recordBounce(message, thread: plan.thread, row: row, on: db)
        case let .automaticNote(ticketId):
            guard let t = try await TicketRepository.find(ticketId, scope: .all, on: db) else { throw DomainError.notFound("ticket") }
            let body = Self.shorten("\(message.subject)\n\n\(Self.bodyText(message))", to: TicketLimits.commentMaxLength)
            try await TicketRepository.appendSystem([TicketEvent(kind: .note, actorId: plan.sender?.userId, at: desk.now, isPublic: false, body: body,
                                                                 field: "email_automatic")], to: t.id, version: t.version, on: db)
            try await desk.publish(.updated, t, isPublic: false, on: db)
            row.status = "automatic"; row.ticketId = t.id
        case let .reply(ticketId, isPublic):
            guard let actor = plan.sender, let t = try await TicketRepository.find(ticketId, scope: .all, forUpdate: true, on: db) else {
                throw DomainError.notFound("ticket")
            }
            let split = ReplyText.split(Self.bodyText(message))
            var body = split.reply.trimmingCharacters(in: .whitespacesAndNewlines)
            if body.isEmpty { body = files.isEmpty ? "(empty message)" : "(attachments)" }
            let (id, _, _) = try await desk.comment(on: t, CommentInput(body: Self.shorten(body, to: TicketLimits.commentMaxLength), isPublic: isPublic),
                                                    files: files, quoted: split.quoted.map { Self.shorten($0, to: TicketLimits.commentMaxLength) },
                                                    via: .email, by: actor, on: db)
            try await keepCopied(plan, ticketId: t.id, on: db)
            row.status = isPublic ? "replied" : "noted"; row.ticketId = t.id; row.eventId = id
        case let .newTicket(_, followUp):
            guard var prepared = plan.prepared else { throw DomainError.invalid(field: "from", "no requester") }
            var actor = plan.sender
            if let (user, id) = plan.newUser {
                let dto = try await desk.insertUser(user, id: id, by: nil, on: db)
                prepared = prepared.forRequester(dto)
                actor = Actor(userId: id, role: .requester, organizationId: dto.organizationId)
            }
            guard let actor else { throw DomainError.invalid(field: "from", "no requester") }
            let ticket = try await desk.createTicket(prepared, files: files, by: actor, on: db)
            try await TicketRepository.flushPendingCreations(on: db)
            if let followUp, let closed = try await TicketRepository.find(followUp, scope: .all, on: db) {
                let link = TicketLinkRow(id: UUID(), ticketId: ticket.id, otherId: closed.id, kind: TicketLinkKind.related.rawValue, createdBy: actor.userId, createdAt: desk.now)
                try await TicketLinkStore.insert(link, on: db)
            }
            try await keepCopied(plan, ticketId: ticket.id, on: db)
            row.status = "created"; row.ticketId = ticket.id
        case let .hold(reason):
            row.status = "held"; row.detail = reason.rawValue
        case let .reject(reason):
            row.status = "rejected"; row.detail = reason.rawValue
        }
    }

    func keepCopied(_ plan: Plan, ticketId: UUID, on db: any Database) async throws {
        for u in plan.ccUsers { _ = try await TicketLinkStore.watch(ticketId, userId: u, at: desk.now, on: db) }
        guard !plan.ccAddresses.isEmpty else { return }
        let sql = db as! any SQLDatabase
        for a in plan.ccAddresses {
            // Known already: nothing to add (ON CONFLICT is spelled alike on SQLite and PostgreSQL).
            try await sql.raw("INSERT INTO ticket_mail_cc (ticket_id, address, name, created_at) VALUES (\(bind: ticketId), \(bind: a.address), \(bind: a.name), \(bind: desk.now)) ON CONFLICT DO NOTHING").run()
        }
    }

    /// A bounce: each permanently failed recipient that is a user is marked undeliverable (no more mail goes there),
    /// and the ticket the bounced mail was about gets a `delivery_failed` entry.
    func recordBounce(_ message: MailMessage, thread: Ticket?, row: InboundMessageModel, on db: any Database) async throws {
        row.status = "bounce"
        guard let report = message.deliveryReport else { return }
        let reason = [report.status, report.diagnostic].compactMap { $0 }.joined(separator: " ")
        var users: [UserModel] = []
        if report.isPermanentFailure, !report.finalRecipients.isEmpty {
            users = try await UserModel.query(on: db).filter(\.$email ~~ report.finalRecipients).all()
            for u in users {
                u.emailStatus = "undeliverable"; u.emailStatusReason = String(reason.prefix(500)); u.emailStatusAt = desk.now
                try await u.update(on: db)
            }
            if !users.isEmpty { try await desk.audit(nil, "bounce", "user", users.first?.id, report.finalRecipients.joined(separator: ", "), on: db) }
        }
        guard let t = thread else { return }
        let events = (report.finalRecipients.isEmpty ? [""] : report.finalRecipients).map { recipient in
            TicketEvent(kind: .deliveryFailed, actorId: nil, at: desk.now, isPublic: false, field: "email",
                        newValue: users.first { $0.email == recipient }?.id?.uuidString ?? recipient,
                        reason: String("\(recipient): \(report.isPermanentFailure ? "undeliverable" : "delayed") \(reason)".prefix(500)))
        }
        try await TicketRepository.appendSystem(events, to: t.id, version: t.version, on: db)
        try await desk.publish(.updated, t, isPublic: false, on: db)
        row.ticketId = t.id
    }

    /// Attachments and inline images become ticket files (stored before the write; content-addressed, so a retry
    /// stores nothing twice). A part larger than the upload limit is left in the raw message.
    func storeParts(_ message: MailMessage) throws -> [Desk.StoredFile] {
        try message.attachments.prefix(100).compactMap { part in
            guard !part.data.isEmpty, part.data.count <= desk.config.maxUploadBytes else { return nil }
            let sha = try desk.files.store(part.data)
            return Desk.StoredFile(filename: part.filename ?? "attachment", contentType: part.contentType, sha256: sha, size: part.data.count)
        }
    }

    // MARK: Answers

    func receipt(_ row: InboundMessageModel, duplicate: Bool, on db: (any Database)? = nil) async throws -> InboundReceiptDTO {
        var number: String?
        if let id = row.ticketId, let t = try await TicketRepository.find(id, scope: .all, on: db ?? desk.store.database) { number = t.number }
        return InboundReceiptDTO(id: row.id!, status: row.status, duplicate: duplicate, ticketId: row.ticketId, number: number, detail: row.detail)
    }

    // MARK: Text helpers

    /// What the person wrote, as text: the plain part, else the HTML part turned into text by the parser.
    static func bodyText(_ m: MailMessage) -> String {
        let t = m.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? "" : t
    }

    static func firstLine(of text: String) -> String? {
        text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func shorten(_ s: String, to max: Int) -> String {
        guard s.count > max else { return s }
        let cut = s.prefix(max - 1)
        let word = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return (word.count > max / 2 ? String(word) : String(cut)) + "…"
    }

    static func displayName(_ from: MailAddress?, address: String) -> String {
        let n = (from?.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\"'")))
        if !n.isEmpty, !n.contains("@") { return String(n.prefix(200)) }
        return String(address.split(separator: "@").first ?? Substring(address)).prefix(200).description
    }

    /// Message-ID and recipient (the MTA runs the gateway once per recipient); without a Message-ID, a hash of
    /// the message without the lines the delivery added.
    static func dedupeKey(_ m: MailMessage, raw: [UInt8], recipient: String) -> String {
        if let id = m.messageId, !id.isEmpty {
            return "mid:" + Hex.encode(SHA256.hash(data: Data((id + "\n" + recipient).utf8)))
        }
        return "sha:" + Hex.encode(SHA256.hash(data: Data(withoutDeliveryLines(raw) + Array(("\n" + recipient).utf8))))
    }

    /// The raw message without the mbox `From ` line and the trace headers an MTA prepends (`Return-Path`,
    /// `X-Original-To`, `Delivered-To`, `Received`), which differ between two deliveries of the same message.
    static func withoutDeliveryLines(_ raw: [UInt8]) -> [UInt8] {
        var i = 0
        let trace: [[UInt8]] = ["from ", "return-path:", "x-original-to:", "delivered-to:", "received:"].map { Array($0.utf8) }
        func startsWithTrace(_ at: Int) -> Bool {
            trace.contains { t in at + t.count <= raw.count && zip(raw[at..<at + t.count], t).allSatisfy { ($0 | 0x20) == ($1 | 0x20) || $0 == $1 } }
        }
        while i < raw.count, startsWithTrace(i) {
            // Skip the line and its folded continuations.
            repeat {
                while i < raw.count, raw[i] != 0x0A { i += 1 }
                i += 1
            } while i < raw.count && (raw[i] == 0x20 || raw[i] == 0x09)
        }
        return Array(raw[min(i, raw.count)...]).filter { $0 != 0x0D }
    }
}

extension Desk {
    /// The e-mail channel's use cases.
    public var mailIntake: MailIntake { MailIntake(desk: self) }
}
