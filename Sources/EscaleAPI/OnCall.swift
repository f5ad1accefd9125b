import EscaleCore
import Foundation

/// A layer's rotation on the wire: `"daily"`, `"weekly"` or `{"hours": N}`.
public enum RotationInput: Codable, Sendable, Equatable {
    case daily, weekly, hours(Int)

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            switch text {
            case "daily": self = .daily
            case "weekly": self = .weekly
            default: throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "rotation must be \"daily\", \"weekly\" or {\"hours\": N}"))
            }
            return
        }
        struct Hours: Decodable { let hours: Int }
        self = .hours(try Hours(from: decoder).hours)
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .daily: var c = encoder.singleValueContainer(); try c.encode("daily")
        case .weekly: var c = encoder.singleValueContainer(); try c.encode("weekly")
        case let .hours(n):
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(n, forKey: .hours)
        }
    }
    enum Key: String, CodingKey { case hours }

    var rotation: OnCallSchedule.Rotation {
        switch self {
        case .daily: .daily
        case .weekly: .weekly
        case let .hours(n): .hours(n)
        }
    }
}

public struct OnCallLayerInput: Codable, Sendable, Equatable {
    public var rotation: RotationInput
    /// Local start of the first turn, `2026-11-30T09:00`, in the schedule's time zone.
    public var handoff: String
    public var participants: [UUID]
    /// Weekly local windows the layer covers (e.g. nights and weekends); always if absent.
    public var restrictions: [OpeningHours]?
    public init(rotation: RotationInput, handoff: String, participants: [UUID], restrictions: [OpeningHours]? = nil) {
        self.rotation = rotation; self.handoff = handoff; self.participants = participants; self.restrictions = restrictions
    }
}

public struct OnCallOverrideInput: Codable, Sendable, Equatable {
    public var userId: UUID
    public var from: Date
    public var to: Date
    public init(userId: UUID, from: Date, to: Date) { self.userId = userId; self.from = from; self.to = to }
    enum CodingKeys: String, CodingKey { case userId = "user_id", from, to }
}

/// `{name, time_zone, layers: [...], overrides: [...]}`.
public struct OnCallScheduleInput: Codable, Sendable, Equatable {
    public var name: String
    public var timeZone: String
    public var layers: [OnCallLayerInput]
    public var overrides: [OnCallOverrideInput]?
    public init(name: String, timeZone: String, layers: [OnCallLayerInput], overrides: [OnCallOverrideInput]? = nil) {
        self.name = name; self.timeZone = timeZone; self.layers = layers; self.overrides = overrides
    }
    enum CodingKeys: String, CodingKey { case name, timeZone = "time_zone", layers, overrides }

    /// The domain schedule, or a clear error naming the field at fault.
    public func schedule() throws -> OnCallSchedule {
        guard let tz = TimeZone(identifier: timeZone) else { throw DomainError.invalid(field: "time_zone", "unknown time zone '\(timeZone)'") }
        let layers = try layers.map { l -> OnCallSchedule.Layer in
            guard let handoff = OnCallSchedule.LocalTime(l.handoff) else {
                throw DomainError.invalid(field: "handoff", "'\(l.handoff)' is not a local date and time (2026-11-30T09:00)")
            }
            let restrictions = try (l.restrictions ?? []).map { h -> BusinessCalendar.Interval in
                guard let s = BusinessCalendar.Interval.minutes(h.start), let e = BusinessCalendar.Interval.minutes(h.end) else {
                    throw DomainError.invalid(field: "restrictions", "times are HH:MM, 00:00 to 24:00")
                }
                return try BusinessCalendar.Interval(day: h.day, start: s, end: e)
            }
            return try OnCallSchedule.Layer(rotation: l.rotation.rotation, handoff: handoff, participants: l.participants, restrictions: restrictions)
        }
        let overrides = try (overrides ?? []).map { try OnCallSchedule.Override(userId: $0.userId, from: $0.from, to: $0.to) }
        return try OnCallSchedule(timeZone: tz, layers: layers, overrides: overrides)
    }
}

public struct OnCallScheduleDTO: Codable, Sendable {
    public var id: UUID
    public var name: String
    public var timeZone: String
    public var layers: [OnCallLayerInput]
    public var overrides: [OnCallOverrideInput]
    /// The subscribable iCalendar feed; the URL carries a secret token.
    public var icsURL: String
    public var createdAt: Date
    public var updatedAt: Date
    public init(id: UUID, input: OnCallScheduleInput, icsURL: String, createdAt: Date, updatedAt: Date) {
        self.id = id; name = input.name; timeZone = input.timeZone; layers = input.layers; overrides = input.overrides ?? []
        self.icsURL = icsURL; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
    enum CodingKeys: String, CodingKey {
        case id, name, timeZone = "time_zone", layers, overrides, icsURL = "ics_url", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// Who is on call at an instant: `{user_id, until}` (both null when nobody is).
public struct OnCallNowDTO: Codable, Sendable, Equatable {
    public var userId: UUID?
    public var until: Date?
    public init(userId: UUID?, until: Date?) { self.userId = userId; self.until = until }
    enum CodingKeys: String, CodingKey { case userId = "user_id", until }
}

/// One target of a step: `{"schedule_id": …}` or `{"user_id": …}`.
public struct OnCallTargetInput: Codable, Sendable, Equatable {
    public var scheduleId: UUID?
    public var userId: UUID?
    public init(scheduleId: UUID? = nil, userId: UUID? = nil) { self.scheduleId = scheduleId; self.userId = userId }
    enum CodingKeys: String, CodingKey { case scheduleId = "schedule_id", userId = "user_id" }
}

public struct OnCallStepInput: Codable, Sendable, Equatable {
    public var targets: [OnCallTargetInput]
    public var delayMinutes: Int
    public init(targets: [OnCallTargetInput], delayMinutes: Int) { self.targets = targets; self.delayMinutes = delayMinutes }
    enum CodingKeys: String, CodingKey { case targets, delayMinutes = "delay_minutes" }
}

/// `{name, steps: [{targets, delay_minutes}], repeat}`.
public struct OnCallPolicyInput: Codable, Sendable, Equatable {
    public var name: String
    public var steps: [OnCallStepInput]
    /// More passes after the first when nobody acknowledges (0 if absent).
    public var `repeat`: Int?
    public init(name: String, steps: [OnCallStepInput], repeat: Int? = nil) { self.name = name; self.steps = steps; self.repeat = `repeat` }

    public func policy() throws -> OnCallPolicy {
        let steps = try steps.map { s in
            try OnCallPolicy.Step(targets: try s.targets.map { t in
                switch (t.scheduleId, t.userId) {
                case let (s?, nil): .schedule(s)
                case let (nil, u?): .user(u)
                default: throw DomainError.invalid(field: "targets", "each target is either {\"schedule_id\": …} or {\"user_id\": …}")
                }
            }, delayMinutes: s.delayMinutes)
        }
        return try OnCallPolicy(steps: steps, repeats: self.repeat ?? 0)
    }
}

public struct OnCallPolicyDTO: Codable, Sendable {
    public var id: UUID
    public var name: String
    public var steps: [OnCallStepInput]
    public var `repeat`: Int
    public var createdAt: Date
    public init(id: UUID, input: OnCallPolicyInput, createdAt: Date) {
        self.id = id; name = input.name; steps = input.steps; self.repeat = input.repeat ?? 0; self.createdAt = createdAt
    }
    enum CodingKeys: String, CodingKey { case id, name, steps, `repeat`, createdAt = "created_at" }
}

/// `{type: "email" | "webhook" | "slack", address}`: where a person is paged.
public struct ContactMethodInput: Codable, Sendable, Equatable {
    public var type: String
    public var address: String
    public init(type: String, address: String) { self.type = type; self.address = address }
}

public struct ContactMethodDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var userId: UUID
    public var type: String
    public var address: String
    public var createdAt: Date
    public init(id: UUID, userId: UUID, type: String, address: String, createdAt: Date) {
        self.id = id; self.userId = userId; self.type = type; self.address = address; self.createdAt = createdAt
    }
    enum CodingKeys: String, CodingKey { case id, userId = "user_id", type, address, createdAt = "created_at" }
}

/// A ticket's paging: `{id, ticket_id, policy_id, state: active | acknowledged | exhausted, step, round, acknowledged_by, acknowledged_at}`.
public struct OnCallIncidentDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var ticketId: UUID
    public var policyId: UUID
    public var state: String
    public var step: Int
    public var round: Int
    public var acknowledgedBy: UUID?
    public var acknowledgedAt: Date?
    /// What ended the paging: `acknowledge`, `assignment`, `reply`, `resolution` or `closure`.
    public var acknowledgedVia: String?
    public var createdAt: Date
    public init(id: UUID, ticketId: UUID, policyId: UUID, state: String, step: Int, round: Int, acknowledgedBy: UUID?, acknowledgedAt: Date?,
                acknowledgedVia: String? = nil, createdAt: Date) {
        self.acknowledgedVia = acknowledgedVia
        self.id = id; self.ticketId = ticketId; self.policyId = policyId; self.state = state; self.step = step; self.round = round
        self.acknowledgedBy = acknowledgedBy; self.acknowledgedAt = acknowledgedAt; self.createdAt = createdAt
    }
    enum CodingKeys: String, CodingKey {
        case id, ticketId = "ticket_id", policyId = "policy_id", state, step, round, acknowledgedBy = "acknowledged_by"
        case acknowledgedAt = "acknowledged_at", acknowledgedVia = "acknowledged_via", createdAt = "created_at"
    }
}
