import Foundation

/// Agent availability for live chat.
public enum ChatAvailability: String, Codable, Sendable, CaseIterable {
    case available, away, offline
}

/// Who gets the next waiting chat, and where each waiting chat stands in the queue. Pure: the desk reads the facts.
public enum ChatRouting {
    /// An agent as routing sees them: availability, load, and the groups they work in.
    public struct Agent: Sendable, Equatable {
        public var id: UUID
        public var availability: ChatAvailability
        public var maxChats: Int
        public var activeChats: Int
        /// Each group of the agent: its tier and the organizations it serves.
        public var groups: [Group]

        public struct Group: Sendable, Equatable {
            public var tier: Tier
            public var serves: OrganizationSet
            public init(tier: Tier, serves: OrganizationSet) { self.tier = tier; self.serves = serves }
        }

        public init(id: UUID, availability: ChatAvailability, maxChats: Int, activeChats: Int, groups: [Group]) {
            self.id = id; self.availability = availability; self.maxChats = maxChats; self.activeChats = activeChats; self.groups = groups
        }

        var hasRoom: Bool { availability == .available && activeChats < maxChats }

        /// The lowest tier among the agent's groups serving the organization (a chat with no organization yet: any group).
        func lowestTier(serving organization: UUID?, atLeast minimum: Tier = .n1) -> Tier? {
            groups.filter { g in g.tier >= minimum && (organization.map { g.serves.contains($0) } ?? true) }.map(\.tier).min()
        }
    }

    /// A chat waiting for an agent.
    public struct Waiting: Sendable, Equatable {
        public var id: UUID
        public var organizationId: UUID?
        public var since: Date
        /// Escalated chats wait for an agent of this tier or above.
        public var minimumTier: Tier
        /// Breaks ties between chats started at the same instant: the order they arrived in (their ticket's number).
        public var arrival: Int
        public init(id: UUID, organizationId: UUID?, since: Date, minimumTier: Tier = .n1, arrival: Int = 0) {
            self.id = id; self.organizationId = organizationId; self.since = since; self.minimumTier = minimumTier; self.arrival = arrival
        }
    }

    /// Waiting chats oldest first (ties in arrival order, then by id, so every instance agrees).
    public static func queue(_ waiting: [Waiting]) -> [Waiting] {
        waiting.sorted { ($0.since, $0.arrival, $0.id.uuidString) < ($1.since, $1.arrival, $1.id.uuidString) }
    }

    /// 1-based places in the queue.
    public static func positions(_ waiting: [Waiting]) -> [UUID: Int] {
        Dictionary(uniqueKeysWithValues: queue(waiting).enumerated().map { ($0.element.id, $0.offset + 1) })
    }

    /// The agent who takes one chat: available, under their maximum, in a group serving the organization; N1 groups
    /// first (or the chat's minimum tier once escalated), then the fewest active chats; ties by id. Nil: nobody can take it now.
    public static func agent(for chat: Waiting, among agents: [Agent]) -> UUID? {
        let candidates = agents.filter(\.hasRoom).compactMap { a -> (Agent, Tier)? in
            guard let lowest = a.lowestTier(serving: chat.organizationId, atLeast: chat.minimumTier) else { return nil }
            return (a, lowest)
        }
        return candidates.min { l, r in
            (l.1.rawValue, l.0.activeChats, l.0.id.uuidString) < (r.1.rawValue, r.0.activeChats, r.0.id.uuidString)
        }?.0.id
    }

    /// Assignments for the whole queue, oldest chat first, each agent's load counted as it fills.
    public static func assign(_ waiting: [Waiting], agents: [Agent]) -> [(chat: UUID, agent: UUID)] {
        var agents = agents
        var out: [(UUID, UUID)] = []
        for chat in queue(waiting) {
            guard let a = agent(for: chat, among: agents), let i = agents.firstIndex(where: { $0.id == a }) else { continue }
            agents[i].activeChats += 1
            out.append((chat.id, a))
        }
        return out
    }
}

/// A visitor identified by the host application: it signs the lowercased e-mail with the channel's secret
/// (HMAC-SHA-256, hex). The MAC itself is computed by the caller (Core stays free of crypto).
public enum ChatIdentity {
    /// The message the host application signs.
    public static func signedMessage(email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Compares a given signature (hex, any case) with the expected one in constant time.
    public static func matches(_ given: String, expected: String) -> Bool {
        let a = Array(given.lowercased().utf8), b = Array(expected.lowercased().utf8)
        guard a.count == b.count, !a.isEmpty else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// A token bucket: `capacity` at once, refilled at `perSecond`. A flood from one visitor is refused once the bucket
/// is empty, while a person typing fast never notices.
public struct RateLimit: Sendable, Equatable {
    public let capacity: Double
    public let perSecond: Double
    public private(set) var tokens: Double
    public private(set) var updated: Date

    public init(capacity: Double, perSecond: Double, now: Date) {
        self.capacity = capacity; self.perSecond = perSecond; self.tokens = capacity; self.updated = now
    }

    /// Takes one token if there is one.
    public mutating func take(at now: Date) -> Bool {
        let elapsed = max(0, now.timeIntervalSince(updated))
        tokens = min(capacity, tokens + elapsed * perSecond)
        updated = max(updated, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Seconds until a token is back.
    public var retryAfter: Int { tokens >= 1 ? 0 : Int(((1 - tokens) / perSecond).rounded(.up)) }
}
