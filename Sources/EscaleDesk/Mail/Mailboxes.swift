import Crypto
import EscaleAPI
import EscaleCore
import EscaleMIME
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// An IMAP account with its password readable, for the fetcher only.
public struct MailboxIMAPAccount: Sendable, Equatable {
    public var mailboxId: UUID
    public var host: String
    public var port: Int
    /// `tls`, `starttls` or `none`.
    public var security: String
    public var username: String
    public var password: String
    public var folder: String
    /// `move` or `flag`.
    public var afterFetch: String
    public var processedFolder: String
    public var pollSeconds: Int
}

/// Administration of mailboxes and of the messages held for triage (administrators only).
public struct Mailboxes: Sendable {
    let desk: Desk

    public func list(by actor: Actor) async throws -> [MailboxDTO] {
        try AccessPolicy.require(actor, .manageDirectory)
        return try await MailboxModel.query(on: desk.store.database).sort(\.$address).all().map(dto)
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> MailboxDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        return dto(try await find(id, on: desk.store.database))
    }

    /// Creates a mailbox; the answer carries its intake token, once.
    public func create(_ input: MailboxInput, by actor: Actor, on db: any Database) async throws -> MailboxDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = MailboxModel()
        m.id = UUID(); m.createdAt = desk.now
        try await apply(input, to: m, on: db)
        let token = Desk.randomToken()
        m.tokenHash = Desk.hashToken(token)
        try await m.create(on: db)
        try await desk.audit(actor, "create", "mailbox", m.id, m.address, on: db)
        var out = dto(m)
        out.token = token
        return out
    }

    public func update(_ id: UUID, _ input: MailboxInput, by actor: Actor, on db: any Database) async throws -> MailboxDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = try await find(id, on: db)
        try await apply(input, to: m, on: db)
        try await m.update(on: db)
        try await desk.audit(actor, "update", "mailbox", id, m.address, on: db)
        return dto(m)
    }

    /// A new intake token (the old one stops working at once).
    public func rotateToken(_ id: UUID, by actor: Actor, on db: any Database) async throws -> MailboxDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = try await find(id, on: db)
        let token = Desk.randomToken()
        m.tokenHash = Desk.hashToken(token); m.updatedAt = desk.now
        try await m.update(on: db)
        try await desk.audit(actor, "rotate_token", "mailbox", id, m.address, on: db)
        var out = dto(m)
        out.token = token
        return out
    }

    func find(_ id: UUID, on db: any Database) async throws -> MailboxModel {
        guard let m = try await MailboxModel.find(id, on: db) else { throw DomainError.notFound("mailbox") }
        return m
    }

    private func apply(_ input: MailboxInput, to m: MailboxModel, on db: any Database) async throws {
        var problems: [FieldProblem] = []
        let address = input.address.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        do { _ = try Desk.validEmail(address) } catch { problems.append(FieldProblem(field: "address", rule: .other, message: "'\(input.address)' is not an e-mail address")) }
        if let other = try await MailboxModel.query(on: db).filter(\.$address == address).first(), other.id != m.id {
            throw DomainError.conflict("a mailbox for \(address) already exists")
        }
        if let org = input.organizationId, try await OrganizationModel.find(org, on: db) == nil {
            problems.append(FieldProblem(field: "organization_id", rule: .other, message: "unknown organization"))
        }
        if let g = input.groupId, try await GroupModel.find(g, on: db) == nil {
            problems.append(FieldProblem(field: "group_id", rule: .other, message: "unknown group"))
        }
        if let l = input.language, !LanguageDefault.supported.contains(l) {
            problems.append(FieldProblem(field: "language", rule: .other, message: "must be fr or en"))
        }
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.count > 200 { problems.append(FieldProblem(field: "name", rule: .other, message: "at most 200 characters")) }
        var sealed: String?
        if let imap = input.imap {
            let previous = m.imap.flatMap { try? JSONDecoder().decode(StoredIMAP.self, from: Data($0.utf8)) }
            let (stored, p) = try await validIMAP(imap, previous: previous)
            problems += p
            if p.isEmpty { sealed = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self) }
        }
        if let e = FieldProblem.error(problems) { throw e }
        m.address = address; m.name = name.isEmpty ? address : name
        m.organizationId = input.organizationId; m.groupId = input.groupId; m.language = input.language
        m.unknownSenders = (input.unknownSenders ?? .create).rawValue
        if input.imap == nil || sealed != m.imap { m.imapState = nil }
        m.imap = input.imap == nil ? nil : sealed
        m.active = input.active ?? true; m.updatedAt = desk.now
    }

    /// The IMAP settings as stored: the password sealed with the server's key (AES-GCM), never in clear in the database.
    struct StoredIMAP: Codable, Equatable {
        var host: String; var port: Int; var security: String; var username: String; var sealedPassword: String
        var folder: String; var afterFetch: String; var processedFolder: String; var pollSeconds: Int
    }

    private func validIMAP(_ i: MailboxIMAPDTO, previous: StoredIMAP?) async throws -> (StoredIMAP, [FieldProblem]) {
        var p: [FieldProblem] = []
        let host = i.host.trimmingCharacters(in: .whitespaces)
        if host.isEmpty || host.count > 253 || host.contains(where: { $0.isWhitespace || $0 == "/" }) {
            p.append(FieldProblem(field: "imap.host", rule: .other, message: "a host name or address"))
        }
        let security = i.security ?? "tls"
        if !["tls", "starttls", "none"].contains(security) { p.append(FieldProblem(field: "imap.security", rule: .other, message: "tls, starttls or none")) }
        let port = i.port ?? (security == "tls" ? 993 : 143)
        if !(1...65535).contains(port) { p.append(FieldProblem(field: "imap.port", rule: .other, message: "a port number")) }
        if i.username.isEmpty || i.username.count > 200 { p.append(FieldProblem(field: "imap.username", rule: .required, message: "the account's user name")) }
        let after = i.afterFetch ?? "move"
        if !["move", "flag"].contains(after) { p.append(FieldProblem(field: "imap.after_fetch", rule: .other, message: "move or flag")) }
        let poll = i.pollSeconds ?? 60
        if !(10...86_400).contains(poll) { p.append(FieldProblem(field: "imap.poll_seconds", rule: .other, message: "between 10 and 86400 seconds")) }
        let folder = (i.folder ?? "INBOX").isEmpty ? "INBOX" : (i.folder ?? "INBOX")
        let processed = (i.processedFolder ?? "Escale/Processed").isEmpty ? "Escale/Processed" : (i.processedFolder ?? "Escale/Processed")
        var sealed = previous?.sealedPassword ?? ""
        if let pw = i.password {
            if pw.count > 500 { p.append(FieldProblem(field: "imap.password", rule: .other, message: "at most 500 characters")) }
            sealed = try await seal(pw)
        } else if previous == nil {
            p.append(FieldProblem(field: "imap.password", rule: .required, message: "the account's password"))
        }
        return (StoredIMAP(host: host, port: port, security: security, username: i.username, sealedPassword: sealed, folder: folder,
                           afterFetch: after, processedFolder: processed, pollSeconds: poll), p)
    }

    private func sealingKey() async throws -> SymmetricKey {
        // A key of its own, derived from the signing key, so the two uses never share one.
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("escale mailbox secrets".utf8), using: SymmetricKey(data: try await desk.signingKey())))
    }

    private func seal(_ secret: String) async throws -> String {
        try AES.GCM.seal(Data(secret.utf8), using: try await sealingKey()).combined!.base64EncodedString()
    }

    private func unseal(_ sealed: String) async throws -> String {
        guard let data = Data(base64Encoded: sealed) else { return "" }
        return String(decoding: try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: try await sealingKey()), as: UTF8.self)
    }

    /// Every active mailbox's IMAP account, passwords unsealed (for the fetcher).
    public func imapAccounts() async throws -> [MailboxIMAPAccount] {
        var out: [MailboxIMAPAccount] = []
        for m in try await MailboxModel.query(on: desk.store.database).filter(\.$active == true).filter(\.$imap != nil).all() {
            guard let json = m.imap, let s = try? JSONDecoder().decode(StoredIMAP.self, from: Data(json.utf8)) else { continue }
            out.append(MailboxIMAPAccount(mailboxId: m.id!, host: s.host, port: s.port, security: s.security, username: s.username,
                                          password: try await unseal(s.sealedPassword), folder: s.folder, afterFetch: s.afterFetch,
                                          processedFolder: s.processedFolder, pollSeconds: s.pollSeconds))
        }
        return out
    }

    /// One mailbox's IMAP account (for "test connection"), administrators only.
    public func imapAccount(_ id: UUID, by actor: Actor) async throws -> MailboxIMAPAccount {
        try AccessPolicy.require(actor, .manageDirectory)
        _ = try await find(id, on: desk.store.database)
        guard let account = try await imapAccounts().first(where: { $0.mailboxId == id }) else {
            throw DomainError.invalid(field: "imap", "this mailbox has no IMAP account (or is deactivated)")
        }
        return account
    }

    /// The fetcher's progress, shown on the mailbox.
    public func recordIMAP(_ id: UUID, status: MailboxIMAPStatus) async throws {
        let json = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        try await desk.store.write { db in
            guard let m = try await MailboxModel.find(id, on: db) else { return }
            m.imapState = json
            try await m.update(on: db)
        }
    }

    func dto(_ m: MailboxModel) -> MailboxDTO {
        var imap: MailboxIMAPDTO?
        if let json = m.imap, let s = try? JSONDecoder().decode(StoredIMAP.self, from: Data(json.utf8)) {
            imap = MailboxIMAPDTO(host: s.host, port: s.port, security: s.security, username: s.username, passwordSet: !s.sealedPassword.isEmpty,
                                  folder: s.folder, afterFetch: s.afterFetch, processedFolder: s.processedFolder, pollSeconds: s.pollSeconds)
        }
        let status = m.imapState.flatMap { try? JSONDecoder().decode(MailboxIMAPStatus.self, from: Data($0.utf8)) }
        return MailboxDTO(id: m.id!, address: m.address, name: m.name, organizationId: m.organizationId, groupId: m.groupId, language: m.language,
                          unknownSenders: InboundMail.UnknownSenders(rawValue: m.unknownSenders) ?? .create, imap: imap, imapStatus: status,
                          active: m.active, createdAt: m.createdAt, updatedAt: m.updatedAt)
    }

    /// The addresses copied on a ticket's mail that are not users (staff, through their ticket scope).
    public func copies(of ticketId: UUID, by actor: Actor) async throws -> [MailCopyDTO] {
        let ticket = try await desk.ticket(ticketId, by: actor)
        try AccessPolicy.require(actor, .workTickets)
        struct Row: Decodable { var address: String; var name: String? }
        return try await (desk.store.database as! any SQLDatabase).select().column("address").column("name").from("ticket_mail_cc")
            .where("ticket_id", .equal, SQLBind(ticket.id)).orderBy("address").all(decoding: Row.self)
            .map { MailCopyDTO(address: $0.address, name: $0.name) }
    }

    // MARK: Inbound messages (triage)

    public func messages(status: String?, limit: Int = 100, by actor: Actor) async throws -> [InboundMessageDTO] {
        try AccessPolicy.require(actor, .manageDirectory)
        var q = InboundMessageModel.query(on: desk.store.database).sort(\.$receivedAt, .descending).limit(min(max(limit, 1), 500))
        if let status { q = q.filter(\.$status == status) }
        let rows = try await q.all()
        var numbers: [UUID: String] = [:]
        let ids = Array(Set(rows.compactMap(\.ticketId)))
        if !ids.isEmpty {
            struct Seq: Decodable { var id: UUID; var seq: Int }
            for r in try await (desk.store.database as! any SQLDatabase).select().column("id").column("seq").from("tickets")
                .where(SQLColumn("id"), .in, SQLBind.group(ids)).all(decoding: Seq.self) { numbers[r.id] = TicketNumber.format(r.seq) }
        }
        return rows.map { dto($0, number: $0.ticketId.flatMap { numbers[$0] }) }
    }

    public func message(_ id: UUID, by actor: Actor) async throws -> InboundMessageDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let row = try await InboundMessageModel.find(id, on: desk.store.database) else { throw DomainError.notFound("inbound message") }
        var number: String?
        if let t = row.ticketId { number = try await TicketRepository.find(t, scope: .all, on: desk.store.database)?.number }
        return dto(row, number: number)
    }

    /// The message as it arrived.
    public func raw(_ id: UUID, by actor: Actor) async throws -> [UInt8] {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let row = try await InboundMessageModel.find(id, on: desk.store.database) else { throw DomainError.notFound("inbound message") }
        return try desk.files.read(row.rawSHA256)
    }

    /// Settles a held, rejected or failed message: run the intake again (`retry`), open a ticket anyway (`accept`),
    /// or drop it from the triage list (`discard`, the raw message stays).
    public func decide(_ id: UUID, _ input: InboundDecisionInput, by actor: Actor) async throws -> InboundReceiptDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let row = try await InboundMessageModel.find(id, on: desk.store.database) else { throw DomainError.notFound("inbound message") }
        guard ["held", "rejected", "failed"].contains(row.status) else {
            throw DomainError.conflict("this message was already handled (\(row.status))")
        }
        let mailbox = try await find(row.mailboxId, on: desk.store.database)
        let envelope = (try? JSONDecoder().decode(MailEnvelope.self, from: Data(row.envelope.utf8))) ?? MailEnvelope()
        let message = MailParser.parse(try desk.files.read(row.rawSHA256))
        let intake = desk.mailIntake
        switch input.action {
        case "discard":
            row.status = "discarded"; row.handledAt = desk.now
            try await desk.store.write { db in
                try await row.update(on: db)
                try await desk.audit(actor, "discard", "inbound_message", id, row.subject, on: db)
            }
            return try await intake.receipt(row, duplicate: false)
        case "retry":
            return try await intake.process(message, row: row, mailbox: mailbox, envelope: envelope, isNew: false)
        case "accept":
            let address = message.from?.address ?? envelope.sender ?? ""
            let user = try await UserModel.query(on: desk.store.database).filter(\.$email == address.lowercased()).first()
            let requester: InboundMail.Requester
            if let u = user, u.active, let org = u.organizationId {
                requester = .existing(userId: u.id!, organizationId: org)
            } else if user == nil, let org = input.organizationId ?? mailbox.organizationId {
                guard try await OrganizationModel.find(org, on: desk.store.database) != nil else { throw DomainError.invalid(field: "organization_id", "unknown organization") }
                requester = .create(organizationId: org)
            } else {
                throw DomainError.invalid(field: "organization_id", user == nil
                    ? "the sender is unknown: name the organization to create them in"
                    : "the sender's account cannot open tickets (staff or deactivated)")
            }
            return try await intake.process(message, row: row, mailbox: mailbox, envelope: envelope, override: .newTicket(requester, followUp: nil), isNew: false)
        default:
            throw DomainError.invalid(field: "action", "accept, retry or discard")
        }
    }

    func dto(_ r: InboundMessageModel, number: String?) -> InboundMessageDTO {
        InboundMessageDTO(id: r.id!, mailboxId: r.mailboxId, messageId: r.messageId, from: r.fromAddress, subject: r.subject, size: r.size,
                          status: r.status, detail: r.detail, ticketId: r.ticketId, number: number, receivedAt: r.receivedAt, handledAt: r.handledAt)
    }
}

extension Desk {
    public var mailboxes: Mailboxes { Mailboxes(desk: self) }
}
