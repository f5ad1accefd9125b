import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// The service-level report of `GET /api/v1/reports/sla` for people: an organization and a period to pick, the
/// compliance per priority and clock in a table, and the same table as a CSV file.
struct SLAReportPages {
    let desk: Desk
    let views: Views

    struct Line {
        let priority: String
        let priorityValue: Int
        let metric: String
        let met: Int
        let breached: Int
        let running: Int
        let compliance: String
    }

    struct ReportPage {
        let frame: Frame
        let t: [String: String]
        let organizations: [Option]
        let hasOrganizations: Bool
        let from: String
        let to: String
        let error: String?
        let summary: String?
        let lines: [Line]
        let hasLines: Bool
        let csv: String?
    }

    /// The organization and period asked for, as the desk reads them.
    struct Query {
        let organizationId: UUID?
        /// The days as typed (`to` included in the period).
        let fromDay: String
        let toDay: String
        /// `[from, to)`: from the start of the first day to the end of the last, in the reader's time zone.
        let from: Date
        let to: Date
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/reports/sla") { request, context in try await page(request, context) }
        router.get("/reports/sla.csv") { request, context in try await csv(request, context) }
    }

    private func page(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let organizations = try await desk.slaReportOrganizations(by: s.actor)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("report_title"), request: request)
        var error: String?, report: SLAReportDTO?, query: Query?
        do {
            let q = try Self.query(request, l: l, now: desk.clock.now())
            query = q
            if let org = q.organizationId ?? organizations.first?.id {
                report = try await desk.slaReport(organizationId: org, from: q.from, to: q.to, by: s.actor)
            }
        } catch let e as DomainError {
            guard case .invalid = e else { throw e }
            error = l.message(for: e)
        }
        let chosen = report?.organizationId
        let days = query.map { ($0.fromDay, $0.toDay) } ?? Self.typedDays(request)
        let lines = report?.items.map { Self.line($0, l) } ?? []
        return views.page("sla_report", ReportPage(
            frame: frame, t: frame.t,
            organizations: organizations.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == chosen) },
            hasOrganizations: !organizations.isEmpty, from: days.0, to: days.1, error: error,
            summary: report.map { l.t("report_summary", $0.tickets, days.0, days.1) },
            lines: lines, hasLines: !lines.isEmpty,
            csv: report.map { "/reports/sla.csv?" + Self.parameters(organization: $0.organizationId, from: days.0, to: days.1) }),
                          status: error == nil ? .ok : .unprocessableContent)
    }

    private func csv(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let q = try Self.query(request, l: l, now: desk.clock.now())
        let organizations = try await desk.slaReportOrganizations(by: s.actor)
        guard let org = q.organizationId ?? organizations.first?.id else { throw DomainError.notFound("organization") }
        let report = try await desk.slaReport(organizationId: org, from: q.from, to: q.to, by: s.actor)
        let name = organizations.first { $0.id == org }?.name ?? ""
        var rows = [["field_organization", "report_from", "report_to", "report_tickets", "field_priority", "report_clock",
                     "report_met", "report_breached", "report_running", "report_csv_compliance"].map(l.t)]
        for item in report.items {
            rows.append([name, q.fromDay, q.toDay, String(report.tickets), l.t("priority_\(item.priority)"), l.t("sla_\(item.metric.rawValue)"),
                         String(item.met), String(item.breached), String(item.running), item.compliancePercent.map { String($0) } ?? ""])
        }
        return CSV.response(rows, filename: "sla-\(q.fromDay)-\(q.toDay).csv")
    }

    static func line(_ item: SLAReportDTO.Line, _ l: Localizer) -> Line {
        Line(priority: l.t("priority_\(item.priority)"), priorityValue: item.priority, metric: l.t("sla_\(item.metric.rawValue)"),
             met: item.met, breached: item.breached, running: item.running,
             compliance: item.compliancePercent.map { l.percent($0) } ?? "—")
    }

    /// The query's organization and whole days, the current month by default. Days that do not read as days are
    /// refused like the API refuses them (`invalid`, field `from`); the desk checks the order and length of the period.
    static func query(_ request: Request, l: Localizer, now: Date) throws -> Query {
        let q = request.uri.queryParameters
        var organizationId: UUID?
        if let raw = q["organization"].map(String.init), !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw DomainError.notFound("organization") }
            organizationId = id
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = l.timeZone
        let month = calendar.dateInterval(of: .month, for: now)!
        func day(_ key: Substring, default value: Date) throws -> Day {
            guard let raw = q[key].map(String.init), !raw.isEmpty else { return Day(localDay(value, calendar))! }
            guard let d = Day(raw) else { throw DomainError.invalid(field: "from", "give the period as two days, YYYY-MM-DD") }
            return d
        }
        let first = try day("from", default: month.start)
        let last = try day("to", default: month.end.addingTimeInterval(-1))
        let start = calendar.date(from: DateComponents(year: first.year, month: first.month, day: first.day))!
        let lastStart = calendar.date(from: DateComponents(year: last.year, month: last.month, day: last.day))!
        return Query(organizationId: organizationId, fromDay: first.description, toDay: last.description,
                     from: start, to: calendar.date(byAdding: .day, value: 1, to: lastStart)!)
    }

    static func localDay(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// What was typed, to give it back with the refusal.
    static func typedDays(_ request: Request) -> (String, String) {
        let q = request.uri.queryParameters
        return (q["from"].map(String.init) ?? "", q["to"].map(String.init) ?? "")
    }

    static func parameters(organization: UUID, from: String, to: String) -> String {
        "organization=\(organization.uuidString)&from=\(from)&to=\(to)"
    }
}
