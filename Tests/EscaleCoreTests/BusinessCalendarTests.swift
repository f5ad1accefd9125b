@testable import EscaleCore
import Foundation
import PropertyBased
import Testing

@Suite("Business calendars")
struct BusinessCalendarTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    /// Monday to Friday 09:00–12:00 and 13:30–18:00, French public holidays.
    static let office: BusinessCalendar = {
        var hours: [BusinessCalendar.Interval] = []
        for d in [BusinessCalendar.Weekday.mon, .tue, .wed, .thu, .fri] {
            hours.append(try! .init(day: d, start: 9 * 60, end: 12 * 60))
            hours.append(try! .init(day: d, start: 13 * 60 + 30, end: 18 * 60))
        }
        return try! BusinessCalendar(timeZone: paris, hours: hours, frenchHolidays: true)
    }()

    static let newYorkOffice: BusinessCalendar = try! BusinessCalendar(
        timeZone: newYork, hours: [BusinessCalendar.Weekday.mon, .tue, .wed, .thu, .fri].map { try! .init(day: $0, start: 9 * 60, end: 17 * 60) })

    static func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test("Easter and the French public holidays that follow it")
    func easter() {
        #expect(BusinessCalendar.easterSunday(2024) == Day("2024-03-31"))
        #expect(BusinessCalendar.easterSunday(2025) == Day("2025-04-20"))
        #expect(BusinessCalendar.easterSunday(2026) == Day("2026-04-05"))
        #expect(BusinessCalendar.easterSunday(2027) == Day("2027-03-28"))
        #expect(BusinessCalendar.easterSunday(2038) == Day("2038-04-25"))
        let h2026 = BusinessCalendar.frenchHolidays(in: 2026)
        #expect(h2026.count == 11)
        for d in ["2026-04-06", "2026-05-14", "2026-05-25", "2026-07-14", "2026-11-11", "2026-12-25"] { #expect(h2026.contains(Day(d)!), "\(d)") }
        #expect(!h2026.contains(Day("2026-04-05")!), "Easter Sunday is a Sunday, not a listed holiday")
    }

    @Test("business time skips evenings, lunch, weekends and holidays")
    func office() {
        let c = Self.office
        // Friday 2026-11-27 17:30 Paris (16:30Z) + 60 min → Monday 09:30 (08:30Z).
        #expect(c.adding(minutes: 60, to: Self.at("2026-11-27T16:30:00Z")) == Self.at("2026-11-30T08:30:00Z"))
        // Lunch does not count: 11:30 → 14:00 is 30 + 30 minutes.
        #expect(c.businessMinutes(from: Self.at("2026-12-01T10:30:00Z"), to: Self.at("2026-12-01T13:00:00Z")) == 60)
        // From a Saturday: the clock starts Monday 09:00.
        #expect(c.nextOpening(atOrAfter: Self.at("2026-11-28T10:00:00Z")) == Self.at("2026-11-30T08:00:00Z"))
        // Thursday 24 December 17:00 + 120 min: Christmas Friday is closed → Monday 28th 10:00.
        #expect(c.adding(minutes: 120, to: Self.at("2026-12-24T16:00:00Z")) == Self.at("2026-12-28T09:00:00Z"))
        // Year end: Thursday 31 December 17:00 + 120 min → 1 January is closed → Monday 4 January 2027 10:00.
        #expect(c.adding(minutes: 120, to: Self.at("2026-12-31T16:00:00Z")) == Self.at("2027-01-04T09:00:00Z"))
        // Ascension Thursday 2026-05-14 counts nothing.
        #expect(c.businessMinutes(from: Self.at("2026-05-13T22:00:00Z"), to: Self.at("2026-05-14T22:00:00Z")) == 0)
        #expect(c.isOpen(at: Self.at("2026-12-01T10:00:00Z")))
        #expect(!c.isOpen(at: Self.at("2026-12-01T11:45:00Z")), "12:45 Paris is lunch")
    }

    @Test("a 24/7 calendar counts 23 hours on the spring-forward day and 25 on the fall-back day")
    func dstAlwaysOpen() {
        let c = BusinessCalendar.alwaysOpen(timeZone: Self.paris)
        // 2026-03-29: 00:00 Paris = 23:00Z the day before; next midnight = 22:00Z.
        #expect(c.businessMinutes(from: Self.at("2026-03-28T23:00:00Z"), to: Self.at("2026-03-29T22:00:00Z")) == 23 * 60)
        #expect(c.openIntervals(on: Day("2026-03-29")!).map { $0.end.timeIntervalSince($0.start) } == [23 * 3600])
        #expect(c.openIntervals(on: Day("2026-10-25")!).map { $0.end.timeIntervalSince($0.start) } == [25 * 3600])
        #expect(c.adding(minutes: 90, to: Self.at("2026-03-29T00:30:00Z")) == Self.at("2026-03-29T02:00:00Z"))
    }

    @Test("opening hours stay at the same local time across a DST change (New York)")
    func dstOffice() {
        let c = Self.newYorkOffice
        // Friday 2026-03-06 16:00 EST (21:00Z) + 120 min → Monday 2026-03-09 10:00 EDT (14:00Z).
        #expect(c.adding(minutes: 120, to: Self.at("2026-03-06T21:00:00Z")) == Self.at("2026-03-09T14:00:00Z"))
        // Friday 2026-10-30 16:00 EDT (20:00Z) + 120 min → Monday 2026-11-02 10:00 EST (15:00Z).
        #expect(c.adding(minutes: 120, to: Self.at("2026-10-30T20:00:00Z")) == Self.at("2026-11-02T15:00:00Z"))
    }

    @Test("24:00 ends a day; bad hours and overlaps are refused")
    func validation() throws {
        #expect(BusinessCalendar.Interval.minutes("24:00") == 1440)
        #expect(BusinessCalendar.Interval.minutes("24:30") == nil)
        #expect(BusinessCalendar.Interval.minutes("9:00") == nil)
        #expect(throws: DomainError.self) { try BusinessCalendar.Interval(day: .mon, start: 600, end: 540) }
        #expect(throws: DomainError.self) {
            try BusinessCalendar(timeZone: Self.paris, hours: [try .init(day: .mon, start: 540, end: 720), try .init(day: .mon, start: 700, end: 800)])
        }
        let late = try BusinessCalendar(timeZone: Self.paris, hours: [try .init(day: .fri, start: 20 * 60, end: 1440)])
        #expect(late.businessMinutes(from: Self.at("2026-12-04T18:00:00Z"), to: Self.at("2026-12-05T06:00:00Z")) == 240)
        let closed = try BusinessCalendar(timeZone: Self.paris, hours: [])
        #expect(closed.adding(minutes: 1, to: Self.at("2026-12-01T00:00:00Z")) == nil)
    }

    @Test("day ordinals round-trip across years and leap days")
    func ordinals() async {
        #expect(Day("1970-01-01")!.ordinal == 0)
        #expect(Day("2024-02-29")!.adding(days: 1) == Day("2024-03-01"))
        #expect(Day("2026-12-31")!.adding(days: 1) == Day("2027-01-01"))
        await propertyCheck(input: Gen.int(in: -30_000...60_000)) { n in
            #expect(Day(ordinal: n).ordinal == n)
            #expect(Day(ordinal: n).adding(days: 1).ordinal == n + 1)
        }
    }

    // MARK: Properties

    static let calendars = [office, newYorkOffice, BusinessCalendar.alwaysOpen(timeZone: paris), BusinessCalendar.alwaysOpen(timeZone: newYork)]
    /// Instants from 2026-01-01 to 2028-01-01, to the second, across both DST changes of both years.
    static let instants = Gen.int(in: 1_767_225_600...1_830_297_600).map { Date(timeIntervalSince1970: TimeInterval($0)) }

    @Test("adding N business minutes, then measuring, gives N back")
    func addThenMeasure() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0..<4), Self.instants, Gen.int(in: 0...30_000)) { which, start, n in
            let c = Self.calendars[which]
            let due = try #require(c.adding(minutes: n, to: start))
            #expect(due >= start)
            #expect(c.businessMinutes(from: start, to: due) == n, "calendar \(which), start \(start), \(n) min → \(due)")
        }
    }

    @Test("business time is monotonic and additive")
    func monotonicAndAdditive() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0..<4), Self.instants, Gen.int(in: 0...20_000), Gen.int(in: 0...20_000)) { which, start, a, b in
            let c = Self.calendars[which]
            let (lo, hi) = (min(a, b), max(a, b))
            let d1 = try #require(c.adding(minutes: lo, to: start)), d2 = try #require(c.adding(minutes: hi, to: start))
            #expect(d1 <= d2)
            let whole = c.businessSeconds(from: start, to: d2)
            #expect(abs(c.businessSeconds(from: start, to: d1) + c.businessSeconds(from: d1, to: d2) - whole) < 0.001)
        }
    }

    @Test("closed periods never count: nights, weekends and holidays of the office calendar")
    func closedNeverCounts() async {
        var paris = Calendar(identifier: .gregorian)
        paris.timeZone = Self.paris
        await propertyCheck(count: 300, input: Self.instants) { start in
            let c = Self.office
            let open = try #require(c.nextOpening(atOrAfter: start))
            #expect(c.businessSeconds(from: start, to: open) == 0)
            // A whole local day counts 7 h 30 on a working weekday, nothing on a weekend or a holiday.
            let dayStart = paris.startOfDay(for: start)
            let dayEnd = try #require(paris.date(byAdding: .day, value: 1, to: dayStart))
            let weekend = paris.isDateInWeekend(start)
            let expected: TimeInterval = weekend || c.isHoliday(c.day(of: start)) ? 0 : 450 * 60
            #expect(c.businessSeconds(from: dayStart, to: dayEnd) == expected, "\(start)")
        }
    }
}
