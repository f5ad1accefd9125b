import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Hummingbird
import NIOCore

/// The ticket page (agent console) and the request page (portal), with their actions. Every action form carries the
/// ticket version it was drawn from: if someone changed the ticket meanwhile, the page comes back with a warning and
/// the typed text kept, instead of overwriting.
struct TicketPages {
    let desk: Desk
    let views: Views

    /// What the person typed, shown again after a refusal or a conflict: the texts, and every field of the update
    /// panel (`fields`, by form name), so nothing typed goes back to the stored value.
    struct Draft: Codable {
        var reply = "", note = "", reason = ""
        var fields: [String: String] = [:]
    }

    /// A form that could not be applied, kept across the redirect that follows (post/redirect/get).
    struct Kept: Codable {
        var conflict: String?
        var error: String?
        var draft: Draft
    }

    /// The update panel's fields, compared three ways (as drawn, as typed, as stored now).
    static let updateFields = ["status", "impact", "urgency", "category", "group", "assignee"]

    struct StaffPage {
        let frame: Frame
        let t: [String: String]
        let ticket: TicketHeader
        let entries: TimelineView
        let conflict: String?
        let error: String?
        let draft: Draft
        let statusOptions, impactOptions, urgencyOptions, categoryOptions, assigneeOptions, otherAssigneeOptions, escalateTiers, groupOptions: [Option]
        /// Groups of the ticket's tier serving its organization: the update panel's group field.
        let tierGroupOptions: [Option]
        /// The update panel's values as drawn (value: field, label: stored value), so the server can tell what the
        /// person changed from what someone else changed meanwhile.
        let drawn: [Option]
        let drawnAssignee: String
        let drawnTier: String
        let canEscalate: Bool
        /// Someone is being paged for this ticket and nobody has acknowledged yet.
        let paging: Bool
        let relations: TicketRelationsView
        /// The agent's canned replies and macros (`TicketToolsView`).
        let tools: TicketToolsView
    }

    struct RequesterPage {
        let frame: Frame
        let t: [String: String]
        let ticket: TicketHeader
        let entries: TimelineView
        let conflict: String?
        let error: String?
        let draft: Draft
        let resolved: Bool
        let closed: Bool
        /// The number of the ticket this one was merged into.
        let mergedInto: String?
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/tickets/:seq") { request, context in
            try await page(request, context, seq: try seq(context))
        }
        router.post("/tickets/:seq/comments") { request, context in try await comment(request, context) }
        router.post("/tickets/:seq/update") { request, context in try await update(request, context) }
        router.post("/tickets/:seq/assign-me") { request, context in try await assignMe(request, context) }
        router.post("/tickets/:seq/escalate") { request, context in try await escalate(request, context) }
        router.post("/tickets/:seq/acknowledge") { request, context in
            try await act(request, context) { _, s, ticket in
                _ = try await desk.store.write { db in try await desk.acknowledge(ticketId: ticket.id, by: s.actor, on: db) }
                return "acknowledged"
            }
        }
        router.post("/tickets/:seq/worklog") { request, context in try await worklog(request, context) }
        router.post("/tickets/:seq/confirm") { request, context in try await setStatus(request, context, .closed, done: "confirmed") }
        router.post("/tickets/:seq/reopen") { request, context in try await setStatus(request, context, .inProgress, done: "reopened") }
        router.get("/attachments/:id") { request, context in try await download(request, context) }
        router.post("/tickets/:seq/assets/:asset/remove") { request, context in
            let s = try PageContext.requireStaff(request, context)
            guard let seq = context.parameters.get("seq").flatMap(Int.init) else { throw DomainError.notFound("ticket") }
            let asset = try context.uuid("asset", "asset")
            let ticket = try await desk.ticket(number: seq, by: s.actor)
            return try await PageContext.post(request, context, desk: desk, session: s, redraw: { _, _ in Views.redirect("/tickets/\(seq)") }) { _, s in
                try await desk.store.write { db in try await desk.assets.unlink(ticket: ticket.id, asset: asset, by: s.actor, on: db) }
                return "/tickets/\(seq)?done=saved"
            }
        }
        // A remote action on one of the ticket's machines: queued, then every step on the timeline.
        router.post("/tickets/:seq/actions") { request, context in
            let s = try PageContext.requireStaff(request, context)
            guard let seq = context.parameters.get("seq").flatMap(Int.init) else { throw DomainError.notFound("ticket") }
            let ticket = try await desk.ticket(number: seq, by: s.actor)
            return try await PageContext.post(request, context, desk: desk, session: s, redraw: { message, _ in
                try await keep(Kept(error: message, draft: Draft()), seq: seq, session: s)
            }) { form, s in
                guard let asset = form.uuid("asset") else { throw DomainError.invalid(field: "asset", "choose a machine") }
                guard let action = form.text("action") else { throw DomainError.invalid(field: "action", "choose an action") }
                _ = try await desk.remoteActions.run(RemoteRunInput(action: action, assetIds: [asset], ticketId: ticket.id, parameter: form.text("parameter")),
                                                     by: s.actor)
                return "/tickets/\(seq)?done=saved"
            }
        }
        router.post("/tickets/:seq/assets") { request, context in
            let s = try PageContext.requireStaff(request, context)
            guard let seq = context.parameters.get("seq").flatMap(Int.init) else { throw DomainError.notFound("ticket") }
            let ticket = try await desk.ticket(number: seq, by: s.actor)
            return try await PageContext.post(request, context, desk: desk, session: s, redraw: { _, _ in
                // Nothing was named (no machine chosen, or not one of the organization's): back to the ticket, no "saved".
                Views.redirect("/tickets/\(seq)")
            }) { form, s in
                guard let asset = form.uuid("asset") else { throw DomainError.invalid(field: "asset", "choose a machine") }
                try await desk.store.write { db in try await desk.assets.link(ticket: ticket.id, asset: asset, by: s.actor, on: db) }
                return "/tickets/\(seq)?done=saved"
            }
        }
    }

    private func seq(_ context: EscaleContext) throws -> Int {
        guard let raw = context.parameters.get("seq"), let n = Int(raw), n > 0 else { throw DomainError.notFound("ticket") }
        return n
    }

    func page(_ request: Request, _ context: EscaleContext, seq: Int) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        var kept: Kept?
        if let id = request.uri.queryParameters["draft"].flatMap({ UUID(uuidString: String($0)) }),
           let payload = try await desk.draft(id, session: s) {
            kept = try? JSONDecoder().decode(Kept.self, from: Data(payload.utf8))
        }
        let conflict = kept?.conflict, error = kept?.error, draft = kept?.draft ?? Draft()
        let ticket = try await desk.ticket(number: seq, by: s.actor)
        let events = try await desk.timeline(of: ticket, by: s.actor)
        let names = try await TimelineEntry.names(for: events, ticket: ticket, desk: desk)
        let categories = try await desk.listCategories()
        let alert = ticket.channel == .monitoring ? try await desk.alertIntake.alerts(of: [ticket.id], on: desk.store.database)[ticket.id] : nil
        var header = TicketHeader(ticket, names: names, categories: categories, sla: try await desk.sla(of: [ticket])[ticket.id], alert: alert, l: l)
        let linkable = s.actor.role.isStaff || s.actor.role == .clientManager
        let named = try await desk.assets.assets(ofTicket: ticket.id, by: s.actor)
        header.machines = named.map { .init(id: $0.id.uuidString, name: $0.name, linkable: linkable) }
        if s.actor.role.isStaff {
            let taken = Set(named.map(\.id))
            header.machineChoices = try await desk.assets.choices(organization: ticket.organizationId, by: s.actor).filter { !taken.contains($0.id) }
                .map { Option(value: $0.id.uuidString, label: $0.name + ($0.users.isEmpty ? "" : " (\($0.users.replacingOccurrences(of: " ", with: ", ")))"), selected: false) }
            let agents = try await desk.agents.withAgent(named.map(\.id))
            header.agentMachines = named.filter { agents.contains($0.id) }.map { Option(value: $0.id.uuidString, label: $0.name, selected: false) }
            if !header.agentMachines.isEmpty {
                header.remoteActions = try await desk.remoteActions.catalogue(by: s.actor)
                    .map { Option(value: $0.id, label: AssetPages.actionName($0, french: l.lang == "fr"), selected: false) }
            }
        }
        if ticket.requesterId == s.actor.userId {
            header.consents = try await desk.remoteControl.awaitingConsent(ticket: ticket.id, by: s.actor).map { .init(id: $0.id.uuidString, label: $0.label) }
        }
        let entries = TimelineView(TimelineRenderer(views: views).render(events.map { TimelineEntry($0, names: names, l: l) }, l),
                                   newestFirst: request.uri.queryParameters["order"] == "newest", path: "/tickets/\(ticket.seq)", l)
        let live = "/live?ticket=\(ticket.id.uuidString)"
        if !s.actor.role.isStaff {
            let frame = try await PageContext.frame(l, session: s, desk: desk, title: "\(ticket.number) · \(ticket.subject)", request: request, live: live,
                                                    flashArgument: ticket.number)
            return views.page("request", RequesterPage(frame: frame, t: frame.t, ticket: header, entries: entries, conflict: conflict, error: error,
                                                       draft: draft, resolved: ticket.status == .resolved, closed: ticket.status == .closed,
                                                       mergedInto: try await TicketRelationsView.mergedInto(ticket, desk: desk)))
        }
        let groups = try await desk.listGroups(by: s.actor).filter { $0.active && ($0.servesAllOrganizations || $0.organizationIds.contains(ticket.organizationId)) }
        let staff = try await desk.assignableAgents(group: nil)
        let members = Set(try await desk.assignableAgents(group: ticket.groupId).map(\.id))
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: "\(ticket.number) · \(ticket.subject)", request: request, live: live,
                                                flashArgument: ticket.number)
        let allowed = ticket.status.successors.union([ticket.status])
        let higher = Tier.allCases.filter { $0 > ticket.tier }
        // Typed values win over stored ones: a refused or conflicting form comes back as it was typed.
        let typed = draft.fields
        let status = typed["status"].flatMap(TicketStatus.init(rawValue:)) ?? ticket.status
        let impact = typed["impact"].flatMap(Level.init(rawValue:)) ?? ticket.impact
        let urgency = typed["urgency"].flatMap(Level.init(rawValue:)) ?? ticket.urgency
        let category = typed["category"].map { $0.isEmpty ? nil : $0 } ?? ticket.category
        let groupId = typed["group"].map { UUID(uuidString: $0) } ?? ticket.groupId
        let assigneeId = typed["assignee"].map { UUID(uuidString: $0) } ?? ticket.assigneeId
        return views.page("ticket", StaffPage(
            frame: frame, t: frame.t, ticket: header, entries: entries, conflict: conflict, error: error, draft: draft,
            statusOptions: l.statusOptions(selected: status).filter { allowed.contains(TicketStatus(rawValue: $0.value)!) || $0.selected },
            impactOptions: l.levelOptions(selected: impact), urgencyOptions: l.levelOptions(selected: urgency, plain: "urgency_level"),
            categoryOptions: l.categoryOptions(categories, selected: category),
            // The group's members first; anyone else may take it too, and the ticket then follows them to their group.
            assigneeOptions: staff.filter { members.contains($0.id) }.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == assigneeId) },
            otherAssigneeOptions: ticket.groupId == nil ? [] : staff.filter { !members.contains($0.id) }.map {
                Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == assigneeId)
            },
            escalateTiers: higher.map { Option(value: String($0.rawValue), label: $0.label, selected: false) },
            groupOptions: groups.filter { $0.tier > ticket.tier }.map { Option(value: $0.id.uuidString, label: "\($0.name) (\($0.tier.label))", selected: false) },
            tierGroupOptions: groups.filter { $0.tier == ticket.tier }.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == groupId) },
            drawn: Self.updateFields.map { Option(value: $0, label: Self.stored(ticket)[$0] ?? "", selected: false) },
            drawnAssignee: ticket.assigneeId?.uuidString ?? "", drawnTier: String(ticket.tier.rawValue),
            canEscalate: !higher.isEmpty && ticket.status.isOpen,
            paging: try await desk.incident(ofTicket: ticket, by: s.actor)?.state == "active",
            relations: try await TicketRelationsView.make(ticket, actor: s.actor, desk: desk, l: l),
            tools: try await TicketToolsView.make(desk: desk, actor: s.actor, l)))
    }

    /// A change the form asks for that someone else made differently meanwhile.
    struct FieldsConflict: Error { let fields: [String] }

    /// Reads the form and runs the action. Only a real clash is a conflict: `conflicts` names the fields the person
    /// changed that someone else changed too (a reply, a note or time logged never clash). A conflict or a refusal
    /// keeps everything typed and redirects to the page, which shows it again (post/redirect/get: the address bar
    /// never stays on a POST).
    func act(_ request: Request, _ context: EscaleContext, draft: @escaping (Form) -> Draft = { _ in Draft() },
                     conflicts: @escaping (Form, Ticket) -> [String] = { _, _ in [] },
                     _ body: @escaping (Form, Desk.WebSession, Ticket) async throws -> String) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let n = try seq(context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        let l = PageContext.localizer(request: request, session: s)
        var typed = draft(form)
        for f in Self.updateFields { if let v = form[f] { typed.fields[f] = v } }
        do {
            let ticket = try await desk.ticket(number: n, by: s.actor)
            let clashing = conflicts(form, ticket)
            if !clashing.isEmpty { throw FieldsConflict(fields: clashing) }
            let done = try await body(form, s, ticket)
            return Views.redirect("/tickets/\(n)?done=\(done)")
        } catch let c as FieldsConflict {
            form.discardFiles()
            let names = c.fields.map { l.t("field_\($0)") }.joined(separator: ", ")
            return try await keep(Kept(conflict: l.t("conflict_fields", names), draft: typed), seq: n, session: s)
        } catch DomainError.versionConflict {
            form.discardFiles()
            return try await keep(Kept(conflict: l.t("conflict_message"), draft: typed), seq: n, session: s)
        } catch let e as DomainError {
            form.discardFiles()
            switch e {
            case .invalid, .invalidFields, .invalidTransition, .forbidden, .conflict:
                return try await keep(Kept(error: l.message(for: e), draft: typed), seq: n, session: s)
            default: throw e
            }
        }
    }

    private func keep(_ kept: Kept, seq: Int, session: Desk.WebSession) async throws -> Response {
        let payload = String(decoding: try JSONEncoder().encode(kept), as: UTF8.self)
        let id = try await desk.keepDraft(payload, session: session)
        return Views.redirect("/tickets/\(seq)?draft=\(id.uuidString)")
    }

    /// The update panel's values as stored now, by form name.
    static func stored(_ ticket: Ticket) -> [String: String] {
        ["status": ticket.status.rawValue, "impact": ticket.impact.rawValue, "urgency": ticket.urgency.rawValue,
         "category": ticket.category ?? "", "group": ticket.groupId?.uuidString ?? "", "assignee": ticket.assigneeId?.uuidString ?? ""]
    }

    static func same(_ a: String?, _ b: String?) -> Bool { (a ?? "").caseInsensitiveCompare(b ?? "") == .orderedSame }

    /// Whether the person changed this field: typed differs from the value the page was drawn with (from the stored
    /// value, for a page drawn before the form carried it).
    static func changed(_ field: String, _ form: Form, _ ticket: Ticket) -> Bool {
        guard let typed = form[field] else { return false }
        return !same(typed, form["drawn_\(field)"] ?? stored(ticket)[field])
    }

    /// Fields the person changed that someone else changed to something else meanwhile.
    static func clashes(_ form: Form, _ ticket: Ticket) -> [String] {
        let now = stored(ticket)
        return updateFields.filter { f in
            guard changed(f, form, ticket), let drawn = form["drawn_\(f)"] else { return false }
            return !same(now[f], drawn) && !same(now[f], form[f])
        }
    }

    private func comment(_ request: Request, _ context: EscaleContext) async throws -> Response {
        try await act(request, context, draft: { f in
            f["visibility"] == "internal" ? Draft(note: f["body"] ?? "") : Draft(reply: f["body"] ?? "")
        }) { form, s, ticket in
            let isPublic = form["visibility"] != "internal"
            let files = try form.stored(in: desk)
            _ = try await desk.store.write { db in
                try await desk.comment(on: ticket.id, CommentInput(body: form["body"] ?? "", isPublic: isPublic), files: files, by: s.actor, on: db)
            }
            return isPublic ? "reply" : "note"
        }
    }

    private func update(_ request: Request, _ context: EscaleContext) async throws -> Response {
        try await act(request, context, conflicts: Self.clashes) { form, s, ticket in
            // Only what this person changed is sent: a field someone else changed meanwhile, and this person did
            // not touch, keeps the other's value.
            var patch = TicketPatch()
            func mine(_ f: String) -> Bool { Self.changed(f, form, ticket) }
            if mine("status"), let st = form["status"].flatMap(TicketStatus.init(rawValue:)), st != ticket.status { patch.status = st }
            if mine("impact"), let i = form["impact"].flatMap(Level.init(rawValue:)), i != ticket.impact { patch.impact = i }
            if mine("urgency"), let u = form["urgency"].flatMap(Level.init(rawValue:)), u != ticket.urgency { patch.urgency = u }
            if mine("category"), form.text("category") != ticket.category { patch.category = .some(form.text("category")) }
            if mine("group"), form.uuid("group") != ticket.groupId { patch.groupId = .some(form.uuid("group")) }
            if mine("assignee"), form.uuid("assignee") != ticket.assigneeId { patch.assigneeId = .some(form.uuid("assignee")) }
            let change = patch
            _ = try await desk.store.write { db in try await desk.updateTicket(ticket.id, change, expectedVersion: ticket.version, by: s.actor, on: db) }
            return "saved"
        }
    }

    private func assignMe(_ request: Request, _ context: EscaleContext) async throws -> Response {
        // Someone else took the ticket since the page was drawn: that is theirs now, not a silent takeover.
        try await act(request, context, conflicts: { form, t in
            form["drawn_assignee"].map { ($0.isEmpty ? nil : UUID(uuidString: $0)) != t.assigneeId } == true ? ["assignee"] : []
        }) { _, s, ticket in
            var patch = TicketPatch()
            patch.assigneeId = .some(s.actor.userId)
            // Taking a ticket from another tier's group: it comes to one of the agent's groups of that tier if they have one.
            let change = patch
            _ = try await desk.store.write { db in try await desk.updateTicket(ticket.id, change, expectedVersion: ticket.version, by: s.actor, on: db) }
            return "assigned"
        }
    }

    private func escalate(_ request: Request, _ context: EscaleContext) async throws -> Response {
        try await act(request, context, draft: { Draft(reason: $0["reason"] ?? "") }, conflicts: { form, t in
            form["drawn_tier"].map { $0 != String(t.tier.rawValue) } == true ? ["tier"] : []
        }) { form, s, ticket in
            guard let tier = form.int("tier").flatMap(Tier.init(rawValue:)) else { throw DomainError.invalid(field: "tier", "choose a tier") }
            let input = EscalateInput(tier: tier, reason: form["reason"] ?? "", groupId: form.uuid("group"))
            _ = try await desk.store.write { db in try await desk.escalate(ticket.id, input, by: s.actor, on: db) }
            return "escalated"
        }
    }

    private func worklog(_ request: Request, _ context: EscaleContext) async throws -> Response {
        try await act(request, context) { form, s, ticket in
            let input = WorkLogInput(minutes: form.int("minutes") ?? 0, note: form.text("note"))
            _ = try await desk.store.write { db in try await desk.logWork(on: ticket.id, input, by: s.actor, on: db) }
            return "logged"
        }
    }

    private func setStatus(_ request: Request, _ context: EscaleContext, _ status: TicketStatus, done: String) async throws -> Response {
        try await act(request, context) { _, s, ticket in
            var patch = TicketPatch()
            patch.status = status
            let change = patch
            _ = try await desk.store.write { db in try await desk.updateTicket(ticket.id, change, expectedVersion: ticket.version, by: s.actor, on: db) }
            return done
        }
    }

    /// Always a download, never rendered inline: an uploaded HTML or SVG file cannot run in Escale's origin.
    private func download(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("attachment") }
        let (dto, url) = try await desk.attachment(id, by: s.actor)
        return try await AttachmentResponse.make(dto, url: url, context: context, inline: request.uri.queryParameters["inline"] == "1")
    }
}
