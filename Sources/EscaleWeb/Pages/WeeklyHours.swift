import EscaleAPI
import EscaleCore
import Foundation

/// Weekly hours as people type and read them: one field per weekday holding "09:00-12:00, 14:00-18:00" (a business
/// calendar's opening hours, an on-call layer's restrictions).
enum WeeklyHours {
    /// One weekday's input: `name` is the form field, `value` what it shows.
    struct Field { let name: String; let label: String; let value: String }

    /// The seven fields named `<prefix>_mon` … `<prefix>_sun`, showing the submitted form if there is one, else `hours`.
    static func fields(_ prefix: String, hours: [OpeningHours], form: Form?, _ l: Localizer) -> [Field] {
        BusinessCalendar.Weekday.allCases.map { day in
            let name = "\(prefix)_\(day.rawValue)"
            return Field(name: name, label: l.t("weekday_\(day.rawValue)"), value: form.map { $0[name] ?? "" } ?? text(hours, on: day))
        }
    }

    static func text(_ hours: [OpeningHours], on day: BusinessCalendar.Weekday) -> String {
        hours.filter { $0.day == day }.sorted { $0.start < $1.start }.map { "\($0.start)-\($0.end)" }.joined(separator: ", ")
    }

    /// Reads the seven fields; the times themselves are checked by the desk (`CalendarInput`, `OnCallScheduleInput`).
    /// Anything but intervals and separators is refused with `field`.
    static func parse(_ prefix: String, from form: Form, field: String) throws -> [OpeningHours] {
        try BusinessCalendar.Weekday.allCases.flatMap { day -> [OpeningHours] in
            let text = form["\(prefix)_\(day.rawValue)"] ?? ""
            guard let found = intervals(text) else {
                throw DomainError.invalid(field: field, "\(day.rawValue): cannot read '\(text)' as intervals like 09:00-12:00, 14:00-18:00")
            }
            return found.map { OpeningHours(day: day, start: $0.start, end: $0.end) }
        }
    }

    /// "09:00-12:00, 14:00 – 18:00" → the intervals (hours padded to two digits), or nil if something else is there.
    static func intervals(_ text: String) -> [(start: String, end: String)]? {
        var s = text.replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "—", with: "-")
        while s.contains(" -") || s.contains("- ") { s = s.replacingOccurrences(of: " -", with: "-").replacingOccurrences(of: "- ", with: "-") }
        var found: [(start: String, end: String)] = []
        for token in s.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == ";" }) {
            let ends = token.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let start = time(ends[0]), let end = time(ends[1]) else { return nil }
            found.append((start, end))
        }
        return found
    }

    /// "9:00", "09:00" or "9h00" → "09:00"; nil otherwise.
    private static func time(_ s: Substring) -> String? {
        let parts = s.split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "h" })
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        return (parts[0].count == 1 ? "0" : "") + parts[0] + ":" + parts[1]
    }

    /// The week in a few lines, consecutive days with the same hours together: "Monday–Friday: 09:00–18:00".
    static func lines(_ hours: [OpeningHours], _ l: Localizer) -> [String] {
        var groups: [(first: BusinessCalendar.Weekday, last: BusinessCalendar.Weekday, text: String)] = []
        for day in BusinessCalendar.Weekday.allCases {
            let text = Self.text(hours, on: day)
            guard !text.isEmpty else { continue }
            if let last = groups.last, last.text == text, next(last.last) == day {
                groups[groups.count - 1].last = day
            } else {
                groups.append((day, day, text))
            }
        }
        guard !groups.isEmpty else { return [l.t("calendar_never_open")] }
        return groups.map { g in
            let days = g.first == g.last ? l.t("weekday_\(g.first.rawValue)") : "\(l.t("weekday_\(g.first.rawValue)"))–\(l.t("weekday_\(g.last.rawValue)"))"
            return l.t("hours_line", days, g.text.replacingOccurrences(of: "-", with: "–"))
        }
    }

    private static func next(_ day: BusinessCalendar.Weekday) -> BusinessCalendar.Weekday? {
        let all = BusinessCalendar.Weekday.allCases
        let i = all.firstIndex(of: day)!
        return i + 1 < all.count ? all[i + 1] : nil
    }
}
