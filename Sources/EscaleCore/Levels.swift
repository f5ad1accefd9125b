import Foundation

/// Impact or urgency of a ticket, as assessed by the requester or the N1 agent.
public enum Level: String, Codable, Sendable, CaseIterable {
    case high, medium, low
}

/// A ticket's priority, 1 (critical) to 5 (planning), derived from impact × urgency.
public struct Priority: RawRepresentable, Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public init?(rawValue: Int) {
        guard (1...5).contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }
    public static let critical = Priority(rawValue: 1)!
    public static let high = Priority(rawValue: 2)!
    public static let medium = Priority(rawValue: 3)!
    public static let low = Priority(rawValue: 4)!
    public static let planning = Priority(rawValue: 5)!
    public static let all: [Priority] = (1...5).map { Priority(rawValue: $0)! }

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "P\(rawValue)" }

    public init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Int.self)
        guard let p = Priority(rawValue: value) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "priority must be between 1 and 5"))
        }
        self = p
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// Support tiers: N1 helpdesk, N2 complex incidents, N3 gravest outages.
public enum Tier: Int, Codable, Sendable, CaseIterable, Comparable {
    case n1 = 1, n2 = 2, n3 = 3
    public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    public var label: String { "N\(rawValue)" }
}

public enum TicketType: String, Codable, Sendable, CaseIterable {
    case incident, request
}

/// How a ticket reached the desk.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case web, email, chat, phone, monitoring, agent, api
    /// Someone came to the desk in person.
    case walkIn = "walk_in"
}
