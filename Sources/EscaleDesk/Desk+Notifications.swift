import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// E-mail notifications of ticket events: every committed ticket change schedules its ticket's `mail.notify` job,
/// which reads the timeline entries it has not handled yet, asks `NotificationRules` who is told what, renders the
/// messages in each recipient's language and puts them in the outbox, in the transaction that completes the job.
extension Desk.JobKind {
    /// Turns a ticket's new timeline entries into notifications. Key `notify:<ticket>`.
    public static let mailNotify = "mail.notify"
    /// Sends one message of the outbox. Key `mail:<message>`.
    public static let mailSend = "mail.send"
    /// Looks up the address of a "forgot my password" request and mails a link. Key `reset:<sha256 of the address>`.
    public static let passwordReset = "account.reset"
}

extension Desk {
    /// Called by `publish`, inside every ticket write. One pending job per ticket: a burst of changes is handled in one
    /// pass. The cursor starts just before this change for a ticket never notified (no mail about old history).
    /// System entries (SLA, pages) share their ticket's version, hence a cursor on (version, ordinal) rather than a job
    /// per version.
    func scheduleNotifications(_ ticket: Ticket, on db: any Database) async throws {
        try await (db as! any SQLDatabase).insert(into: MailNotifyCursorModel.schema).columns("id", "ticket_version", "ordinal")
            .values(SQLBind(ticket.id), SQLBind(ticket.version - 1), SQLBind(Int(Int32.max))).ignoringConflicts(with: ["id"]).run()
        try await JobQueue.schedule(key: "notify:\(ticket.id.uuidString)", kind: JobKind.mailNotify, at: now,
                                    payload: Self.payload(["ticket": ticket.id]), now: now, on: db)
    }

    func runMailNotify(_ job: Job) async throws {
        struct Payload: Decodable { let ticket: UUID }
        let id = try Self.payload(Payload.self, of: job).ticket
        try await complete(job) { db in try await self.notifyNewEvents(of: id, on: db) }
    }

    private func notifyNewEvents(of ticketId: UUID, on db: any Database) async throws {
        guard let ticket = try await TicketRepository.find(ticketId, scope: .all, on: db),
              let cursor = try await MailNotifyCursorModel.find(ticketId, on: db) else { return }
        let placed = try await TicketRepository.events(of: ticketId, afterVersion: cursor.ticketVersion, ordinal: cursor.ordinal, on: db)
        guard let last = placed.last else { return }
        cursor.ticketVersion = last.version; cursor.ordinal = last.ordinal
        try await cursor.save(on: db)
        let events = placed.map(\.event)

        let directory = try await directory(on: db)
        let members = ticket.groupId.map { g in directory.staff.filter { $0.groupIds.contains(g) }.map(\.id) } ?? []
        let managers = try await UserModel.query(on: db).filter(\.$organizationId == ticket.organizationId)
            .filter(\.$role == Role.clientManager.rawValue).filter(\.$active == true).field(\.$id).all().compactMap(\.id)
        var ids = Set(members + managers + [ticket.requesterId])
        if let a = ticket.assigneeId { ids.insert(a) }
        for e in events {
            if let a = e.actorId { ids.insert(a) }
            if e.kind == .assigned, let u = e.newValue.flatMap(UUID.init(uuidString:)) { ids.insert(u) }
        }
        // Everyone involved in one query, their choices in another.
        let users = try await UserModel.query(on: db).filter(\.$id ~~ Array(ids)).all()
        let byId = Dictionary(uniqueKeysWithValues: users.map { ($0.id!, $0) })
        var roles: [UUID: Role] = [:]
        for u in users where u.active { roles[u.id!] = Role(rawValue: u.role) }
        let facts = NotificationRules.Facts(requesterId: ticket.requesterId, assigneeId: ticket.assigneeId, priority: ticket.priority.rawValue,
                                            groupMembers: members, clientManagers: managers, roles: roles)
        let defaults = try await notificationDefaults(on: db)
        let choices = try await preferences(of: Array(ids), on: db)
        let notifications = NotificationRules.notifications(for: events, facts: facts) { user, kind in
            (choices[user] ?? NotificationPreferences()).wants(kind, defaults: defaults)
        }
        guard !notifications.isEmpty else { return }

        let organization = directory.organization(ticket.organizationId)
        // The public reply's attachments travel with it (read once for every recipient), up to a total size; beyond,
        // the mail's link to the ticket is the way to them.
        var replyFiles: [UUID] = []
        var replyFilesNames: [String] = []
        if let reply = placed.last(where: { $0.event.kind == .reply }) {
            let files = try await AttachmentModel.query(on: db).filter(\.$eventId == reply.id).filter(\.$isPublic == true).all()
            if files.reduce(0, { $0 + $1.size }) <= Self.maxMailAttachmentBytes { replyFiles = files.compactMap(\.id) } else { replyFilesNames = files.map(\.filename) }
        }
        for n in notifications {
            guard let user = byId[n.userId] else { continue }
            let event = events[n.eventIndex]
            let requesterSide = n.kind.requesterFacing
            // The words of the change: requesters read only public replies; staff also read notes.
            let comment = placed.last { $0.event.kind == .reply || (!requesterSide && $0.event.kind == .note) }
            let carriesReply = comment?.event.kind == .reply && [.publicReply, .resolved, .waitingForYou, .replyOnMyTicket].contains(n.kind)
            let language = Self.mailLanguage(user: user, organizationLocale: organization?.locale, installation: directory.settings.defaultLocale)
            var context: [String: Any] = [
                "recipient_name": user.name, "number": ticket.number, "subject": ticket.subject, "priority": ticket.priority.rawValue,
                "organization": organization?.name ?? "", "ticket_url": "\(config.publicURL)/tickets/\(ticket.number)",
                "subject_line": MailIdentity.subject(number: ticket.number, subject: ticket.subject, reply: n.kind != .ticketReceived && n.kind != .newInMyGroups
                                                     && n.kind != .urgentTicketCreated),
            ]
            if let body = comment?.event.body, !body.isEmpty { context["body"] = body }
            if carriesReply, !replyFilesNames.isEmpty { context["attachments_too_large"] = replyFilesNames.joined(separator: ", ") }
            let actor = (comment?.event.actorId ?? event.actorId).flatMap { byId[$0] }
            context["actor_name"] = actor?.name ?? (language == "fr" ? "Le support" : "Support")
            if let reason = event.reason, !requesterSide { context["reason"] = reason }
            if n.kind == .resolved, let links = try await resolutionURLs(ticket, userId: user.id!) {
                context["confirm_url"] = links.confirm; context["still_fails_url"] = links.stillFails
            }
            guard let template = try await mailTemplate(n.kind.rawValue, language: language, on: db) else { continue }
            let rendered = try template.render(context)
            try await enqueueMail(MailDraft(kind: n.kind.rawValue, ticketId: ticket.id, ticketNumber: ticket.number, recipientId: user.id, to: user.email,
                                            subject: rendered.subject, text: rendered.text, html: rendered.html, language: language,
                                            attachmentIds: carriesReply ? replyFiles : [], requesterFacing: requesterSide), on: db)
        }
        // People copied on the ticket's mail who are not users get its public replies too, in the requester's language.
        if let reply = placed.last(where: { $0.event.kind == .reply && $0.event.isPublic }) {
            try await mailCopies(ticket, reply: reply.event, files: replyFiles, tooLarge: replyFilesNames, users: byId, on: db)
        }
    }

    private func mailCopies(_ ticket: Ticket, reply: TicketEvent, files: [UUID], tooLarge: [String], users byId: [UUID: UserModel], on db: any Database) async throws {
        struct Copy: Decodable { var address: String; var name: String? }
        let copies = try await (db as! any SQLDatabase).select().column("address").column("name").from("ticket_mail_cc")
            .where("ticket_id", .equal, SQLBind(ticket.id)).all(decoding: Copy.self)
        guard !copies.isEmpty else { return }
        let directory = try await directory(on: db)
        let organization = directory.organization(ticket.organizationId)
        let requester = byId[ticket.requesterId]
        let language = requester.map { Self.mailLanguage(user: $0, organizationLocale: organization?.locale, installation: directory.settings.defaultLocale) }
            ?? organization?.locale ?? directory.settings.defaultLocale ?? "fr"
        guard let template = try await mailTemplate(NotificationKind.publicReply.rawValue, language: language, on: db) else { return }
        let author = reply.actorId.flatMap { byId[$0] }
        for copy in copies where copy.address != author?.email {
            var context: [String: Any] = [
                "recipient_name": copy.name ?? copy.address, "number": ticket.number, "subject": ticket.subject, "priority": ticket.priority.rawValue,
                "organization": organization?.name ?? "", "ticket_url": "\(config.publicURL)/tickets/\(ticket.number)",
                "subject_line": MailIdentity.subject(number: ticket.number, subject: ticket.subject, reply: true),
                "actor_name": author?.name ?? (language == "fr" ? "Le support" : "Support"),
            ]
            if let body = reply.body, !body.isEmpty { context["body"] = body }
            if !tooLarge.isEmpty { context["attachments_too_large"] = tooLarge.joined(separator: ", ") }
            let rendered = try template.render(context)
            try await enqueueMail(MailDraft(kind: NotificationKind.publicReply.rawValue, ticketId: ticket.id, ticketNumber: ticket.number, recipientId: nil,
                                            to: copy.address, subject: rendered.subject, text: rendered.text, html: rendered.html, language: language,
                                            attachmentIds: files, requesterFacing: true), on: db)
        }
    }

    /// The recipient's language: their own choice, else their organization's, else the installation's, else the one
    /// their browser gave.
    static func mailLanguage(user: UserModel, organizationLocale: String?, installation: String?) -> String {
        let chosen = user.localeAuto ? (organizationLocale ?? installation ?? user.locale) : user.locale
        return MailTemplates.languages.contains(chosen) ? chosen : "en"
    }

    // MARK: Preferences

    static let notificationDefaultsKey = "notification_defaults"

    func notificationDefaults(on db: any Database) async throws -> NotificationPreferences {
        try await Settings.json(NotificationPreferences.self, key: Self.notificationDefaultsKey, on: db) ?? NotificationPreferences()
    }

    private func preferences(of users: [UUID], on db: any Database) async throws -> [UUID: NotificationPreferences] {
        guard !users.isEmpty else { return [:] }
        var out: [UUID: NotificationPreferences] = [:]
        for m in try await NotificationPreferencesModel.query(on: db).filter(\.$id ~~ users).all() {
            out[m.id!] = (try? JSONDecoder().decode(NotificationPreferences.self, from: Data(m.choices.utf8))) ?? NotificationPreferences()
        }
        return out
    }

    /// The kinds the actor's role is offered, each with whether they receive it.
    public func myNotifications(by actor: Actor) async throws -> NotificationSettingsDTO {
        let db = store.database
        let defaults = try await notificationDefaults(on: db)
        let mine = try await preferences(of: [actor.userId], on: db)[actor.userId] ?? NotificationPreferences()
        return NotificationSettingsDTO(notifications: Dictionary(uniqueKeysWithValues: NotificationKind.kinds(for: actor.role).map {
            ($0.rawValue, mine.wants($0, defaults: defaults))
        }))
    }

    public func setMyNotifications(_ input: NotificationSettingsDTO, by actor: Actor, on db: any Database) async throws -> NotificationSettingsDTO {
        let offered = Set(NotificationKind.kinds(for: actor.role).map(\.rawValue))
        if let unknown = input.notifications.keys.sorted().first(where: { !offered.contains($0) }) {
            throw DomainError.invalid(field: "notifications", "\(unknown) is not a notification offered to you (\(offered.sorted().joined(separator: ", ")))")
        }
        let existing = try await NotificationPreferencesModel.find(actor.userId, on: db)
        var current = existing.flatMap { try? JSONDecoder().decode(NotificationPreferences.self, from: Data($0.choices.utf8)) } ?? NotificationPreferences()
        let m = existing ?? NotificationPreferencesModel()
        m.id = actor.userId
        for (k, v) in input.notifications { current.choices[k] = v }
        m.choices = Self.payload(current); m.updatedAt = now
        try await m.save(on: db)
        let defaults = try await notificationDefaults(on: db)
        return NotificationSettingsDTO(notifications: Dictionary(uniqueKeysWithValues: NotificationKind.kinds(for: actor.role).map {
            ($0.rawValue, current.wants($0, defaults: defaults))
        }))
    }

    /// The installation's defaults, for every kind (administrators).
    public func notificationSettings(by actor: Actor) async throws -> NotificationSettingsDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let defaults = try await notificationDefaults(on: store.database)
        return NotificationSettingsDTO(notifications: Dictionary(uniqueKeysWithValues: NotificationKind.allCases.map {
            ($0.rawValue, NotificationPreferences().wants($0, defaults: defaults))
        }))
    }

    public func setNotificationSettings(_ input: NotificationSettingsDTO, by actor: Actor, on db: any Database) async throws -> NotificationSettingsDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        if let unknown = input.notifications.keys.sorted().first(where: { NotificationKind(rawValue: $0) == nil }) {
            throw DomainError.invalid(field: "notifications", "unknown notification \(unknown)")
        }
        var defaults = try await notificationDefaults(on: db)
        for (k, v) in input.notifications { defaults.choices[k] = v }
        try await Settings.setJSON(defaults, key: Self.notificationDefaultsKey, on: db)
        try await audit(actor, "update", "notification_defaults", nil, input.notifications.keys.sorted().joined(separator: ","), on: db)
        return NotificationSettingsDTO(notifications: Dictionary(uniqueKeysWithValues: NotificationKind.allCases.map {
            ($0.rawValue, NotificationPreferences().wants($0, defaults: defaults))
        }))
    }
}
