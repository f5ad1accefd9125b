import Foundation

/// Ticket tags in subjects: "[ESC-001234]" (ours), "[#123]", "[helpdesk.example.test #123]" (RT style).
public enum SubjectTag {
    /// The ticket number of the first bracketed tag, anywhere in the subject. Unbracketed "#98" never matches.
    public static func ticketNumber(in subject: String) -> Int? {
        for tag in bracketedTags(subject) {
            if let n = number(inTag: tag.content) { return n }
        }
        return nil
    }

    /// Strips reply/forward prefixes (repeated, any case, "Réf. :" with a space before the colon) and ticket tags.
    public static func clean(_ subject: String) -> String {
        var s = subject
        // Remove recognised ticket tags first (they may sit between prefixes: "RE: [#1] TR: x").
        var ranges = [Range<String.Index>]()
        for tag in bracketedTags(s) where number(inTag: tag.content) != nil { ranges.append(tag.range) }
        for r in ranges.reversed() { s.removeSubrange(r) }
        s = MIMEWalker.normalizeSubject(s)
        while let stripped = stripPrefix(s) { s = stripped }
        return s
    }

    /// "[ESC-000123] subject" (6-digit zero padding); existing ticket tags are replaced, not repeated.
    public static func tagged(_ subject: String, number: Int) -> String {
        var s = subject
        var ranges = [Range<String.Index>]()
        for tag in bracketedTags(s) where self.number(inTag: tag.content) != nil { ranges.append(tag.range) }
        for r in ranges.reversed() { s.removeSubrange(r) }
        s = MIMEWalker.normalizeSubject(s)
        let tag = "[ESC-" + zeroPadded(number, width: 6) + "]"
        return s.isEmpty ? tag : tag + " " + s
    }

    static func zeroPadded(_ n: Int, width: Int) -> String {
        let d = String(n)
        return d.count >= width ? d : String(repeating: "0", count: width - d.count) + d
    }

    private struct Tag { var content: Substring; var range: Range<String.Index> }

    private static func bracketedTags(_ s: String) -> [Tag] {
        var tags = [Tag]()
        var i = s.startIndex
        while let open = s[i...].firstIndex(of: "[") {
            let afterOpen = s.index(after: open)
            guard let close = s[afterOpen...].firstIndex(where: { $0 == "]" || $0 == "[" }) else { break }
            if s[close] == "[" { i = close; continue }
            if s.distance(from: afterOpen, to: close) <= 100 {
                tags.append(Tag(content: s[afterOpen..<close], range: open..<s.index(after: close)))
            }
            i = s.index(after: close)
        }
        return tags
    }

    /// "ESC-001234", "#123", "anything-without-spaces #123" → the number.
    private static func number(inTag raw: Substring) -> Int? {
        let t = raw.trimmed
        let lower = t.lowercased()
        if lower.hasPrefix("esc-") { return digits(lower.dropFirst(4)) }
        guard let hash = t.lastIndex(of: "#") else { return nil }
        let prefix = t[..<hash]
        if !prefix.isEmpty {
            // "[helpdesk.example.test #123]": one token then whitespace before "#".
            guard prefix.last == " " || prefix.last == "\t" else { return nil }
            let token = prefix.trimmed
            if token.isEmpty || token.contains(where: { $0 == " " || $0 == "\t" }) { return nil }
        }
        return digits(t[t.index(after: hash)...])
    }

    private static func digits(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.count <= 9, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    private static let prefixes: Set<String> = [
        "re", "fwd", "fw", "tr", "ref", "réf", "aw", "wg", "rv", "sv", "antw", "enc", "rif", "res", "vs", "odp", "vá",
    ]

    /// Removes one leading "Re:"-style prefix, or returns nil. Accepts "Re[2]:", "RE :", "Réf. :", "Fwd :".
    private static func stripPrefix(_ s: String) -> String? {
        var i = s.startIndex
        while i < s.endIndex, s[i].isLetter { i = s.index(after: i) }
        guard i > s.startIndex else { return nil }
        let word = s[s.startIndex..<i].lowercased()
        guard prefixes.contains(word) else { return nil }
        if i < s.endIndex, s[i] == "." { i = s.index(after: i) }
        if i < s.endIndex, s[i] == "[" || s[i] == "(" {
            let closer: Character = s[i] == "[" ? "]" : ")"
            guard let c = s[i...].firstIndex(of: closer), s[s.index(after: i)..<c].allSatisfy(\.isNumber) else { return nil }
            i = s.index(after: c)
        }
        while i < s.endIndex, s[i] == " " || s[i] == "\u{00A0}" { i = s.index(after: i) }
        guard i < s.endIndex, s[i] == ":" || s[i] == "：" else { return nil }
        return s[s.index(after: i)...].trimmed
    }
}

/// Message-IDs the helpdesk puts on its own mail, so replies can be matched to a ticket.
public enum MessageID {
    /// "ESC-000123.<uuid>@domain" for a ticket, "escale.<uuid>@domain" otherwise (no angle brackets).
    public static func make(ticketNumber: Int?, domain: String) -> String {
        let uuid = UUID().uuidString.lowercased()
        if let n = ticketNumber { return "ESC-" + SubjectTag.zeroPadded(n, width: 6) + "." + uuid + "@" + domain }
        return "escale." + uuid + "@" + domain
    }

    /// Parses our own format back, only when the domain matches (case-insensitive): foreign ids never count.
    public static func ticketNumber(in id: String, domain: String) -> Int? {
        let t = id.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t\r\n"))
        guard let at = t.lastIndex(of: "@"), t[t.index(after: at)...].lowercased() == domain.lowercased() else { return nil }
        let local = t[..<at]
        guard local.count > 4, local.prefix(4).uppercased() == "ESC-" else { return nil }
        let rest = local.dropFirst(4)
        guard let dot = rest.firstIndex(of: ".") else { return nil }
        let digits = rest[..<dot]
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
