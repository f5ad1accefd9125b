import EscaleCore

/// Marks the words of a text that match a search, the way the search engine matched them (folded and stemmed), and
/// escapes everything else.
public enum Highlight {
    public static func html(_ text: String, terms: Set<String>, maxLength: Int? = nil) -> String {
        var source = text
        if let maxLength, source.count > maxLength { source = String(source.prefix(maxLength)) + "…" }
        guard !terms.isEmpty else { return SafeMarkdown.escape(source) }
        var out = "", word = ""
        func flush() {
            guard !word.isEmpty else { return }
            let matched = SearchText.terms(word).contains(where: terms.contains)
            out += matched ? "<mark>\(SafeMarkdown.escape(word))</mark>" : SafeMarkdown.escape(word)
            word = ""
        }
        for c in source {
            if c.isLetter || c.isNumber { word.append(c) } else { flush(); out += SafeMarkdown.escape(String(c)) }
        }
        flush()
        return out
    }

    /// A window of the text around the first match, for result snippets.
    public static func snippet(_ text: String, terms: Set<String>, radius: Int = 120) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard let hit = words.firstIndex(where: { SearchText.terms(String($0)).contains(where: terms.contains) }) else {
            return html(text, terms: terms, maxLength: radius * 2)
        }
        let from = max(0, hit - 12), to = min(words.count, hit + 24)
        let piece = words[from..<to].joined(separator: " ")
        return (from > 0 ? "… " : "") + html(piece, terms: terms) + (to < words.count ? " …" : "")
    }
}
