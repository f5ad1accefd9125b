import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Hummingbird

/// The agent console's queues, the requester's "my requests" and the new-request form.
struct QueuePages {
    let desk: Desk
    let views: Views
    static let pageSize = 50
    static let maxPage = 200
    /// The filter value that asks for tickets with no group, or no assignee.
    static let none = "none"

    struct QueuePage {
        let frame: Frame
        let t: [String: String]
        let heading: String
        let path: String
        let rows: [TicketRow]
        let hasRows: Bool
        let statuses, priorities, organizations, categories, tiers, groups, assignees, sorts: [Option]
        let previous: String?
        let next: String?
        let hasPager: Bool
        /// Denser rows on request (remembered in a cookie); the link turns it around.
        let compact: Bool
        let densityLink: String
        /// Bulk actions on the rows ticked, and saving this queue with its filters as a view.
        let tools: QueueTools.Model
    }

    struct RequestsPage {
        /// A client manager's filters over their organization's requests.
        struct Filters {
            let statuses, priorities, requesters: [Option]
        }
        let frame: Frame
        let t: [String: String]
        let heading: String
        let filters: Filters?
        let rows: [TicketRow]
        let hasRows: Bool
        let empty: String
        let previous: String?
        let next: String?
        let hasPager: Bool
    }

    struct NewRequestPage {
        struct Draft { let subject: String; let description: String; let occurredAt: String }
        let frame: Frame
        let t: [String: String]
        let errors: FormErrors
        let draft: Draft
        let categories: [Option]
        let impacts: [Option]
        let urgencies: [Option]
        let now: String
        /// "Which machine?": the requester's machines, when their inventory knows them.
        var machines: [Option] = []
        var hasMachines = false
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/queues/:queue") { request, context in try await queue(request, context) }
        router.get("/requests") { request, context in try await requests(request, context) }
        router.get("/requests/new") { request, context in try await newRequest(request, context, form: nil, errors: .none) }
        router.post("/requests") { request, context in try await submitRequest(request, context) }
    }

    private func queue(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        guard s.actor.role.isStaff else { return Views.redirect("/requests") }
        guard let queue = context.parameters.get("queue").flatMap(Queue.init(rawValue:)) else { throw DomainError.notFound("queue") }
        let l = PageContext.localizer(request: request, session: s)
        let q = request.uri.queryParameters
        let params = Dictionary(q.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a })
        let chosen = Self.Chosen(params)
        var filter = Self.filter(queue, chosen, actor: s.actor, now: desk.clock.now())
        let status = chosen.status, priority = chosen.priority, organization = chosen.organization, category = chosen.category
        let tier = chosen.tier, group = chosen.group, groupId = chosen.groupId, assignee = chosen.assignee, assigneeId = chosen.assigneeId
        let page = min(max(q["page"].flatMap { Int(String($0)) } ?? 1, 1), Self.maxPage)
        filter.offset = (page - 1) * Self.pageSize
        filter.limit = Self.pageSize + 1
        // Density is a preference: asked once (`?density=`), remembered in a cookie.
        let asked = q["density"].map(String.init)
        let compact = asked.map { $0 == "compact" } ?? (request.cookies["escale_density"]?.value == "compact")

        let found = try await desk.listTickets(filter, by: s.actor)
        let tickets = Array(found.prefix(Self.pageSize))
        let names = try await TicketRow.names(for: tickets, desk: desk)
        let sla = try await desk.sla(of: tickets)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let categories = try await desk.listCategories()
        let agents = try await desk.assignableAgents(group: nil)
        let groups = try await desk.listGroups(by: s.actor)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("queue_\(queue.rawValue)"), request: request,
                                                current: queue, live: "/live", flashArgument: QueueTools.summary(request, l))
        let path = "/queues/\(queue.rawValue)"
        var response = views.page("queue", QueuePage(
            frame: frame, t: frame.t, heading: l.t("queue_\(queue.rawValue)"), path: path,
            rows: tickets.map { TicketRow($0, names: names, l: l, sla: sla[$0.id]) }, hasRows: !tickets.isEmpty,
            statuses: l.statusOptions(selected: status), priorities: l.priorityOptions(selected: priority),
            organizations: orgs.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == organization) },
            categories: l.categoryOptions(categories, selected: category, all: true), tiers: l.tierOptions(selected: tier),
            groups: [Option(value: Self.none, label: l.t("filter_no_group"), selected: group == Self.none)]
                + groups.map { Option(value: $0.id.uuidString, label: "\($0.name) (\($0.tier.label))", selected: $0.id == groupId) },
            assignees: [Option(value: Self.none, label: l.t("filter_nobody"), selected: assignee == Self.none)]
                + agents.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == assigneeId) },
            sorts: TicketSort.allCases.map { Option(value: $0.rawValue, label: l.t("sort_\($0.rawValue)"), selected: $0 == filter.sort) },
            previous: page > 1 ? Self.link(request, page: page - 1) : nil,
            next: found.count > Self.pageSize && page < Self.maxPage ? Self.link(request, page: page + 1) : nil,
            hasPager: page > 1 || found.count > Self.pageSize,
            compact: compact, densityLink: Self.link(request, replacing: ["density": compact ? "comfortable" : "compact", "page": nil]),
            tools: try await QueueTools.model(queue: queue, params: params, request: request, session: s, desk: desk, l: l)))
        if let asked, ["compact", "comfortable"].contains(asked) {
            response.headers[.setCookie] = "escale_density=\(asked); Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
        }
        return response
    }

    private func requests(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        if s.actor.role.isStaff { return Views.redirect("/queues/mine") }
        let l = PageContext.localizer(request: request, session: s)
        let q = request.uri.queryParameters
        let page = min(max(q["page"].flatMap { Int(String($0)) } ?? 1, 1), Self.maxPage)
        // What a requester or client manager sees (their own requests, or their organization's) is their scope; the
        // client manager's filters only narrow it.
        var filter = TicketFilter()
        filter.sort = .updated
        filter.offset = (page - 1) * Self.pageSize
        filter.limit = Self.pageSize + 1
        let manager = s.actor.role == .clientManager
        let status = manager ? q["status"].flatMap { TicketStatus(rawValue: String($0)) } : nil
        let priority = manager ? q["priority"].flatMap { Int(String($0)) }.flatMap(Priority.init(rawValue:)) : nil
        let requester = manager ? q["requester"].flatMap { UUID(uuidString: String($0)) } : nil
        if let status { filter.statuses = [status] }
        filter.priority = priority
        filter.requesterId = requester
        let found = try await desk.listTickets(filter, by: s.actor)
        let tickets = Array(found.prefix(Self.pageSize))
        let names = try await TicketRow.names(for: tickets, desk: desk)
        var filters: RequestsPage.Filters?
        var sla: [UUID: SLADTO] = [:]
        if manager {
            let people = try await desk.listUsers(by: s.actor, organizationId: s.actor.organizationId)
                .sorted { $0.name.localizedCompare($1.name) == .orderedAscending }
            filters = .init(statuses: l.statusOptions(selected: status), priorities: l.priorityOptions(selected: priority),
                            requesters: people.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == requester) })
            sla = try await desk.sla(of: tickets)
        }
        let heading = l.t(manager || s.actor.seesOrganizationTickets ? "requests_organization" : "nav_my_requests")
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: heading, request: request, live: "/live")
        let showRequester = manager || s.actor.seesOrganizationTickets
        return views.page("requests", RequestsPage(
            frame: frame, t: frame.t, heading: heading, filters: filters,
            rows: tickets.map { TicketRow($0, names: names, l: l, showRequester: showRequester, sla: sla[$0.id]) },
            hasRows: !tickets.isEmpty, empty: l.t(manager ? "requests_none_match" : "requests_empty"),
            previous: page > 1 ? Self.link(request, page: page - 1) : nil,
            next: found.count > Self.pageSize ? Self.link(request, page: page + 1) : nil, hasPager: page > 1 || found.count > Self.pageSize))
    }

    private func newRequest(_ request: Request, _ context: EscaleContext, form: Form?, errors: FormErrors) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let categories = try await desk.listCategories()
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("request_new_title"), request: request)
        let impact = form?["impact"].flatMap(Level.init(rawValue:)), urgency = form?["urgency"].flatMap(Level.init(rawValue:))
        var page = NewRequestPage(
            frame: frame, t: frame.t, errors: errors,
            draft: .init(subject: form?["subject"] ?? "", description: form?["description"] ?? "", occurredAt: form?["occurred_at"] ?? ""),
            categories: l.categoryOptions(categories, selected: form?["category"]),
            impacts: l.levelOptions(selected: impact, plain: "impact_plain"), urgencies: l.levelOptions(selected: urgency ?? .medium, plain: "urgency_plain"),
            now: l.localInput(desk.clock.now()))
        let mine = try await desk.assets.machines(of: s.actor)
        if !mine.isEmpty {
            page.machines = [Option(value: "", label: l.t("request_machine_unknown"), selected: form?["asset"]?.isEmpty ?? true)]
                + mine.map { Option(value: $0.id!.uuidString, label: $0.name, selected: form?["asset"] == $0.id!.uuidString) }
            page.hasMachines = true
        }
        return views.page("request_new", page, status: errors.any ? .unprocessableContent : .ok)
    }

    /// Creates the ticket and its attachments in one transaction: a refused request leaves nothing behind.
    private func submitRequest(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        let l = PageContext.localizer(request: request, session: s)
        // Everything the form itself can tell, at once, each next to its field.
        var problems: [FieldProblem] = []
        var occurredAt: Date?
        if let raw = form.text("occurred_at") {
            if let d = l.parseLocalInput(raw) { occurredAt = d } else { problems.append(.init(field: "occurred_at", rule: .unreadable)) }
        }
        problems += Ticket.problems(subject: form["subject"] ?? "", description: form["description"] ?? "", occurredAt: occurredAt, now: desk.clock.now())
        let impact = form["impact"].flatMap(Level.init(rawValue:))
        if impact == nil { problems.append(.init(field: "impact", rule: .required)) }
        guard problems.isEmpty, let impact else {
            form.discardFiles()
            return try await newRequest(request, context, form: form, errors: FormErrors(NewTicketPage.ordered(problems), l))
        }
        do {
            let urgency = form["urgency"].flatMap(Level.init(rawValue:)) ?? .medium
            let input = TicketInput(subject: form["subject"] ?? "", description: form["description"] ?? "", impact: impact, urgency: urgency,
                                    type: nil, category: form.text("category"), occurredAt: occurredAt)
            let prepared = try await desk.prepareTicket(input, by: s.actor, defaultChannel: .web)
            let files = try form.stored(in: desk)
            let asset = form.uuid("asset")
            let ticket = try await desk.store.write { db in
                let t = try await desk.createTicket(prepared, files: files, by: s.actor, on: db)
                if let asset {
                    try await TicketRepository.flushPendingCreations(on: db)
                    try await desk.assets.link(ticket: t.id, asset: asset, by: s.actor, on: db)
                }
                return t
            }
            return Views.redirect("/tickets/\(ticket.seq)?done=request_created")
        } catch let e as DomainError {
            form.discardFiles()
            guard !e.problems.isEmpty else { throw e }
            return try await newRequest(request, context, form: form, errors: FormErrors(e.problems, l))
        }
    }

    /// A queue's filters as chosen in its form (or stored in a saved view).
    struct Chosen {
        var status: TicketStatus?
        var priority: Priority?
        var organization: UUID?
        var category: String?
        var tier: Tier?
        /// A group or an assignee, or "none" (the supervision page links to both).
        var group: String?, groupId: UUID?
        var assignee: String?, assigneeId: UUID?
        var sort: TicketSort?

        init(_ p: [String: String]) {
            status = p["status"].flatMap(TicketStatus.init(rawValue:))
            priority = p["priority"].flatMap { Int($0) }.flatMap(Priority.init(rawValue:))
            organization = p["organization"].flatMap(UUID.init(uuidString:))
            category = p["category"].flatMap { $0.isEmpty ? nil : $0 }
            tier = p["tier"].flatMap { Int($0) }.flatMap(Tier.init(rawValue:))
            group = p["group"]; groupId = group.flatMap(UUID.init(uuidString:))
            assignee = p["assignee"]; assigneeId = assignee.flatMap(UUID.init(uuidString:))
            sort = p["sort"].flatMap(TicketSort.init(rawValue:))
        }
    }

    /// The ticket filter of a queue with the chosen filters: the one definition the list, its count in the
    /// navigation and saved views share.
    static func filter(_ queue: Queue, _ c: Chosen, actor: Actor, now: Date) -> TicketFilter {
        var filter = queue.filter(for: actor, now: now)
        if let status = c.status { filter.statuses = [status]; filter.openOnly = filter.openOnly && status.isOpen }
        filter.priority = c.priority
        filter.organizationId = c.organization
        filter.category = c.category
        if let tier = c.tier { filter.tier = tier }
        if c.group == none { filter.ungrouped = true } else if let g = c.groupId { filter.groupId = g }
        if c.assignee == none { filter.unassigned = true } else if let a = c.assigneeId { filter.assigneeId = a; filter.unassigned = false }
        if let sort = c.sort { filter.sort = sort }
        return filter
    }

    /// The same page with some query parameters set (or removed, with nil).
    static func link(_ request: Request, replacing changes: [String: String?]) -> String {
        var items = request.uri.queryParameters.filter { changes[String($0.key)] == nil }
            .map { "\($0.key)=\(String($0.value).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        for (k, v) in changes { if let v { items.append("\(k)=\(v)") } }
        return request.uri.path + (items.isEmpty ? "" : "?" + items.sorted().joined(separator: "&"))
    }

    static func link(_ request: Request, page: Int) -> String {
        var items = request.uri.queryParameters.filter { $0.key != "page" }.map { "\($0.key)=\(String($0.value).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        items.append("page=\(page)")
        return request.uri.path + "?" + items.sorted().joined(separator: "&")
    }
}
