import Foundation
import Ink

/// Markdown for descriptions and replies, with raw HTML disabled: HTML written by a user is shown as text, links
/// keep only http(s), mailto and site-relative targets, and images are shown as their source text (pages never
/// load third-party content; the CSP would block it anyway).
public enum SafeMarkdown {
    /// Parsing never mutates the parser (each call reads with its own `Reader`), and the modifiers are pure functions.
    nonisolated(unsafe) private static let parser: MarkdownParser = {
        var p = MarkdownParser()
        p.addModifier(Modifier(target: .html) { escape(String($0.markdown)) })
        p.addModifier(Modifier(target: .images) { escape(String($0.markdown)) })
        p.addModifier(Modifier(target: .links) { input in safeLink(input.html) ?? escape(String(input.markdown)) })
        p.addModifier(Modifier(target: .codeBlocks) { input in safeCodeBlock(input.html, markdown: input.markdown) })
        return p
    }()

    /// Sanitised HTML, safe to insert into a page.
    public static func html(_ markdown: String) -> String {
        // Every `<` is set aside before parsing, so the parser never sees HTML: text that looks like a tag is shown as
        // text and never switches Markdown off for what follows; it comes back as `&lt;` wherever it stood.
        let prepared = keepingLineBreaks(markdown.replacingOccurrences(of: placeholder, with: "\u{FFFD}").replacingOccurrences(of: "<", with: placeholder))
        return parser.html(from: prepared).replacingOccurrences(of: placeholder, with: "&lt;")
    }

    /// A private-use character standing for `<` while the parser runs.
    private static let placeholder = "\u{E000}"

    /// People write a line break to mean one (an address, steps, a signature), not a space as Markdown would: a line
    /// followed by more text of the same paragraph ends with a hard break. Code blocks, and lines before a list item,
    /// a heading, a quote, a table row or a blank line, are left alone.
    static func keepingLineBreaks(_ markdown: String) -> String {
        let lines = markdown.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        out.reserveCapacity(lines.count)
        var inFence = false
        for (i, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { inFence.toggle(); out.append(String(line)); continue }
            guard !inFence, i + 1 < lines.count, !trimmed.isEmpty, !line.hasPrefix("    "), !line.hasSuffix("  ") else {
                out.append(String(line)); continue
            }
            let next = lines[i + 1].trimmingCharacters(in: .whitespaces)
            if next.isEmpty || startsBlock(next) { out.append(String(line)); continue }
            out.append(String(line) + "  ")
        }
        return out.joined(separator: "\n")
    }

    private static func startsBlock(_ line: String) -> Bool {
        if let first = line.first, "-*+#>|`~".contains(first) { return true }
        let digits = line.prefix { $0.isNumber }
        return !digits.isEmpty && (line.dropFirst(digits.count).first == "." || line.dropFirst(digits.count).first == ")")
    }


    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Ink writes `<a href="URL">TEXT</a>` without escaping URL: accept it only when the URL is a plain, quote-free
    /// http(s), mailto or site-relative address.
    static func safeLink(_ html: String) -> String? {
        let prefix = "<a href=\""
        guard html.hasPrefix(prefix) else { return nil }
        let rest = html.dropFirst(prefix.count)
        guard let quote = rest.firstIndex(of: "\"") else { return nil }
        let url = rest[..<quote]
        guard rest[quote...].hasPrefix("\">"), isSafeURL(url) else { return nil }
        return "<a href=\"\(url)\" rel=\"nofollow\"" + rest[rest.index(after: quote)...]
    }

    static func isSafeURL(_ url: Substring) -> Bool {
        let lower = url.lowercased()
        let schemeOK = lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:")
            || (lower.hasPrefix("/") && !lower.hasPrefix("//"))
        return schemeOK && !url.contains(where: { $0.isWhitespace || "\"'<>`\\".contains($0) })
    }

    /// A fence's language becomes a class attribute: keep Ink's output only if it is a plain word, otherwise render
    /// the block again from its source, escaped, without the attribute.
    static func safeCodeBlock(_ html: String, markdown: Substring) -> String {
        guard html.hasPrefix("<pre><code class=") else { return html }
        let fence = markdown.prefix { $0 != "\n" }.drop { $0 == "`" || $0 == "~" }.trimmingCharacters(in: .whitespaces)
        if !fence.isEmpty, fence.allSatisfy({ $0.isLetter || $0.isNumber || "+-#_.".contains($0) }) { return html }
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        if let last = lines.last, last.trimmingCharacters(in: .whitespaces).hasPrefix("```") { lines = lines.dropLast() }
        return "<pre><code>" + escape(lines.joined(separator: "\n")) + "</code></pre>"
    }
}
