import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// SLA timers firing, automatic escalation rules, and SLA replays after a change of terms.
extension Desk {
    /// Acts for the desk itself (automatic escalations). Its events carry no actor.
    static let system = Actor(userId: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), role: .admin,
                              servedOrganizations: .all, highestTier: .n3)

    /// A ticket's SLA timer: records the transitions that have come, fires the rules whose instant has come, and
    /// moves the timer to the next instant — all in the job's transaction.
    func runSLACheck(_ job: Job) async throws {
        struct Payload: Decodable { let ticket: UUID }
        let id = try Self.payload(Payload.self, of: job).ticket
        try await complete(job) { db in
            guard let ticket = try await TicketRepository.find(id, scope: .all, forUpdate: true, on: db) else { return }
            try await self.checkSLA(ticket, on: db)
        }
    }

    /// Records what has come and moves the timer; if rules are due, fires them and moves the timer past them.
    func checkSLA(_ ticket: Ticket, on db: any Database) async throws {
        guard let due = try await refreshSLA(ticket, created: false, on: db).plan?.dueRules, !due.isEmpty else { return }
        var ticket = ticket
        for rule in due {
            ticket = try await fire(rule, on: ticket, on: db)
        }
        try await refreshSLA(ticket, created: false, on: db)
    }

    /// Applies one escalation rule and leaves its key on the timeline, so it never fires twice.
    func fire(_ rule: EscalationRule, on ticket: Ticket, on db: any Database) async throws -> Ticket {
        let why = Self.describe(rule.trigger)
        if rule.action == .functional, let next = Tier(rawValue: ticket.tier.rawValue + 1) {
            var escalated = ticket
            let group = try await routedGroup(for: next, organizationId: ticket.organizationId, on: db)
            var events = try escalated.escalate(to: next, reason: "Automatic escalation: \(why)", group: group,
                                                by: Self.system, at: now)
            events = events.map { var e = $0; e.actorId = nil; return e }
            events[0].field = rule.key
            try await save(escalated, before: ticket, events: events, on: db)
            try await routeToOnCallIfNeeded(escalated, on: db)
            return escalated
        }
        // Hierarchical, or functional at N3 already: the supervisors hear of it.
        let supervisors = try await supervisors(of: ticket, on: db)
        let reason = rule.action == .functional ? "\(why) (already at N3: supervisors notified)" : why
        let events = supervisors.isEmpty
            ? [TicketEvent(kind: .paged, actorId: nil, at: now, isPublic: false, field: rule.key, reason: "\(reason); no supervisor to notify")]
            : supervisors.map { TicketEvent(kind: .paged, actorId: nil, at: now, isPublic: false, field: rule.key, newValue: $0.uuidString, reason: reason) }
        try await TicketRepository.appendSystem(events, to: ticket.id, version: ticket.version, on: db)
        for user in supervisors {
            try await notify(user, about: ticket, event: .escalation, reason: reason, incidentId: nil, on: db)
        }
        try await publish(.updated, ticket, isPublic: false, on: db)
        return ticket
    }

    static func describe(_ trigger: EscalationRule.Trigger) -> String {
        switch trigger {
        case let .firstResponse(p): "no first response at \(p) % of its target"
        case let .resolution(p): "resolution clock at \(p) % of its target"
        case .breach: "an SLA target was breached"
        case .priorityOneCreated: "a priority-1 ticket was created"
        }
    }

    /// Active supervisors of the ticket's group, else every active supervisor.
    func supervisors(of ticket: Ticket, on db: any Database) async throws -> [UUID] {
        let all = try await UserModel.query(on: db).filter(\.$role == Role.supervisor.rawValue).filter(\.$active == true).sort(\.$email).all().compactMap(\.id)
        guard let group = ticket.groupId else { return all }
        let members = Set(try await GroupMemberModel.query(on: db).filter(\.$groupId == group).all().map(\.userId))
        let ofGroup = all.filter(members.contains)
        return ofGroup.isEmpty ? all : ofGroup
    }

    // MARK: Replays

    /// Replays the SLA of an organization's open tickets in the background (its contract changed).
    func scheduleSLAReplay(organizationId: UUID, on db: any Database) async throws {
        try await JobQueue.schedule(key: "sla-replay:org:\(organizationId.uuidString)", kind: JobKind.slaReplay, at: now,
                                    payload: Self.payload(["organizations": [organizationId]]), now: now, on: db)
    }

    /// Replays the SLA of every organization whose active contract runs on one of these policies.
    func scheduleSLAReplay(policies: Set<UUID>, reason: String, on db: any Database) async throws {
        guard !policies.isEmpty else { return }
        let orgs = Set(try await ContractModel.query(on: db).filter(\.$slaPolicyId ~~ Array(policies)).all().map(\.organizationId))
        guard !orgs.isEmpty else { return }
        try await JobQueue.schedule(key: "sla-replay:\(reason)", kind: JobKind.slaReplay, at: now,
                                    payload: Self.payload(["organizations": orgs.sorted { $0.uuidString < $1.uuidString }]), now: now, on: db)
    }

    func runSLAReplay(_ job: Job) async throws {
        struct Payload: Decodable { let organizations: [UUID] }
        let orgs = try Self.payload(Payload.self, of: job).organizations
        // Idempotent (a recomputation, transitions recorded once each): safe to run again if this runner dies midway.
        _ = try await replaySLA(organizations: orgs)
        try await complete(job) { _ in }
    }

    /// Recomputes the SLA of the open tickets of these organizations, a chunk of tickets per transaction: snapshots,
    /// transitions that have come, and timers. Returns how many tickets were replayed.
    public func replaySLA(organizations: [UUID], chunk: Int = 2_000) async throws -> Int {
        cache.invalidateDirectory()
        let db = store.database
        let staff = Set(try await UserModel.query(on: db).filter(\.$role ~~ Role.allCases.filter(\.isStaff).map(\.rawValue)).all().compactMap(\.id))
        var total = 0
        // While one chunk is written (SQLite has one writer), the next is read and computed.
        var writing: Task<Void, any Error>?
        for org in organizations {
            guard let contract = try await activeContract(of: org, on: db) else { continue }
            let terms = try await slaTerms(for: org, on: db)
            guard terms != nil || !contract.escalationRules.isEmpty else { continue }
            var after = 0
            while true {
                let tickets = try await TicketRepository.openTickets(organizationId: org, afterSeq: after, limit: chunk, on: db)
                guard let last = tickets.last else { break }
                after = last.seq
                let timelines = try await TicketRepository.slaTimelines(of: tickets.map(\.id), on: db)
                let at = now
                var snapshots: [(UUID, SLASnapshot)] = []
                var newEvents: [(Ticket, [TicketEvent])] = []
                var timers: [(key: String, kind: String, runAt: Date, payload: String)] = []
                var idle: [String] = []
                for t in tickets {
                    let events = timelines[t.id] ?? []
                    let history = Self.slaHistory(of: t, events: events, staff: staff)
                    var state: SLAState?
                    if let terms {
                        let s = SLAClock.state(history, policy: terms.policy, calendar: terms.calendar, now: at)
                        state = s
                        snapshots.append((t.id, s.snapshot))
                        let recorded = Self.unrecorded(s.transitions, timeline: events, now: at)
                        if !recorded.isEmpty { newEvents.append((t, recorded)) }
                    }
                    let plan = SLAPlan(ticket: t, history: history, state: state, calendar: terms?.calendar, rules: contract.escalationRules,
                                       fired: Self.firedRules(events), now: at)
                    if let next = plan.nextCheck {
                        timers.append((Self.slaJobKey(t.id), JobKind.slaCheck, next, Self.payload(["ticket": t.id])))
                    } else {
                        idle.append(Self.slaJobKey(t.id))
                    }
                }
                let policyId = terms?.policyId
                let (snapshotRows, eventRows, timerRows, idleKeys) = (snapshots, newEvents, timers, idle)
                try await writing?.value
                writing = Task { try await self.store.write { db in
                    if let policyId { try await TicketSLAStore.save(snapshotRows, policyId: policyId, at: at, on: db) }
                    try await TicketRepository.appendSystem(eventRows.map { ($0.0.id, $0.0.version, $0.1) }, on: db)
                    try await JobQueue.schedule(timerRows, now: at, on: db)
                    try await JobQueue.cancel(keys: idleKeys, on: db)
                } }
                total += tickets.count
            }
        }
        try await writing?.value
        return total
    }
}
