import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Macros in the interface: the management page (`/macros`: mine and the shared ones, create, edit, delete) and, on
/// the ticket page, applying one (`/tickets/:seq/macro`). Applying runs in one transaction through `Desk.applyMacro`:
/// a refused step applies nothing and the ticket page says why.
struct MacroPages {
    let desk: Desk
    let views: Views

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/macros") { r, c in try await list(r, c) }
        router.post("/macros") { r, c in
            try await post(r, c, redraw: { error, form in try await list(r, c, error: error, typed: form) }) { form, s in
                _ = try await desk.store.write { db in try await desk.createMacro(Self.input(form), by: s.actor, on: db) }
                return "/macros?done=macro_created"
            }
        }
        router.get("/macros/:id") { r, c in try await edit(r, c) }
        router.post("/macros/:id") { r, c in
            try await post(r, c, redraw: { error, form in try await edit(r, c, error: error, typed: form) }) { form, s in
                let id = try c.uuid("id", "macro")
                _ = try await desk.store.write { db in try await desk.updateMacro(id, Self.input(form), by: s.actor, on: db) }
                return "/macros?done=macro_saved"
            }
        }
        router.post("/macros/:id/delete") { r, c in
            try await post(r, c, redraw: { error, _ in try await edit(r, c, error: error) }) { _, s in
                let id = try c.uuid("id", "macro")
                try await desk.store.write { db in try await desk.deleteMacro(id, by: s.actor, on: db) }
                return "/macros?done=macro_deleted"
            }
        }
        router.post("/tickets/:seq/macro") { r, c in try await apply(r, c) }
    }

    // MARK: On the ticket page

    private func apply(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        guard let n = context.parameters.get("seq").flatMap(Int.init), n > 0 else { throw DomainError.notFound("ticket") }
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        let l = PageContext.localizer(request: request, session: s)
        let ticket = try await desk.ticket(number: n, by: s.actor)
        var kept = TicketPages.Kept(draft: TicketPages.Draft())
        do {
            guard let id = form.uuid("macro") else { throw DomainError.invalid(field: "macro", "choose a macro") }
            let version = form.int("version") ?? ticket.version
            _ = try await desk.store.write { db in try await desk.applyMacro(id, to: ticket.id, expectedVersion: version, by: s.actor, on: db) }
            return Views.redirect("/tickets/\(n)?done=macro_applied")
        } catch DomainError.versionConflict {
            kept.conflict = l.t("conflict_message")
        } catch let e as DomainError {
            switch e {
            case .invalid, .invalidFields, .invalidTransition, .forbidden, .notFound, .conflict: kept.error = l.t("macro_refused", l.message(for: e))
            default: throw e
            }
        }
        let payload = String(decoding: try JSONEncoder().encode(kept), as: UTF8.self)
        let draft = try await desk.keepDraft(payload, session: s)
        return Views.redirect("/tickets/\(n)?draft=\(draft.uuidString)")
    }

    // MARK: Management page

    struct Row {
        let id: String
        let name: String
        let summary: String
    }

    /// The macro form's fields, as stored or as typed (`""` leaves a field unchanged).
    struct Fields {
        let name: String
        let shared: Bool
        let statusOptions, impactOptions, urgencyOptions, categoryOptions, groupOptions, assigneeOptions, tierOptions: [Option]
        let reply: String
        let note: String
        let reason: String
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
        let fields: Fields
    }

    struct EditPage {
        let frame: Frame
        let t: [String: String]
        let error: String?
        let id: String
        let title: String
        let canShare: Bool
        let canEdit: Bool
        let variables: [String]
        let fields: Fields
    }


    private static var variables: [String] { ReplyVariables.names.map { "{{\($0)}}" } }

    private static func canShare(_ actor: Actor) -> Bool { AccessPolicy.canManageAgentTool(actor, ownerId: actor.userId, shared: true) }

    /// What a macro does, in a few words, for the list.
    private static func summary(_ a: MacroActions, _ l: Localizer) -> String {
        var parts: [String] = []
        if let s = a.status { parts.append("\(l.t("field_status")) → \(l.t("status_\(s.rawValue)"))") }
        if let i = a.impact { parts.append("\(l.t("field_impact")) → \(l.t("level_\(i.rawValue)"))") }
        if let u = a.urgency { parts.append("\(l.t("field_urgency")) → \(l.t("urgency_level_\(u.rawValue)"))") }
        if a.category != nil { parts.append(l.t("field_category")) }
        if a.groupId != nil { parts.append(l.t("field_group")) }
        if let who = a.assignee { parts.append("\(l.t("field_assignee")) → \(who == "me" ? l.t("macro_assignee_me") : "…")") }
        if a.reply != nil { parts.append(l.t("macro_field_reply")) }
        if a.note != nil { parts.append(l.t("macro_field_note")) }
        if let t = a.escalateTier { parts.append("\(l.t("ticket_escalate")) → \(t.label)") }
        return parts.joined(separator: " · ")
    }

    private func fields(_ a: MacroActions, name: String, shared: Bool, actor: Actor, _ l: Localizer) async throws -> Fields {
        let categories = try await desk.listCategories()
        let groups = try await desk.listGroups(by: actor).filter { $0.active || $0.id == a.groupId }
        let staff = try await desk.assignableAgents(group: nil)
        let me = Option(value: "me", label: l.t("macro_assignee_me"), selected: a.assignee == "me")
        return Fields(
            name: name, shared: shared,
            statusOptions: l.statusOptions(selected: a.status), impactOptions: l.levelOptions(selected: a.impact),
            urgencyOptions: l.levelOptions(selected: a.urgency, plain: "urgency_level"),
            categoryOptions: l.categoryOptions(categories, selected: a.category),
            groupOptions: groups.map { Option(value: $0.id.uuidString, label: "\($0.name) (\($0.tier.label))", selected: $0.id == a.groupId) },
            assigneeOptions: [me] + staff.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id.uuidString.lowercased() == a.assignee?.lowercased()) },
            tierOptions: l.tierOptions(selected: a.escalateTier), reply: a.reply ?? "", note: a.note ?? "", reason: a.escalateReason ?? "")
    }

    private func list(_ r: Request, _ c: EscaleContext, error: String? = nil, typed: Form? = nil) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let macros = try await desk.listMacros(by: s.actor)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("macro_title"), request: r)
        func row(_ m: MacroDTO) -> Row { Row(id: m.id.uuidString, name: m.name, summary: Self.summary(m.actions, l)) }
        let mine = macros.filter { !$0.shared }.map(row), shared = macros.filter(\.shared).map(row)
        let shown = try await fields(typed.map(Self.actions) ?? MacroActions(), name: typed?["name"] ?? "", shared: typed?["shared"] == "on", actor: s.actor, l)
        return views.page("macros", ListPage(
            frame: frame, t: frame.t, error: error, mine: mine, shared: shared, hasMine: !mine.isEmpty, hasShared: !shared.isEmpty,
            canShare: Self.canShare(s.actor), variables: Self.variables, fields: shown),
            status: error == nil ? .ok : .unprocessableContent)
    }

    private func edit(_ r: Request, _ c: EscaleContext, error: String? = nil, typed: Form? = nil) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let macro = try await desk.macro(try c.uuid("id", "macro"), by: s.actor)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: macro.name, request: r)
        let shown = if let typed {
            try await fields(Self.actions(typed), name: typed["name"] ?? "", shared: typed["shared"] == "on", actor: s.actor, l)
        } else {
            try await fields(macro.actions, name: macro.name, shared: macro.shared, actor: s.actor, l)
        }
        return views.page("macro", EditPage(
            frame: frame, t: frame.t, error: error, id: macro.id.uuidString, title: macro.name, canShare: Self.canShare(s.actor),
            canEdit: AccessPolicy.canManageAgentTool(s.actor, ownerId: macro.ownerId, shared: macro.shared),
            variables: Self.variables, fields: shown),
            status: error == nil ? .ok : .unprocessableContent)
    }

    private static func input(_ form: Form) -> MacroInput {
        MacroInput(name: form["name"] ?? "", shared: form["shared"] == "on", actions: actions(form))
    }

    private static func actions(_ form: Form) -> MacroActions {
        MacroActions(
            status: form.text("status").flatMap(TicketStatus.init(rawValue:)), impact: form.text("impact").flatMap(Level.init(rawValue:)),
            urgency: form.text("urgency").flatMap(Level.init(rawValue:)), category: form.text("category"), groupId: form.uuid("group"),
            assignee: form.text("assignee"), reply: form["reply"], note: form["note"],
            escalateTier: form.int("escalate_tier").flatMap(Tier.init(rawValue:)), escalateReason: form["escalate_reason"])
    }

    private func post(_ r: Request, _ c: EscaleContext, redraw: @escaping (String, Form) async throws -> Response,
                      _ body: @escaping (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        try await PageContext.post(r, c, desk: desk, session: try PageContext.requireStaff(r, c), redraw: redraw, body)
    }
}
