import Foundation

public struct OutgoingAttachment: Sendable {
    public var filename: String
    public var contentType: String
    public var data: [UInt8]

    public init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

public struct OutgoingMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress] = []
    public var replyTo: MailAddress?
    public var subject: String
    public var text: String
    public var html: String?
    /// Without angle brackets.
    public var messageId: String
    public var inReplyTo: String?
    public var references: [String] = []
    public var date: Date
    /// Adds "Auto-Submitted: auto-generated", "Precedence: bulk" and "X-Auto-Response-Suppress: All" (RFC 3834).
    public var autoSubmitted: Bool
    /// Content-Language.
    public var language: String?
    public var extraHeaders: [(String, String)] = []
    public var attachments: [OutgoingAttachment] = []

    public init(
        from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], replyTo: MailAddress? = nil, subject: String,
        text: String, html: String? = nil, messageId: String, inReplyTo: String? = nil, references: [String] = [],
        date: Date = Date(), autoSubmitted: Bool = false, language: String? = nil,
        extraHeaders: [(String, String)] = [], attachments: [OutgoingAttachment] = []
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.messageId = messageId
        self.inReplyTo = inReplyTo
        self.references = references
        self.date = date
        self.autoSubmitted = autoSubmitted
        self.language = language
        self.extraHeaders = extraHeaders
        self.attachments = attachments
    }
}

/// Builds RFC 5322 / MIME messages (CRLF, 7-bit clean, lines ≤ 78 except unavoidable address tokens).
public enum MailComposer {
    public static func compose(_ m: OutgoingMessage) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(m.text.utf8.count * 2 + (m.html?.utf8.count ?? 0) * 2 + m.attachments.reduce(0) { $0 + $1.data.count * 4 / 3 } + 2048)
        // Random part + "=_": "=_" can't occur in quoted-printable or base64 output, so no body line can ever
        // equal a delimiter, whatever the content.
        let token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        func boundary(_ kind: String) -> String { "=_escale_\(kind)_\(token)" }

        func header(_ name: String, _ value: String) {
            out.append(contentsOf: Array(foldUnstructured(name: name, value: value).utf8))
            out.append(contentsOf: [0x0D, 0x0A])
        }
        func addressHeader(_ name: String, _ list: [MailAddress]) {
            guard !list.isEmpty else { return }
            var line = name + ": "
            var col = line.count
            for (k, a) in list.enumerated() {
                let f = a.formatted + (k < list.count - 1 ? "," : "")
                let firstLen = f.split(separator: "\r\n", omittingEmptySubsequences: false).first?.count ?? f.count
                if k > 0 {
                    if col + 1 + firstLen > 76 { line += "\r\n "; col = 1 } else { line += " "; col += 1 }
                }
                line += f
                if let lastLine = f.components(separatedBy: "\r\n").last, f.contains("\r\n") {
                    col = lastLine.count
                } else {
                    col += f.count
                }
            }
            out.append(contentsOf: Array(line.utf8))
            out.append(contentsOf: [0x0D, 0x0A])
        }

        header("Date", MailDate.format(m.date))
        addressHeader("From", [m.from])
        addressHeader("To", m.to)
        addressHeader("Cc", m.cc)
        if let r = m.replyTo { addressHeader("Reply-To", [r]) }
        header("Subject", m.subject)
        header("Message-ID", "<\(sanitizeId(m.messageId))>")
        if let irt = m.inReplyTo, !sanitizeId(irt).isEmpty { header("In-Reply-To", "<\(sanitizeId(irt))>") }
        let refs = m.references.map(sanitizeId).filter { !$0.isEmpty }
        if !refs.isEmpty {
            // Folded one id per line: ids are long and must never be split.
            out.append(contentsOf: Array(("References: " + refs.map { "<\($0)>" }.joined(separator: "\r\n ")).utf8))
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if let lang = m.language?.trimmed, !lang.isEmpty,
            lang.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        {
            header("Content-Language", lang)
        }
        if m.autoSubmitted {
            header("Auto-Submitted", "auto-generated")
            header("Precedence", "bulk")
            header("X-Auto-Response-Suppress", "All")
        }
        for (name, value) in m.extraHeaders {
            let n = name.filter { $0.isASCII && $0 != ":" && !$0.isWhitespace && !$0.isNewline && ($0.asciiValue ?? 0) > 0x20 && ($0.asciiValue ?? 0) < 0x7F }
            if n.isEmpty { continue }
            header(n, value)
        }
        header("MIME-Version", "1.0")

        // Body tree: text or alternative(text, html), wrapped in mixed when there are attachments.
        func textPart(_ type: String, _ content: String) -> [UInt8] {
            var p = Array("Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".utf8)
            p.append(contentsOf: TransferEncoding.encodeQuotedPrintable(content))
            return p
        }
        var body: [UInt8]
        if let html = m.html {
            let b = boundary("alt")
            body = Array("Content-Type: multipart/alternative; boundary=\"\(b)\"\r\n\r\n".utf8)
            appendMultipart(&body, boundary: b, parts: [textPart("text/plain", m.text), textPart("text/html", html)])
        } else {
            body = textPart("text/plain", m.text)
        }
        if !m.attachments.isEmpty {
            let b = boundary("mix")
            var parts = [body]
            for a in m.attachments { parts.append(attachmentPart(a)) }
            body = Array("Content-Type: multipart/mixed; boundary=\"\(b)\"\r\n\r\n".utf8)
            appendMultipart(&body, boundary: b, parts: parts)
        }
        out.append(contentsOf: body)
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    private static func appendMultipart(_ out: inout [UInt8], boundary: String, parts: [[UInt8]]) {
        out.append(contentsOf: Array("This is a multi-part message in MIME format.\r\n".utf8))
        for p in parts {
            out.append(contentsOf: Array("\r\n--\(boundary)\r\n".utf8))
            out.append(contentsOf: p)
        }
        out.append(contentsOf: Array("\r\n--\(boundary)--\r\n".utf8))
    }

    private static func attachmentPart(_ a: OutgoingAttachment) -> [UInt8] {
        let type = validContentType(a.contentType)
        let clean = String(a.filename.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        // ASCII fallback for old clients; the exact name goes in RFC 2231 filename* (what modern clients read).
        let fallback = String(clean.unicodeScalars.map { s -> Character in
            s.isASCII && s != "\"" && s != "\\" && s != "/" ? Character(s) : "_"
        })
        var h = "Content-Type: \(type); name=\"\(fallback)\"\r\n"
        h += "Content-Transfer-Encoding: base64\r\n"
        h += "Content-Disposition: attachment;\r\n filename=\"\(fallback)\""
        if clean != fallback || clean.utf8.count > 60 {
            h += ";\r\n " + rfc2231(clean)
        }
        h += "\r\n\r\n"
        var p = Array(h.utf8)
        p.append(contentsOf: TransferEncoding.encodeBase64(a.data))
        return p
    }

    /// filename*0*=utf-8''…; filename*1*=… continuations keep each line short (RFC 2231 §3, §4).
    private static func rfc2231(_ name: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&+".utf8)
        var pieces = [String]()
        var cur = ""
        for b in name.utf8 {
            let enc = unreserved.contains(b) ? String(UnicodeScalar(b)) : String(format: "%%%02X", b)
            if cur.count + enc.count > 50 { pieces.append(cur); cur = "" }
            cur += enc
        }
        if !cur.isEmpty || pieces.isEmpty { pieces.append(cur) }
        if pieces.count == 1 { return "filename*=utf-8''" + pieces[0] }
        return pieces.enumerated().map { k, p in "filename*\(k)*=" + (k == 0 ? "utf-8''" : "") + p }
            .joined(separator: ";\r\n ")
    }

    private static func validContentType(_ t: String) -> String {
        let l = t.trimmed.lowercased()
        let parts = l.split(separator: "/", omittingEmptySubsequences: false)
        let tokenChars = Set("abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-".utf8)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            parts.allSatisfy({ $0.utf8.allSatisfy(tokenChars.contains) })
        else { return "application/octet-stream" }
        return l
    }

    private static func sanitizeId(_ id: String) -> String {
        String(id.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" }.map(Character.init))
    }

    /// Unstructured header: CR/LF neutralised (no header injection), RFC 2047 when needed, folded at spaces.
    static func foldUnstructured(name: String, value: String) -> String {
        let flat = String(value.unicodeScalars.map { $0 == "\r" || $0 == "\n" || $0 == "\t" ? " " : Character($0) })
        let longWord = flat.split(separator: " ").contains { $0.utf8.count > 70 }
        if EncodedWords.needsEncoding(flat) || longWord {
            return name + ": " + EncodedWords.encode(flat)
        }
        var result = name + ":"
        var col = result.count
        // Fold before a space (RFC 5322 §2.2.3); the space stays, so unfolding restores the value exactly.
        let words = flat.split(separator: " ", omittingEmptySubsequences: false)
        for w in words {
            if col + 1 + w.count > 76, col > name.count + 1 {
                result += "\r\n"
                col = 0
            }
            result += " " + w
            col += 1 + w.count
        }
        return result
    }
}
