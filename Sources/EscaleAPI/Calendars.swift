import EscaleCore
import Foundation

/// Opening hours on one weekday: `{"day": "mon", "start": "09:00", "end": "12:00"}` (`end` may be `24:00`).
public struct OpeningHours: Codable, Sendable, Equatable {
    public var day: BusinessCalendar.Weekday
    public var start: String
    public var end: String
    public init(day: BusinessCalendar.Weekday, start: String, end: String) { self.day = day; self.start = start; self.end = end }
}

/// What a calendar is made of, as sent and as stored.
public struct CalendarInput: Codable, Sendable {
    public var name: String
    /// IANA time zone, e.g. `Europe/Paris`.
    public var timeZone: String
    public var hours: [OpeningHours]
    /// Closed dates, `YYYY-MM-DD`.
    public var holidays: [String]?
    /// Closed every year, `MM-DD`.
    public var yearlyHolidays: [String]?
    /// French public holidays, the Easter-based ones included.
    public var frenchHolidays: Bool?

    public init(name: String, timeZone: String, hours: [OpeningHours], holidays: [String]? = nil, yearlyHolidays: [String]? = nil, frenchHolidays: Bool? = nil) {
        self.name = name; self.timeZone = timeZone; self.hours = hours; self.holidays = holidays
        self.yearlyHolidays = yearlyHolidays; self.frenchHolidays = frenchHolidays
    }

    enum CodingKeys: String, CodingKey {
        case name, timeZone = "time_zone", hours, holidays, yearlyHolidays = "yearly_holidays", frenchHolidays = "french_holidays"
    }

    /// The domain calendar, or a clear error naming the field at fault.
    public func calendar() throws -> BusinessCalendar {
        guard let tz = TimeZone(identifier: timeZone) else { throw DomainError.invalid(field: "time_zone", "unknown time zone '\(timeZone)'") }
        let intervals = try hours.map { h -> BusinessCalendar.Interval in
            guard let s = BusinessCalendar.Interval.minutes(h.start), let e = BusinessCalendar.Interval.minutes(h.end) else {
                throw DomainError.invalid(field: "hours", "times are HH:MM from 00:00 to 24:00, got \(h.start)–\(h.end)")
            }
            return try BusinessCalendar.Interval(day: h.day, start: s, end: e)
        }
        let days = try (holidays ?? []).map { text -> Day in
            guard let d = Day(text) else { throw DomainError.invalid(field: "holidays", "'\(text)' is not a date (YYYY-MM-DD)") }
            return d
        }
        let yearly = try (yearlyHolidays ?? []).map { text -> BusinessCalendar.MonthDay in
            let p = text.split(separator: "-")
            guard p.count == 2, let m = Int(p[0]), let d = Int(p[1]), let md = BusinessCalendar.MonthDay(month: m, day: d) else {
                throw DomainError.invalid(field: "yearly_holidays", "'\(text)' is not a day of the year (MM-DD)")
            }
            return md
        }
        return try BusinessCalendar(timeZone: tz, hours: intervals, holidays: Set(days), yearlyHolidays: Set(yearly), frenchHolidays: frenchHolidays ?? false)
    }
}

public struct CalendarDTO: Codable, Sendable {
    public var id: UUID
    public var name: String
    public var timeZone: String
    public var hours: [OpeningHours]
    public var holidays: [String]
    public var yearlyHolidays: [String]
    public var frenchHolidays: Bool
    public var createdAt: Date

    public init(id: UUID, input: CalendarInput, createdAt: Date) {
        self.id = id; name = input.name; timeZone = input.timeZone; hours = input.hours
        holidays = (input.holidays ?? []).sorted(); yearlyHolidays = (input.yearlyHolidays ?? []).sorted()
        frenchHolidays = input.frenchHolidays ?? false; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, timeZone = "time_zone", hours, holidays, yearlyHolidays = "yearly_holidays", frenchHolidays = "french_holidays", createdAt = "created_at"
    }
}

public struct DueAt: Codable, Sendable {
    public var dueAt: Date
    public init(dueAt: Date) { self.dueAt = dueAt }
    enum CodingKeys: String, CodingKey { case dueAt = "due_at" }
}

public struct BusinessMinutes: Codable, Sendable {
    public var minutes: Int
    public init(minutes: Int) { self.minutes = minutes }
}
