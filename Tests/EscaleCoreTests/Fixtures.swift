import Foundation
@testable import EscaleCore

/// Shared, deterministic test data. Every instant derives from one fixed date: no test reads the wall clock.
enum Fixture {
    /// 2026-09-21T14:13:20Z
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    /// When the fixture tickets were created, one day before `now`.
    static let created = now.addingTimeInterval(-86_400)
    static let later = now.addingTimeInterval(3_600)

    static let orgA = UUID(uuidString: "00000000-0000-0000-0000-0000000000A1")!
    static let orgB = UUID(uuidString: "00000000-0000-0000-0000-0000000000B2")!
    static let requesterId = UUID(uuidString: "00000000-0000-0000-0000-000000000001")!
    static let colleagueId = UUID(uuidString: "00000000-0000-0000-0000-000000000002")!
    static let managerId = UUID(uuidString: "00000000-0000-0000-0000-000000000003")!
    static let agentId = UUID(uuidString: "00000000-0000-0000-0000-000000000010")!
    static let otherAgentId = UUID(uuidString: "00000000-0000-0000-0000-000000000011")!
    static let supervisorId = UUID(uuidString: "00000000-0000-0000-0000-000000000020")!
    static let adminId = UUID(uuidString: "00000000-0000-0000-0000-000000000030")!
    static let groupN1 = UUID(uuidString: "00000000-0000-0000-0000-000000000101")!
    static let groupN2 = UUID(uuidString: "00000000-0000-0000-0000-000000000102")!
    static let groupN3 = UUID(uuidString: "00000000-0000-0000-0000-000000000103")!
    static let ticketId = UUID(uuidString: "00000000-0000-0000-0000-000000001000")!
    static let otherTicketId = UUID(uuidString: "00000000-0000-0000-0000-000000001001")!
    static let contractId = UUID(uuidString: "00000000-0000-0000-0000-000000002000")!

    // MARK: Actors

    static let requester = Actor(userId: requesterId, role: .requester, organizationId: orgA)
    static let clientManager = Actor(userId: managerId, role: .clientManager, organizationId: orgA)
    static let supervisor = Actor(userId: supervisorId, role: .supervisor)
    static let admin = Actor(userId: adminId, role: .admin)

    static func agent(tier: Tier, id: UUID = agentId) -> Actor {
        let group = switch tier {
        case .n1: groupN1
        case .n2: groupN2
        case .n3: groupN3
        }
        return Actor(userId: id, role: .agent, groupIds: [group], servedOrganizations: .all, highestTier: tier)
    }

    // MARK: Categories and contracts

    static func category(_ key: String) -> ServiceCategory {
        ServiceCategory.defaults.first { $0.key == key }!
    }
    static var printer: ServiceCategory { category("printer") }      // hardware domain
    static var network: ServiceCategory { category("network") }      // infrastructure domain

    static func day(_ text: String) -> Day { Day(text)! }

    static func contract(
        _ perimeter: Perimeter, from: String = "2026-01-01", until: String? = nil, id: UUID = contractId,
        requestersSeeOrganization: Bool = false
    ) -> Contract {
        try! Contract(id: id, organizationId: orgA, perimeter: perimeter, validFrom: day(from),
                      validUntil: until.map(day), requestersSeeOrganization: requestersSeeOrganization)
    }

    // MARK: Tickets

    static func draft(
        subject: String = "Imprimante en panne", description: String = "Elle n'imprime plus depuis ce matin.",
        category: ServiceCategory? = printer, impact: Level = .medium, urgency: Level = .high,
        occurredAt: Date? = nil, tags: [String] = []
    ) -> TicketDraft {
        TicketDraft(subject: subject, description: description, requesterId: requesterId, organizationId: orgA,
                    channel: .web, category: category, impact: impact, urgency: urgency, occurredAt: occurredAt, tags: tags)
    }

    /// A ticket already in some state, as the store would hand it to the rules.
    static func ticket(
        status: TicketStatus = .new, tier: Tier = .n1, impact: Level = .medium, urgency: Level = .medium,
        category: String? = "printer", groupId: UUID? = nil, assigneeId: UUID? = nil,
        resolvedAt: Date? = nil, firstResponseAt: Date? = nil, timeSpentMinutes: Int = 0, version: Int = 3
    ) -> Ticket {
        Ticket(
            id: ticketId, seq: 42, type: .incident, subject: "VPN coupé", description: "Le VPN se déconnecte.",
            requesterId: requesterId, organizationId: orgA, channel: .email, category: category,
            impact: impact, urgency: urgency, priority: PriorityMatrix.itil.priority(impact: impact, urgency: urgency),
            major: false, status: status, tier: tier, groupId: groupId, assigneeId: assigneeId,
            occurredAt: created, createdAt: created, updatedAt: created, firstResponseAt: firstResponseAt,
            resolvedAt: resolvedAt ?? (status == .resolved || status == .closed ? created : nil),
            closedAt: status == .closed ? created : nil, timeSpentMinutes: timeSpentMinutes, estimatedMinutes: nil,
            tags: ["vpn"], parentId: nil, contractId: contractId, outOfScope: false, version: version
        )
    }
}

extension DomainError {
    /// The field of an `.invalid` error, nil for any other case.
    var invalidField: String? {
        if case let .invalid(field, _) = self { return field }
        return nil
    }

    var isForbidden: Bool {
        if case .forbidden = self { return true }
        return false
    }
}

extension Array where Element == TicketEvent {
    func first(field: String) -> TicketEvent? { first { $0.field == field } }
}
