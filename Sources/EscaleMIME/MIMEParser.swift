import Foundation

/// Entry point: raw RFC 5322 bytes (as an MTA pipe delivers them) → `MailMessage`.
public enum MailParser {
    /// Best effort on any input: never throws, never traps. Repairs are reported in `warnings`.
    public static func parse(_ bytes: [UInt8], limits: MailLimits = .standard) -> MailMessage {
        bytes.withUnsafeBufferPointer { buf in
            var walker = MIMEWalker(buf: buf, limits: limits)
            return walker.run()
        }
    }
}

/// Walks the MIME tree over byte ranges of the input (no copies until a leaf is decoded).
struct MIMEWalker {
    let buf: UnsafeBufferPointer<UInt8>
    let limits: MailLimits
    var warnings = [String]()
    var attachments = [MailPart]()
    var report: DeliveryReport? = nil
    var partCount = 0
    private var warned = Set<String>()

    init(buf: UnsafeBufferPointer<UInt8>, limits: MailLimits) {
        self.buf = buf
        self.limits = limits
    }

    /// Body candidates found under an entity.
    struct BodyText { var plain: String? = nil; var html: String? = nil }

    mutating func warn(_ w: String) {
        if warned.insert(w).inserted { warnings.append(w) }
    }

    mutating func run() -> MailMessage {
        var msg = MailMessage()
        var start = 0
        var mboxSender: String? = nil
        // mbox "From " separator line added by the MTA: envelope sender, not a header.
        if buf.count >= 5, buf[0] == UInt8(ascii: "F"), buf[1] == UInt8(ascii: "r"), buf[2] == UInt8(ascii: "o"),
            buf[3] == UInt8(ascii: "m"), buf[4] == UInt8(ascii: " ")
        {
            let lineEnd = ByteScan.find(0x0A, buf, from: 0, to: buf.count) ?? buf.count
            let line = String(decoding: UnsafeBufferPointer(rebasing: buf[5..<min(lineEnd, 5 + 1024)]), as: UTF8.self)
            mboxSender = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).first.map(String.init)
            start = min(lineEnd + 1, buf.count)
        }
        let top = HeaderParser.parse(buf, from: start, to: buf.count, limits: limits, warnings: &warnings)
        msg.headers = top.headers
        let body = walk(headers: top.headers, range: top.bodyStart..<buf.count, depth: 0, defaultType: "text/plain")

        // Envelope: Postfix's Return-Path is MAIL FROM verbatim ("<>" for bounces); the mbox line says
        // "MAILER-DAEMON" for the null sender, so it is only a fallback.
        if let rp = msg.header("Return-Path") {
            let trimmed = rp.trimmed
            msg.envelopeSender = MessageIDList.parse(trimmed).first?.lowercased() ?? (trimmed.contains("<") ? "" : trimmed.lowercased())
        } else if let s = mboxSender {
            msg.envelopeSender = s.uppercased() == "MAILER-DAEMON" || s == "<>" ? "" : s.lowercased()
        }
        msg.messageId = MessageIDList.single(msg.header("Message-ID"))
        msg.inReplyTo = MessageIDList.parse(msg.header("In-Reply-To"))
        msg.references = MessageIDList.parse(msg.header("References"))
        msg.subject = Self.normalizeSubject(msg.decodedHeader("Subject") ?? "")
        msg.from = AddressParser.parseList(msg.header("From")).first
        msg.replyTo = AddressParser.parseList(msg.header("Reply-To"))
        msg.to = msg.headers.all("To").flatMap { AddressParser.parseList($0) }
        msg.cc = msg.headers.all("Cc").flatMap { AddressParser.parseList($0) }
        msg.date = MailDate.parse(msg.header("Date"))
        if let lang = msg.header("Content-Language") {
            let first = lang.split(separator: ",").first?.trimmed ?? ""
            let primary = first.split(separator: "-").first.map { $0.lowercased() } ?? ""
            msg.language = primary.isEmpty ? nil : primary
        }
        msg.html = body.html.map(Self.trimTrailing)
        if let plain = body.plain {
            msg.text = Self.trimTrailing(Self.trimLeadingBlankLines(plain))
        } else if let html = body.html {
            msg.text = HTMLText.toText(html)
        }
        msg.attachments = attachments
        msg.deliveryReport = report
        msg.automatic = AutomaticDetection.reasons(msg)
        msg.warnings = warnings
        return msg
    }

    // MARK: - Tree walk

    mutating func walk(headers: [MailHeader], range: Range<Int>, depth: Int, defaultType: String) -> BodyText {
        let ct = HeaderParameters(headers.first("Content-Type"))
        var type = ct.value
        if type.isEmpty || !type.contains("/") { type = defaultType }
        if type.hasPrefix("multipart/") {
            guard depth < limits.maxDepth else {
                warn("nesting too deep")
                return BodyText()
            }
            guard let boundary = ct.params["boundary"]?.trimmed, !boundary.isEmpty,
                boundary.utf8.count <= 256
            else {
                warn("multipart without boundary")
                return leaf(headers: headers, type: "text/plain", params: [:], range: range)
            }
            let split = splitMultipart(range, boundary: Array(boundary.utf8))
            if split.parts.isEmpty {
                warn("multipart boundary not found")
                return leaf(headers: headers, type: "text/plain", params: [:], range: range)
            }
            if split.truncated { warn("truncated multipart") }
            return multipart(subtype: String(type.dropFirst("multipart/".count)), params: ct.params, parts: split.parts, depth: depth)
        }
        return leaf(headers: headers, type: type, params: ct.params, range: range)
    }

    private mutating func multipart(subtype: String, params: [String: String], parts: [Range<Int>], depth: Int) -> BodyText {
        let childDefault = subtype == "digest" ? "message/rfc822" : "text/plain"
        var result = BodyText()
        var plains = [String]()
        let isReport = subtype == "report"
        for (index, part) in parts.enumerated() {
            guard partCount < limits.maxParts else {
                warn("part limit reached")
                break
            }
            partCount += 1
            let h = HeaderParser.parse(buf, from: part.lowerBound, to: part.upperBound, limits: limits, warnings: &warnings)
            let childRange = h.bodyStart..<max(h.bodyStart, part.upperBound)
            if isReport, index > 0, handleReportPart(headers: h.headers, range: childRange,
                reportType: params["report-type"]?.lowercased())
            {
                continue
            }
            let child = walk(headers: h.headers, range: childRange, depth: depth + 1, defaultType: childDefault)
            if subtype == "alternative" {
                // Alternatives are the same content: keep the first of each kind, never concatenate.
                if result.plain == nil { result.plain = child.plain }
                if result.html == nil { result.html = child.html }
            } else {
                // mixed/related/…: successive text parts (e.g. text, image, more text) all belong to the body.
                if let p = child.plain { plains.append(p) }
                if result.html == nil { result.html = child.html }
            }
        }
        if subtype != "alternative", !plains.isEmpty { result.plain = plains.joined(separator: "\n") }
        return result
    }

    /// A non-multipart entity: body text candidate or attachment.
    private mutating func leaf(headers: [MailHeader], type: String, params: [String: String], range: Range<Int>) -> BodyText {
        let disp = HeaderParameters(headers.first("Content-Disposition"))
        let rawName = disp.params["filename"] ?? params["name"]
        let filename = rawName.flatMap(Self.sanitizeFilename)
        let isAttachmentDisposition = disp.value == "attachment"
        let cte = TransferEncoding.kind(headers.first("Content-Transfer-Encoding"))
        if (type == "text/plain" || type == "text/html"), !isAttachmentDisposition, filename == nil {
            var data = TransferEncoding.decode(buf, range, kind: cte)
            TransferEncoding.normalizeNewlines(&data)
            let label = params["charset"]
            if let label, !label.isEmpty, !Charset.isKnown(label) { warn("unknown charset \(label)") }
            let text = Charset.decode(data, label: label)
            return type == "text/plain" ? BodyText(plain: text) : BodyText(html: text)
        }
        let data = TransferEncoding.decode(buf, range, kind: cte)
        let cid = headers.first("Content-ID").flatMap { MessageIDList.single($0) }
        let isInline = disp.value == "inline" || (disp.value.isEmpty && cid != nil)
        let name = filename ?? "attachment-\(attachments.count + 1).\(Self.fileExtension(for: type))"
        attachments.append(MailPart(filename: name, contentType: type, contentId: cid, isInline: isInline, data: data))
        return BodyText()
    }

    // MARK: - Multipart splitting (RFC 2046 §5.1.1)

    struct Split { var parts: [Range<Int>]; var truncated: Bool }

    /// Finds delimiter lines "--boundary" (optionally "--" closing, then transport padding). The line break
    /// before a delimiter belongs to the delimiter. Preamble and epilogue are ignored. One pass with memchr.
    func splitMultipart(_ range: Range<Int>, boundary: [UInt8]) -> Split {
        var parts = [Range<Int>]()
        var current: Int? = nil
        var i = range.lowerBound
        let end = range.upperBound
        let blen = boundary.count
        while i < end {
            let lineEnd = ByteScan.find(0x0A, buf, from: i, to: end) ?? end
            if lineEnd - i >= blen + 2, buf[i] == UInt8(ascii: "-"), buf[i + 1] == UInt8(ascii: "-"),
                matches(boundary, at: i + 2)
            {
                var j = i + 2 + blen
                var isClose = false
                if j + 1 < lineEnd, buf[j] == UInt8(ascii: "-"), buf[j + 1] == UInt8(ascii: "-") {
                    isClose = true
                    j += 2
                }
                var onlyPadding = true
                while j < lineEnd {
                    let c = buf[j]
                    if c != 0x20, c != 0x09, c != 0x0D { onlyPadding = false; break }
                    j += 1
                }
                if onlyPadding || isClose {
                    if let s = current {
                        var contentEnd = i
                        if contentEnd > s, buf[contentEnd - 1] == 0x0A { contentEnd -= 1 }
                        if contentEnd > s, buf[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                        parts.append(s..<max(s, contentEnd))
                    }
                    if isClose { return Split(parts: parts, truncated: false) }
                    current = min(lineEnd + 1, end)
                }
            }
            i = lineEnd + 1
        }
        if let s = current {
            parts.append(s..<end)
            return Split(parts: parts, truncated: true)
        }
        return Split(parts: parts, truncated: false)
    }

    @inline(__always) private func matches(_ b: [UInt8], at i: Int) -> Bool {
        guard i + b.count <= buf.count, let base = buf.baseAddress else { return false }
        return b.withUnsafeBufferPointer { memcmp(base + i, $0.baseAddress!, b.count) == 0 }
    }

    // MARK: - Delivery reports (RFC 3464)

    /// Handles the machine-readable parts of a multipart/report. Returns true when the part was consumed.
    private mutating func handleReportPart(headers: [MailHeader], range: Range<Int>, reportType: String?) -> Bool {
        let type = HeaderParameters(headers.first("Content-Type")).value
        let cte = TransferEncoding.kind(headers.first("Content-Transfer-Encoding"))
        switch type {
        case "message/delivery-status", "message/global-delivery-status":
            var r = report ?? DeliveryReport()
            let data = TransferEncoding.decode(buf, range, kind: cte)
            let fields = Self.parseFieldGroups(data, limits: limits, warnings: &warnings)
            r.action = r.action ?? fields.first("Action")?.lowercased()
            r.status = r.status ?? fields.first("Status")?.split(separator: " ").first.map(String.init)
            if r.diagnostic == nil, let d = fields.first("Diagnostic-Code") { r.diagnostic = Self.stripTypePrefix(d) }
            for fr in fields.all("Final-Recipient") {
                let a = Self.stripTypePrefix(fr).trimmingCharacters(in: CharacterSet(charactersIn: "<> ")).lowercased()
                if !a.isEmpty, !r.finalRecipients.contains(a) { r.finalRecipients.append(a) }
            }
            r.isPermanentFailure = r.action == "failed" || (r.status?.hasPrefix("5") ?? false)
            report = r
            return true
        case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers":
            var r = report ?? DeliveryReport()
            let data = TransferEncoding.decode(buf, range, kind: cte)
            let original = data.withUnsafeBufferPointer {
                HeaderParser.parse($0, from: 0, to: $0.count, limits: limits, warnings: &warnings).headers
            }
            r.originalMessageId = MessageIDList.single(original.first("Message-ID"))
            r.originalSubject = original.first("Subject").map { Self.normalizeSubject(EncodedWords.decode($0)) }
            var refs = MessageIDList.parse(original.first("References"))
            for id in MessageIDList.parse(original.first("In-Reply-To")) where !refs.contains(id) { refs.append(id) }
            r.originalReferences = refs
            report = r
            return true
        default:
            return false
        }
    }

    /// delivery-status bodies are blocks of header fields separated by blank lines.
    static func parseFieldGroups(_ data: [UInt8], limits: MailLimits, warnings: inout [String]) -> [MailHeader] {
        data.withUnsafeBufferPointer { b in
            var all = [MailHeader]()
            var start = 0
            while start < b.count {
                let r = HeaderParser.parse(b, from: start, to: b.count, limits: limits, warnings: &warnings)
                all.append(contentsOf: r.headers)
                if r.bodyStart <= start { break }
                start = r.bodyStart
            }
            return all
        }
    }

    /// "rfc822; a@b" → "a@b", "X-Postfix; host not found" → "host not found".
    static func stripTypePrefix(_ s: String) -> String {
        guard let semi = s.firstIndex(of: ";") else { return s.trimmed }
        return s[s.index(after: semi)...].trimmed
    }

    // MARK: - Helpers

    /// Subject as displayed: whitespace runs (incl. folding) collapsed, trimmed.
    static func normalizeSubject(_ s: String) -> String {
        var out = ""
        var pendingSpace = false
        for u in s.unicodeScalars {
            if u == " " || u == "\t" || u == "\r" || u == "\n" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.unicodeScalars.append(" "); pendingSpace = false }
            out.unicodeScalars.append(u)
        }
        return out
    }

    /// CRLF and lone CR → LF, on bytes (linear).
    static func normalizeNewlines(_ s: String) -> String {
        var hasCR = false
        for c in s.utf8 where c == 0x0D { hasCR = true; break }
        if !hasCR { return s }
        var out = [UInt8]()
        let b = Array(s.utf8)
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x0D {
                out.append(0x0A)
                if i + 1 < b.count, b[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(b[i])
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func trimTrailing(_ s: String) -> String {
        var end = s.unicodeScalars.endIndex
        let scalars = s.unicodeScalars
        while end > scalars.startIndex {
            let prev = scalars.index(before: end)
            let c = scalars[prev]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { end = prev } else { break }
        }
        return String(scalars[scalars.startIndex..<end])
    }

    static func trimLeadingBlankLines(_ s: String) -> String {
        let scalars = s.unicodeScalars
        var i = scalars.startIndex
        var lineStart = i
        while i < scalars.endIndex {
            let c = scalars[i]
            if c == "\n" { lineStart = scalars.index(after: i) } else if c != " " && c != "\t" { break }
            i = scalars.index(after: i)
        }
        if i == scalars.endIndex { return "" }
        return String(scalars[lineStart...])
    }

    /// Keeps only the last path component and drops control characters: a filename is untrusted input that
    /// will end up on disk or in a Content-Disposition header.
    static func sanitizeFilename(_ raw: String) -> String? {
        var name = raw
        if let slash = name.lastIndex(where: { $0 == "/" || $0 == "\\" }) { name = String(name[name.index(after: slash)...]) }
        name = String(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        name = name.trimmed
        if name.isEmpty || name == "." || name == ".." { return nil }
        return name
    }

    static func fileExtension(for type: String) -> String {
        switch type {
        case "image/png": return "png"
        case "image/jpeg", "image/jpg", "image/pjpeg": return "jpg"
        case "image/gif": return "gif"
        case "image/webp": return "webp"
        case "image/svg+xml": return "svg"
        case "application/pdf": return "pdf"
        case "application/zip": return "zip"
        case "text/plain": return "txt"
        case "text/html": return "html"
        case "text/calendar": return "ics"
        case "text/csv": return "csv"
        case "message/rfc822", "message/global": return "eml"
        case "application/pgp-signature": return "asc"
        case "application/msword": return "doc"
        case "application/vnd.openxmlformats-officedocument.wordprocessingml.document": return "docx"
        case "application/vnd.ms-excel": return "xls"
        case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": return "xlsx"
        default: return "bin"
        }
    }
}
