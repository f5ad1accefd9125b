import Foundation

/// An on-call schedule: layers of rotations, overrides on top. Who is on call at an instant is a pure function.
///
/// Daily and weekly turns hand off at the same local wall-clock time in `timeZone`, so the turn spanning a DST change
/// lasts 23 or 25 hours; `hours(N)` turns last exactly N real hours. A local time skipped by a spring-forward change
/// stands for the first instant after the gap, a repeated one for its first occurrence (as in `BusinessCalendar`).
///
/// Precedence: overrides (the later one in the array wins where they overlap), then the layers from last to first
/// (a layer with nobody on call at an instant lets the earlier ones show through).
public struct OnCallSchedule: Sendable, Equatable {
    public enum Rotation: Sendable, Equatable {
        /// A turn per local day, handing off at the handoff's local time.
        case daily
        /// A turn per local week, handing off on the handoff's weekday at its local time.
        case weekly
        /// Turns of exactly N real hours (1...8760) from the handoff instant, whatever the local clock does.
        case hours(Int)
    }

    /// A local date-time (wall clock in the schedule's time zone): the start of the layer's first turn.
    public struct LocalTime: Sendable, Hashable, CustomStringConvertible {
        public let year: Int, month: Int, day: Int, hour: Int, minute: Int

        /// Nil unless it is a real calendar date and a time from 00:00 to 23:59.
        public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
            guard (1...9999).contains(year), (1...12).contains(month), (1...Day.daysIn(month: month, year: year)).contains(day),
                  (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
            self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute
        }

        /// Parses "2026-11-30T09:00" or "2026-11-30T09:00:00". Seconds, if given, must be 00: turns hand off on a
        /// whole minute, and silently dropping seconds would move a handoff the caller asked for.
        public init?(_ text: String) {
            let halves = text.split(separator: "T", omittingEmptySubsequences: false)
            guard halves.count == 2, let date = Day(String(halves[0])) else { return nil }
            let parts = halves[1].split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 || parts.count == 3,
                  parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                  let hour = Int(parts[0]), let minute = Int(parts[1]), parts.count == 2 || parts[2] == "00" else { return nil }
            self.init(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute)
        }

        /// "2026-11-30T09:00".
        public var description: String {
            String(format: "%04d-%02d-%02dT%02d:%02d", year, month, day, hour, minute)
        }

        /// Days since 1970-01-01 of the local date.
        var dayOrdinal: Int { Day(year: year, month: month, day: day).ordinal }
        var minuteOfDay: Int { hour * 60 + minute }
    }

    /// One rotation of participants, optionally restricted to weekly local windows.
    public struct Layer: Sendable, Equatable {
        public let rotation: Rotation
        /// When turn 0 starts. Before it the layer has nobody on call.
        public let handoff: LocalTime
        /// Turn k goes to `participants[k mod count]`; a user may appear more than once.
        public let participants: [UUID]
        /// Empty: the turn's participant is on call all the time. Otherwise only inside these weekly local windows
        /// (e.g. nights and weekends), each turned into instants day by day with the same DST rules as handoffs.
        public let restrictions: [BusinessCalendar.Interval]

        public init(rotation: Rotation, handoff: LocalTime, participants: [UUID], restrictions: [BusinessCalendar.Interval] = []) throws {
            if case let .hours(n) = rotation, !(1...8760).contains(n) {
                throw DomainError.invalid(field: "rotation", "a rotation in hours lasts from 1 to 8760 hours (one year), not \(n)")
            }
            guard !participants.isEmpty else {
                throw DomainError.invalid(field: "participants", "a layer needs at least one participant")
            }
            self.rotation = rotation; self.handoff = handoff; self.participants = participants; self.restrictions = restrictions
        }
    }

    /// Someone on call over [from, to), whatever the layers say.
    public struct Override: Sendable, Equatable {
        public let userId: UUID
        public let from: Date
        public let to: Date

        public init(userId: UUID, from: Date, to: Date) throws {
            guard to > from else { throw DomainError.invalid(field: "override", "an override must end after it starts") }
            self.userId = userId; self.from = from; self.to = to
        }
    }

    public let timeZone: TimeZone
    public let layers: [Layer]
    public let overrides: [Override]

    public init(timeZone: TimeZone, layers: [Layer], overrides: [Override] = []) throws {
        guard !layers.isEmpty else { throw DomainError.invalid(field: "layers", "a schedule needs at least one layer") }
        self.timeZone = timeZone; self.layers = layers; self.overrides = overrides
    }

    /// How far `onCall(at:)` looks for the next change, and the longest range `shifts(from:to:)` covers.
    public static let horizonDays = 400
    static let horizon = TimeInterval(horizonDays * 86_400)

    /// Who is on call at `t`, and until when that answer holds: the first instant after `t` at which someone else
    /// (or nobody) is on call, nil if that does not happen within `horizonDays`. Nil if nobody is on call at `t`.
    public func onCall(at t: Date) -> (userId: UUID, until: Date?)? {
        let answer = answer(at: t, limit: t.addingTimeInterval(Self.horizon))
        guard let userId = answer.userId else { return nil }
        return (userId, answer.until)
    }

    /// The on-call shifts overlapping [from, to), clipped to it, in order; consecutive shifts of the same person are
    /// merged and times with nobody on call left out. A range longer than `horizonDays` is clipped to its first
    /// `horizonDays` days.
    public func shifts(from: Date, to: Date) -> [Shift] {
        let end = min(to, from.addingTimeInterval(Self.horizon))
        var result: [Shift] = []
        var t = from
        while t < end {
            let answer = answer(at: t, limit: end)
            let stop = min(answer.until ?? end, end)
            if let userId = answer.userId {
                if let last = result.last, last.userId == userId, last.end == t {
                    result[result.count - 1] = Shift(userId: userId, start: last.start, end: stop)
                } else {
                    result.append(Shift(userId: userId, start: t, end: stop))
                }
            }
            t = stop
        }
        return result
    }

    // MARK: Walking the boundaries

    /// The answer at `t` (nil: nobody) and the first instant after `t`, up to `limit`, at which it changes.
    private func answer(at t: Date, limit: Date) -> (userId: UUID?, until: Date?) {
        let zone = LocalZone(timeZone)
        let now = state(at: t, zone)
        var next = now.next
        while let b = next, b <= limit {
            let then = state(at: b, zone)
            if then.userId != now.userId { return (now.userId, b) }
            next = then.next
        }
        return (now.userId, nil)
    }

    /// The answer at `t` and the next boundary after `t` that could change it.
    private func state(at t: Date, _ zone: LocalZone) -> (userId: UUID?, next: Date?) {
        var next: Date?
        func consider(_ d: Date) { if d > t, next.map({ d < $0 }) ?? true { next = d } }
        for o in overrides { consider(o.from); consider(o.to) }
        if let o = overrides.last(where: { $0.from <= t && t < $0.to }) { return (o.userId, next) }
        // Layers below the one answering cannot change the answer before the boundaries of those above it do.
        for layer in layers.reversed() {
            let answer = layer.answer(at: t, zone)
            if let next = answer.next { consider(next) }
            if let userId = answer.userId { return (userId, next) }
        }
        return (nil, next)
    }
}

/// A stretch of time during which one person is on call.
public struct Shift: Sendable, Equatable {
    public let userId: UUID
    public let start: Date
    public let end: Date

    public init(userId: UUID, start: Date, end: Date) {
        self.userId = userId; self.start = start; self.end = end
    }
}

extension OnCallSchedule.Layer {
    /// Who this layer has on call at `t` (nil: nobody), and the next instant after `t` at which that may change
    /// (nil: never).
    fileprivate func answer(at t: Date, _ zone: LocalZone) -> (userId: UUID?, next: Date?) {
        let first = turnStart(0, zone)
        if t < first { return (nil, first) }
        let k = turn(at: t, zone)
        let person = participants[floorMod(k, participants.count)]
        // A handoff to the same person changes nothing: the boundary that matters is the next turn of someone else.
        let handover = (k + 1...k + participants.count).first { participants[floorMod($0, participants.count)] != person }
        let turnEnd = handover.map { turnStart($0, zone) }
        if restrictions.isEmpty { return (person, turnEnd) }
        let window = self.window(at: t, zone)
        return (window.inside ? person : nil, turnEnd.map { min($0, window.next) } ?? window.next)
    }

    private func turnStart(_ k: Int, _ zone: LocalZone) -> Date {
        switch rotation {
        case .daily: zone.instant(day: handoff.dayOrdinal + k, minute: handoff.minuteOfDay)
        case .weekly: zone.instant(day: handoff.dayOrdinal + 7 * k, minute: handoff.minuteOfDay)
        case let .hours(n): zone.instant(day: handoff.dayOrdinal, minute: handoff.minuteOfDay).addingTimeInterval(TimeInterval(k * n * 3600))
        }
    }

    /// The turn containing `t`, by arithmetic on local days (or hours) rather than by counting turns.
    private func turn(at t: Date, _ zone: LocalZone) -> Int {
        var k = switch rotation {
        case .daily: zone.day(of: t) - handoff.dayOrdinal
        case .weekly: floorDiv(zone.day(of: t) - handoff.dayOrdinal, 7)
        case let .hours(n): Int((t.timeIntervalSince(turnStart(0, zone)) / TimeInterval(n * 3600)).rounded(.down))
        }
        // The local day of `t` may still belong to the previous turn (before the handoff time), rarely the next one.
        while t < turnStart(k, zone) { k -= 1 }
        while t >= turnStart(k + 1, zone) { k += 1 }
        return k
    }

    /// Whether `t` is inside one of the restriction windows, and the next window edge after `t`.
    private func window(at t: Date, _ zone: LocalZone) -> (inside: Bool, next: Date) {
        let today = zone.day(of: t)
        var inside = false
        var next: Date?
        var day = today - 1  // yesterday's window may end at today's midnight
        while true {
            let weekday = BusinessCalendar.Weekday.allCases[floorMod(day + 3, 7)]  // 1970-01-01 was a Thursday
            for w in restrictions where w.day == weekday {
                let start = zone.instant(day: day, minute: w.start)
                let end = w.end == 1440 ? zone.instant(day: day + 1, minute: 0) : zone.instant(day: day, minute: w.end)
                if start <= t && t < end { inside = true }
                for edge in [start, end] where edge > t && next.map({ edge < $0 }) ?? true { next = edge }
            }
            // Edges of later days all come after this day's, so the first day with an edge after `t` has the next one.
            if day > today, let next { return (inside, next) }
            day += 1
        }
    }
}

/// Local wall-clock arithmetic in a time zone, on whole seconds. Local dates are Day ordinals, so moving by days is
/// integer arithmetic on dates, never adding 86 400 s to an instant.
private struct LocalZone {
    let timeZone: TimeZone
    init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    /// What the local clock reads at `seconds` since the epoch, counted as if it were UTC.
    private func reading(_ seconds: Int) -> Int {
        seconds + timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The local day (a Day ordinal) an instant falls on.
    func day(of t: Date) -> Int {
        floorDiv(reading(Int(t.timeIntervalSince1970.rounded(.down))), 86_400)
    }

    /// The instant at which the local clock reads `minute` minutes after midnight of local day `day`. A reading
    /// skipped by a spring-forward change maps to the first instant after the gap; a repeated one to its first
    /// occurrence. (Calendar.date(from:) resolves both by its own policy, so this is done explicitly.)
    func instant(day: Int, minute: Int) -> Date {
        let wall = day * 86_400 + minute * 60
        // The offsets in force within a day either side cover every instant that can read `wall`.
        let offsets = Set([-86_400, 0, 86_400].map { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall + $0))) })
        if let first = offsets.map({ wall - $0 }).filter({ reading($0) == wall }).min() {
            return Date(timeIntervalSince1970: TimeInterval(first))
        }
        // In a gap: the clock reads before `wall` at `low` and after it at `high`; find where it jumps.
        var low = wall - offsets.max()!, high = wall - offsets.min()!
        guard reading(low) < wall, reading(high) >= wall else { return Date(timeIntervalSince1970: TimeInterval(high)) }
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if reading(mid) >= wall { high = mid } else { low = mid }
        }
        return Date(timeIntervalSince1970: TimeInterval(high))
    }
}

private func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
private func floorMod(_ a: Int, _ b: Int) -> Int { ((a % b) + b) % b }

// MARK: - iCalendar

/// RFC 5545 rendering, for calendar subscriptions.
public enum ICalendar {
    /// A VCALENDAR with one VEVENT per shift. `names` gives display names per user id (a missing name gives the
    /// summary "On call"). `uidDomain` like "escale.example". Times are UTC; lines end in CRLF and are folded at
    /// 75 octets.
    public static func onCallFeed(scheduleName: String, scheduleId: UUID, shifts: [Shift], names: [UUID: String], generatedAt: Date, uidDomain: String) -> String {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Escale//On-call//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:" + escape(scheduleName),
        ]
        let stamp = utc(generatedAt)
        let domain = String(String.UnicodeScalarView(uidDomain.unicodeScalars.filter { !isControl($0) }))
        for shift in shifts {
            let start = Int(shift.start.timeIntervalSince1970.rounded(.down))
            let summary = names[shift.userId].map { "On call: " + escape($0) } ?? "On call"
            lines += [
                "BEGIN:VEVENT",
                "UID:\(scheduleId.uuidString.lowercased())-\(start)-\(shift.userId.uuidString.lowercased())@\(domain)",
                "DTSTAMP:" + stamp,
                "DTSTART:" + utc(shift.start),
                "DTEND:" + utc(shift.end),
                "SUMMARY:" + summary,
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map { fold($0) + "\r\n" }.joined()
    }

    /// TEXT value escaping: backslash, semicolon, comma, and line breaks as `\n`; other control characters dropped
    /// (RFC 5545 does not allow them in a content line).
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var afterCR = false
        for s in text.unicodeScalars {
            defer { afterCR = s == "\r" }
            switch s {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case ";": out.append(contentsOf: "\\;".unicodeScalars)
            case ",": out.append(contentsOf: "\\,".unicodeScalars)
            case "\r": out.append(contentsOf: "\\n".unicodeScalars)
            case "\n": if !afterCR { out.append(contentsOf: "\\n".unicodeScalars) }
            default: if !isControl(s) { out.append(s) }
            }
        }
        return String(out)
    }

    /// Splits a content line into lines of at most 75 octets, never inside a UTF-8 sequence; continuation lines
    /// start with one space (which counts in their 75).
    static func fold(_ line: String) -> String {
        var out = ""
        var current = String.UnicodeScalarView()
        var used = 0
        for s in line.unicodeScalars {
            let size = UTF8.width(s)
            if used + size > 75 {
                out += String(current) + "\r\n"
                current = String.UnicodeScalarView(" ".unicodeScalars)
                used = 1
            }
            current.append(s)
            used += size
        }
        return out + String(current)
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        (s.value < 0x20 && s != "\t") || s.value == 0x7F
    }

    /// `YYYYMMDDTHHMMSSZ`, computed without a formatter (whole seconds, rounded down).
    static func utc(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = Day(ordinal: floorDiv(seconds, 86_400)), s = floorMod(seconds, 86_400)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", day.year, day.month, day.day, s / 3600, s / 60 % 60, s % 60)
    }
}
