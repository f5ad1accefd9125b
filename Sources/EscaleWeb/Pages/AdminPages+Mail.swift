import EscaleAPI
import EscaleChannels
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird
import NIOCore

/// The e-mail channel's administration: mailboxes (where mail comes from, whose it is, what becomes of strangers' mail,
/// the IMAP account if Escale fetches it), and the incoming messages, with the held ones to settle.
extension AdminPages {
    func registerMail(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/mailboxes") { r, c in try await mailboxes(r, c) }
        router.post("/admin/mailboxes") { r, c in
            // The intake token exists only in this answer (it is stored hashed): the page is drawn from the POST,
            // not redirected to, so it is never in a URL, a history entry or a later page.
            try await answer(r, c, redraw: { message, _ in try await mailboxes(r, c, error: message) }) { form, s in
                let input = try Self.mailboxInput(form, keeping: nil)
                let m = try await desk.store.write { db in try await desk.mailboxes.create(input, by: s.actor, on: db) }
                return try await mailbox(r, c, id: m.id, shown: .token(m.token ?? ""), flash: "flash_mailbox_created")
            }
        }
        router.get("/admin/mailboxes/:id") { r, c in try await mailbox(r, c, id: try c.uuid("id", "mailbox")) }
        router.post("/admin/mailboxes/:id") { r, c in
            let id = try c.uuid("id", "mailbox")
            return try await post(r, c, back: { try await mailbox(r, c, id: id, error: $0) }) { form, s in
                let current = try await desk.mailboxes.get(id, by: s.actor)
                let input = try Self.mailboxInput(form, keeping: current)
                _ = try await desk.store.write { db in try await desk.mailboxes.update(id, input, by: s.actor, on: db) }
                return "/admin/mailboxes/\(id)?done=saved"
            }
        }
        router.post("/admin/mailboxes/:id/token") { r, c in
            let id = try c.uuid("id", "mailbox")
            return try await answer(r, c, redraw: { message, _ in try await mailbox(r, c, id: id, error: message) }) { _, s in
                let m = try await desk.store.write { db in try await desk.mailboxes.rotateToken(id, by: s.actor, on: db) }
                return try await mailbox(r, c, id: id, shown: .token(m.token ?? ""), flash: "flash_mailbox_token_rotated")
            }
        }
        router.post("/admin/mailboxes/:id/test") { r, c in
            let id = try c.uuid("id", "mailbox")
            return try await answer(r, c, redraw: { message, _ in try await mailbox(r, c, id: id, error: message) }) { _, s in
                let account = try await desk.mailboxes.imapAccount(id, by: s.actor)
                return try await mailbox(r, c, id: id, shown: .test(await IMAPFetcher.test(account)))
            }
        }
        router.get("/admin/inbound") { r, c in try await inbound(r, c) }
        router.get("/admin/inbound/:id/raw") { r, c in
            let s = try admin(r, c)
            let id = try c.uuid("id", "inbound message")
            let bytes = try await desk.mailboxes.raw(id, by: s.actor)
            // Downloaded, never rendered: it is whatever a stranger sent.
            return Response(status: .ok, headers: [
                .contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"message-\(id.uuidString.lowercased()).eml\"",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.post("/admin/inbound/:id/decision") { r, c in
            let back = Self.inboundFilter(r.uri.queryParameters["status"].map(String.init))
            return try await post(r, c, back: { try await inbound(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "inbound message")
                let input = InboundDecisionInput(action: form["action"] ?? "", organizationId: try Self.reference(form, "organization", field: "organization_id"))
                let receipt = try await desk.mailboxes.decide(id, input, by: s.actor)
                let done = switch receipt.status {
                case "discarded": "inbound_discarded"
                case "held", "rejected", "failed": "inbound_unchanged"
                default: "inbound_handled"
                }
                return "/admin/inbound?status=\(back)&done=\(done)"
            }
        }
    }

    /// Runs a form's command whose answer is a page drawn at once (a secret shown once, a connection test).
    func answer(_ r: Request, _ c: EscaleContext, redraw: @escaping (String, Form) async throws -> Response,
                _ body: @escaping (Form, Desk.WebSession) async throws -> Response) async throws -> Response {
        try await PageContext.answer(r, c, desk: desk, session: try admin(r, c), refusals: { e in
            switch e { case .invalid, .invalidFields, .conflict: true; default: false }
        }, redraw: redraw, body)
    }

    // MARK: Reading the form

    /// The mailbox form as the desk takes it. The IMAP section counts only when "fetch by IMAP" is ticked (unticked,
    /// the account is removed); a blank password keeps the stored one. Fields not on the form (the creation form has
    /// no IMAP section, no "active") keep what `current` has.
    static func mailboxInput(_ form: Form, keeping current: MailboxDTO?) throws -> MailboxInput {
        var problems: [FieldProblem] = []
        func number(_ name: String, field: String) -> Int? {
            guard let text = form.text(name) else { return nil }
            guard let n = Int(text) else { problems.append(FieldProblem(field: field, rule: .other, message: "a number")); return nil }
            return n
        }
        var unknown: InboundMail.UnknownSenders?
        if let raw = form.text("unknown_senders") {
            unknown = InboundMail.UnknownSenders(rawValue: raw)
            if unknown == nil { problems.append(FieldProblem(field: "unknown_senders", rule: .other, message: "create, hold or reject")) }
        }
        var imap = current?.input.imap
        if form.fields["imap_section"] != nil {
            imap = nil
            if form["imap_enabled"] == "on" {
                let password = form["imap_password"] ?? ""
                imap = MailboxIMAPDTO(host: form.text("imap_host") ?? "", port: number("imap_port", field: "imap.port"),
                                      security: form.text("imap_security"), username: form.text("imap_username") ?? "",
                                      password: password.isEmpty ? nil : password, folder: form.text("imap_folder"),
                                      afterFetch: form.text("imap_after_fetch"), processedFolder: form.text("imap_processed_folder"),
                                      pollSeconds: number("imap_poll_seconds", field: "imap.poll_seconds"))
            }
        }
        let organization: UUID?, group: UUID?
        do { organization = try reference(form, "organization", field: "organization_id") } catch { problems.append(FieldProblem(field: "organization_id", rule: .other, message: "not an id")); organization = nil }
        do { group = try reference(form, "group", field: "group_id") } catch { problems.append(FieldProblem(field: "group_id", rule: .other, message: "not an id")); group = nil }
        if let e = FieldProblem.error(problems) { throw e }
        return MailboxInput(address: form["address"] ?? "", name: form.text("name"), organizationId: organization, groupId: group,
                            language: form.text("language"), unknownSenders: unknown, imap: imap,
                            active: current == nil ? nil : form["active"] == "on")
    }

    // MARK: Mailboxes

    struct MailboxesPage {
        struct Row {
            let id: String; let address: String; let name: String; let organization: String; let group: String
            let unknownSenders: String; let intake: String; let active: Bool
            let checked: String?; let checkedISO: String?; let lastError: String?
        }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let mailboxes: [Row]
        let hasMailboxes: Bool
        let form: MailboxForm
    }

    /// The choices of a mailbox form (creation or edit).
    struct MailboxForm {
        let organizations: [Option]
        let groups: [Option]
        let languages: [Language]
        let unknownSenders: [Option]
    }

    private func mailboxes(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let list = try await desk.mailboxes.list(by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor), groups = try await desk.listGroups(by: s.actor)
        let orgNames = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id, $0.name) })
        let groupNames = Dictionary(uniqueKeysWithValues: groups.map { ($0.id, "\($0.name) (\($0.tier.label))") })
        let b = try await base(r, s, l, title: l.t("admin_mailboxes"), tab: Tab(mailboxes: true), error: error)
        return views.page("admin_mailboxes", MailboxesPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            mailboxes: list.map { m in
                .init(id: m.id.uuidString, address: m.address, name: m.name,
                      organization: m.organizationId.map { orgNames[$0] ?? $0.uuidString } ?? l.t("mailbox_organization_by_domain"),
                      group: m.groupId.map { groupNames[$0] ?? $0.uuidString } ?? l.t("mailbox_group_routing"),
                      unknownSenders: l.t("mailbox_unknown_\(m.unknownSenders.rawValue)"),
                      intake: l.t(m.imap == nil ? "mailbox_intake_pipe" : "mailbox_intake_imap"), active: m.active,
                      checked: m.imapStatus?.checkedAt.map(l.dateTime), checkedISO: m.imapStatus?.checkedAt.map(l.iso),
                      lastError: m.imapStatus?.lastError)
            }, hasMailboxes: !list.isEmpty,
            form: mailboxForm(nil, orgs: orgs, groups: groups, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    private func mailboxForm(_ m: MailboxDTO?, orgs: [OrganizationDTO], groups: [GroupDTO], _ l: Localizer) -> MailboxForm {
        // Deactivated organizations and groups are offered only to the mailbox already using them.
        MailboxForm(
            organizations: [Option(value: "", label: l.t("mailbox_organization_by_domain"), selected: m?.organizationId == nil)]
                + orgs.filter { $0.active || $0.id == m?.organizationId }.map {
                    Option(value: $0.id.uuidString, label: $0.active ? $0.name : l.t("deactivated_f", $0.name), selected: $0.id == m?.organizationId)
                },
            groups: [Option(value: "", label: l.t("mailbox_group_routing"), selected: m?.groupId == nil)]
                + groups.filter { $0.active || $0.id == m?.groupId }.map {
                    let name = "\($0.name) (\($0.tier.label))"
                    return Option(value: $0.id.uuidString, label: $0.active ? name : l.t("deactivated_m", name), selected: $0.id == m?.groupId)
                },
            languages: Language.choices(current: m?.language, l, automatic: "mailbox_language_default"),
            unknownSenders: InboundMail.UnknownSenders.allCases.map {
                Option(value: $0.rawValue, label: l.t("mailbox_unknown_\($0.rawValue)"), selected: $0 == (m?.unknownSenders ?? .create))
            })
    }

    /// What a mailbox page shows once, drawn from the POST that made it.
    enum Shown {
        case token(String)
        case test(MailboxTestDTO)
    }

    struct MailboxPage {
        struct Subject { let id: String; let address: String; let name: String; let active: Bool }
        struct IMAP {
            let enabled: Bool; let host: String; let port: String; let securities: [Option]; let username: String; let passwordSet: Bool
            let folder: String; let afterFetch: [Option]; let processedFolder: String; let pollSeconds: String
        }
        struct Status { let checked: String?; let checkedISO: String?; let lastError: String?; let fetched: Int }
        struct Token { let token: String; let alias: String }
        struct Test { let ok: Bool; let detail: String; let idle: Bool }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        /// The confirmation of the command this page answers (there was no redirect to carry `?done=`).
        let notice: String?
        let mailbox: Subject
        let form: MailboxForm
        let imap: IMAP
        let status: Status?
        let token: Token?
        let test: Test?
    }

    private func mailbox(_ r: Request, _ c: EscaleContext, id: UUID, shown: Shown? = nil, flash: String? = nil, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let m = try await desk.mailboxes.get(id, by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor), groups = try await desk.listGroups(by: s.actor)
        let b = try await base(r, s, l, title: m.address, tab: Tab(mailboxes: true), error: error)
        let i = m.imap
        let security = i?.security ?? "tls", after = i?.afterFetch ?? "move"
        var token: MailboxPage.Token?, test: MailboxPage.Test?
        switch shown {
        case let .token(t)?:
            token = .init(token: t, alias: "helpdesk: \"|/usr/local/bin/escale mailgate --url \(desk.config.publicURL) --token \(t)\"")
        case let .test(result)?: test = .init(ok: result.ok, detail: result.detail, idle: result.idle)
        case nil: break
        }
        return views.page("admin_mailbox", MailboxPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, notice: flash.map(l.t),
            mailbox: .init(id: m.id.uuidString, address: m.address, name: m.name, active: m.active),
            form: mailboxForm(m, orgs: orgs, groups: groups, l),
            imap: .init(enabled: i != nil, host: i?.host ?? "", port: i?.port.map(String.init) ?? "",
                        securities: ["tls", "starttls", "none"].map { Option(value: $0, label: l.t("mailbox_security_\($0)"), selected: $0 == security) },
                        username: i?.username ?? "", passwordSet: i?.passwordSet ?? false, folder: i?.folder ?? "INBOX",
                        afterFetch: ["move", "flag"].map { Option(value: $0, label: l.t("mailbox_after_\($0)"), selected: $0 == after) },
                        processedFolder: i?.processedFolder ?? "Escale/Processed", pollSeconds: String(i?.pollSeconds ?? 60)),
            status: m.imapStatus.map { .init(checked: $0.checkedAt.map(l.dateTime), checkedISO: $0.checkedAt.map(l.iso), lastError: $0.lastError, fetched: $0.fetched) },
            token: token, test: test),
            status: error == nil ? .ok : .unprocessableContent)
    }

    // MARK: Incoming mail

    static let inboundStatuses = ["held", "failed", "rejected", "created", "replied", "noted", "automatic", "bounce", "discarded", "all"]

    /// The filter asked for, or the default (held: what waits for someone).
    static func inboundFilter(_ raw: String?) -> String {
        raw.flatMap { inboundStatuses.contains($0) ? $0 : nil } ?? "held"
    }

    struct InboundPage {
        struct Row {
            let id: String; let received: String; let receivedISO: String; let from: String; let subject: String
            let status: String; let statusKey: String; let detail: String?; let number: String?; let ticketHref: String?
            let decidable: Bool; let needsOrganization: Bool
        }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let filters: [Option]
        let filter: String
        let messages: [Row]
        let hasMessages: Bool
        let organizations: [Option]
    }

    private func inbound(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let filter = Self.inboundFilter(r.uri.queryParameters["status"].map(String.init))
        let messages = try await desk.mailboxes.messages(status: filter == "all" ? nil : filter, limit: 200, by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let b = try await base(r, s, l, title: l.t("admin_inbound"), tab: Tab(inbound: true), error: error)
        return views.page("admin_inbound", InboundPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            filters: Self.inboundStatuses.map { Option(value: $0, label: l.t("inbound_status_\($0)"), selected: $0 == filter) },
            filter: filter,
            messages: messages.map { m in
                let unknown = m.detail == InboundMail.HoldReason.unknownSender.rawValue || m.detail == InboundMail.HoldReason.noOrganization.rawValue
                return .init(id: m.id.uuidString, received: l.dateTime(m.receivedAt), receivedISO: l.iso(m.receivedAt), from: m.from ?? "—",
                             subject: m.subject, status: l.strings["inbound_status_\(m.status)"] ?? m.status, statusKey: m.status,
                             detail: m.detail.map { l.strings["inbound_detail_\($0)"] ?? $0 }, number: m.number,
                             ticketHref: m.number.flatMap(TicketNumber.parse).map { "/tickets/\($0)" },
                             decidable: ["held", "rejected", "failed"].contains(m.status), needsOrganization: unknown)
            }, hasMessages: !messages.isEmpty,
            organizations: orgs.filter(\.active).map { Option(value: $0.id.uuidString, label: $0.name, selected: false) }),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
