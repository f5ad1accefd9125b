import Foundation

/// A calendar date without time (contract validity), `YYYY-MM-DD` on the wire.
public struct Day: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),  // Int() alone would accept "+1"
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...Day.daysIn(month: m, year: y)).contains(d) else { return nil }
        year = y; month = m; day = d
    }

    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year; self.month = month; self.day = day
    }

    /// The UTC day of an instant.
    public init(_ date: Date) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day], from: date)
        year = c.year!; month = c.month!; day = c.day!
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date (YYYY-MM-DD)"))
        }
        self = day
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// The technical perimeter a contract covers.
public enum Perimeter: Sendable, Equatable {
    /// Workstations and peripherals only.
    case hardware
    /// The whole information system.
    case infrastructure
    /// An explicit list of covered category keys.
    case categories(Set<String>)

    public func covers(_ category: ServiceCategory) -> Bool {
        switch self {
        case .hardware: category.domain == .hardware
        case .infrastructure: true
        case let .categories(keys): keys.contains(category.key)
        }
    }

    public var kind: String {
        switch self {
        case .hardware: "hardware"
        case .infrastructure: "infrastructure"
        case .categories: "categories"
        }
    }
}

/// What a client organization bought: perimeter, validity, support hours, on-call and service levels.
public struct Contract: Sendable, Equatable {
    public let id: UUID
    public let organizationId: UUID
    public let perimeter: Perimeter
    public let validFrom: Day
    public let validUntil: Day?
    /// Business calendar of the support hours (used by SLA clocks).
    public let calendarId: UUID?
    public let slaPolicyId: UUID?
    /// 24/7 on-call coverage.
    public let onCall: Bool
    /// Requesters may see every ticket of their organization, not only their own.
    public let requestersSeeOrganization: Bool
    /// Who is paged for priority 1–2 tickets outside support hours, when `onCall` is set.
    public let onCallPolicyId: UUID?
    /// Whether a priority 1–2 ticket logged by a requester pages on-call at once, before N1 has triaged it (by
    /// default it does not: N1 sees it first; a ticket logged or raised by staff pages as usual).
    public let pageBeforeTriage: Bool
    /// Remote control of a machine (its desktop, a terminal) waits for the requester's consent on the ticket.
    public let remoteControlConsent: Bool
    /// Automatic escalations, each fired at most once per ticket.
    public let escalationRules: [EscalationRule]

    public init(
        id: UUID, organizationId: UUID, perimeter: Perimeter, validFrom: Day, validUntil: Day?,
        calendarId: UUID? = nil, slaPolicyId: UUID? = nil, onCall: Bool = false, requestersSeeOrganization: Bool = false,
        onCallPolicyId: UUID? = nil, escalationRules: [EscalationRule] = [], pageBeforeTriage: Bool = false,
        remoteControlConsent: Bool = false
    ) throws {
        self.remoteControlConsent = remoteControlConsent
        if Set(escalationRules).count != escalationRules.count {
            throw DomainError.invalid(field: "escalation_rules", "the same rule is given twice")
        }
        if let until = validUntil, until < validFrom {
            throw DomainError.invalid(field: "valid_until", "the contract ends (\(until)) before it starts (\(validFrom))")
        }
        if case let .categories(keys) = perimeter, keys.isEmpty {
            throw DomainError.invalid(field: "categories", "a perimeter by categories needs at least one category")
        }
        self.id = id
        self.organizationId = organizationId
        self.perimeter = perimeter
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.calendarId = calendarId
        self.slaPolicyId = slaPolicyId
        self.onCall = onCall
        self.requestersSeeOrganization = requestersSeeOrganization
        self.onCallPolicyId = onCallPolicyId
        self.escalationRules = escalationRules
        self.pageBeforeTriage = pageBeforeTriage
    }

    /// A ticket is routed to on-call when the contract has it, the ticket is priority 1 or 2, and it arrives
    /// outside the contract's support hours.
    public func routesToOnCall(priority: Priority, at instant: Date, calendar: BusinessCalendar?) -> Bool {
        guard onCall, onCallPolicyId != nil, priority <= .high, let calendar else { return false }
        return !calendar.isOpen(at: instant)
    }

    public func isActive(on day: Day) -> Bool {
        validFrom <= day && (validUntil.map { day <= $0 } ?? true)
    }

    /// The contract in force on a day: the most recently started active one.
    public static func active(among contracts: [Contract], on day: Day) -> Contract? {
        contracts.filter { $0.isActive(on: day) }.max { $0.validFrom < $1.validFrom }
    }

    /// A ticket outside the perimeter is flagged, not refused. With no contract in force nothing is covered;
    /// an uncategorised ticket cannot be judged yet and is not flagged.
    public static func isOutOfScope(category: ServiceCategory?, contract: Contract?) -> Bool {
        guard let category else { return false }
        guard let contract else { return true }
        return !contract.perimeter.covers(category)
    }
}
