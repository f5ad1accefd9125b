import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// The console's "New ticket": an agent opens a ticket for someone on the phone or at the desk. The caller is found
/// by name or e-mail (a GET search, so it works without script and from the keyboard), or added on the spot; the
/// ticket says how it arrived, when it happened, its category, impact and urgency, and is assigned to the agent taking
/// the call unless they untick it. Every problem of the form is reported at once, next to its field.
struct NewTicketPage {
    let desk: Desk
    let views: Views
    static let maxMatches = 20
    /// Channels someone calls the desk through; the others (monitoring, agents, API, portal) open tickets themselves.
    static let channels: [Channel] = [.phone, .walkIn, .email, .chat]

    struct Person {
        let id: String
        let name: String
        let email: String
        let organization: String
        let href: String
    }

    struct Draft {
        var subject = "", description = "", occurredAt = "", callerName = "", callerEmail = ""
    }

    struct Model {
        let frame: Frame
        let t: [String: String]
        let errors: FormErrors
        let query: String
        let searched: Bool
        let matches: [Person]
        let requester: Person?
        let organizations, channels, categories, impacts, urgencies, groups: [Option]
        let draft: Draft
        let assignToMe: Bool
        let now: String
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/tickets/new") { request, context in try await page(request, context) }
        router.post("/tickets/new") { request, context in try await submit(request, context) }
    }


    private func page(_ request: Request, _ context: EscaleContext, form: Form? = nil, errors: FormErrors = .none) async throws -> Response {
        let s = try PageContext.requireStaff(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let q = request.uri.queryParameters
        let query = (form == nil ? q["q"].map(String.init) : nil)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let chosenId = (form?.uuid("requester")) ?? q["requester"].flatMap { UUID(uuidString: String($0)) }
        let directory = try await desk.directory()
        let orgName = Dictionary(uniqueKeysWithValues: directory.organizations.map { ($0.id, $0.name) })
        func person(_ u: UserDTO) -> Person {
            Person(id: u.id.uuidString, name: u.name, email: u.email, organization: u.organizationId.flatMap { orgName[$0] } ?? "",
                   href: "/tickets/new?requester=\(u.id.uuidString)")
        }
        let matches = query.isEmpty ? [] : try await desk.listUsers(by: s.actor, matching: query, clientSide: true, limit: Self.maxMatches).map(person)
        var requester: Person?
        var requesterOrg: UUID?
        if let chosenId, let u = try await desk.listUsers(by: s.actor, clientSide: true).first(where: { $0.id == chosenId }) {
            requester = person(u)
            requesterOrg = u.organizationId
        }
        let scope = AccessPolicy.organizationScope(of: s.actor)
        let organizations = directory.organizations.filter { $0.active && scope.contains($0.id) }
        let chosenOrg = form?.uuid("organization") ?? requesterOrg
        let groups = directory.groups.filter { g in g.active && (chosenOrg.map { g.servesAllOrganizations || g.organizationIds.contains($0) } ?? true) }
        let channel = form?["channel"].flatMap(Channel.init(rawValue:)) ?? .phone
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("new_ticket_title"), request: request)
        let model = Model(
            frame: frame, t: frame.t, errors: errors, query: query, searched: !query.isEmpty, matches: matches, requester: requester,
            organizations: organizations.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == chosenOrg) },
            channels: Self.channels.map { Option(value: $0.rawValue, label: l.t("channel_\($0.rawValue)"), selected: $0 == channel) },
            categories: l.categoryOptions(directory.categories, selected: form?.text("category")),
            impacts: l.levelOptions(selected: form?["impact"].flatMap(Level.init(rawValue:)), plain: "impact_plain"),
            urgencies: l.levelOptions(selected: form?["urgency"].flatMap(Level.init(rawValue:)), plain: "urgency_plain"),
            groups: groups.map { Option(value: $0.id.uuidString, label: "\($0.name) (\($0.tier.label))", selected: $0.id == form?.uuid("group")) },
            draft: Draft(subject: form?["subject"] ?? "", description: form?["description"] ?? "", occurredAt: form?["occurred_at"] ?? "",
                         callerName: form?["caller_name"] ?? "", callerEmail: form?["caller_email"] ?? ""),
            assignToMe: form.map { $0["assign_me"] == "on" } ?? true,
            now: l.localInput(desk.clock.now()))
        return views.page("ticket_new", model, status: errors.any ? .unprocessableContent : .ok)
    }

    private func submit(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireStaff(request, context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        let l = PageContext.localizer(request: request, session: s)
        // Everything the form itself can tell, at once.
        var problems: [FieldProblem] = []
        let impact = form["impact"].flatMap(Level.init(rawValue:)), urgency = form["urgency"].flatMap(Level.init(rawValue:))
        var occurredAt: Date?
        if let raw = form.text("occurred_at") {
            if let d = l.parseLocalInput(raw) { occurredAt = d } else { problems.append(.init(field: "occurred_at", rule: .unreadable)) }
        }
        problems += Ticket.problems(subject: form["subject"] ?? "", description: form["description"] ?? "", occurredAt: occurredAt, now: desk.clock.now())
        if impact == nil { problems.append(.init(field: "impact", rule: .required)) }
        if urgency == nil { problems.append(.init(field: "urgency", rule: .required)) }
        let requesterId = form.uuid("requester")
        let organizationId = form.uuid("organization")
        if requesterId == nil {
            if form.text("caller_name") == nil { problems.append(.init(field: "name", rule: .required)) }
            if form.text("caller_email") == nil { problems.append(.init(field: "email", rule: .required)) }
            if organizationId == nil { problems.append(.init(field: "organization_id", rule: .required)) }
        }
        guard problems.isEmpty, let impact, let urgency else {
            form.discardFiles()
            return try await page(request, context, form: form, errors: FormErrors(Self.ordered(problems), l))
        }
        do {
            let input = TicketInput(
                subject: form["subject"] ?? "", description: form["description"] ?? "", impact: impact, urgency: urgency,
                category: form.text("category"), channel: form["channel"].flatMap(Channel.init(rawValue:)) ?? .phone,
                occurredAt: occurredAt, requesterId: requesterId, organizationId: requesterId == nil ? organizationId : nil,
                groupId: form.uuid("group"), assigneeId: form["assign_me"] == "on" ? s.actor.userId : nil)
            let prepared = try await desk.prepareTicket(input, by: s.actor)
            let caller = try await requesterId == nil
                ? desk.prepareCaller(name: form["caller_name"] ?? "", email: form["caller_email"] ?? "", organizationId: organizationId!, by: s.actor)
                : nil
            let files = try form.stored(in: desk)
            let ticket = try await desk.store.write { db in
                var ticketToWrite = prepared
                if let caller { ticketToWrite = prepared.forRequester(try await desk.createCaller(caller, by: s.actor, on: db)) }
                return try await desk.createTicket(ticketToWrite, files: files, by: s.actor, on: db)
            }
            return Views.redirect("/tickets/\(ticket.seq)?done=ticket_created")
        } catch let e as DomainError {
            form.discardFiles()
            switch e {
            case .invalid, .invalidFields, .conflict, .forbidden:
                let problems = e.problems.isEmpty ? [FieldProblem(field: "email", rule: .other, message: e.description)] : e.problems
                if case .conflict = e {
                    // The only uniqueness rule here: a caller whose e-mail address is already known.
                    return try await page(request, context, form: form, errors: FormErrors(summary: [l.t("new_ticket_caller_exists")], field: ["email": l.t("new_ticket_caller_exists")]))
                }
                if case .forbidden = e { return try await page(request, context, form: form, errors: FormErrors(summary: [l.t("error_forbidden_message")], field: [:])) }
                return try await page(request, context, form: form, errors: FormErrors(problems, l))
            default: throw e
            }
        }
    }

    /// Problems in the order of the form's fields.
    static func ordered(_ problems: [FieldProblem]) -> [FieldProblem] {
        let order = ["name", "email", "organization_id", "requester_id", "channel", "occurred_at", "subject", "description", "category", "impact", "urgency", "group_id"]
        return problems.sorted { (order.firstIndex(of: $0.field) ?? order.count) < (order.firstIndex(of: $1.field) ?? order.count) }
    }
}
