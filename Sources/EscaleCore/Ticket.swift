import Foundation

/// The ticket aggregate as the domain rules see it. Persistence maps it to rows; the rules never touch I/O.
public struct Ticket: Sendable, Equatable {
    public var id: UUID
    public var seq: Int
    public var type: TicketType
    public var subject: String
    public var description: String
    public var requesterId: UUID
    public var organizationId: UUID
    public var channel: Channel
    public var category: String?
    public var impact: Level
    public var urgency: Level
    public var priority: Priority
    public var major: Bool
    public var status: TicketStatus
    public var tier: Tier
    public var groupId: UUID?
    public var assigneeId: UUID?
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
    public var contractId: UUID?
    public var outOfScope: Bool
    public var version: Int

    public var number: String { TicketNumber.format(seq) }
    public var accessFacts: TicketAccessFacts { .init(organizationId: organizationId, requesterId: requesterId) }

    public init(
        id: UUID, seq: Int, type: TicketType, subject: String, description: String, requesterId: UUID,
        organizationId: UUID, channel: Channel, category: String?, impact: Level, urgency: Level, priority: Priority,
        major: Bool, status: TicketStatus, tier: Tier, groupId: UUID?, assigneeId: UUID?, occurredAt: Date,
        createdAt: Date, updatedAt: Date, firstResponseAt: Date?, resolvedAt: Date?, closedAt: Date?,
        timeSpentMinutes: Int, estimatedMinutes: Int?, tags: [String], parentId: UUID?, contractId: UUID?,
        outOfScope: Bool, version: Int
    ) {
        self.id = id; self.seq = seq; self.type = type; self.subject = subject; self.description = description
        self.requesterId = requesterId; self.organizationId = organizationId; self.channel = channel
        self.category = category; self.impact = impact; self.urgency = urgency; self.priority = priority
        self.major = major; self.status = status; self.tier = tier; self.groupId = groupId
        self.assigneeId = assigneeId; self.occurredAt = occurredAt; self.createdAt = createdAt
        self.updatedAt = updatedAt; self.firstResponseAt = firstResponseAt; self.resolvedAt = resolvedAt
        self.closedAt = closedAt; self.timeSpentMinutes = timeSpentMinutes; self.estimatedMinutes = estimatedMinutes
        self.tags = tags; self.parentId = parentId; self.contractId = contractId; self.outOfScope = outOfScope
        self.version = version
    }
}

/// Human-readable ticket numbers: `ESC-000042`. The sequence is allocated by the store inside the creating transaction.
public enum TicketNumber {
    public static func format(_ seq: Int) -> String {
        let digits = String(seq)
        return "ESC-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Accepts `ESC-000042`, `esc-42` or `42`.
    public static func parse(_ text: String) -> Int? {
        var t = text.uppercased()
        if t.hasPrefix("ESC-") { t.removeFirst(4) }
        guard let n = Int(t), n > 0 else { return nil }
        return n
    }
}
