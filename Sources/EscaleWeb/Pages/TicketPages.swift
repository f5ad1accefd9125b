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

    struct Draft { var reply = ""; var note = ""; var reason = "" }

    struct StaffPage {
        let frame: Frame
        let t: [String: String]
        let ticket: TicketHeader
        let entries: [TimelineRenderer.Rendered]
        let conflict: String?
        let error: String?
        let draft: Draft
        let statusOptions, impactOptions, urgencyOptions, categoryOptions, assigneeOptions, otherAssigneeOptions, escalateTiers, groupOptions: [Option]
        /// Groups of the ticket's tier serving its organization: the update panel's group field.
        let tierGroupOptions: [Option]
        let canEscalate: Bool
        /// Someone is being paged for this ticket and nobody has acknowledged yet.
        let paging: Bool
    }

    struct RequesterPage {
        let frame: Frame
        let t: [String: String]
        let ticket: TicketHeader
        let entries: [TimelineRenderer.Rendered]
        let conflict: String?
        let error: String?
        let draft: Draft
        let resolved: Bool
        let closed: Bool
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
    }

    private func seq(_ context: EscaleContext) throws -> Int {
        guard let raw = context.parameters.get("seq"), let n = Int(raw), n > 0 else { throw DomainError.notFound("ticket") }
        return n
    }

    func page(_ request: Request, _ context: EscaleContext, seq: Int, conflict: String? = nil, error: String? = nil, draft: Draft = Draft()) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let ticket = try await desk.ticket(number: seq, by: s.actor)
        let events = try await desk.timeline(of: ticket, by: s.actor)
        let names = try await TimelineEntry.names(for: events, ticket: ticket, desk: desk)
        let categories = try await desk.listCategories()
        let header = TicketHeader(ticket, names: names, categories: categories, sla: try await desk.sla(of: [ticket])[ticket.id], l: l)
        let entries = TimelineRenderer(views: views).render(events.map { TimelineEntry($0, names: names, l: l) }, l)
        let live = "/live?ticket=\(ticket.id.uuidString)"
        let status: HTTPResponse.Status = conflict != nil ? .conflict : error != nil ? .unprocessableContent : .ok
        if !s.actor.role.isStaff {
            let frame = try await PageContext.frame(l, session: s, desk: desk, title: "\(ticket.number) · \(ticket.subject)", request: request, live: live)
            return views.page("request", RequesterPage(frame: frame, t: frame.t, ticket: header, entries: entries, conflict: conflict, error: error,
                                                       draft: draft, resolved: ticket.status == .resolved, closed: ticket.status == .closed), status: status)
        }
        let groups = try await desk.listGroups(by: s.actor).filter { $0.active && ($0.servesAllOrganizations || $0.organizationIds.contains(ticket.organizationId)) }
        let staff = try await desk.assignableAgents(group: nil)
        let members = Set(try await desk.assignableAgents(group: ticket.groupId).map(\.id))
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: "\(ticket.number) · \(ticket.subject)", request: request, live: live)
        let allowed = ticket.status.successors.union([ticket.status])
        let higher = Tier.allCases.filter { $0 > ticket.tier }
        return views.page("ticket", StaffPage(
            frame: frame, t: frame.t, ticket: header, entries: entries, conflict: conflict, error: error, draft: draft,
            statusOptions: l.statusOptions(selected: ticket.status).filter { allowed.contains(TicketStatus(rawValue: $0.value)!) },
            impactOptions: l.levelOptions(selected: ticket.impact), urgencyOptions: l.levelOptions(selected: ticket.urgency),
            categoryOptions: l.categoryOptions(categories, selected: ticket.category),
            // The group's members first; anyone else may take it too, and the ticket then follows them to their group.
            assigneeOptions: staff.filter { members.contains($0.id) }.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == ticket.assigneeId) },
            otherAssigneeOptions: ticket.groupId == nil ? [] : staff.filter { !members.contains($0.id) }.map {
                Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == ticket.assigneeId)
            },
            escalateTiers: higher.map { Option(value: String($0.rawValue), label: $0.label, selected: false) },
            groupOptions: groups.filter { $0.tier > ticket.tier }.map { Option(value: $0.id.uuidString, label: "\($0.name) (\($0.tier.label))", selected: false) },
            tierGroupOptions: groups.filter { $0.tier == ticket.tier }.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == ticket.groupId) },
            canEscalate: !higher.isEmpty && ticket.status.isOpen,
            paging: try await desk.incident(ofTicket: ticket, by: s.actor)?.state == "active"), status: status)
    }

    /// Reads the form, and answers with the page and a warning when the ticket changed since the form was drawn.
    private func act(_ request: Request, _ context: EscaleContext, draft: @escaping (Form) -> Draft = { _ in Draft() },
                     _ body: @escaping (Form, Desk.WebSession, Ticket) async throws -> String) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let n = try seq(context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        let l = PageContext.localizer(request: request, session: s)
        do {
            let ticket = try await desk.ticket(number: n, by: s.actor)
            if let v = form.int("version"), v != ticket.version { throw DomainError.versionConflict(current: ticket.version) }
            let done = try await body(form, s, ticket)
            return Views.redirect("/tickets/\(n)?done=\(done)")
        } catch DomainError.versionConflict {
            form.discardFiles()
            return try await page(request, context, seq: n, conflict: l.t("conflict_message"), draft: draft(form))
        } catch let e as DomainError {
            form.discardFiles()
            switch e {
            case .invalid, .invalidTransition, .forbidden:
                return try await page(request, context, seq: n, error: l.message(for: e), draft: draft(form))
            default: throw e
            }
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
        try await act(request, context) { form, s, ticket in
            var patch = TicketPatch()
            if let st = form["status"].flatMap(TicketStatus.init(rawValue:)), st != ticket.status { patch.status = st }
            if let i = form["impact"].flatMap(Level.init(rawValue:)), i != ticket.impact { patch.impact = i }
            if let u = form["urgency"].flatMap(Level.init(rawValue:)), u != ticket.urgency { patch.urgency = u }
            let category = form.text("category")
            if category != ticket.category { patch.category = .some(category) }
            let group = form.uuid("group")
            if group != ticket.groupId { patch.groupId = .some(group) }
            let assignee = form.uuid("assignee")
            if assignee != ticket.assigneeId { patch.assigneeId = .some(assignee) }
            let change = patch
            _ = try await desk.store.write { db in try await desk.updateTicket(ticket.id, change, expectedVersion: ticket.version, by: s.actor, on: db) }
            return "saved"
        }
    }

    private func assignMe(_ request: Request, _ context: EscaleContext) async throws -> Response {
        try await act(request, context) { _, s, ticket in
            var patch = TicketPatch()
            patch.assigneeId = .some(s.actor.userId)
            // Taking a ticket from another tier's group: it comes to one of the agent's groups of that tier if they have one.
            let change = patch
            _ = try await desk.store.write { db in try await desk.updateTicket(ticket.id, change, expectedVersion: ticket.version, by: s.actor, on: db) }
            return "assigned"
        }
    }

    private func escalate(_ request: Request, _ context: EscaleContext) async throws -> Response {
        try await act(request, context, draft: { Draft(reason: $0["reason"] ?? "") }) { form, s, ticket in
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
        return try await AttachmentResponse.make(dto, url: url, context: context)
    }
}
