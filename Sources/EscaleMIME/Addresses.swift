import Foundation

/// A mailbox: optional display name and an address (lowercased, so it can be used as a lookup key).
public struct MailAddress: Sendable, Equatable, Hashable {
    public var name: String?
    public var address: String
    public var localPart: String
    public var domain: String

    public init(name: String? = nil, address: String) {
        let n = name?.trimmed
        self.name = (n?.isEmpty ?? true) ? nil : n
        let a = address.trimmed.lowercased()
        self.address = a
        if let at = a.lastIndex(of: "@") {
            localPart = String(a[..<at])
            domain = String(a[a.index(after: at)...])
        } else {
            localPart = a
            domain = ""
        }
    }

    /// The mailbox for an address header: `"Name" <addr>`, with RFC 2047 words for a non-ASCII name.
    public var formatted: String {
        let addr = MailAddress.sanitizeAddress(address)
        guard let name, !name.isEmpty else { return addr }
        return MailAddress.formatPhrase(name) + " <" + addr + ">"
    }

    static func sanitizeAddress(_ a: String) -> String {
        String(a.unicodeScalars.filter { $0.value > 0x20 && $0 != "<" && $0 != ">" && $0 != "," && $0 != "\u{7F}" }
            .map(Character.init))
    }

    /// A display name as an atom sequence, a quoted-string, or encoded-words (which can't sit inside quotes).
    static func formatPhrase(_ raw: String) -> String {
        let name = String(raw.map { $0.isNewline ? " " : $0 })
        if EncodedWords.needsEncoding(name) { return EncodedWords.encode(name) }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ".utf8)
        if name.utf8.allSatisfy({ atext.contains($0) }), !name.hasPrefix(" "), !name.hasSuffix(" ") { return name }
        var q = "\""
        for ch in name {
            if ch == "\"" || ch == "\\" { q.append("\\") }
            q.append(ch)
        }
        return q + "\""
    }
}

/// Address-list parsing (RFC 5322 §3.4), lenient: groups, comments, quoted names, route addresses,
/// unquoted commas-free names and encoded-words in names.
enum AddressParser {
    static func parseList(_ raw: String?) -> [MailAddress] {
        guard let raw, !raw.isEmpty else { return [] }
        var result = [MailAddress]()
        for piece in splitTopLevel(raw) {
            if let a = parseMailbox(piece) { result.append(a) }
        }
        return result
    }

    /// Splits on "," and ";" outside quotes, comments and angle brackets; drops a group's "name:" prefix.
    private static func splitTopLevel(_ s: String) -> [String] {
        var pieces = [String]()
        var cur = String.UnicodeScalarView()
        var inQuote = false, escaped = false
        var comment = 0, angle = 0
        // Unicode scalars, not Characters: grapheme breaking is needless here and was the profile's top cost.
        for ch in s.unicodeScalars {
            if escaped { cur.append(ch); escaped = false; continue }
            if inQuote {
                if ch == "\\" { escaped = true } else if ch == "\"" { inQuote = false }
                cur.append(ch)
                continue
            }
            switch ch {
            case "\\": escaped = true; cur.append(ch)
            case "\"": if comment == 0 { inQuote = true }; cur.append(ch)
            case "(": comment += 1; cur.append(ch)
            case ")": comment = max(0, comment - 1); cur.append(ch)
            case "<": if comment == 0 { angle += 1 }; cur.append(ch)
            case ">": if comment == 0 { angle = max(0, angle - 1) }; cur.append(ch)
            case ",", ";":
                if comment == 0, angle == 0 { pieces.append(String(cur)); cur = String.UnicodeScalarView() } else { cur.append(ch) }
            case ":":
                // Group display name ("Undisclosed recipients:"), unless inside <…> (obsolete route).
                if comment == 0, angle == 0 { cur = String.UnicodeScalarView() } else { cur.append(ch) }
            default: cur.append(ch)
            }
        }
        pieces.append(String(cur))
        return pieces
    }

    private static func parseMailbox(_ piece: String) -> MailAddress? {
        let p = piece.trimmed
        if p.isEmpty { return nil }
        if let lt = p.unicodeScalars.lastIndex(of: "<") {
            let scalars = p.unicodeScalars
            var inside = scalars[scalars.index(after: lt)...]
            if let gt = inside.firstIndex(of: ">") { inside = inside[..<gt] }
            // Obsolete route "<@a,@b:user@host>" — keep what follows the last colon.
            if let colon = inside.lastIndex(of: ":") { inside = inside[inside.index(after: colon)...] }
            let address = stripComments(String(String.UnicodeScalarView(inside))).trimmed
            let name = phrase(String(String.UnicodeScalarView(scalars[..<lt])))
            if address.isEmpty { return nil }
            return MailAddress(name: name, address: address)
        }
        // Bare "addr@host (Name)" — the comment is the legacy way to give a name.
        var commentText = ""
        let bare = stripComments(p, collect: &commentText).unicodeScalars
            .filter { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" && $0 != "\"" }
        if bare.isEmpty { return nil }
        let unquoted = String(String.UnicodeScalarView(bare))
        let name = commentText.isEmpty ? nil : EncodedWords.decode(commentText)
        return MailAddress(name: name, address: unquoted)
    }

    /// Display name: quotes removed (escapes honoured), comments dropped, encoded-words decoded.
    private static func phrase(_ raw: String) -> String? {
        var out = String.UnicodeScalarView()
        var inQuote = false, escaped = false
        var comment = 0
        for ch in raw.unicodeScalars {
            if escaped { out.append(ch); escaped = false; continue }
            if inQuote {
                if ch == "\\" { escaped = true } else if ch == "\"" { inQuote = false } else { out.append(ch) }
                continue
            }
            if comment > 0 {
                if ch == "(" { comment += 1 } else if ch == ")" { comment -= 1 }
                continue
            }
            switch ch {
            case "\"": inQuote = true
            case "(": comment = 1
            case "\\": escaped = true
            default: out.append(ch)
            }
        }
        // Encoded-words inside quotes are invalid but common; decoding them is what every client does.
        let decoded = EncodedWords.decode(String(out))
        let collapsed = decoded.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            .joined(separator: " ")
        return collapsed.isEmpty ? nil : collapsed
    }

    private static func stripComments(_ s: String) -> String {
        var ignored = ""
        return stripComments(s, collect: &ignored)
    }

    private static func stripComments(_ s: String, collect: inout String) -> String {
        var out = String.UnicodeScalarView()
        var collected = String.UnicodeScalarView()
        var depth = 0
        for ch in s.unicodeScalars {
            if ch == "(" {
                depth += 1
                if depth == 1 { continue }
            } else if ch == ")", depth > 0 {
                depth -= 1
                if depth == 0 { continue }
            }
            if depth > 0 { collected.append(ch) } else { out.append(ch) }
        }
        collect = String(collected).trimmed
        return String(out)
    }
}
