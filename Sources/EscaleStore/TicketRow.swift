import EscaleCore
import Foundation

/// A `tickets` row. Mapped by SQLKit (snake_case columns), converted to and from the domain `Ticket`.
struct TicketRow: Codable, Sendable {
    var id: UUID
    var seq: Int
    var type: String
    var subject: String
    var description: String
    var requesterId: UUID
    var organizationId: UUID
    var channel: String
    var category: String?
    var impact: String
    var urgency: String
    var priority: Int
    var major: Bool
    var status: String
    var open: Bool
    var tier: Int
    var groupId: UUID?
    var assigneeId: UUID?
    var occurredAt: Date
    var createdAt: Date
    var updatedAt: Date
    var firstResponseAt: Date?
    var resolvedAt: Date?
    var closedAt: Date?
    var timeSpentMinutes: Int
    var estimatedMinutes: Int?
    var tags: String
    var parentId: UUID?
    var contractId: UUID?
    var outOfScope: Bool
    var version: Int


    /// Column names spelled out: converting key case on every row was the top cost of list queries.
    enum CodingKeys: String, CodingKey {
        case id, seq, type, subject, description, requesterId = "requester_id", organizationId = "organization_id", channel, category, impact, urgency, priority, major, status, open, tier, groupId = "group_id", assigneeId = "assignee_id", occurredAt = "occurred_at", createdAt = "created_at", updatedAt = "updated_at", firstResponseAt = "first_response_at", resolvedAt = "resolved_at", closedAt = "closed_at", timeSpentMinutes = "time_spent_minutes", estimatedMinutes = "estimated_minutes", tags, parentId = "parent_id", contractId = "contract_id", outOfScope = "out_of_scope", version
    }

    init(_ t: Ticket) {
        id = t.id; seq = t.seq; type = t.type.rawValue; subject = t.subject; description = t.description
        requesterId = t.requesterId; organizationId = t.organizationId; channel = t.channel.rawValue
        category = t.category; impact = t.impact.rawValue; urgency = t.urgency.rawValue; priority = t.priority.rawValue
        major = t.major; status = t.status.rawValue; open = t.status.isOpen; tier = t.tier.rawValue; groupId = t.groupId
        assigneeId = t.assigneeId; occurredAt = t.occurredAt; createdAt = t.createdAt; updatedAt = t.updatedAt
        firstResponseAt = t.firstResponseAt; resolvedAt = t.resolvedAt; closedAt = t.closedAt
        timeSpentMinutes = t.timeSpentMinutes; estimatedMinutes = t.estimatedMinutes
        tags = String(decoding: try! JSONEncoder().encode(t.tags), as: UTF8.self)
        parentId = t.parentId; contractId = t.contractId; outOfScope = t.outOfScope; version = t.version
    }

    func ticket() throws -> Ticket {
        guard let type = TicketType(rawValue: type), let channel = Channel(rawValue: channel),
              let impact = Level(rawValue: impact), let urgency = Level(rawValue: urgency),
              let priority = Priority(rawValue: priority), let status = TicketStatus(rawValue: status),
              let tier = Tier(rawValue: tier)
        else { throw StoreError.corruptRow("ticket \(id)") }
        let tags = (try? JSONDecoder().decode([String].self, from: Data(self.tags.utf8))) ?? []
        return Ticket(
            id: id, seq: seq, type: type, subject: subject, description: description, requesterId: requesterId,
            organizationId: organizationId, channel: channel, category: category, impact: impact, urgency: urgency,
            priority: priority, major: major, status: status, tier: tier, groupId: groupId, assigneeId: assigneeId,
            occurredAt: occurredAt, createdAt: createdAt, updatedAt: updatedAt, firstResponseAt: firstResponseAt,
            resolvedAt: resolvedAt, closedAt: closedAt, timeSpentMinutes: timeSpentMinutes,
            estimatedMinutes: estimatedMinutes, tags: tags, parentId: parentId, contractId: contractId,
            outOfScope: outOfScope, version: version)
    }
}

/// A `ticket_events` row.
struct EventRow: Codable, Sendable {
    var id: UUID
    var ticketId: UUID
    var ticketVersion: Int
    var ordinal: Int
    var kind: String
    var actorId: UUID?
    var `public`: Bool
    var body: String?
    var field: String?
    var oldValue: String?
    var newValue: String?
    var fromTier: Int?
    var toTier: Int?
    var reason: String?
    var minutes: Int?
    var createdAt: Date
    var quoted: String?

    /// Column names spelled out: converting key case on every row was the top cost of list queries.
    enum CodingKeys: String, CodingKey {
        case id, ticketId = "ticket_id", ticketVersion = "ticket_version", ordinal, kind, actorId = "actor_id", `public`, body, field, oldValue = "old_value", newValue = "new_value", fromTier = "from_tier", toTier = "to_tier", reason, minutes, createdAt = "created_at", quoted
    }

    init(id: UUID, ticketId: UUID, version: Int, ordinal: Int, _ e: TicketEvent) {
        self.id = id; self.ticketId = ticketId; ticketVersion = version; self.ordinal = ordinal; kind = e.kind.rawValue
        actorId = e.actorId; self.public = e.isPublic; body = e.body; field = e.field; oldValue = e.oldValue
        newValue = e.newValue; fromTier = e.fromTier?.rawValue; toTier = e.toTier?.rawValue; reason = e.reason
        minutes = e.minutes; createdAt = e.at; quoted = e.quoted
    }

    func event() throws -> TicketEvent {
        guard let kind = TicketEventKind(rawValue: kind) else { throw StoreError.corruptRow("event \(id)") }
        return TicketEvent(kind: kind, actorId: actorId, at: createdAt, isPublic: self.public, body: body, field: field,
                           oldValue: oldValue, newValue: newValue, fromTier: fromTier.flatMap(Tier.init(rawValue:)),
                           toTier: toTier.flatMap(Tier.init(rawValue:)), reason: reason, minutes: minutes, quoted: quoted)
    }
}

public enum StoreError: Error, CustomStringConvertible {
    case corruptRow(String)
    public var description: String {
        switch self {
        case let .corruptRow(what): "unreadable row: \(what)"
        }
    }
}
