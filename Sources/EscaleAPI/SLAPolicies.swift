import EscaleCore
import Foundation

/// Targets for one priority, in business minutes.
public struct SLATargetInput: Codable, Sendable, Equatable {
    public var priority: Int
    public var firstResponseMinutes: Int
    public var nextUpdateMinutes: Int?
    public var resolutionMinutes: Int
    public init(priority: Int, firstResponseMinutes: Int, nextUpdateMinutes: Int? = nil, resolutionMinutes: Int) {
        self.priority = priority; self.firstResponseMinutes = firstResponseMinutes
        self.nextUpdateMinutes = nextUpdateMinutes; self.resolutionMinutes = resolutionMinutes
    }
    enum CodingKeys: String, CodingKey {
        case priority, firstResponseMinutes = "first_response_minutes", nextUpdateMinutes = "next_update_minutes", resolutionMinutes = "resolution_minutes"
    }
}

public struct SLAPolicyInput: Codable, Sendable {
    public var name: String
    public var calendarId: UUID
    public var targets: [SLATargetInput]
    /// Statuses that pause the resolution clock; `["pending"]` if absent.
    public var pauseStatuses: [TicketStatus]?
    /// 1–99; 75 if absent.
    public var warningPercent: Int?

    public init(name: String, calendarId: UUID, targets: [SLATargetInput], pauseStatuses: [TicketStatus]? = nil, warningPercent: Int? = nil) {
        self.name = name; self.calendarId = calendarId; self.targets = targets; self.pauseStatuses = pauseStatuses; self.warningPercent = warningPercent
    }

    enum CodingKeys: String, CodingKey {
        case name, calendarId = "calendar_id", targets, pauseStatuses = "pause_statuses", warningPercent = "warning_percent"
    }

    /// The domain policy, or a clear error naming the field at fault.
    public func policy() throws -> SLAPolicy {
        var byPriority: [Priority: SLAPolicy.Targets] = [:]
        for t in targets {
            guard let p = Priority(rawValue: t.priority) else { throw DomainError.invalid(field: "targets", "priority must be between 1 and 5, got \(t.priority)") }
            guard byPriority[p] == nil else { throw DomainError.invalid(field: "targets", "priority \(t.priority) is given twice") }
            byPriority[p] = try SLAPolicy.Targets(firstResponse: t.firstResponseMinutes, nextUpdate: t.nextUpdateMinutes, resolution: t.resolutionMinutes)
        }
        return try SLAPolicy(targets: byPriority, pauseStatuses: Set(pauseStatuses ?? [.pending]), warningPercent: warningPercent ?? 75)
    }
}

public struct SLAPolicyDTO: Codable, Sendable {
    public var id: UUID
    public var name: String
    public var calendarId: UUID
    public var targets: [SLATargetInput]
    public var pauseStatuses: [TicketStatus]
    public var warningPercent: Int
    public var createdAt: Date

    public init(id: UUID, input: SLAPolicyInput, createdAt: Date) {
        self.id = id; name = input.name; calendarId = input.calendarId
        targets = input.targets.sorted { $0.priority < $1.priority }
        pauseStatuses = (input.pauseStatuses ?? [.pending]).sorted { $0.rawValue < $1.rawValue }
        warningPercent = input.warningPercent ?? 75; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, calendarId = "calendar_id", targets, pauseStatuses = "pause_statuses", warningPercent = "warning_percent", createdAt = "created_at"
    }
}

/// A ticket's SLA as of the response: due times and where each clock stands.
public struct SLADTO: Codable, Sendable, Equatable {
    public var policyId: UUID
    public var firstResponseDueAt: Date?
    public var nextUpdateDueAt: Date?
    public var resolutionDueAt: Date?
    public var paused: Bool
    public var firstResponse: SLAStatus
    public var nextUpdate: SLAStatus?
    public var resolution: SLAStatus
    /// Business minutes the resolution clock has run, and spent paused (as of the last change).
    public var resolutionElapsedMinutes: Int
    public var pausedMinutes: Int
    /// The running clock that falls due first, and when; absent when none runs (all met or breached, or paused).
    public var nextDue: SLAMetric?
    public var nextDueAt: Date?
    /// A running clock has passed its warning threshold (the policy's warning percentage) or its target.
    public var atRisk: Bool

    public init(policyId: UUID, _ s: SLASnapshot, at now: Date) {
        self.policyId = policyId
        firstResponseDueAt = s.firstResponse.outcome == nil ? s.firstResponse.dueAt : nil
        nextUpdateDueAt = s.nextUpdate?.outcome == nil ? s.nextUpdate?.dueAt : nil
        resolutionDueAt = s.resolution.outcome == nil ? s.resolution.dueAt : nil
        paused = s.paused
        firstResponse = s.firstResponse.status(at: now)
        nextUpdate = s.nextUpdate?.status(at: now)
        resolution = s.resolution.status(at: now)
        resolutionElapsedMinutes = s.resolutionElapsedMinutes
        pausedMinutes = s.pausedMinutes
        let next = s.nextDue(at: now)
        nextDue = next?.metric
        nextDueAt = next?.dueAt
        atRisk = s.atRisk(at: now)
    }

    enum CodingKeys: String, CodingKey {
        case policyId = "policy_id", firstResponseDueAt = "first_response_due_at", nextUpdateDueAt = "next_update_due_at"
        case resolutionDueAt = "resolution_due_at", paused, firstResponse = "first_response", nextUpdate = "next_update", resolution
        case resolutionElapsedMinutes = "resolution_elapsed_minutes", pausedMinutes = "paused_minutes"
        case nextDue = "next_due", nextDueAt = "next_due_at", atRisk = "at_risk"
    }
}

/// `GET /api/v1/reports/sla`: compliance per priority and clock for an organization's tickets created in a period.
public struct SLAReportDTO: Codable, Sendable {
    public struct Line: Codable, Sendable {
        public var priority: Int
        public var metric: SLAMetric
        public var met: Int
        public var breached: Int
        public var running: Int
        public var compliancePercent: Double?
        public init(_ l: SLAReport.Line) {
            priority = l.priority.rawValue; metric = l.metric; met = l.met; breached = l.breached; running = l.running
            compliancePercent = l.compliancePercent.map { ($0 * 10).rounded() / 10 }
        }
        enum CodingKeys: String, CodingKey { case priority, metric, met, breached, running, compliancePercent = "compliance_percent" }
    }
    public var organizationId: UUID
    public var from: Date
    public var to: Date
    public var tickets: Int
    public var items: [Line]
    public init(organizationId: UUID, from: Date, to: Date, tickets: Int, items: [Line]) {
        self.organizationId = organizationId; self.from = from; self.to = to; self.tickets = tickets; self.items = items
    }
    enum CodingKeys: String, CodingKey { case organizationId = "organization_id", from, to, tickets, items }
}
