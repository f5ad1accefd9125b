import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// What an agent does with a queue as a whole: act on the rows ticked (assign, group, status, tag), and keep the
/// queue with its filters as a saved view in the navigation, personal or shared.
struct QueueTools {
    let desk: Desk
    let views: Views
    /// Tickets one bulk action may touch (a queue page shows 50).
    static let maxBulk = 100

    struct ViewRef { let id: String; let name: String; let canDelete: Bool }

    struct Model {
        /// The queue page's address, to come back to after an action.
        let back: String
        let queue: String
        /// The filters a view would keep (`SavedView.canonicalQuery`), as hidden fields.
        let filters: [Option]
        let actions, agents, groups, statuses: [Option]
        let canShare: Bool
        let current: ViewRef?
    }

    static func model(queue: Queue, params: [String: String], request: Request, session s: Desk.WebSession, desk: Desk, l: Localizer) async throws -> Model {
        let directory = try await desk.directory()
        let views = try await desk.savedViews(for: s.actor)
        let current = params["view"].flatMap { id in views.first { $0.id.uuidString == id } }
        let kept = SavedView.parse(SavedView.canonicalQuery(params))
        return Model(
            back: request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""), queue: queue.rawValue,
            filters: kept.sorted { $0.key < $1.key }.map { Option(value: $0.value, label: $0.key, selected: false) },
            actions: ["assign_me", "assign", "group", "status", "tag", "merge"].map { Option(value: $0, label: l.t("bulk_\($0)"), selected: false) },
            agents: directory.staff.map { Option(value: $0.id.uuidString, label: $0.name, selected: false) },
            groups: directory.groups.filter(\.active).map { Option(value: $0.id.uuidString, label: "\($0.name) (\($0.tier.label))", selected: false) },
            statuses: l.statusOptions(selected: nil),
            canShare: AccessPolicy.allows(s.actor, .shareWithTeam),
            current: current.map { ViewRef(id: $0.id.uuidString, name: $0.name, canDelete: $0.canDelete) })
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.post("/queues/bulk") { request, context in try await bulk(request, context) }
        router.post("/views") { request, context in try await save(request, context) }
        router.post("/views/:id/delete") { request, context in try await delete(request, context) }
    }


    /// The confirmation of a bulk action: how many were changed, which were refused (numbers only, from the URL).
    static func summary(_ request: Request, _ l: Localizer) -> String? {
        let q = request.uri.queryParameters
        guard q["done"] == "bulk" else { return nil }
        let n = q["n"].flatMap { Int(String($0)) } ?? 0
        let refused = (q["refused"].map(String.init) ?? "").split(separator: ",").compactMap { TicketNumber.parse(String($0)) }.map(TicketNumber.format)
        return l.count("bulk_updated", n) + (refused.isEmpty ? "" : " " + l.t("bulk_refused", refused.joined(separator: ", ")))
    }

    /// Back to the queue the form came from (only a queue page), with what happened.
    private static func back(_ form: Form, _ extra: String) -> Response {
        var target = SafeRedirect.target(form["back"])
        if !target.hasPrefix("/queues/") { target = "/queues/mine" }
        let clean = target.split(separator: "?", maxSplits: 1)
        let kept = clean.count > 1 ? clean[1].split(separator: "&").filter { !["done", "n", "refused"].contains($0.split(separator: "=").first.map(String.init) ?? "") } : []
        return Views.redirect(String(clean[0]) + "?" + (kept.map(String.init) + [extra]).joined(separator: "&"))
    }

    /// The same change on each ticket ticked, each in its own transaction under its own version: one refused ticket
    /// (moved on meanwhile, not allowed) does not stop the others, and the page says which were refused.
    private func bulk(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireStaff(request, context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        let seqs = Array(Set(form.all("ticket").compactMap { Int($0) })).sorted()
        guard !seqs.isEmpty else { return Self.back(form, "done=bulk_none") }
        guard seqs.count <= Self.maxBulk else { throw DomainError.invalid(field: "ticket", "at most \(Self.maxBulk) tickets at once") }
        let value = form.text("value")
        // Merging needs the ticket they all go into, named by its number.
        var target: Ticket?
        if form["action"] == "merge" {
            guard let n = form.text("tag").flatMap(TicketNumber.parse) else {
                throw DomainError.invalid(field: "value", "give the number of the ticket to merge into")
            }
            target = try await desk.ticket(number: n, by: s.actor)
        }
        var updated = 0
        var refused: [String] = []
        for seq in seqs {
            do {
                let ticket = try await desk.ticket(number: seq, by: s.actor)
                var patch = TicketPatch()
                switch form["action"] {
                case "assign_me": patch.assigneeId = .some(s.actor.userId)
                case "assign": patch.assigneeId = .some(value.flatMap(UUID.init(uuidString:)))
                case "group": patch.groupId = .some(value.flatMap(UUID.init(uuidString:)))
                case "status":
                    guard let st = value.flatMap(TicketStatus.init(rawValue:)) else { throw DomainError.invalid(field: "value", "choose a status") }
                    patch.status = st
                case "tag":
                    guard let tag = form.text("tag") else { throw DomainError.invalid(field: "value", "give a tag") }
                    patch.tags = ticket.tags.contains(tag.lowercased()) ? nil : ticket.tags + [tag]
                case "merge":
                    guard let into = target, into.id != ticket.id else { continue }
                    _ = try await desk.store.write { db in try await desk.merge(ticket.id, into: into.id, expectedVersion: ticket.version, by: s.actor, on: db) }
                    updated += 1
                    continue
                default: throw DomainError.invalid(field: "action", "choose an action")
                }
                if patch.status == ticket.status { patch.status = nil }
                let change = patch
                _ = try await desk.store.write { db in try await desk.updateTicket(ticket.id, change, expectedVersion: ticket.version, by: s.actor, on: db) }
                updated += 1
            } catch let e as DomainError {
                if case .invalid(let field, _) = e, field == "action" || field == "value" { throw e }
                refused.append(TicketNumber.format(seq))
            }
        }
        return Self.back(form, "done=bulk&n=\(updated)" + (refused.isEmpty ? "" : "&refused=" + refused.joined(separator: ",")))
    }

    private func save(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireStaff(request, context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        var params: [String: String] = [:]
        for k in SavedView.keys { if let v = form.text("f_\(k)") { params[k] = v } }
        let view = try await desk.saveView(name: form["name"] ?? "", queue: form["queue"] ?? "", params: params, shared: form["shared"] == "on",
                                           queues: Queue.allCases.map(\.rawValue), by: s.actor)
        return Views.redirect("/queues/\(view.queue)?\(view.query.isEmpty ? "" : view.query + "&")view=\(view.id.uuidString)&done=view_saved")
    }

    private func delete(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireStaff(request, context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("view") }
        try await desk.deleteView(id, by: s.actor)
        return Self.back(form, "done=view_deleted")
    }
}
