import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Hummingbird

/// What the layout shows around every page.
struct Frame {
    struct NavItem {
        let label: String
        let href: String
        let count: String?
        let current: Bool
        let id: String
    }

    let lang: String
    let title: String
    let t: [String: String]
    let signedIn: Bool
    let userName: String
    let csrf: String
    let isStaff: Bool
    let nav: [NavItem]
    let flash: String?
    let searchQuery: String
    /// Server-Sent Events URL the page listens to for live updates, if any.
    let live: String?
    /// The portal's chat channel, for signed-in requesters (the widget on every page).
    var chatKey: String? = nil
}

/// The agent console's queues.
enum Queue: String, CaseIterable {
    case mine, groups, n1, n2, n3, open, breaching, recent

    func filter(for actor: Actor, now: Date) -> TicketFilter {
        var f = TicketFilter()
        switch self {
        case .mine: f.assigneeId = actor.userId; f.openOnly = true
        case .groups: f.groupIds = actor.groupIds.sorted { $0.uuidString < $1.uuidString }; f.openOnly = true
        case .n1, .n2, .n3:
            f.tier = self == .n1 ? .n1 : self == .n2 ? .n2 : .n3
            f.openOnly = true; f.unassigned = true
        case .open: f.openOnly = true
        case .breaching: f.openOnly = true; f.slaAtRiskAt = now
        case .recent: f.sort = .updated
        }
        return f
    }

    /// Navigation badges count at most this many (shown as "999+").
    static let countCap = 1000
}

enum PageContext {
    static func localizer(request: Request, session: Desk.WebSession?) -> Localizer {
        if let session { return Localizer(lang: session.locale, timeZone: TimeZone(identifier: session.timeZone) ?? TimeZone(identifier: "Europe/Paris")!) }
        return Localizer(lang: Catalogue.negotiate(request.headers[.acceptLanguage]))
    }

    /// The frame without queue counts (error pages, sign-in).
    static func frame(_ l: Localizer, session: Desk.WebSession?, title: String, request: Request, live: String? = nil) -> Frame {
        frame(l, session: session, title: title, request: request, live: live, queues: [])
    }

    /// The full frame: for staff, the queues with their counts (one bounded count per queue, run side by side).
    /// `flashArgument`: what a confirmation names (the ticket number of a ticket just created).
    static func frame(_ l: Localizer, session: Desk.WebSession, desk: Desk, title: String, request: Request, current: Queue? = nil, live: String? = nil,
                      flashArgument: String? = nil) async throws -> Frame {
        var queues: [Frame.NavItem] = []
        if session.actor.role.isStaff {
            // The queues, then the reader's saved views and the shared ones, each with its count.
            let views = try await desk.savedViews(for: session.actor)
            let now = desk.clock.now()
            let counts = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for q in Queue.allCases where q != .recent {
                    group.addTask { (q.rawValue, try await desk.countTickets(q.filter(for: session.actor, now: now), by: session.actor, cap: Queue.countCap)) }
                }
                for v in views {
                    guard let q = Queue(rawValue: v.queue) else { continue }
                    let filter = QueuePages.filter(q, QueuePages.Chosen(SavedView.parse(v.query)), actor: session.actor, now: now)
                    group.addTask { (v.id.uuidString, try await desk.countTickets(filter, by: session.actor, cap: Queue.countCap)) }
                }
                return try await group.reduce(into: [String: Int]()) { $0[$1.0] = $1.1 }
            }
            func shown(_ n: Int?) -> String? { n.map { $0 >= Queue.countCap ? "\(Queue.countCap - 1)+" : String($0) } }
            let viewing = request.uri.queryParameters["view"].map(String.init)
            queues = Queue.allCases.map { q in
                .init(label: l.t("queue_\(q.rawValue)"), href: "/queues/\(q.rawValue)", count: shown(counts[q.rawValue]),
                      current: q == current && viewing == nil, id: "nav-\(q.rawValue)")
            }
            queues += views.map { v in
                .init(label: v.name, href: "/queues/\(v.queue)?\(v.query.isEmpty ? "" : v.query + "&")view=\(v.id.uuidString)",
                      count: shown(counts[v.id.uuidString]), current: viewing == v.id.uuidString, id: "nav-view-\(v.id.uuidString)")
            }
        }
        // Staff pages without live regions still listen, for calls they answer (the pop-up), not for ticket changes.
        let live = live ?? (session.actor.role.isStaff ? "/live?calls=only" : nil)
        var frame = frame(l, session: session, title: title, request: request, live: live, queues: queues, flashArgument: flashArgument)
        if !session.actor.role.isStaff { frame.chatKey = try await desk.chatChannels.portalChannel()?.key }
        return frame
    }

    private static func frame(_ l: Localizer, session: Desk.WebSession?, title: String, request: Request, live: String?, queues: [Frame.NavItem],
                              flashArgument: String? = nil) -> Frame {
        Frame(lang: l.lang, title: title, t: l.strings, signedIn: session != nil, userName: session?.name ?? "",
              csrf: session?.csrfToken ?? "", isStaff: session?.actor.role.isStaff ?? false,
              nav: queues + (session.map { staticNav($0, l, path: request.uri.path) } ?? []), flash: flash(request, l, argument: flashArgument),
              searchQuery: request.uri.queryParameters["q"].map(String.init) ?? "", live: live)
    }

    private static func staticNav(_ session: Desk.WebSession, _ l: Localizer, path: String) -> [Frame.NavItem] {
        var items: [Frame.NavItem] = []
        if !session.actor.role.isStaff {
            items.append(.init(label: l.t("nav_my_requests"), href: "/requests", count: nil, current: path == "/requests", id: "nav-requests"))
            items.append(.init(label: l.t("nav_new_request"), href: "/requests/new", count: nil, current: path == "/requests/new", id: "nav-new"))
        }
        if session.actor.role.isStaff {
            items.append(.init(label: l.t("nav_new_ticket"), href: "/tickets/new", count: nil, current: path == "/tickets/new", id: "nav-new-ticket"))
            items.append(.init(label: l.t("nav_calls"), href: "/calls", count: nil, current: path.hasPrefix("/calls"), id: "nav-calls"))
            items.append(.init(label: l.t("nav_chat"), href: "/chat", count: nil, current: path == "/chat", id: "nav-chat"))
            items.append(.init(label: l.t("nav_oncall"), href: "/oncall", count: nil, current: path.hasPrefix("/oncall"), id: "nav-oncall"))
            items.append(.init(label: l.t("nav_canned_replies"), href: "/canned-replies", count: nil, current: path.hasPrefix("/canned-replies"), id: "nav-canned"))
        }
        if session.actor.role.isStaff || session.actor.role == .clientManager {
            items.append(.init(label: l.t("nav_assets"), href: "/assets", count: nil, current: path.hasPrefix("/assets"), id: "nav-assets"))
        }
        if AccessPolicy.allows(session.actor, .supervise) {
            items.append(.init(label: l.t("nav_supervisor"), href: "/supervisor", count: nil, current: path == "/supervisor", id: "nav-supervisor"))
        }
        if AccessPolicy.allows(session.actor, .readReports) {
            items.append(.init(label: l.t("nav_reports"), href: "/reports/sla", count: nil, current: path.hasPrefix("/reports"), id: "nav-reports"))
        }
        if session.actor.role == .admin {
            items.append(.init(label: l.t("nav_admin"), href: "/admin", count: nil, current: path.hasPrefix("/admin"), id: "nav-admin"))
        }
        return items
    }

    /// Confirmation after a form posted and redirected (`?done=reply`): a fixed catalogue key, never text from the URL.
    private static func flash(_ request: Request, _ l: Localizer, argument: String?) -> String? {
        guard let done = request.uri.queryParameters["done"], done.allSatisfy({ $0.isLetter || $0 == "_" }),
              l.strings["flash_\(done)"] != nil else { return nil }
        return argument.map { l.t("flash_\(done)", $0) } ?? l.t("flash_\(done)")
    }

    /// A signed-in member of the support staff (the console's pages), or 403.
    static func requireStaff(_ request: Request, _ context: EscaleContext) throws -> Desk.WebSession {
        let s = try requireSession(request, context)
        try AccessPolicy.require(s.actor, .workTickets)
        return s
    }

    /// Runs a page form's command for a session: the form is read (CSRF checked), the command's answer is where to
    /// go next; a refusal the person can fix (`refusals`) shows the page again, as typed, with the reason.
    static func post(_ request: Request, _ context: EscaleContext, desk: Desk, session s: Desk.WebSession,
                     refusals: (DomainError) -> Bool = { e in
                         switch e { case .invalid, .invalidFields, .forbidden, .conflict: true; default: false }
                     },
                     redraw: (String, Form) async throws -> Response,
                     _ body: (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        try await answer(request, context, desk: desk, session: s, refusals: refusals, redraw: redraw) { form, s in Views.redirect(try await body(form, s)) }
    }

    /// The same, for a command whose answer is a page of its own rather than a redirect (a secret shown once).
    static func answer(_ request: Request, _ context: EscaleContext, desk: Desk, session s: Desk.WebSession,
                       refusals: (DomainError) -> Bool, redraw: (String, Form) async throws -> Response,
                       _ body: (Form, Desk.WebSession) async throws -> Response) async throws -> Response {
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        do {
            return try await body(form, s)
        } catch let e as DomainError where refusals(e) {
            return try await redraw(localizer(request: request, session: s).message(for: e), form)
        }
    }

    static func requireSession(_ request: Request, _ context: EscaleContext) throws -> Desk.WebSession {
        guard let s = context.session else { throw WebError.signInRequired(next: request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")) }
        return s
    }
}
