@testable import EscaleCore
import Foundation
import PropertyBased
import Testing

@Suite("On-call schedules")
struct OnCallScheduleTests {
    typealias Schedule = OnCallSchedule
    typealias Layer = OnCallSchedule.Layer
    typealias Override = OnCallSchedule.Override

    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    static let a = UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!
    static let b = UUID(uuidString: "00000000-0000-0000-0000-00000000000B")!
    static let c = UUID(uuidString: "00000000-0000-0000-0000-00000000000C")!
    static let n1 = UUID(uuidString: "00000000-0000-0000-0000-0000000000D1")!
    static let n2 = UUID(uuidString: "00000000-0000-0000-0000-0000000000D2")!
    static let x = UUID(uuidString: "00000000-0000-0000-0000-0000000000E1")!
    static let y = UUID(uuidString: "00000000-0000-0000-0000-0000000000E2")!

    static func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }
    static func local(_ text: String) -> OnCallSchedule.LocalTime { OnCallSchedule.LocalTime(text)! }
    static func hours(_ n: Double) -> TimeInterval { n * 3600 }

    static func layer(_ rotation: Schedule.Rotation, _ handoff: String, _ people: [UUID], _ restrictions: [BusinessCalendar.Interval] = []) -> Layer {
        try! Layer(rotation: rotation, handoff: local(handoff), participants: people, restrictions: restrictions)
    }

    static func schedule(_ zone: TimeZone, _ layers: [Layer], _ overrides: [Override] = []) -> Schedule {
        try! Schedule(timeZone: zone, layers: layers, overrides: overrides)
    }

    static func override(_ who: UUID, _ from: String, _ to: String) -> Override {
        try! Override(userId: who, from: at(from), to: at(to))
    }

    /// Monday to Friday 00:00–08:00 and 19:00–24:00, Saturday and Sunday all day.
    static let nightsAndWeekends: [BusinessCalendar.Interval] =
        [BusinessCalendar.Weekday.mon, .tue, .wed, .thu, .fri].flatMap { [try! .init(day: $0, start: 0, end: 480), try! .init(day: $0, start: 1140, end: 1440)] }
        + [BusinessCalendar.Weekday.sat, .sun].map { try! .init(day: $0, start: 0, end: 1440) }

    /// Paris. Days: A/B daily from Monday 2026-11-16 09:00 (so A on even days since then: A on Mon 30 Nov, B on Tue
    /// 1 Dec). Nights and weekends: N1/N2 weekly from Monday 2026-11-30 09:00.
    static let dayAndNight = schedule(paris, [
        layer(.daily, "2026-11-16T09:00", [a, b]),
        layer(.weekly, "2026-11-30T09:00", [n1, n2], nightsAndWeekends),
    ])

    // MARK: Rotations

    @Test("a daily rotation goes round its participants at the local handoff time, nobody before the first turn")
    func daily() {
        let s = Self.schedule(Self.paris, [Self.layer(.daily, "2026-11-30T09:00", [Self.a, Self.b, Self.c])])
        #expect(s.onCall(at: Self.at("2026-11-30T07:59:59Z")) == nil)
        #expect(s.onCall(at: Self.at("2026-11-30T08:00:00Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2026-11-30T08:00:00Z"))?.until == Self.at("2026-12-01T08:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-01T07:59:59Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2026-12-01T08:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-12-02T08:00:00Z"))?.userId == Self.c)
        #expect(s.onCall(at: Self.at("2026-12-03T08:00:00Z"))?.userId == Self.a)
        // 365 turns later (365 mod 3 = 2): C, and still at 09:00 Paris.
        #expect(s.onCall(at: Self.at("2027-11-30T08:00:00Z"))?.userId == Self.c)
        #expect(s.onCall(at: Self.at("2027-11-30T07:59:59Z"))?.userId == Self.b)
    }

    @Test("a weekly rotation hands off on the handoff's weekday and local time, even across DST")
    func weekly() {
        let s = Self.schedule(Self.paris, [Self.layer(.weekly, "2026-11-30T09:00", [Self.a, Self.b, Self.c])])
        #expect(s.onCall(at: Self.at("2026-11-30T07:00:00Z")) == nil)
        #expect(s.onCall(at: Self.at("2026-12-06T12:00:00Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2026-12-07T08:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-12-07T08:00:00Z"))?.until == Self.at("2026-12-14T08:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-14T08:00:00Z"))?.userId == Self.c)
        #expect(s.onCall(at: Self.at("2026-12-21T08:00:00Z"))?.userId == Self.a)
        // The week from Monday 22 March 2027 09:00 CET to Monday 29 March 09:00 CEST lasts 7 days minus an hour.
        let week = s.onCall(at: Self.at("2027-03-25T12:00:00Z"))
        #expect(week?.until == Self.at("2027-03-29T07:00:00Z"))
        #expect(s.onCall(at: Self.at("2027-03-22T08:00:00Z"))?.until == Self.at("2027-03-29T07:00:00Z"))
    }

    @Test("hours(12) turns last 12 real hours; hours(24) drifts off the local clock across DST")
    func hourly() {
        let twelve = Self.schedule(Self.paris, [Self.layer(.hours(12), "2026-11-30T09:00", [Self.a, Self.b])])
        #expect(twelve.onCall(at: Self.at("2026-11-30T07:59:59Z")) == nil)
        #expect(twelve.onCall(at: Self.at("2026-11-30T08:00:00Z"))?.userId == Self.a)
        #expect(twelve.onCall(at: Self.at("2026-11-30T08:00:00Z"))?.until == Self.at("2026-11-30T20:00:00Z"))
        #expect(twelve.onCall(at: Self.at("2026-11-30T20:00:00Z"))?.userId == Self.b)
        #expect(twelve.onCall(at: Self.at("2026-12-01T07:59:59Z"))?.userId == Self.b)
        #expect(twelve.onCall(at: Self.at("2026-12-01T08:00:00Z"))?.userId == Self.a)
        // 2027-03-28 (spring forward): hours(24) from 09:00 CET hands off at 10:00 CEST afterwards.
        let day = Self.schedule(Self.paris, [Self.layer(.hours(24), "2027-03-27T09:00", [Self.a, Self.b])])
        #expect(day.onCall(at: Self.at("2027-03-28T07:30:00Z"))?.userId == Self.a)
        #expect(day.onCall(at: Self.at("2027-03-28T07:30:00Z"))?.until == Self.at("2027-03-28T08:00:00Z"))
        #expect(day.onCall(at: Self.at("2027-03-28T08:00:00Z"))?.until == Self.at("2027-03-29T08:00:00Z"))
    }

    // MARK: DST

    /// The turn containing `t`: its start (the `until` of an instant just before it) and end.
    static func turn(_ s: Schedule, containing t: Date) -> (start: Date, end: Date)? {
        guard let end = s.onCall(at: t)?.until else { return nil }
        var start = t
        // Step back a minute at a time only over a handful of hours: enough for a test.
        while let before = s.onCall(at: start.addingTimeInterval(-60)), before.until == end { start = start.addingTimeInterval(-60) }
        return (start, end)
    }

    @Test("daily turns hand off at 09:00 local across the Paris DST nights: 23 h in spring, 25 h in autumn")
    func parisDST() throws {
        let s = Self.schedule(Self.paris, [Self.layer(.daily, "2026-10-01T09:00", [Self.a, Self.b])])
        // Fall back, night of 24–25 October 2026: from 09:00 CEST (07:00Z) to 09:00 CET (08:00Z).
        let autumn = try #require(s.onCall(at: Self.at("2026-10-24T07:00:00Z")))
        #expect(autumn.userId == Self.b, "day 23 since 1 October")
        #expect(autumn.until == Self.at("2026-10-25T08:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-10-24T06:59:59Z"))?.until == Self.at("2026-10-24T07:00:00Z"))
        #expect(try #require(autumn.until).timeIntervalSince(Self.at("2026-10-24T07:00:00Z")) == Self.hours(25))
        #expect(s.onCall(at: Self.at("2026-10-25T08:00:00Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2026-10-25T08:00:00Z"))?.until == Self.at("2026-10-26T08:00:00Z"))
        // Spring forward, night of 27–28 March 2027: from 09:00 CET (08:00Z) to 09:00 CEST (07:00Z).
        let spring = try #require(s.onCall(at: Self.at("2027-03-27T08:00:00Z")))
        #expect(spring.until == Self.at("2027-03-28T07:00:00Z"))
        #expect(try #require(spring.until).timeIntervalSince(Self.at("2027-03-27T08:00:00Z")) == Self.hours(23))
        #expect(s.onCall(at: Self.at("2027-03-27T07:59:59Z"))?.until == Self.at("2027-03-27T08:00:00Z"))
        #expect(s.onCall(at: Self.at("2027-03-28T07:00:00Z"))?.until == Self.at("2027-03-29T07:00:00Z"))
        #expect(s.onCall(at: Self.at("2027-03-28T07:00:00Z"))?.userId != spring.userId)
    }

    @Test("daily turns hand off at 09:00 local across the New York DST nights")
    func newYorkDST() throws {
        let s = Self.schedule(Self.newYork, [Self.layer(.daily, "2026-10-01T09:00", [Self.a, Self.b])])
        // Fall back 2026-11-01: 09:00 EDT (13:00Z) → 09:00 EST (14:00Z), 25 h.
        let autumn = try #require(s.onCall(at: Self.at("2026-10-31T13:00:00Z")))
        #expect(autumn.until == Self.at("2026-11-01T14:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-10-31T12:59:59Z"))?.until == Self.at("2026-10-31T13:00:00Z"))
        let autumnTurn = try #require(Self.turn(s, containing: Self.at("2026-11-01T06:00:00Z")))
        #expect(autumnTurn.start == Self.at("2026-10-31T13:00:00Z"))
        #expect(autumnTurn.end.timeIntervalSince(autumnTurn.start) == Self.hours(25))
        // Spring forward 2027-03-14: 09:00 EST (14:00Z) → 09:00 EDT (13:00Z), 23 h.
        let springTurn = try #require(Self.turn(s, containing: Self.at("2027-03-14T06:00:00Z")))
        #expect(springTurn.start == Self.at("2027-03-13T14:00:00Z"))
        #expect(springTurn.end == Self.at("2027-03-14T13:00:00Z"))
        #expect(springTurn.end.timeIntervalSince(springTurn.start) == Self.hours(23))
        #expect(s.onCall(at: Self.at("2027-03-14T13:00:00Z"))?.until == Self.at("2027-03-15T13:00:00Z"))
    }

    @Test("a handoff time skipped by spring forward hands off when the clock jumps; a repeated one at its first occurrence")
    func handoffInGap() throws {
        // 02:30 does not exist in Paris on 2027-03-28: that turn starts at 03:00 CEST (01:00Z).
        let s = Self.schedule(Self.paris, [Self.layer(.daily, "2027-03-26T02:30", [Self.a, Self.b])])
        #expect(s.onCall(at: Self.at("2027-03-26T01:29:59Z")) == nil)
        #expect(s.onCall(at: Self.at("2027-03-26T01:30:00Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2027-03-27T12:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2027-03-27T12:00:00Z"))?.until == Self.at("2027-03-28T01:00:00Z"))
        #expect(s.onCall(at: Self.at("2027-03-28T01:00:00Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2027-03-28T01:00:00Z"))?.until == Self.at("2027-03-29T00:30:00Z"))
        // The first turn itself in the gap.
        let gap = Self.schedule(Self.paris, [Self.layer(.daily, "2027-03-28T02:30", [Self.a])])
        #expect(gap.onCall(at: Self.at("2027-03-28T00:59:59Z")) == nil)
        #expect(gap.onCall(at: Self.at("2027-03-28T01:00:00Z"))?.userId == Self.a)
        // 02:30 happens twice in Paris on 2026-10-25 (00:30Z CEST, 01:30Z CET): the first counts.
        let twice = Self.schedule(Self.paris, [Self.layer(.daily, "2026-10-25T02:30", [Self.a, Self.b])])
        #expect(twice.onCall(at: Self.at("2026-10-25T00:29:59Z")) == nil)
        #expect(twice.onCall(at: Self.at("2026-10-25T00:30:00Z"))?.userId == Self.a)
        #expect(twice.onCall(at: Self.at("2026-10-25T00:30:00Z"))?.until == Self.at("2026-10-26T01:30:00Z"))
    }

    // MARK: Layers and overrides

    @Test("a layer restricted to nights and weekends takes over there; the day layer shows through elsewhere")
    func restrictedLayer() {
        let s = Self.dayAndNight
        // Tuesday 1 December, 10:00 Paris: the day layer (B) until the night window opens at 19:00 (18:00Z).
        #expect(s.onCall(at: Self.at("2026-12-01T09:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-12-01T09:00:00Z"))?.until == Self.at("2026-12-01T18:00:00Z"))
        // 20:00: N1 through midnight (same person, no change) until Wednesday 08:00 (07:00Z).
        #expect(s.onCall(at: Self.at("2026-12-01T19:00:00Z"))?.userId == Self.n1)
        #expect(s.onCall(at: Self.at("2026-12-01T19:00:00Z"))?.until == Self.at("2026-12-02T07:00:00Z"))
        // Wednesday 08:00–09:00: Tuesday's day turn (B) shows through, then A.
        #expect(s.onCall(at: Self.at("2026-12-02T07:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-12-02T07:00:00Z"))?.until == Self.at("2026-12-02T08:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-02T08:00:00Z"))?.userId == Self.a)
        // Friday 20:00 to Monday 08:00 is one stretch for N1, then the day layer.
        #expect(s.onCall(at: Self.at("2026-12-04T19:00:00Z"))?.until == Self.at("2026-12-07T07:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-05T12:00:00Z"))?.userId == Self.n1)
        #expect(s.onCall(at: Self.at("2026-12-07T07:00:00Z"))?.userId == Self.a)
        // The weekly turn handed off on Monday 09:00: N2 that night.
        #expect(s.onCall(at: Self.at("2026-12-07T19:00:00Z"))?.userId == Self.n2)
    }

    @Test("before a layer's first turn the earlier layers show through, and before every first turn nobody is on call")
    func beforeFirstTurn() {
        let s = Self.dayAndNight
        // Saturday 28 November: weekend, but the night layer only starts on Monday 30th.
        #expect(s.onCall(at: Self.at("2026-11-28T11:00:00Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2026-11-28T11:00:00Z"))?.until == Self.at("2026-11-29T08:00:00Z"))
        // Monday 30th 07:00 Paris: inside a night window, still before the night layer's handoff.
        #expect(s.onCall(at: Self.at("2026-11-30T06:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-11-30T06:00:00Z"))?.until == Self.at("2026-11-30T08:00:00Z"))
        // Its first night: 19:00 (18:00Z).
        #expect(s.onCall(at: Self.at("2026-11-30T12:00:00Z"))?.until == Self.at("2026-11-30T18:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-11-30T18:00:00Z"))?.userId == Self.n1)
        // Before the day layer's first turn (Monday 16 November 09:00) nobody.
        #expect(s.onCall(at: Self.at("2026-11-16T07:59:59Z")) == nil)
        #expect(s.onCall(at: Self.at("2026-11-16T08:00:00Z"))?.userId == Self.a)
    }

    @Test("overrides beat every layer; where overrides overlap the later one wins; until is exact at their edges")
    func overrides() {
        let base = Self.dayAndNight
        let x = Self.override(Self.x, "2026-12-01T11:00:00Z", "2026-12-01T15:00:00Z")
        let y = Self.override(Self.y, "2026-12-01T12:00:00Z", "2026-12-01T13:00:00Z")
        let evening = Self.override(Self.y, "2026-12-01T17:00:00Z", "2026-12-01T20:00:00Z")
        let s = Self.schedule(Self.paris, base.layers, [x, y, evening])
        #expect(s.onCall(at: Self.at("2026-12-01T10:59:59Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-12-01T10:00:00Z"))?.until == Self.at("2026-12-01T11:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-01T11:30:00Z"))?.userId == Self.x)
        #expect(s.onCall(at: Self.at("2026-12-01T11:30:00Z"))?.until == Self.at("2026-12-01T12:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-01T12:30:00Z"))?.userId == Self.y)
        #expect(s.onCall(at: Self.at("2026-12-01T12:30:00Z"))?.until == Self.at("2026-12-01T13:00:00Z"))
        // X again until its end, then the day layer.
        #expect(s.onCall(at: Self.at("2026-12-01T13:30:00Z"))?.userId == Self.x)
        #expect(s.onCall(at: Self.at("2026-12-01T13:30:00Z"))?.until == Self.at("2026-12-01T15:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-01T15:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-12-01T15:00:00Z"))?.until == Self.at("2026-12-01T17:00:00Z"))
        // An override beats the night layer too, and the night layer resumes at its end.
        #expect(s.onCall(at: Self.at("2026-12-01T19:00:00Z"))?.userId == Self.y)
        #expect(s.onCall(at: Self.at("2026-12-01T17:30:00Z"))?.until == Self.at("2026-12-01T20:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-01T20:00:00Z"))?.userId == Self.n1)
        // Order matters: with X listed last it covers Y entirely.
        let reversed = Self.schedule(Self.paris, base.layers, [y, x])
        #expect(reversed.onCall(at: Self.at("2026-12-01T12:30:00Z"))?.userId == Self.x)
        #expect(reversed.onCall(at: Self.at("2026-12-01T11:30:00Z"))?.until == Self.at("2026-12-01T15:00:00Z"))
        // Back-to-back overrides of the same person are one stretch.
        let twice = Self.schedule(Self.paris, base.layers, [
            Self.override(Self.x, "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"),
            Self.override(Self.x, "2026-12-01T11:00:00Z", "2026-12-01T12:00:00Z"),
        ])
        #expect(twice.onCall(at: Self.at("2026-12-01T10:00:00Z"))?.until == Self.at("2026-12-01T12:00:00Z"))
        // An override covers a time nobody is on call.
        let early = Self.schedule(Self.paris, base.layers, [Self.override(Self.x, "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z")])
        #expect(early.onCall(at: Self.at("2026-11-01T10:30:00Z"))?.userId == Self.x)
        #expect(early.onCall(at: Self.at("2026-11-01T10:30:00Z"))?.until == Self.at("2026-11-01T11:00:00Z"))
        #expect(early.onCall(at: Self.at("2026-11-01T11:00:00Z")) == nil)
    }

    @Test("until skips boundaries where the same person carries on, and is nil when nobody ever takes over")
    func untilSkipsSamePerson() throws {
        let s = Self.schedule(Self.paris, [Self.layer(.daily, "2026-11-30T09:00", [Self.a, Self.a, Self.b])])
        #expect(s.onCall(at: Self.at("2026-11-30T10:00:00Z"))?.userId == Self.a)
        #expect(s.onCall(at: Self.at("2026-11-30T10:00:00Z"))?.until == Self.at("2026-12-02T08:00:00Z"))
        #expect(s.onCall(at: Self.at("2026-12-02T08:00:00Z"))?.userId == Self.b)
        #expect(s.onCall(at: Self.at("2026-12-02T08:00:00Z"))?.until == Self.at("2026-12-03T08:00:00Z"))
        let alone = Self.schedule(Self.paris, [Self.layer(.weekly, "2026-11-30T09:00", [Self.a])])
        let answer = try #require(alone.onCall(at: Self.at("2026-12-01T10:00:00Z")))
        #expect(answer.userId == Self.a)
        #expect(answer.until == nil)
        // Alone but only at night: until the window closes.
        let nights = Self.schedule(Self.paris, [Self.layer(.weekly, "2026-11-30T09:00", [Self.a], Self.nightsAndWeekends)])
        #expect(nights.onCall(at: Self.at("2026-12-01T20:00:00Z"))?.until == Self.at("2026-12-02T07:00:00Z"))
        #expect(nights.onCall(at: Self.at("2026-12-02T07:00:00Z")) == nil)
    }

    // MARK: Shifts

    @Test("shifts are clipped to the range, merged for the same person, and leave out times with nobody")
    func shifts() throws {
        let s = Self.dayAndNight
        // Tuesday 1 December, midnight to midnight UTC: N1 until 08:00 Paris, Monday's day turn (A) until 09:00,
        // B until 19:00, N1 again.
        #expect(s.shifts(from: Self.at("2026-12-01T00:00:00Z"), to: Self.at("2026-12-02T00:00:00Z")) == [
            Shift(userId: Self.n1, start: Self.at("2026-12-01T00:00:00Z"), end: Self.at("2026-12-01T07:00:00Z")),
            Shift(userId: Self.a, start: Self.at("2026-12-01T07:00:00Z"), end: Self.at("2026-12-01T08:00:00Z")),
            Shift(userId: Self.b, start: Self.at("2026-12-01T08:00:00Z"), end: Self.at("2026-12-01T18:00:00Z")),
            Shift(userId: Self.n1, start: Self.at("2026-12-01T18:00:00Z"), end: Self.at("2026-12-02T00:00:00Z")),
        ])
        let twice = Self.schedule(Self.paris, [Self.layer(.daily, "2026-11-30T09:00", [Self.a, Self.a, Self.b])])
        #expect(twice.shifts(from: Self.at("2026-11-30T00:00:00Z"), to: Self.at("2026-12-03T00:00:00Z")) == [
            Shift(userId: Self.a, start: Self.at("2026-11-30T08:00:00Z"), end: Self.at("2026-12-02T08:00:00Z")),
            Shift(userId: Self.b, start: Self.at("2026-12-02T08:00:00Z"), end: Self.at("2026-12-03T00:00:00Z")),
        ])
        let nights = Self.schedule(Self.paris, [Self.layer(.daily, "2026-11-30T09:00", [Self.a], Self.nightsAndWeekends)])
        #expect(nights.shifts(from: Self.at("2026-12-01T12:00:00Z"), to: Self.at("2026-12-02T12:00:00Z")) == [
            Shift(userId: Self.a, start: Self.at("2026-12-01T18:00:00Z"), end: Self.at("2026-12-02T07:00:00Z")),
        ])
        #expect(s.shifts(from: Self.at("2026-12-01T00:00:00Z"), to: Self.at("2026-12-01T00:00:00Z")).isEmpty)
        // A range longer than 400 days stops after 400 days.
        let start = Self.at("2026-12-01T00:00:00Z")
        let long = s.shifts(from: start, to: start.addingTimeInterval(500 * 86_400))
        #expect(try #require(long.last).end == start.addingTimeInterval(400 * 86_400))
    }

    // MARK: Validation

    @Test("bad schedules are refused: no layer, no participant, hours out of range, override ending first, bad handoff")
    func validation() throws {
        let handoff = Self.local("2026-11-30T09:00")
        #expect(throws: DomainError.self) { try Schedule(timeZone: Self.paris, layers: []) }
        #expect(throws: DomainError.self) { try Layer(rotation: .daily, handoff: handoff, participants: [], restrictions: []) }
        #expect(throws: DomainError.self) { try Layer(rotation: .hours(0), handoff: handoff, participants: [Self.a], restrictions: []) }
        #expect(throws: DomainError.self) { try Layer(rotation: .hours(8761), handoff: handoff, participants: [Self.a], restrictions: []) }
        #expect(throws: Never.self) { try Layer(rotation: .hours(8760), handoff: handoff, participants: [Self.a], restrictions: []) }
        #expect(throws: DomainError.self) { try Override(userId: Self.a, from: Self.at("2026-12-01T10:00:00Z"), to: Self.at("2026-12-01T09:00:00Z")) }
        #expect(throws: DomainError.self) { try Override(userId: Self.a, from: Self.at("2026-12-01T10:00:00Z"), to: Self.at("2026-12-01T10:00:00Z")) }
        #expect(Self.local("2026-11-30T09:00:00") == handoff)
        #expect(handoff.description == "2026-11-30T09:00")
        #expect(Self.local("2027-01-05T23:59").description == "2027-01-05T23:59")
        for bad in ["", "2026-11-30", "2026-11-30 09:00", "2026-11-30T9:00", "2026-11-30T24:00", "2026-11-30T09:60",
                    "2026-02-29T09:00", "2026-13-01T09:00", "2026-11-30T09:00Z", "2026-11-30T09:00:30", "2026-11-30T+9:00",
                    "26-11-30T09:00", "2026-11-30T09:00:00:00"] {
            #expect(OnCallSchedule.LocalTime(bad) == nil, "\(bad)")
        }
    }

    // MARK: Properties

    static let schedules: [Schedule] = [
        schedule(paris, dayAndNight.layers, [
            override(x, "2026-03-29T00:30:00Z", "2026-03-29T03:00:00Z"),
            override(y, "2026-07-14T06:00:00Z", "2026-07-20T06:00:00Z"),
            override(x, "2026-07-16T12:00:00Z", "2026-07-17T00:00:00Z"),
            override(b, "2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z"),
            override(n1, "2027-10-30T23:00:00Z", "2027-10-31T02:30:00Z"),
        ]),
        schedule(newYork, [
            layer(.weekly, "2026-01-05T09:00", [a, b, c]),
            layer(.hours(7), "2026-03-01T00:00", [x, y], [try! .init(day: .sat, start: 0, end: 1440), try! .init(day: .sun, start: 60, end: 150)]),
        ]),
        schedule(paris, [
            layer(.daily, "2026-02-15T02:30", [a, a, b]),
            layer(.daily, "2026-05-01T00:00", [c], [try! .init(day: .sun, start: 90, end: 210), try! .init(day: .wed, start: 1380, end: 1440)]),
            layer(.hours(36), "2027-06-01T12:00", [n1, n2, n1], [try! .init(day: .fri, start: 720, end: 1080)]),
        ]),
        schedule(newYork, [layer(.daily, "2026-07-01T01:30", [a], [try! .init(day: .sun, start: 60, end: 150), try! .init(day: .mon, start: 0, end: 1440)])],
                 [override(b, "2026-11-01T05:00:00Z", "2026-11-01T06:30:00Z")]),
    ]
    /// Instants from 2026-01-01 to 2028-01-01, to the second, across both DST changes of both years.
    static let instants = Gen.int(in: 1_767_225_600...1_830_297_600).map { Date(timeIntervalSince1970: TimeInterval($0)) }

    @Test("shifts agree with onCall: the shift containing an instant names who is on call, none contains a time with nobody")
    func shiftsAgree() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0..<Self.schedules.count), Self.instants, Gen.int(in: 0..<(4 * 86_400))) { which, from, offset in
            let s = Self.schedules[which]
            let to = from.addingTimeInterval(4 * 86_400)
            let shifts = s.shifts(from: from, to: to)
            for shift in shifts { #expect(from <= shift.start && shift.start < shift.end && shift.end <= to) }
            for (p, q) in zip(shifts, shifts.dropFirst()) {
                #expect(p.end <= q.start)
                #expect(p.end < q.start || p.userId != q.userId, "adjacent shifts of the same person are merged")
            }
            let probe = from.addingTimeInterval(TimeInterval(offset))
            let containing = shifts.first { $0.start <= probe && probe < $0.end }
            #expect(containing?.userId == s.onCall(at: probe)?.userId, "schedule \(which), \(probe)")
            // Every shift ends where onCall says the person changes (or at the end of the range).
            for shift in shifts {
                let until = s.onCall(at: shift.start)?.until
                #expect(shift.end == min(until ?? to, to), "schedule \(which), shift from \(shift.start)")
            }
        }
    }

    @Test("until is exact: someone else (or nobody) at until, the same person a second before and in between")
    func untilExact() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0..<Self.schedules.count), Self.instants, Gen.double(in: 0..<1)) { which, t, fraction in
            let s = Self.schedules[which]
            guard let now = s.onCall(at: t), let until = now.until else { return }
            #expect(until > t)
            #expect(s.onCall(at: until)?.userId != now.userId, "schedule \(which), \(t) → \(until)")
            #expect(s.onCall(at: until.addingTimeInterval(-1))?.userId == now.userId, "schedule \(which), \(t) → \(until)")
            let between = t.addingTimeInterval((until.timeIntervalSince(t) * fraction).rounded(.down))
            #expect(s.onCall(at: between)?.userId == now.userId)
            #expect(s.onCall(at: between)?.until == until)
        }
    }

    // MARK: iCalendar

    static let scheduleId = UUID(uuidString: "5F0C0000-0000-4000-8000-0000000000AA")!

    static func lines(_ feed: String) -> [String] {
        var lines = feed.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Undoes RFC 5545 folding.
    static func unfold(_ feed: String) -> [String] {
        lines(feed.replacingOccurrences(of: "\r\n ", with: ""))
    }

    @Test("the feed is a published VCALENDAR with one VEVENT per shift, UTC times and stable UIDs, CRLF everywhere")
    func feed() throws {
        let shifts = [
            Shift(userId: Self.a, start: Self.at("2026-12-01T08:00:00Z"), end: Self.at("2026-12-01T18:00:00Z")),
            Shift(userId: Self.c, start: Self.at("2026-12-01T18:00:00Z"), end: Self.at("2026-12-02T07:00:00Z")),
        ]
        let feed = ICalendar.onCallFeed(scheduleName: "Astreinte réseau", scheduleId: Self.scheduleId, shifts: shifts,
                                        names: [Self.a: "Alice"], generatedAt: Self.at("2026-11-30T10:30:05Z"), uidDomain: "escale.example")
        // Every line feed is preceded by a carriage return and every carriage return followed by a line feed.
        let bytes = Array(feed.utf8)
        for (i, byte) in bytes.enumerated() {
            if byte == 0x0A { #expect(i > 0 && bytes[i - 1] == 0x0D) }
            if byte == 0x0D { #expect(i + 1 < bytes.count && bytes[i + 1] == 0x0A) }
        }
        #expect(feed.hasSuffix("END:VCALENDAR\r\n"))
        let uidA = "UID:5f0c0000-0000-4000-8000-0000000000aa-1796112000-00000000-0000-0000-0000-00000000000a@escale.example"
        #expect(Self.unfold(feed) == [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Escale//On-call//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "X-WR-CALNAME:Astreinte réseau",
            "BEGIN:VEVENT", uidA, "DTSTAMP:20261130T103005Z", "DTSTART:20261201T080000Z", "DTEND:20261201T180000Z",
            "SUMMARY:On call: Alice", "END:VEVENT",
            "BEGIN:VEVENT", "UID:5f0c0000-0000-4000-8000-0000000000aa-1796148000-00000000-0000-0000-0000-00000000000c@escale.example",
            "DTSTAMP:20261130T103005Z", "DTSTART:20261201T180000Z", "DTEND:20261202T070000Z", "SUMMARY:On call", "END:VEVENT",
            "END:VCALENDAR",
        ])
        // The same shift keeps its UID when the feed is generated again later.
        let again = ICalendar.onCallFeed(scheduleName: "Astreinte réseau", scheduleId: Self.scheduleId, shifts: [shifts[0]],
                                         names: [:], generatedAt: Self.at("2026-12-05T00:00:00Z"), uidDomain: "escale.example")
        #expect(Self.unfold(again).contains(uidA))
        let empty = ICalendar.onCallFeed(scheduleName: "Vide", scheduleId: Self.scheduleId, shifts: [], names: [:], generatedAt: Self.at("2026-12-05T00:00:00Z"), uidDomain: "escale.example")
        #expect(!empty.contains("BEGIN:VEVENT"))
        #expect(empty.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
    }

    @Test("TEXT values escape backslash, semicolon, comma and line breaks")
    func escaping() {
        let shift = Shift(userId: Self.a, start: Self.at("2026-12-01T08:00:00Z"), end: Self.at("2026-12-01T09:00:00Z"))
        let feed = ICalendar.onCallFeed(scheduleName: "N2; nuits, week-ends\r\nParis", scheduleId: Self.scheduleId, shifts: [shift],
                                        names: [Self.a: "Smith, John; C:\\ops\nnuit"], generatedAt: Self.at("2026-12-01T00:00:00Z"), uidDomain: "escale.example")
        let lines = Self.unfold(feed)
        #expect(lines.contains(#"X-WR-CALNAME:N2\; nuits\, week-ends\nParis"#))
        #expect(lines.contains(#"SUMMARY:On call: Smith\, John\; C:\\ops\nnuit"#))
        #expect(ICalendar.escape("a\rb\n\nc") == #"a\nb\n\nc"#)
        #expect(ICalendar.escape("tab\there\u{07}") == "tab\there")
    }

    @Test("content lines fold at 75 octets without splitting a UTF-8 character, continuation lines start with one space")
    func folding() throws {
        let name = "Marie-Hélène Écoffier-Dœuvre de la Châtaigneraie, équipe réseau & sécurité (astreinte nuit, week-ends et jours fériés) — Île-de-France, Hauts-de-France 🌙"
        let shift = Shift(userId: Self.a, start: Self.at("2026-12-01T08:00:00Z"), end: Self.at("2026-12-01T09:00:00Z"))
        let feed = ICalendar.onCallFeed(scheduleName: "Astreinte", scheduleId: Self.scheduleId, shifts: [shift], names: [Self.a: name],
                                        generatedAt: Self.at("2026-12-01T00:00:00Z"), uidDomain: "escale.example")
        let physical = Self.lines(feed)
        for line in physical { #expect(line.utf8.count <= 75, "\(line)") }
        let first = try #require(physical.firstIndex { $0.hasPrefix("SUMMARY:") })
        let continuation = physical[(first + 1)...].prefix { $0.hasPrefix(" ") }
        #expect(continuation.count >= 2, "the summary is over 150 octets")
        #expect(physical[first].utf8.count >= 74)
        // Each physical line is whole UTF-8 on its own: no character was cut in two.
        for line in feed.utf8.split(separator: 0x0D) {
            let bytes = Array(line.drop { $0 == 0x0A })
            #expect(String(validating: bytes, as: UTF8.self) != nil)
        }
        #expect(Self.unfold(feed).contains("SUMMARY:On call: " + ICalendar.escape(name)))
        // 17 + 57 = 74 octets, then "é" (2 octets) would make 76: the fold comes before it.
        let line = "SUMMARY:On call: " + String(repeating: "a", count: 57) + "é" + String(repeating: "b", count: 80)
        let folded = ICalendar.fold(line).components(separatedBy: "\r\n")
        #expect(folded[0] == "SUMMARY:On call: " + String(repeating: "a", count: 57))
        #expect(folded[1] == " é" + String(repeating: "b", count: 72))
        #expect(folded[1].utf8.count == 75)
        #expect(folded[2] == " " + String(repeating: "b", count: 8))
        #expect(ICalendar.fold(String(repeating: "x", count: 75)) == String(repeating: "x", count: 75))
    }
}
