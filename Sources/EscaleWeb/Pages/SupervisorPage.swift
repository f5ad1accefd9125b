import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Supervisors' view of the desk: open tickets per tier, group and agent (each count opens the matching queue), and
/// the open tickets whose service levels are breached or at risk.
struct SupervisorPage {
    let desk: Desk
    let views: Views
    /// Rows of each SLA list; the page says when there are more (the "SLA due soon" queue has them all).
    static let listLimit = 100

    struct CountRow {
        let label: String
        let detail: String?
        let count: Int
        let href: String
    }

    /// One clock of a watched ticket: which, where it stands, when it is or was due, by how much.
    struct ClockLine {
        let label: String
        let status: String
        let statusKey: String
        let due: String?
        let dueISO: String?
        let delay: String?
    }

    struct WatchRow {
        let seq: Int
        let number: String
        let subject: String
        let priority: String
        let priorityValue: Int
        let organization: String
        let assignee: String
        let paused: Bool
        let clocks: [ClockLine]
    }

    /// A list of watched tickets (nil when empty), and whether it stops short of all of them.
    struct WatchList {
        let rows: [WatchRow]
        let more: String?
    }

    struct Model {
        let frame: Frame
        let t: [String: String]
        let total: Int
        let tiers: [CountRow]
        let groups: [CountRow]
        let agents: [CountRow]
        let breached: WatchList?
        let atRisk: WatchList?
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/supervisor") { request, context in try await page(request, context) }
    }

    private func page(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let overview = try await desk.supervision(by: s.actor, limit: Self.listLimit)
        let l = PageContext.localizer(request: request, session: s)
        let groups = try await desk.listGroups(by: s.actor)
        let staff = try await desk.assignableAgents(group: nil)
        let watched = overview.breached + overview.atRisk
        let names = try await desk.names(users: watched.compactMap(\.ticket.assigneeId) + overview.openByAssignee.keys.compactMap { $0 },
                                         organizations: watched.map(\.ticket.organizationId), groups: [])
        let now = desk.clock.now()
        let queue = "/queues/open?"

        let tiers = Tier.allCases.map { CountRow(label: $0.label, detail: nil, count: overview.openByTier[$0] ?? 0, href: queue + "tier=\($0.rawValue)") }
        var groupRows = groups.filter { $0.active || overview.openByGroup[$0.id] != nil }.map {
            CountRow(label: $0.name, detail: $0.tier.label, count: overview.openByGroup[$0.id] ?? 0, href: queue + "group=\($0.id.uuidString)")
        }
        if let ungrouped = overview.openByGroup[nil] {
            groupRows.append(CountRow(label: l.t("supervisor_no_group"), detail: nil, count: ungrouped, href: queue + "group=none"))
        }
        // Everyone who may be assigned, busy or not, then anyone else still holding open tickets (a deactivated account).
        var agentRows = [CountRow(label: l.t("supervisor_unassigned"), detail: nil, count: overview.openByAssignee[nil] ?? 0, href: queue + "assignee=none")]
        agentRows += staff.map { CountRow(label: $0.name, detail: nil, count: overview.openByAssignee[$0.id] ?? 0, href: queue + "assignee=\($0.id.uuidString)") }
        let known = Set(staff.map(\.id))
        agentRows += overview.openByAssignee.compactMap { id, count in
            guard let id, !known.contains(id) else { return nil }
            return CountRow(label: names.user(id) ?? id.uuidString, detail: nil, count: count, href: queue + "assignee=\(id.uuidString)")
        }.sorted { $0.label < $1.label }

        let more = l.t("supervisor_more", Self.listLimit)
        func list(_ watched: [Desk.Supervision.Watched], showing state: SLAStatus, more isLonger: Bool) -> WatchList? {
            guard !watched.isEmpty else { return nil }
            return WatchList(rows: watched.map { w in
                WatchRow(seq: w.ticket.seq, number: w.ticket.number, subject: w.ticket.subject,
                         priority: l.t("priority_\(w.ticket.priority.rawValue)"), priorityValue: w.ticket.priority.rawValue,
                         organization: names.organization(w.ticket.organizationId) ?? "", assignee: names.user(w.ticket.assigneeId) ?? "—",
                         paused: w.sla.paused, clocks: Self.clocks(w.sla, state: state, now: now, l: l))
            }, more: isLonger ? more : nil)
        }
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("supervisor_title"), request: request)
        return views.page("supervisor", Model(
            frame: frame, t: frame.t, total: overview.openTotal, tiers: tiers, groups: groupRows, agents: agentRows,
            breached: list(overview.breached, showing: .breached, more: overview.moreBreached),
            atRisk: list(overview.atRisk, showing: .warning, more: overview.moreAtRisk)))
    }

    /// The clocks of a ticket in `state` (breached, or warning: at risk), with how late they are or how soon they are due.
    static func clocks(_ sla: SLADTO, state: SLAStatus, now: Date, l: Localizer) -> [ClockLine] {
        var all: [(SLAMetric, SLAStatus, Date?)] = [(.firstResponse, sla.firstResponse, sla.firstResponseDueAt)]
        if let n = sla.nextUpdate { all.append((.nextUpdate, n, sla.nextUpdateDueAt)) }
        all.append((.resolution, sla.resolution, sla.resolutionDueAt))
        return all.filter { $0.1 == state }.map { metric, status, due in
            let delay = due.map { due in
                let minutes = Int((abs(now.timeIntervalSince(due)) / 60).rounded(.down))
                return l.t(now >= due ? "supervisor_late_by" : "supervisor_due_in", l.minutes(minutes))
            }
            return ClockLine(label: l.t("sla_\(metric.rawValue)"), status: l.t("sla_status_\(status.rawValue)"), statusKey: status.rawValue,
                             due: due.map(l.dateTime), dueISO: due.map(l.iso), delay: delay)
        }
    }
}
