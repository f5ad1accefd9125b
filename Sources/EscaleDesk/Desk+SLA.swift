import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Each ticket's SLA, replayed from its timeline after every change and kept as a snapshot (`ticket_sla`).
extension Desk {
    /// The terms a ticket's clocks run on: its active contract's SLA policy and that policy's calendar.
    func slaTerms(for organizationId: UUID, on db: any Database) async throws -> (policyId: UUID, policy: SLAPolicy, calendar: BusinessCalendar)? {
        guard let contract = try await activeContract(of: organizationId, on: db), let policyId = contract.slaPolicyId else { return nil }
        if let cached = cache.slaTerms(policyId) { return (policyId, cached.0, cached.1) }
        guard let m = try await SLAPolicyModel.find(policyId, on: db), let c = try await CalendarModel.find(m.calendarId, on: db) else { return nil }
        let policy = try JSONDecoder().decode(SLAPolicyInput.self, from: Data(m.definition.utf8)).policy()
        let calendar = try Self.input(c).calendar()
        cache.setSLATerms(policyId, (policy, calendar))
        return (policyId, policy, calendar)
    }

    /// Recomputes a ticket's SLA inside the writing transaction: saves the snapshot, records the transitions that have
    /// happened by now on the timeline (once each), and moves the ticket's SLA timer to its next instant (a warning,
    /// a due time, an escalation threshold). For a ticket created in this transaction (`created`), nothing is on the
    /// timeline yet: the transitions are returned for the caller to write with the ticket.
    @discardableResult
    func refreshSLA(_ ticket: Ticket, created: Bool, on db: any Database) async throws -> (recorded: [TicketEvent], plan: SLAPlan?) {
        guard let contract = try await activeContract(of: ticket.organizationId, on: db) else { return ([], nil) }
        let terms = try await slaTerms(for: ticket.organizationId, on: db)
        guard terms != nil || !contract.escalationRules.isEmpty else { return ([], nil) }
        let events = created ? [] : try await TicketRepository.timeline(of: ticket.id, includeInternal: true, on: db).map(\.event)
        let history = created ? SLAHistory(createdAt: ticket.createdAt, priority: ticket.priority, changes: []) : try await slaHistory(of: ticket, events: events, on: db)
        var state: SLAState?
        var recorded: [TicketEvent] = []
        if let terms {
            let s = SLAClock.state(history, policy: terms.policy, calendar: terms.calendar, now: now)
            state = s
            try await TicketSLAStore.save(s.snapshot, policyId: terms.policyId, ticketId: ticket.id, at: now, on: db)
            recorded = Self.unrecorded(s.transitions, timeline: events, now: now)
            if !created { try await TicketRepository.appendSystem(recorded, to: ticket.id, version: ticket.version, on: db) }
            // A warning or a breach found by the SLA timer (no ticket write publishes it) is mailed to whoever handles it.
            if !created, recorded.contains(where: { $0.newValue == "warning" || $0.newValue == "breached" }) { try await scheduleNotifications(ticket, on: db) }
        }
        let plan = SLAPlan(ticket: ticket, history: history, state: state, calendar: terms?.calendar, rules: contract.escalationRules,
                           fired: Self.firedRules(events), now: now)
        if let at = plan.nextCheck {
            try await JobQueue.schedule(key: Self.slaJobKey(ticket.id), kind: JobKind.slaCheck, at: at,
                                        payload: Self.payload(["ticket": ticket.id]), now: now, on: db)
        } else if !created {
            try await JobQueue.cancel(key: Self.slaJobKey(ticket.id), on: db)
        }
        return (recorded, plan)
    }

    static func slaJobKey(_ ticketId: UUID) -> String { "sla:\(ticketId.uuidString)" }

    /// Transitions up to `now` not yet on the timeline. The n-th transition of a kind on a clock is recorded once,
    /// whatever its instant: after a calendar change moves a past warning, the one already recorded stands.
    static func unrecorded(_ transitions: [SLATransition], timeline: [TicketEvent], now: Date) -> [TicketEvent] {
        var seen: [String: Int] = [:]
        for e in timeline where e.kind == .sla { seen["\(e.field ?? "")/\(e.newValue ?? "")", default: 0] += 1 }
        var count: [String: Int] = [:]
        var out: [TicketEvent] = []
        for t in transitions where t.at <= now {
            let key = "\(t.metric.rawValue)/\(t.kind.rawValue)"
            count[key, default: 0] += 1
            if count[key]! > seen[key, default: 0] {
                out.append(TicketEvent(kind: .sla, actorId: nil, at: t.at, isPublic: false, field: t.metric.rawValue, newValue: t.kind.rawValue))
            }
        }
        return out
    }

    /// Rules already fired on this ticket (their key is on the event they left).
    static func firedRules(_ timeline: [TicketEvent]) -> Set<String> {
        Set(timeline.filter { $0.kind == .escalated || $0.kind == .paged }.compactMap(\.field).filter { $0.hasPrefix("rule:") })
    }

    /// What the SLA timer of a ticket waits for.
    struct SLAPlan {
        /// Rules whose instant has come, not yet fired.
        let dueRules: [EscalationRule]
        /// The next instant worth waking up for (now, if a rule is due).
        let nextCheck: Date?

        init(ticket: Ticket, history: SLAHistory, state: SLAState?, calendar: BusinessCalendar?, rules: [EscalationRule], fired: Set<String>, now: Date) {
            var instants: [Date] = []
            var due: [EscalationRule] = []
            if ticket.status.isOpen {
                for rule in rules where !fired.contains(rule.key) {
                    guard let at = rule.firesAt(createdPriority: history.priority, createdAt: history.createdAt, sla: state, calendar: calendar) else { continue }
                    if at <= now { due.append(rule) }
                    instants.append(max(at, now))
                }
            }
            if let snapshot = state?.snapshot {
                for clock in [snapshot.firstResponse, snapshot.nextUpdate, snapshot.resolution].compactMap({ $0 }) where clock.outcome == nil {
                    instants += [clock.warningAt, clock.dueAt].compactMap { $0 }.filter { $0 > now }
                }
            }
            dueRules = due
            nextCheck = instants.min()
        }
    }

    /// What the clocks depend on, read from the timeline: status and priority changes, and the desk's public replies.
    func slaHistory(of ticket: Ticket, events: [TicketEvent], on db: any Database) async throws -> SLAHistory {
        let authors = Set(events.filter { $0.kind == .reply }.compactMap(\.actorId))
        var staff = Set<UUID>()
        if !authors.isEmpty {
            let roles = try await UserModel.query(on: db).filter(\.$id ~~ Array(authors)).field(\.$id).field(\.$role).all()
            staff = Set(roles.filter { Role(rawValue: $0.role)?.isStaff == true }.compactMap(\.id))
        }
        return Self.slaHistory(of: ticket, events: events, staff: staff)
    }

    static func slaHistory(of ticket: Ticket, events: [TicketEvent], staff: Set<UUID>) -> SLAHistory {
        var initialPriority = ticket.priority
        if let first = events.first(where: { $0.kind == .fieldChanged && $0.field == "priority" }),
           let raw = first.oldValue.flatMap(Int.init), let p = Priority(rawValue: raw) { initialPriority = p }
        var changes: [(at: Date, change: SLAHistory.Change)] = []
        for e in events {
            switch e.kind {
            case .statusChanged:
                if let s = e.newValue.flatMap(TicketStatus.init(rawValue:)) { changes.append((e.at, .status(s))) }
            case .fieldChanged where e.field == "priority":
                if let p = e.newValue.flatMap(Int.init).flatMap(Priority.init(rawValue:)) { changes.append((e.at, .priority(p))) }
            case .reply where e.isPublic && e.actorId.map(staff.contains) == true:
                changes.append((e.at, .staffReply))
            default: break
            }
        }
        return SLAHistory(createdAt: ticket.createdAt, priority: initialPriority, changes: changes)
    }

    /// The SLA of these tickets (already read through the caller's scope) as of `now`, in one query. Only tickets
    /// whose organization's contract has a policy can have one: the (cached) contracts are asked first, so desks
    /// without SLAs pay no query at all.
    public func sla(of tickets: [Ticket], on db: (any Database)? = nil) async throws -> [UUID: SLADTO] {
        let db = db ?? store.database
        var covered = Set<UUID>()
        for org in Set(tickets.map(\.organizationId)) where try await activeContract(of: org, on: db)?.slaPolicyId != nil {
            covered.insert(org)
        }
        let ids = tickets.filter { covered.contains($0.organizationId) }.map(\.id)
        guard !ids.isEmpty else { return [:] }
        let at = now
        return try await TicketSLAStore.load(ids, on: db).mapValues { SLADTO(policyId: $0.policyId, $0.1, at: at) }
    }

    /// Tickets as the API shows them, with their SLA (one query for all of them).
    public func dtos(_ tickets: [Ticket], on db: (any Database)? = nil) async throws -> [TicketDTO] {
        let sla = try await sla(of: tickets, on: db)
        let alerts = try await alertIntake.alerts(of: tickets.filter { $0.channel == .monitoring }.map(\.id), on: db ?? store.database)
        return tickets.map { t in
            var dto = TicketDTO(t)
            dto.sla = sla[t.id]
            dto.alert = alerts[t.id]
            return dto
        }
    }

    public func dto(_ ticket: Ticket, on db: (any Database)? = nil) async throws -> TicketDTO {
        try await dtos([ticket], on: db)[0]
    }
}

extension Desk {
    /// SLA compliance of an organization's tickets created in `[from, to)`: staff who serve it, and its client managers.
    public func slaReport(organizationId: UUID, from: Date, to: Date, by actor: Actor) async throws -> SLAReportDTO {
        try AccessPolicy.require(actor, .readReports)
        let db = store.database
        _ = try await visibleOrganization(organizationId, by: actor, on: db)
        guard to > from, to.timeIntervalSince(from) <= 3 * 366 * 86_400 else {
            throw DomainError.invalid(field: "to", "must be after from, at most three years later")
        }
        let tickets = try await TicketSLAStore.load(organizationId: organizationId, createdFrom: from, to: to, on: db)
        return SLAReportDTO(organizationId: organizationId, from: from, to: to, tickets: tickets.count,
                            items: SLAReport.lines(tickets, at: now).map(SLAReportDTO.Line.init))
    }

    /// Organizations whose SLA report the actor may read: those they may know of, if their role reads reports.
    public func slaReportOrganizations(by actor: Actor) async throws -> [OrganizationDTO] {
        try AccessPolicy.require(actor, .readReports)
        return try await listOrganizations(by: actor)
    }
}
