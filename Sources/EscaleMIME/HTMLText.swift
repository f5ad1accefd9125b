import Foundation

/// HTML → safe plain text for display. The output is plain text (the caller escapes it); no markup survives.
///
/// A single forward pass over UTF-8 bytes: no regexes, no DOM, linear time, so hostile or huge HTML is cheap.
public enum HTMLText {
    private static let dropped: Set<String> = ["script", "style", "head", "title", "noscript", "template", "svg", "object", "iframe"]
    private static let lineTags: Set<String> = [
        "br", "div", "tr", "li", "ul", "ol", "table", "hr", "pre", "section", "article", "header", "footer", "address",
        "dd", "dt", "dl", "form", "nav", "aside", "center", "tbody", "thead", "tfoot", "caption", "fieldset",
    ]
    private static let paragraphTags: Set<String> = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"]

    public static func toText(_ html: String) -> String {
        let b = Array(html.utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count / 2)
        var i = 0
        let n = b.count
        var pendingSpace = false
        var pre = 0
        var linkHref: String? = nil
        var linkLabelStart = 0

        func newline(_ count: Int) {
            pendingSpace = false
            // Trim spaces before the break, then add breaks (collapsed at the end).
            while let last = out.last, last == 0x20 { out.removeLast() }
            // Ensure (not add) `count` line breaks, so "</li><li>" or "</p><p>" don't stack up.
            var have = 0
            var k = out.count - 1
            while k >= 0, out[k] == 0x0A, have < count { have += 1; k -= 1 }
            if out.isEmpty { return }
            for _ in have..<count { out.append(0x0A) }
        }
        func emitText(_ bytes: [UInt8]) {
            for c in bytes { emitByte(c) }
        }
        func emitByte(_ c: UInt8) {
            if pre == 0, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C {
                if let last = out.last, last != 0x0A, last != 0x20 { pendingSpace = true }
                return
            }
            if pendingSpace { out.append(0x20); pendingSpace = false }
            out.append(c == 0x0D ? 0x0A : c)
        }

        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "<") {
                // Comment
                if i + 3 < n, b[i + 1] == UInt8(ascii: "!"), b[i + 2] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: "-") {
                    i = find(b, "-->", from: i + 4).map { $0 + 3 } ?? n
                    continue
                }
                // Doctype, CDATA, processing instructions.
                if i + 1 < n, b[i + 1] == UInt8(ascii: "!") || b[i + 1] == UInt8(ascii: "?") {
                    i = findByte(b, UInt8(ascii: ">"), from: i + 2).map { $0 + 1 } ?? n
                    continue
                }
                let closing = i + 1 < n && b[i + 1] == UInt8(ascii: "/")
                let nameStart = closing ? i + 2 : i + 1
                guard nameStart < n, isLetter(b[nameStart]) else {
                    emitByte(c)  // a lone "<" in text
                    i += 1
                    continue
                }
                var j = nameStart
                while j < n, isLetter(b[j]) || isDigit(b[j]) || b[j] == UInt8(ascii: ":") || b[j] == UInt8(ascii: "-") { j += 1 }
                let name = String(decoding: b[nameStart..<j], as: UTF8.self).lowercased()
                let tagEnd = tagClose(b, from: j)  // index of ">" or n
                let attrs = b[j..<min(tagEnd, n)]
                i = min(tagEnd + 1, n)
                if !closing, dropped.contains(name) {
                    // Skip everything up to the matching end tag (raw text content for script/style).
                    if let endTag = findCaseInsensitive(b, "</" + name, from: i) {
                        i = findByte(b, UInt8(ascii: ">"), from: endTag).map { $0 + 1 } ?? n
                    } else {
                        i = n
                    }
                    continue
                }
                switch name {
                case "img":
                    if !closing, let alt = attribute("alt", in: attrs), !alt.trimmed.isEmpty {
                        emitText(Array(("[" + alt.trimmed + "]").utf8))
                    }
                case "a":
                    if closing {
                        if let href = linkHref {
                            let label = String(decoding: out[min(linkLabelStart, out.count)...], as: UTF8.self).trimmed
                            let shown = href.hasPrefix("mailto:") ? String(href.dropFirst(7)) : href
                            if !label.isEmpty, label != href, label != shown {
                                emitText(Array(" (\(shown))".utf8))
                            } else if label.isEmpty {
                                emitText(Array(shown.utf8))
                            }
                        }
                        linkHref = nil
                    } else if let href = attribute("href", in: attrs)?.trimmed, isShowableURL(href) {
                        linkHref = href
                        if pendingSpace { out.append(0x20); pendingSpace = false }
                        linkLabelStart = out.count
                    } else {
                        linkHref = nil
                    }
                case "td", "th":
                    if closing { pendingSpace = true }
                case "pre":
                    newline(1)
                    pre = closing ? max(0, pre - 1) : pre + 1
                default:
                    if paragraphTags.contains(name) {
                        newline(2)
                    } else if lineTags.contains(name) {
                        newline(1)
                        if name == "li", !closing { out.append(contentsOf: Array("- ".utf8)) }
                    }
                }
                continue
            }
            if c == UInt8(ascii: "&") {
                if let (scalars, next) = decodeEntity(b, at: i) {
                    var tmp = [UInt8]()
                    for s in scalars { Charset.appendUTF8(s, to: &tmp) }
                    emitText(tmp)
                    i = next
                    continue
                }
            }
            emitByte(c)
            i += 1
        }
        return finish(out)
    }

    /// Trailing spaces removed on each line, runs of blank lines collapsed to one, ends trimmed.
    private static func finish(_ out: [UInt8]) -> String {
        var lines = [[UInt8]]()
        var cur = [UInt8]()
        for c in out {
            if c == 0x0A {
                while let l = cur.last, l == 0x20 || l == 0x09 { cur.removeLast() }
                lines.append(cur)
                cur.removeAll(keepingCapacity: true)
            } else {
                cur.append(c)
            }
        }
        while let l = cur.last, l == 0x20 || l == 0x09 { cur.removeLast() }
        lines.append(cur)
        var result = [UInt8]()
        result.reserveCapacity(out.count)
        var blank = 0
        for var line in lines {
            // A line made only of spaces (from &nbsp;) is blank.
            if line.allSatisfy({ $0 == 0x20 }) { line.removeAll() }
            if line.isEmpty {
                blank += 1
                continue
            }
            if !result.isEmpty { result.append(0x0A); if blank > 0 { result.append(0x0A) } }
            blank = 0
            // Leading spaces created by collapsed markup whitespace are noise.
            var k = 0
            while k < line.count, line[k] == 0x20 { k += 1 }
            result.append(contentsOf: line[k...])
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func isShowableURL(_ href: String) -> Bool {
        let l = href.lowercased()
        return l.hasPrefix("http://") || l.hasPrefix("https://") || l.hasPrefix("mailto:") || l.hasPrefix("ftp://")
    }

    @inline(__always) private static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// End of a tag, skipping ">" inside quoted attribute values.
    private static func tagClose(_ b: [UInt8], from: Int) -> Int {
        var i = from
        var quote: UInt8 = 0
        while i < b.count {
            let c = b[i]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: ">") {
                return i
            }
            i += 1
        }
        return b.count
    }

    private static func attribute(_ name: String, in attrs: ArraySlice<UInt8>) -> String? {
        let target = Array(name.utf8)
        var i = attrs.startIndex
        let end = attrs.endIndex
        while i < end {
            while i < end, !isLetter(attrs[i]) { i += 1 }
            let ns = i
            while i < end, isLetter(attrs[i]) || isDigit(attrs[i]) || attrs[i] == UInt8(ascii: "-") || attrs[i] == UInt8(ascii: ":") { i += 1 }
            let attrName = attrs[ns..<i].map { $0 | 0x20 }
            while i < end, attrs[i] == 0x20 || attrs[i] == 0x09 || attrs[i] == 0x0A || attrs[i] == 0x0D { i += 1 }
            guard i < end, attrs[i] == UInt8(ascii: "=") else { continue }
            i += 1
            while i < end, attrs[i] == 0x20 || attrs[i] == 0x09 || attrs[i] == 0x0A || attrs[i] == 0x0D { i += 1 }
            var vs = i, ve = i
            if i < end, attrs[i] == UInt8(ascii: "\"") || attrs[i] == UInt8(ascii: "'") {
                let q = attrs[i]
                vs = i + 1
                ve = vs
                while ve < end, attrs[ve] != q { ve += 1 }
                i = min(ve + 1, end)
            } else {
                while ve < end, attrs[ve] > 0x20, attrs[ve] != UInt8(ascii: ">") { ve += 1 }
                i = ve
            }
            if attrName == target {
                return decodeEntities(Array(attrs[vs..<ve]))
            }
        }
        return nil
    }

    private static func decodeEntities(_ b: [UInt8]) -> String {
        var out = [UInt8]()
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "&"), let (scalars, next) = decodeEntity(b, at: i) {
                for s in scalars { Charset.appendUTF8(s, to: &out) }
                i = next
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes "&name;", "&#123;", "&#x1F4A1;" at `i`. Unknown or malformed entities stay literal.
    private static func decodeEntity(_ b: [UInt8], at i: Int) -> ([UInt32], Int)? {
        var j = i + 1
        guard j < b.count else { return nil }
        if b[j] == UInt8(ascii: "#") {
            j += 1
            var hex = false
            if j < b.count, b[j] | 0x20 == UInt8(ascii: "x") { hex = true; j += 1 }
            var v: UInt32 = 0
            let ds = j
            while j < b.count, j - ds < 8 {
                let c = b[j]
                if let h = TransferEncoding.hexValue(c), hex || isDigit(c) {
                    v = v * (hex ? 16 : 10) + UInt32(h)
                    j += 1
                } else { break }
            }
            guard j > ds else { return nil }
            if j < b.count, b[j] == UInt8(ascii: ";") { j += 1 }
            // HTML5: C1 range means windows-1252; invalid code points become U+FFFD.
            var s = v
            if (0x80...0x9F).contains(v) { s = Charset.cp1252Scalar(UInt8(v)) }
            if s == 0 || s > 0x10FFFF || (0xD800...0xDFFF).contains(s) { s = 0xFFFD }
            return ([s], j)
        }
        let ns = j
        while j < b.count, j - ns < 10, isLetter(b[j]) || isDigit(b[j]) { j += 1 }
        guard j > ns, j < b.count, b[j] == UInt8(ascii: ";") else { return nil }
        let name = String(decoding: b[ns..<j], as: UTF8.self)
        guard let v = named[name] ?? named[name.lowercased()] else { return nil }
        return ([v], j + 1)
    }

    private static let named: [String: UInt32] = {
        var d: [String: UInt32] = [
            "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0x20,
            "euro": 0x20AC, "ndash": 0x2013, "mdash": 0x2014, "lsquo": 0x2018, "rsquo": 0x2019, "sbquo": 0x201A,
            "ldquo": 0x201C, "rdquo": 0x201D, "bdquo": 0x201E, "hellip": 0x2026, "bull": 0x2022, "trade": 0x2122,
            "oelig": 0x0153, "OElig": 0x0152, "scaron": 0x0161, "Scaron": 0x0160, "yuml": 0xFF, "Yuml": 0x0178,
            "dagger": 0x2020, "Dagger": 0x2021, "permil": 0x2030, "lsaquo": 0x2039, "rsaquo": 0x203A,
            "thinsp": 0x2009, "ensp": 0x2002, "emsp": 0x2003, "zwnj": 0x200C, "zwj": 0x200D, "shy": 0xAD,
            "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193, "check": 0x2713, "circ": 0x02C6,
            "tilde": 0x02DC, "fnof": 0x0192,
        ]
        // The whole Latin-1 supplement in code point order (U+00A1…U+00FF).
        let latin1 = """
            iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute \
            micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring \
            AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml \
            times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil \
            egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash \
            ugrave uacute ucirc uuml yacute thorn yuml
            """.split(separator: " ")
        for (k, name) in latin1.enumerated() where d[String(name)] == nil || name == "shy" {
            d[String(name)] = UInt32(0xA1 + k)
        }
        return d
    }()

    private static func findByte(_ b: [UInt8], _ c: UInt8, from: Int) -> Int? {
        var i = from
        while i < b.count { if b[i] == c { return i }; i += 1 }
        return nil
    }

    private static func find(_ b: [UInt8], _ needle: String, from: Int) -> Int? {
        let nd = Array(needle.utf8)
        guard !nd.isEmpty, b.count >= nd.count else { return nil }
        var i = from
        while i + nd.count <= b.count {
            if b[i] == nd[0] {
                var k = 1
                while k < nd.count, b[i + k] == nd[k] { k += 1 }
                if k == nd.count { return i }
            }
            i += 1
        }
        return nil
    }

    private static func findCaseInsensitive(_ b: [UInt8], _ needle: String, from: Int) -> Int? {
        let nd = Array(needle.lowercased().utf8)
        guard !nd.isEmpty, b.count >= nd.count else { return nil }
        var i = from
        while i + nd.count <= b.count {
            if b[i] == nd[0] {
                var k = 1
                while k < nd.count, lower(b[i + k]) == nd[k] { k += 1 }
                if k == nd.count { return i }
            }
            i += 1
        }
        return nil
    }

    @inline(__always) private static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }
}
