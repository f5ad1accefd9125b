import EscaleCore
import Foundation

public struct TicketInput: Codable, Sendable {
    public var subject: String
    public var description: String
    public var impact: Level
    public var urgency: Level
    public var type: TicketType?
    public var category: String?
    public var channel: Channel?
    public var occurredAt: Date?
    public var requesterId: UUID?
    public var organizationId: UUID?
    public var tags: [String]?
    /// Staff only: the group that takes it (its tier becomes the ticket's). Absent: the organization's N1 group, if
    /// one stands out (see `GroupRouting`).
    public var groupId: UUID?
    /// Staff only: who works on it from the start (an agent taking a call assigns it to themselves).
    public var assigneeId: UUID?
    public init(subject: String, description: String, impact: Level, urgency: Level, type: TicketType? = nil, category: String? = nil,
                channel: Channel? = nil, occurredAt: Date? = nil, requesterId: UUID? = nil, organizationId: UUID? = nil, tags: [String]? = nil,
                groupId: UUID? = nil, assigneeId: UUID? = nil) {
        self.subject = subject; self.description = description; self.impact = impact; self.urgency = urgency; self.type = type
        self.category = category; self.channel = channel; self.occurredAt = occurredAt; self.requesterId = requesterId
        self.organizationId = organizationId; self.tags = tags; self.groupId = groupId; self.assigneeId = assigneeId
    }

    enum CodingKeys: String, CodingKey {
        case subject, description, impact, urgency, type, category, channel, occurredAt = "occurred_at",
             requesterId = "requester_id", organizationId = "organization_id", tags, groupId = "group_id", assigneeId = "assignee_id"
    }
}

/// PATCH body. A key that is absent leaves the field alone; `null` clears a clearable field.
public struct TicketPatch: Codable, Sendable {
    public var subject: String?
    public var description: String?
    public var type: TicketType?
    public var category: String??
    public var impact: Level?
    public var urgency: Level?
    public var major: Bool?
    public var status: TicketStatus?
    public var groupId: UUID??
    public var assigneeId: UUID??
    public var occurredAt: Date?
    public var estimatedMinutes: Int??
    public var tags: [String]?
    public var parentId: UUID??

    public init() {}

    enum CodingKeys: String, CodingKey {
        case subject, description, type, category, impact, urgency, major, status, groupId = "group_id",
             assigneeId = "assignee_id", occurredAt = "occurred_at", estimatedMinutes = "estimated_minutes", tags,
             parentId = "parent_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func clearable<T: Decodable>(_ key: CodingKeys) throws -> T?? {
            guard c.contains(key) else { return nil }
            return try c.decodeNil(forKey: key) ? .some(nil) : .some(try c.decode(T.self, forKey: key))
        }
        /// A field that cannot be cleared: absent leaves it alone, `null` is an error (never silently ignored).
        func kept<T: Decodable>(_ key: CodingKeys) throws -> T? {
            guard c.contains(key) else { return nil }
            if try c.decodeNil(forKey: key) {
                throw DecodingError.valueNotFound(T.self, .init(codingPath: c.codingPath + [key], debugDescription: "cannot be cleared"))
            }
            return try c.decode(T.self, forKey: key)
        }
        subject = try kept(.subject)
        description = try kept(.description)
        type = try kept(.type)
        category = try clearable(.category)
        impact = try kept(.impact)
        urgency = try kept(.urgency)
        major = try kept(.major)
        status = try kept(.status)
        groupId = try clearable(.groupId)
        assigneeId = try clearable(.assigneeId)
        occurredAt = try kept(.occurredAt)
        estimatedMinutes = try clearable(.estimatedMinutes)
        tags = try kept(.tags)
        parentId = try clearable(.parentId)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func clearable<T: Encodable>(_ v: T??, _ key: CodingKeys) throws {
            switch v {
            case .none: break
            case .some(.none): try c.encodeNil(forKey: key)
            case let .some(.some(x)): try c.encode(x, forKey: key)
            }
        }
        try c.encodeIfPresent(subject, forKey: .subject)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(type, forKey: .type)
        try clearable(category, .category)
        try c.encodeIfPresent(impact, forKey: .impact)
        try c.encodeIfPresent(urgency, forKey: .urgency)
        try c.encodeIfPresent(major, forKey: .major)
        try c.encodeIfPresent(status, forKey: .status)
        try clearable(groupId, .groupId)
        try clearable(assigneeId, .assigneeId)
        try c.encodeIfPresent(occurredAt, forKey: .occurredAt)
        try clearable(estimatedMinutes, .estimatedMinutes)
        try c.encodeIfPresent(tags, forKey: .tags)
        try clearable(parentId, .parentId)
    }
}

public struct TicketDTO: Codable, Sendable {
    public var id: UUID
    public var number: String
    public var type: TicketType
    public var subject: String
    public var description: String
    public var status: TicketStatus
    public var priority: Priority
    public var impact: Level
    public var urgency: Level
    public var major: Bool
    public var tier: Tier
    public var groupId: UUID?
    public var assigneeId: UUID?
    public var requesterId: UUID
    public var organizationId: UUID
    public var channel: Channel
    public var category: String?
    public var outOfScope: Bool
    public var contractId: UUID?
    public var occurredAt: Date
    public var createdAt: Date
    public var updatedAt: Date
    public var firstResponseAt: Date?
    public var resolvedAt: Date?
    public var closedAt: Date?
    public var timeSpentMinutes: Int
    public var estimatedMinutes: Int?
    public var tags: [String]
    public var parentId: UUID?
    public var version: Int
    /// Absent when the ticket's contract has no SLA policy.
    public var sla: SLADTO?
    /// The monitoring problem behind a ticket monitoring opened (channel `monitoring`).
    public var alert: TicketAlertDTO?

    public init(_ t: Ticket) {
        id = t.id; number = t.number; type = t.type; subject = t.subject; description = t.description; status = t.status
        priority = t.priority; impact = t.impact; urgency = t.urgency; major = t.major; tier = t.tier; groupId = t.groupId
        assigneeId = t.assigneeId; requesterId = t.requesterId; organizationId = t.organizationId; channel = t.channel
        category = t.category; outOfScope = t.outOfScope; contractId = t.contractId; occurredAt = t.occurredAt
        createdAt = t.createdAt; updatedAt = t.updatedAt; firstResponseAt = t.firstResponseAt; resolvedAt = t.resolvedAt
        closedAt = t.closedAt; timeSpentMinutes = t.timeSpentMinutes; estimatedMinutes = t.estimatedMinutes; tags = t.tags
        parentId = t.parentId; version = t.version
    }

    enum CodingKeys: String, CodingKey {
        case id, number, type, subject, description, status, priority, impact, urgency, major, tier, groupId = "group_id",
             assigneeId = "assignee_id", requesterId = "requester_id", organizationId = "organization_id", channel, category,
             outOfScope = "out_of_scope", contractId = "contract_id", occurredAt = "occurred_at", createdAt = "created_at",
             updatedAt = "updated_at", firstResponseAt = "first_response_at", resolvedAt = "resolved_at", closedAt = "closed_at",
             timeSpentMinutes = "time_spent_minutes", estimatedMinutes = "estimated_minutes", tags, parentId = "parent_id", version, sla, alert
    }
}

public struct CommentInput: Codable, Sendable {
    public var body: String
    public var isPublic: Bool
    /// Attachments uploaded to the ticket beforehand, to show with this comment.
    public var attachmentIds: [UUID]?
    enum CodingKeys: String, CodingKey { case body, isPublic = "public", attachmentIds = "attachment_ids" }
    public init(body: String, isPublic: Bool, attachmentIds: [UUID]? = nil) { self.body = body; self.isPublic = isPublic; self.attachmentIds = attachmentIds }
}

public struct EscalateInput: Codable, Sendable {
    public var tier: Tier
    public var reason: String
    public var groupId: UUID?
    public init(tier: Tier, reason: String, groupId: UUID? = nil) { self.tier = tier; self.reason = reason; self.groupId = groupId }

    enum CodingKeys: String, CodingKey {
        case tier, reason, groupId = "group_id"
    }
}

public struct WorkLogInput: Codable, Sendable {
    public var minutes: Int
    public var note: String?
    public init(minutes: Int, note: String? = nil) { self.minutes = minutes; self.note = note }
}

public struct AttachmentDTO: Codable, Sendable {
    public var id: UUID
    public var ticketId: UUID
    public var eventId: UUID?
    public var filename: String
    public var contentType: String
    public var size: Int
    public var sha256: String
    public var isPublic: Bool
    public var createdAt: Date
    enum CodingKeys: String, CodingKey {
        case id, ticketId = "ticket_id", eventId = "event_id", filename, contentType = "content_type", size, sha256,
             isPublic = "public", createdAt = "created_at"
    }
    public init(id: UUID, ticketId: UUID, eventId: UUID?, filename: String, contentType: String, size: Int, sha256: String, isPublic: Bool, createdAt: Date) {
        self.id = id; self.ticketId = ticketId; self.eventId = eventId; self.filename = filename; self.contentType = contentType
        self.size = size; self.sha256 = sha256; self.isPublic = isPublic; self.createdAt = createdAt
    }
}

public struct EventDTO: Codable, Sendable {
    public var id: UUID
    public var ticketId: UUID
    public var kind: TicketEventKind
    public var actorId: UUID?
    public var isPublic: Bool
    public var body: String?
    public var field: String?
    public var oldValue: String?
    public var newValue: String?
    public var fromTier: Tier?
    public var toTier: Tier?
    public var reason: String?
    public var minutes: Int?
    /// The quoted history of a reply that arrived by e-mail (`field` is then `email`), kept apart from what was written.
    public var quoted: String?
    public var createdAt: Date
    public var attachments: [AttachmentDTO]
    enum CodingKeys: String, CodingKey {
        case id, ticketId = "ticket_id", kind, actorId = "actor_id", isPublic = "public", body, field, oldValue = "old_value",
             newValue = "new_value", fromTier = "from_tier", toTier = "to_tier", reason, minutes, quoted, createdAt = "created_at", attachments
    }
    public init(id: UUID, ticketId: UUID, event e: TicketEvent, attachments: [AttachmentDTO] = []) {
        self.id = id; self.ticketId = ticketId; kind = e.kind; actorId = e.actorId; isPublic = e.isPublic; body = e.body
        field = e.field; oldValue = e.oldValue; newValue = e.newValue; fromTier = e.fromTier; toTier = e.toTier
        reason = e.reason; minutes = e.minutes; quoted = e.quoted; createdAt = e.at; self.attachments = attachments
    }
}

/// One search result: the ticket and its relevance (higher is better).
public struct SearchHit: Codable, Sendable {
    public var ticket: TicketDTO
    public var score: Double
    public init(ticket: TicketDTO, score: Double) { self.ticket = ticket; self.score = score }
}

public struct SearchResults: Codable, Sendable {
    public var items: [SearchHit]
    public init(items: [SearchHit]) { self.items = items }
}
