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

    /// Recomputes a ticket's SLA snapshot inside the writing transaction. `created` is true for a ticket written in
    /// this transaction (its timeline is only the creation, which may not be flushed yet).
    func refreshSLA(_ ticket: Ticket, created: Bool, on db: any Database) async throws {
        guard let terms = try await slaTerms(for: ticket.organizationId, on: db) else { return }
        let history: SLAHistory
        if created {
            history = SLAHistory(createdAt: ticket.createdAt, priority: ticket.priority, changes: [])
        } else {
            history = try await slaHistory(of: ticket, on: db)
        }
        let state = SLAClock.state(history, policy: terms.policy, calendar: terms.calendar, now: now)
        try await TicketSLAStore.save(state.snapshot, policyId: terms.policyId, ticketId: ticket.id, at: now, on: db)
    }

    /// What the clocks depend on, read from the timeline: status and priority changes, and the desk's public replies.
    func slaHistory(of ticket: Ticket, on db: any Database) async throws -> SLAHistory {
        let events = try await TicketRepository.timeline(of: ticket.id, includeInternal: true, on: db).map(\.event)
        let authors = Set(events.filter { $0.kind == .reply }.compactMap(\.actorId))
        var staff = Set<UUID>()
        if !authors.isEmpty {
            let roles = try await UserModel.query(on: db).filter(\.$id ~~ Array(authors)).field(\.$id).field(\.$role).all()
            staff = Set(roles.filter { Role(rawValue: $0.role)?.isStaff == true }.compactMap(\.id))
        }
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
        return tickets.map { t in
            var dto = TicketDTO(t)
            dto.sla = sla[t.id]
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
}
