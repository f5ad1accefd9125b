import EscaleCore
import Foundation

/// The localisation catalogue: every string a page or an e-mail shows, in French and English, from
/// `Resources/locales/<lang>.json`. A missing key renders as `⟦key⟧`, which the page tests look for.
public struct Catalogue: Sendable {
    public static let languages = ["fr", "en"]
    let strings: [String: [String: String]]

    public static let shared: Catalogue = {
        var strings: [String: [String: String]] = [:]
        for lang in languages {
            guard let url = Bundle.module.url(forResource: lang, withExtension: "json", subdirectory: "locales"),
                  let data = try? Data(contentsOf: url),
                  let table = try? JSONDecoder().decode([String: String].self, from: data) else {
                fatalError("the localisation catalogue for '\(lang)' is missing or malformed")
            }
            strings[lang] = table
        }
        return Catalogue(strings: strings)
    }()

    public func table(_ lang: String) -> [String: String] { strings[lang] ?? strings["en"]! }

    /// `Accept-Language: fr-FR,fr;q=0.9,en;q=0.8` → the best supported language (French by default).
    public static func negotiate(_ header: String?) -> String {
        guard let header else { return "fr" }
        var best: (lang: String, q: Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            let lang = String(tag.prefix(while: { $0 != "-" && $0 != "_" }))
            var q = 1.0
            for p in pieces.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            if languages.contains(lang), q > (best?.q ?? 0) { best = (lang, q) }
        }
        return best?.lang ?? "fr"
    }
}

/// Strings and formats for one reader: their language and time zone. Made once per request: its date formatter is
/// built once and reused for every date of the page (building one per date cost more than the rest of the page).
public struct Localizer: @unchecked Sendable {
    public let lang: String
    public let timeZone: TimeZone
    public let strings: [String: String]
    private let formatter: DateFormatter

    public init(lang: String, timeZone: TimeZone = TimeZone(identifier: "Europe/Paris")!) {
        self.lang = Catalogue.languages.contains(lang) ? lang : "fr"
        self.timeZone = timeZone
        self.strings = Catalogue.shared.table(self.lang)
        let f = DateFormatter()
        f.locale = Locale(identifier: self.lang == "fr" ? "fr_FR" : "en_GB")
        f.timeZone = timeZone
        f.dateStyle = .medium
        f.timeStyle = .short
        formatter = f
    }

    public func t(_ key: String) -> String { strings[key] ?? "⟦\(key)⟧" }

    /// A string with `{0}`, `{1}`… placeholders filled in.
    public func t(_ key: String, _ args: CustomStringConvertible...) -> String {
        var s = t(key)
        for (i, a) in args.enumerated() { s = s.replacingOccurrences(of: "{\(i)}", with: a.description) }
        return s
    }

    /// A count with its noun agreed: `<key>_one` or `<key>_other` with `{0}` the number. French puts 0 and 1 in the
    /// singular ("0 ticket trouvé"), English only 1.
    public func count(_ key: String, _ n: Int) -> String {
        let one = lang == "fr" ? abs(n) < 2 : n == 1
        return t("\(key)_\(one ? "one" : "other")", n)
    }

    /// "1 déc. 2026 à 09:05" / "1 Dec 2026, 09:05", in the reader's time zone.
    public func dateTime(_ date: Date) -> String {
        formatter.string(from: date)
    }

    /// A calendar day as people write it: "1 janv. 2026" / "1 Jan 2026" (a day, not an instant: no time zone).
    public func day(_ d: Day) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: DateComponents(year: d.year, month: d.month, day: d.day)) else { return d.description }
        let f = DateFormatter()
        f.locale = Locale(identifier: lang == "fr" ? "fr_FR" : "en_GB")
        f.timeZone = cal.timeZone
        f.dateStyle = .medium
        f.timeStyle = .none
        return f.string(from: date)
    }

    /// Machine-readable UTC form for `<time datetime>`: `2026-12-01T08:00:00Z`.
    public func iso(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ width: Int = 2) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1))-\(pad(tm.tm_mday))T\(pad(tm.tm_hour)):\(pad(tm.tm_min)):\(pad(tm.tm_sec))Z"
    }

    /// The value of a `datetime-local` input in the reader's time zone.
    public func localInput(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// Parses a `datetime-local` value typed in the reader's time zone.
    public func parseLocalInput(_ s: String) -> Date? {
        let parts = s.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        guard parts.count >= 5 else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        return cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4]))
    }

    /// "2 h 30" / "2h 30m".
    public func minutes(_ m: Int) -> String {
        let h = m / 60, r = m % 60
        if h == 0 { return t("duration_minutes", r) }
        return r == 0 ? t("duration_hours", h) : t("duration_hours_minutes", h, r)
    }

    /// "97,5 %" / "97.5%", to a tenth at most.
    public func percent(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        let number = tenths == tenths.rounded() ? String(Int(tenths)) : String(format: "%.1f", tenths)
        return lang == "fr" ? number.replacingOccurrences(of: ".", with: ",") + "\u{202F}%" : number + "%"
    }
}

extension Localizer {
    /// A refusal from the desk, in the reader's language. Domain errors carry English details for developers; people
    /// read the rule of the field at fault (`invalid_<field>` in the catalogue), or a general message.
    func message(for error: DomainError) -> String {
        switch error {
        case let .invalid(field, _): strings["invalid_\(field)"] ?? t("error_invalid_message")
        case let .invalidFields(problems): fieldRules(problems.map(\.field)) ?? t("error_invalid_message")
        case .invalidTransition: t("error_transition")
        case .conflict: t("error_conflict")
        case .forbidden: t("error_forbidden_message")
        default: t("error_invalid_message")
        }
    }

    /// The rules of the fields at fault the catalogue names, each once (several problems reported at once).
    private func fieldRules(_ fields: [String]) -> String? {
        var rules: [String] = []
        for f in fields { if let r = strings["invalid_\(f)"], !rules.contains(r) { rules.append(r) } }
        return rules.isEmpty ? nil : rules.joined(separator: " ")
    }
}
