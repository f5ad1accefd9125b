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

/// Strings and formats for one reader: their language and time zone.
public struct Localizer: Sendable {
    public let lang: String
    public let timeZone: TimeZone
    public let strings: [String: String]

    public init(lang: String, timeZone: TimeZone = TimeZone(identifier: "Europe/Paris")!) {
        self.lang = Catalogue.languages.contains(lang) ? lang : "fr"
        self.timeZone = timeZone
        self.strings = Catalogue.shared.table(self.lang)
    }

    public func t(_ key: String) -> String { strings[key] ?? "⟦\(key)⟧" }

    /// A string with `{0}`, `{1}`… placeholders filled in.
    public func t(_ key: String, _ args: CustomStringConvertible...) -> String {
        var s = t(key)
        for (i, a) in args.enumerated() { s = s.replacingOccurrences(of: "{\(i)}", with: a.description) }
        return s
    }

    private var locale: Locale { Locale(identifier: lang == "fr" ? "fr_FR" : "en_GB") }

    /// "1 déc. 2026, 09:05" / "1 Dec 2026, 09:05", in the reader's time zone.
    public func dateTime(_ date: Date) -> String {
        date.formatted(Date.FormatStyle(date: .abbreviated, time: .shortened, locale: locale, timeZone: timeZone))
    }

    /// Machine-readable form for `<time datetime>`.
    public func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
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
}
