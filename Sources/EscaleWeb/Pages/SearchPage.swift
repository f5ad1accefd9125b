import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// The global search: the API's engine (accent- and case-insensitive, stemmed), with the matches highlighted.
struct SearchPage {
    let desk: Desk
    let views: Views

    struct Result {
        let seq: Int
        let number: String
        let subjectHTML: String
        let snippetHTML: String
        let status: String
        let statusKey: String
        let organization: String
    }

    struct Model {
        let frame: Frame
        let t: [String: String]
        let query: String
        let searched: Bool
        let summary: String
        let results: [Result]
        let hasResults: Bool
        let statuses: [Option]
        let organizations: [Option]
        let error: String?
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/search") { request, context in try await search(request, context) }
    }

    private func search(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let q = request.uri.queryParameters
        let text = String((q["q"].map(String.init) ?? "").prefix(500)).trimmingCharacters(in: .whitespaces)
        let status = q["status"].flatMap { TicketStatus(rawValue: String($0)) }
        let organization = q["organization"].flatMap { UUID(uuidString: String($0)) }
        var results: [Result] = [], error: String?, searched = false
        let terms = Set(SearchText.terms(text))
        if !text.isEmpty {
            if terms.isEmpty {
                error = l.t("search_no_words")
            } else {
                searched = true
                // Filters apply to the 100 best matches the engine returns.
                let hits = try await desk.search(text, limit: 100, by: s.actor)
                    .filter { status == nil || $0.ticket.status == status }
                    .filter { organization == nil || $0.ticket.organizationId == organization }
                    .prefix(50)
                let names = try await desk.names(users: [UUID](), organizations: hits.map(\.ticket.organizationId), groups: [UUID]())
                results = hits.map { h in
                    Result(seq: h.ticket.seq, number: h.ticket.number, subjectHTML: Highlight.html(h.ticket.subject, terms: terms),
                           snippetHTML: Highlight.snippet(h.ticket.description, terms: terms),
                           status: l.t("status_\(h.ticket.status.rawValue)"), statusKey: h.ticket.status.rawValue,
                           organization: names.organization(h.ticket.organizationId) ?? "")
                }
            }
        }
        let orgs = s.actor.role.isStaff ? try await desk.listOrganizations(by: s.actor) : []
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("search_title"), request: request)
        return views.page("search", Model(
            frame: frame, t: frame.t, query: text, searched: searched,
            summary: results.isEmpty ? l.t("search_none") : l.count("search_count", results.count), results: results, hasResults: !results.isEmpty,
            statuses: l.statusOptions(selected: status),
            organizations: orgs.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == organization) }, error: error))
    }
}
