import Foundation
import Synchronization

/// When a support contract's clocks run: weekly opening hours in a time zone, minus holidays.
///
/// Business time is real elapsed time inside opening intervals: an interval is defined in local wall-clock time and
/// converted to instants day by day, so a 24/7 calendar counts 23 hours on the spring-forward day and 25 on the
/// fall-back day, and "09:00" stays 09:00 local across a DST change.
public struct BusinessCalendar: Sendable, Equatable {
    public enum Weekday: String, Codable, Sendable, CaseIterable {
        case mon, tue, wed, thu, fri, sat, sun

        /// Foundation's weekday number (1 = Sunday).
        var foundation: Int {
            switch self {
            case .sun: 1
            case .mon: 2
            case .tue: 3
            case .wed: 4
            case .thu: 5
            case .fri: 6
            case .sat: 7
            }
        }
    }

    /// Opening hours on one weekday, in minutes from local midnight; `end` may be 1440 (24:00).
    public struct Interval: Sendable, Equatable, Hashable {
        public let day: Weekday
        public let start: Int
        public let end: Int

        public init(day: Weekday, start: Int, end: Int) throws {
            guard (0..<1440).contains(start), (1...1440).contains(end), start < end else {
                throw DomainError.invalid(field: "hours", "an opening interval runs from 00:00 to 24:00 and ends after it starts")
            }
            self.day = day; self.start = start; self.end = end
        }

        /// "09:00" → 540; "24:00" → 1440.
        public static func minutes(_ text: String) -> Int? {
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
                  (0...24).contains(h), (0..<60).contains(m), h < 24 || m == 0 else { return nil }
            return h * 60 + m
        }

        public static func text(_ minutes: Int) -> String {
            String(format: "%02d:%02d", minutes / 60, minutes % 60)
        }
    }

    /// A holiday that comes back every year on the same date.
    public struct MonthDay: Sendable, Hashable, Codable {
        public let month: Int, day: Int
        public init?(month: Int, day: Int) {
            guard (1...12).contains(month), (1...Day.daysIn(month: month, year: 2024)).contains(day) else { return nil }
            self.month = month; self.day = day
        }
    }

    public let timeZone: TimeZone
    public let hours: [Interval]
    public let holidays: Set<Day>
    public let yearlyHolidays: Set<MonthDay>
    /// French public holidays, including the Easter-based ones (Easter Monday, Ascension, Whit Monday).
    public let frenchHolidays: Bool
    /// Each local day's open intervals, as instants, once computed: turning wall-clock times into instants is the
    /// costly part of business-time arithmetic, and replays ask for the same few days thousands of times.
    private let memo = DayMemo()

    public static func == (a: BusinessCalendar, b: BusinessCalendar) -> Bool {
        a.timeZone == b.timeZone && a.hours == b.hours && a.holidays == b.holidays && a.yearlyHolidays == b.yearlyHolidays
            && a.frenchHolidays == b.frenchHolidays
    }

    public init(timeZone: TimeZone, hours: [Interval], holidays: Set<Day> = [], yearlyHolidays: Set<MonthDay> = [], frenchHolidays: Bool = false) throws {
        for day in Weekday.allCases {
            let sorted = hours.filter { $0.day == day }.sorted { $0.start < $1.start }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b.start < a.end {
                throw DomainError.invalid(field: "hours", "opening intervals overlap on \(day.rawValue): \(Interval.text(a.start))–\(Interval.text(a.end)) and \(Interval.text(b.start))–\(Interval.text(b.end))")
            }
        }
        self.timeZone = timeZone
        self.hours = hours.sorted { ($0.day.foundation, $0.start) < ($1.day.foundation, $1.start) }
        self.holidays = holidays
        self.yearlyHolidays = yearlyHolidays
        self.frenchHolidays = frenchHolidays
    }

    /// Open every minute of every day, holidays included: on-call contracts.
    public static func alwaysOpen(timeZone: TimeZone) -> BusinessCalendar {
        try! BusinessCalendar(timeZone: timeZone, hours: Weekday.allCases.map { try! Interval(day: $0, start: 0, end: 1440) })
    }

    // MARK: Holidays

    public func isHoliday(_ day: Day) -> Bool {
        if holidays.contains(day) { return true }
        if let md = MonthDay(month: day.month, day: day.day), yearlyHolidays.contains(md) { return true }
        return frenchHolidays && Self.frenchHolidays(in: day.year).contains(day)
    }

    /// Jour de l'an, Easter Monday, 1 May, 8 May, Ascension, Whit Monday, 14 July, 15 August, 1 November,
    /// 11 November, Christmas.
    public static func frenchHolidays(in year: Int) -> Set<Day> {
        let easter = Self.easterSunday(year)
        var days: Set<Day> = [easter.adding(days: 1), easter.adding(days: 39), easter.adding(days: 50)]
        for (m, d) in [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)] {
            days.insert(Day(year: year, month: m, day: d))
        }
        return days
    }

    /// Western (Gregorian) Easter: the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    public static func easterSunday(_ year: Int) -> Day {
        let a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31, day = ((h + l - 7 * m + 114) % 31) + 1
        return Day(year: year, month: month, day: day)
    }

    // MARK: Business time

    /// How far ahead to look for an opening before deciding there is none (a calendar may be closed for good).
    static let horizonDays = 3 * 366

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// The local day an instant falls on.
    public func day(of date: Date) -> Day {
        // Local time is the instant plus the zone's offset at that instant; days since 1970 need no calendar object.
        let local = date.timeIntervalSince1970 + TimeInterval(timeZone.secondsFromGMT(for: date))
        return Day(ordinal: Int((local / 86_400).rounded(.down)))
    }

    /// The open intervals of a local day, as instants (none on a holiday).
    public func openIntervals(on day: Day) -> [(start: Date, end: Date)] {
        if let known = memo.intervals(day.ordinal) { return known }
        let computed = computeOpenIntervals(on: day)
        memo.set(day.ordinal, computed)
        return computed
    }

    private func computeOpenIntervals(on day: Day) -> [(start: Date, end: Date)] {
        guard !isHoliday(day) else { return [] }
        let cal = calendar
        let weekday = cal.component(.weekday, from: instant(day, minute: 720, cal))
        return hours.filter { $0.day.foundation == weekday }.compactMap { interval in
            let start = instant(day, minute: interval.start, cal)
            let end = interval.end == 1440 ? instant(day.adding(days: 1), minute: 0, cal) : instant(day, minute: interval.end, cal)
            return end > start ? (start, end) : nil
        }
    }

    /// Local wall-clock time to an instant. A time skipped by a spring-forward change maps to the first instant after
    /// the gap; a time repeated by a fall-back change maps to its first occurrence.
    private func instant(_ day: Day, minute: Int, _ cal: Calendar) -> Date {
        let components = DateComponents(year: day.year, month: day.month, day: day.day, hour: minute / 60, minute: minute % 60)
        if let exact = cal.date(from: components), cal.component(.hour, from: exact) == minute / 60, cal.component(.minute, from: exact) == minute % 60 {
            return exact
        }
        // In a gap: the first instant whose local time is at or after the asked one.
        let midnight = cal.startOfDay(for: cal.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))!)
        var t = midnight
        while true {
            let c = cal.dateComponents([.day, .hour, .minute], from: t)
            if c.day != day.day || (c.hour! * 60 + c.minute!) >= minute { return t }
            t = t.addingTimeInterval(60)
        }
    }

    /// Business seconds between two instants (0 if `to` is not after `from`).
    public func businessSeconds(from: Date, to: Date) -> TimeInterval {
        guard to > from else { return 0 }
        var total: TimeInterval = 0
        var day = self.day(of: from).adding(days: -1)  // an interval of the day before may reach past midnight
        let last = self.day(of: to)
        while day <= last {
            for i in openIntervals(on: day) {
                let s = max(i.start, from), e = min(i.end, to)
                if e > s { total += e.timeIntervalSince(s) }
            }
            day = day.adding(days: 1)
        }
        return total
    }

    /// Whole business minutes between two instants.
    public func businessMinutes(from: Date, to: Date) -> Int {
        Int((businessSeconds(from: from, to: to) / 60).rounded(.down))
    }

    /// The instant `minutes` business minutes after `start`; nil if the calendar has no opening for years.
    public func adding(minutes: Int, to start: Date) -> Date? {
        precondition(minutes >= 0, "business time only moves forward")
        return adding(seconds: TimeInterval(minutes) * 60, to: start)
    }

    /// The instant `seconds` business seconds after `start`.
    public func adding(seconds: TimeInterval, to start: Date) -> Date? {
        precondition(seconds >= 0, "business time only moves forward")
        if seconds == 0 { return start }
        var remaining = seconds
        var day = self.day(of: start).adding(days: -1)
        for _ in 0..<Self.horizonDays {
            for i in openIntervals(on: day) where i.end > start {
                let s = max(i.start, start)
                let available = i.end.timeIntervalSince(s)
                if remaining <= available { return s.addingTimeInterval(remaining) }
                remaining -= available
            }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// The first open instant at or after `date` (`date` itself when open); nil if none for years.
    public func nextOpening(atOrAfter date: Date) -> Date? {
        var day = self.day(of: date).adding(days: -1)
        for _ in 0..<Self.horizonDays {
            for i in openIntervals(on: day) where i.end > date {
                return max(i.start, date)
            }
            day = day.adding(days: 1)
        }
        return nil
    }

    public func isOpen(at date: Date) -> Bool { nextOpening(atOrAfter: date) == date }
}

extension Day {
    /// A valid date (callers compute it); use `init?(_:)` for text from outside.
    public init(year: Int, month: Int, day: Int) {
        precondition((1...12).contains(month) && (1...Day.daysIn(month: month, year: year)).contains(day), "invalid day \(year)-\(month)-\(day)")
        self.init(unchecked: year, month, day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian), and back: plain arithmetic, no calendar object.
    public var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(ordinal: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + days) }
}

/// A calendar's computed days, shared by its copies (values of the same calendar compute the same days).
final class DayMemo: Sendable {
    private let days = Mutex<[Int: [(start: Date, end: Date)]]>([:])
    /// Enough for years of replays; past it the memo starts again rather than grow without bound.
    static let limit = 20_000

    func intervals(_ ordinal: Int) -> [(start: Date, end: Date)]? { days.withLock { $0[ordinal] } }

    func set(_ ordinal: Int, _ intervals: [(start: Date, end: Date)]) {
        days.withLock {
            if $0.count >= Self.limit { $0.removeAll() }
            $0[ordinal] = intervals
        }
    }
}
