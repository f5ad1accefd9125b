import Foundation

/// What a person wrote, separated from the quoted history and signature below it.
public struct ReplySplit: Sendable, Equatable {
    public var reply: String
    /// History and signature, kept (the UI can fold it); nil when nothing was split off.
    public var quoted: String?

    public init(reply: String, quoted: String?) {
        self.reply = reply
        self.quoted = quoted
    }
}

/// Heuristics for the reply formats of the mail clients our requesters use (Gmail, Outlook, Apple Mail,
/// Thunderbird; French and English). Line-based and linear; the first marker from the top wins.
public enum ReplyText {
    public static func split(_ text: String) -> ReplySplit {
        let normalized = text.contains("\r") ? MIMEWalker.normalizeNewlines(text) : text
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        guard let cut = cutIndex(lines) else { return ReplySplit(reply: text, quoted: nil) }
        let reply = MIMEWalker.trimTrailing(lines[..<cut].joined(separator: "\n"))
        if reply.trimmed.isEmpty { return ReplySplit(reply: text, quoted: nil) }
        let quoted = MIMEWalker.trimTrailing(lines[cut...].joined(separator: "\n"))
        return ReplySplit(reply: reply, quoted: quoted.isEmpty ? nil : quoted)
    }

    private static let originalMessageMarkers = [
        "-----original message-----", "-----message d'origine-----", "-----ursprüngliche nachricht-----",
        "----- original message -----", "----- mail original -----", "-------- original message --------",
        "-------- message original --------", "-----mensaje original-----",
    ]
    private static let deviceSignatures = [
        "envoyé de mon ", "envoyé depuis ", "sent from my ", "sent from outlook", "get outlook for ",
        "obtenir outlook pour ", "télécharger outlook pour ", "von meinem iphone gesendet",
    ]

    static func cutIndex(_ lines: [Substring]) -> Int? {
        let trimmedLines = lines.map { $0.trimmed }
        for (i, t) in trimmedLines.enumerated() {
            let lower = t.lowercased()
            // Signature delimiter (RFC 3676 "-- "; editors often strip the trailing space).
            if lines[i] == "-- " || lines[i] == "--" { return i }
            // Outlook: a long underscore rule followed by a "De :"/"From:" header block.
            if t.count >= 10, t.allSatisfy({ $0 == "_" }) {
                if let next = nextNonEmpty(trimmedLines, after: i), isHeaderLine(trimmedLines[next]) { return i }
            }
            if originalMessageMarkers.contains(where: { lower.hasPrefix($0) }) { return i }
            // Outlook without the rule: "From: …" directly followed by "Sent:"/"Envoyé :"/"Date:".
            if isFromHeader(lower), i + 1 < trimmedLines.count {
                let next = trimmedLines[i + 1].lowercased()
                if next.hasPrefix("sent:") || next.hasPrefix("envoyé :") || next.hasPrefix("envoyé:")
                    || next.hasPrefix("date:") || next.hasPrefix("date :")
                {
                    return i
                }
            }
            // Gmail / Apple Mail attribution, possibly wrapped over two lines.
            if isAttributionStart(lower) {
                if isAttributionEnd(lower) { return i }
                if i + 1 < trimmedLines.count, isAttributionEnd((lower + " " + trimmedLines[i + 1].lowercased())) {
                    return i
                }
            }
            if deviceSignatures.contains(where: { lower.hasPrefix($0) }) { return i }
        }
        return trailingQuoteBlock(lines, trimmedLines)
    }

    private static func nextNonEmpty(_ lines: [String], after i: Int) -> Int? {
        var j = i + 1
        while j < lines.count, j <= i + 3 {
            if !lines[j].isEmpty { return j }
            j += 1
        }
        return nil
    }

    private static func isFromHeader(_ lower: String) -> Bool {
        lower.hasPrefix("from:") || lower.hasPrefix("de :") || lower.hasPrefix("de:") || lower.hasPrefix("von:")
    }

    private static func isHeaderLine(_ t: String) -> Bool {
        let l = t.lowercased()
        return isFromHeader(l) || l.hasPrefix("envoyé") || l.hasPrefix("sent:") || l.hasPrefix("date")
    }

    private static func isAttributionStart(_ lower: String) -> Bool {
        lower.hasPrefix("le ") || lower.hasPrefix("on ") || lower.hasPrefix("am ") || lower.hasPrefix("el ")
    }

    private static func isAttributionEnd(_ lower: String) -> Bool {
        let s = lower.trimmed
        return s.hasSuffix("a écrit :") || s.hasSuffix("a écrit:") || s.hasSuffix("a ecrit :") || s.hasSuffix("a ecrit:")
            || s.hasSuffix("wrote:") || s.hasSuffix("wrote :") || s.hasSuffix("schrieb:") || s.hasSuffix("escribió:")
    }

    /// A block of ">" lines (blank lines allowed inside) that runs to the end of the text, plus an attribution
    /// line ending with ":" just above it.
    private static func trailingQuoteBlock(_ lines: [Substring], _ trimmed: [String]) -> Int? {
        var i = lines.count - 1
        while i >= 0, trimmed[i].isEmpty { i -= 1 }
        guard i >= 0, trimmed[i].hasPrefix(">") else { return nil }
        var start = i
        while i >= 0, trimmed[i].hasPrefix(">") || trimmed[i].isEmpty {
            if trimmed[i].hasPrefix(">") { start = i }
            i -= 1
        }
        var above = start - 1
        while above >= 0, trimmed[above].isEmpty { above -= 1 }
        if above >= 0, trimmed[above].hasSuffix(":"), start - above <= 2 { return above }
        return start
    }
}
