import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Canned replies in the interface: the management page (`/canned-replies`: mine and the shared ones, create, edit,
/// delete) and, on the ticket page, inserting one into the reply box without JavaScript: the insert button submits
/// the reply form to `/tickets/:seq/canned-reply`, which comes back to the ticket with the typed text and the
/// rendered reply kept as a draft (the ticket page's post/redirect/get).
struct CannedReplyPages {
    let desk: Desk
    let views: Views

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/canned-replies") { r, c in try await list(r, c) }
        router.post("/canned-replies") { r, c in
            try await post(r, c, redraw: { error, form in try await list(r, c, error: error, typed: form) }) { form, s in
                _ = try await desk.store.write { db in try await desk.createCannedReply(Self.input(form), by: s.actor, on: db) }
                return "/canned-replies?done=canned_created"
            }
        }
        router.get("/canned-replies/:id") { r, c in try await edit(r, c) }
        router.post("/canned-replies/:id") { r, c in
            try await post(r, c, redraw: { error, form in try await edit(r, c, error: error, typed: form) }) { form, s in
                let id = try c.uuid("id", "canned reply")
                _ = try await desk.store.write { db in try await desk.updateCannedReply(id, Self.input(form), by: s.actor, on: db) }
                return "/canned-replies?done=canned_saved"
            }
        }
        router.post("/canned-replies/:id/delete") { r, c in
            try await post(r, c, redraw: { error, _ in try await edit(r, c, error: error) }) { _, s in
                let id = try c.uuid("id", "canned reply")
                try await desk.store.write { db in try await desk.deleteCannedReply(id, by: s.actor, on: db) }
                return "/canned-replies?done=canned_deleted"
            }
        }
        router.post("/tickets/:seq/canned-reply") { r, c in try await insert(r, c) }
    }

    // MARK: On the ticket page

    /// Puts the chosen reply, rendered for this ticket, after whatever was already typed, and shows the ticket again.
    private func insert(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        guard let n = context.parameters.get("seq").flatMap(Int.init), n > 0 else { throw DomainError.notFound("ticket") }
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        // The reply form's files are not sent by this button: they are picked again with the reply.
        form.discardFiles()
        let l = PageContext.localizer(request: request, session: s)
        let ticket = try await desk.ticket(number: n, by: s.actor)
        let typed = form["body"] ?? ""
        var kept = TicketPages.Kept(draft: TicketPages.Draft(reply: typed))
        do {
            guard let id = form.uuid("canned") else { throw DomainError.invalid(field: "canned", "choose a canned reply") }
            let preview = try await desk.renderCannedReply(id, for: ticket, by: s.actor)
            let trimmed = typed.trimmingCharacters(in: .whitespacesAndNewlines)
            kept.draft.reply = trimmed.isEmpty ? preview.text : trimmed + "\n\n" + preview.text
            if !preview.unknownVariables.isEmpty {
                kept.error = l.t("canned_unknown_variables", preview.unknownVariables.map { "{{\($0)}}" }.joined(separator: ", "))
            }
        } catch let e as DomainError {
            switch e {
            case .invalid, .notFound, .forbidden: kept.error = l.message(for: e)
            default: throw e
            }
        }
        let payload = String(decoding: try JSONEncoder().encode(kept), as: UTF8.self)
        let draft = try await desk.keepDraft(payload, session: s)
        return Views.redirect("/tickets/\(n)?draft=\(draft.uuidString)#reply-form")
    }

    // MARK: Management page

    struct Row {
        let id: String
        let title: String
        let shared: Bool
        let preview: String
        let canEdit: Bool
    }

    struct Editing {
        let title: String
        let bodyFr: String
        let bodyEn: String
        let shared: Bool
    }

    struct ListPage {
        let frame: Frame
        let t: [String: String]
        let error: String?
        let mine: [Row]
        let shared: [Row]
        let hasMine: Bool
        let hasShared: Bool
        let canShare: Bool
        let variables: [String]
        let typed: Editing
    }

    struct EditPage {
        let frame: Frame
        let t: [String: String]
        let error: String?
        let id: String
        let canShare: Bool
        let canEdit: Bool
        let variables: [String]
        let typed: Editing
    }


    private static var variables: [String] { ReplyVariables.names.map { "{{\($0)}}" } }

    private static func canShare(_ actor: Actor) -> Bool { AccessPolicy.canManageAgentTool(actor, ownerId: actor.userId, shared: true) }

    private func list(_ r: Request, _ c: EscaleContext, error: String? = nil, typed: Form? = nil) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let replies = try await desk.listCannedReplies(by: s.actor)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("canned_title"), request: r)
        func row(_ d: CannedReplyDTO) -> Row {
            let body = d.bodyFr.isEmpty ? d.bodyEn : d.bodyFr
            return Row(id: d.id.uuidString, title: d.title, shared: d.shared,
                       preview: body.count > 120 ? String(body.prefix(120)) + "…" : body,
                       canEdit: AccessPolicy.canManageAgentTool(s.actor, ownerId: d.ownerId, shared: d.shared))
        }
        let mine = replies.filter { !$0.shared }.map(row), shared = replies.filter(\.shared).map(row)
        return views.page("canned_replies", ListPage(
            frame: frame, t: frame.t, error: error, mine: mine, shared: shared, hasMine: !mine.isEmpty, hasShared: !shared.isEmpty,
            canShare: Self.canShare(s.actor), variables: Self.variables,
            typed: Editing(title: typed?["title"] ?? "", bodyFr: typed?["body_fr"] ?? "", bodyEn: typed?["body_en"] ?? "", shared: typed?["shared"] == "on")),
            status: error == nil ? .ok : .unprocessableContent)
    }

    private func edit(_ r: Request, _ c: EscaleContext, error: String? = nil, typed: Form? = nil) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let reply = try await desk.cannedReply(try c.uuid("id", "canned reply"), by: s.actor)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: reply.title, request: r)
        let shown = typed.map { Editing(title: $0["title"] ?? "", bodyFr: $0["body_fr"] ?? "", bodyEn: $0["body_en"] ?? "", shared: $0["shared"] == "on") }
            ?? Editing(title: reply.title, bodyFr: reply.bodyFr, bodyEn: reply.bodyEn, shared: reply.shared)
        return views.page("canned_reply", EditPage(
            frame: frame, t: frame.t, error: error, id: reply.id.uuidString, canShare: Self.canShare(s.actor),
            canEdit: AccessPolicy.canManageAgentTool(s.actor, ownerId: reply.ownerId, shared: reply.shared),
            variables: Self.variables, typed: shown),
            status: error == nil ? .ok : .unprocessableContent)
    }

    private static func input(_ form: Form) -> CannedReplyInput {
        CannedReplyInput(title: form["title"] ?? "", bodyFr: form["body_fr"] ?? "", bodyEn: form["body_en"] ?? "", shared: form["shared"] == "on")
    }

    private func post(_ r: Request, _ c: EscaleContext, redraw: @escaping (String, Form) async throws -> Response,
                      _ body: @escaping (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        try await PageContext.post(r, c, desk: desk, session: try PageContext.requireStaff(r, c), redraw: redraw, body)
    }
}
