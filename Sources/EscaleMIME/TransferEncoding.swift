/// Content-Transfer-Encoding codecs (RFC 2045 §6). All decoders are single-pass and never fail:
/// broken input is decoded as far as it makes sense, the rest kept literally or skipped.
enum TransferEncoding {
    enum Kind { case identity, quotedPrintable, base64 }

    static func kind(_ header: String?) -> Kind {
        guard let h = header?.trimmed.lowercased() else { return .identity }
        if h.hasPrefix("quoted-printable") { return .quotedPrintable }
        if h.hasPrefix("base64") { return .base64 }
        return .identity  // 7bit, 8bit, binary and unknown tokens: take the bytes as they are
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, kind: Kind) -> [UInt8] {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        switch kind {
        case .identity: return Array(slice)
        case .quotedPrintable: return decodeQuotedPrintable(slice)
        case .base64: return decodeBase64(slice)
        }
    }

    @inline(__always) static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10  // tolerated, RFC says upper
        default: return nil
        }
    }

    /// Quoted-printable: soft line breaks removed, `=XX` decoded (any case), invalid escapes kept literally,
    /// transport-added trailing whitespace before a line break dropped (RFC 2045 §6.7 rule 3).
    static func decodeQuotedPrintable(_ s: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let n = s.count
        // Output never exceeds input: write into uninitialized storage (no per-byte append bookkeeping).
        return [UInt8](unsafeUninitializedCapacity: n) { out, count in
            var o = 0
            var i = 0
            while i < n {
                let c = s[i]
                if c == UInt8(ascii: "=") {
                    // Soft break: "=" then optional whitespace then LF / CRLF / end of input.
                    var j = i + 1
                    while j < n, s[j] == 0x20 || s[j] == 0x09 { j += 1 }
                    if j == n { i = j; continue }
                    if s[j] == 0x0A { i = j + 1; continue }
                    if s[j] == 0x0D { i = (j + 1 < n && s[j + 1] == 0x0A) ? j + 2 : j + 1; continue }
                    if i + 2 < n, let h = hexValue(s[i + 1]), let l = hexValue(s[i + 2]) {
                        out[o] = h << 4 | l; o += 1
                        i += 3
                        continue
                    }
                    out[o] = c; o += 1  // invalid escape: keep "=" literally
                    i += 1
                } else if c == 0x20 || c == 0x09 {
                    var j = i
                    while j < n, s[j] == 0x20 || s[j] == 0x09 { j += 1 }
                    if j == n || s[j] == 0x0A || s[j] == 0x0D {
                        i = j  // trailing whitespace on a line: added by transport, not content
                    } else {
                        while i < j { out[o] = s[i]; o += 1; i += 1 }
                    }
                } else {
                    out[o] = c; o += 1
                    i += 1
                }
            }
            count = o
        }
    }

    /// CRLF and lone CR → LF, in place (same bytes in UTF-8 and every single-byte charset we decode).
    static func normalizeNewlines(_ b: inout [UInt8]) {
        guard b.contains(0x0D) else { return }
        let n = b.count
        let kept = b.withUnsafeMutableBufferPointer { p -> Int in
            var o = 0
            var i = 0
            while i < n {
                let c = p[i]
                if c == 0x0D {
                    p[o] = 0x0A
                    if i + 1 < n, p[i + 1] == 0x0A { i += 1 }
                } else {
                    p[o] = c
                }
                o += 1
                i += 1
            }
            return o
        }
        b.removeLast(n - kept)
    }

    private static let base64Values: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        // URL-safe variants occasionally show up from broken webmails; accepting them costs nothing.
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// Base64 that skips whitespace and any non-alphabet byte and tolerates missing padding.
    static func decodeBase64(_ s: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(s.count * 3 / 4 + 3)
        var acc: UInt32 = 0
        var bits = 0
        base64Values.withUnsafeBufferPointer { table in
            for c in s {
                let v = table[Int(c)]
                if v == 0xFF { continue }
                acc = (acc << 6) | UInt32(v)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                    acc &= (1 << UInt32(bits)) - 1
                }
            }
        }
        return out
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Base64 with CRLF every 76 output characters (RFC 2045 §6.8). `lineLength` nil = one line (encoded words).
    static func encodeBase64(_ data: [UInt8], lineLength: Int? = 76) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(data.count * 4 / 3 + data.count / 38 + 8)
        var col = 0
        var i = 0
        let n = data.count
        func emit(_ c: UInt8) {
            if let lineLength, col == lineLength {
                out.append(0x0D); out.append(0x0A); col = 0
            }
            out.append(c); col += 1
        }
        while i + 3 <= n {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            emit(base64Alphabet[Int(v >> 18 & 63)]); emit(base64Alphabet[Int(v >> 12 & 63)])
            emit(base64Alphabet[Int(v >> 6 & 63)]); emit(base64Alphabet[Int(v & 63)])
            i += 3
        }
        let rest = n - i
        if rest == 1 {
            let v = UInt32(data[i]) << 16
            emit(base64Alphabet[Int(v >> 18 & 63)]); emit(base64Alphabet[Int(v >> 12 & 63)])
            emit(UInt8(ascii: "=")); emit(UInt8(ascii: "="))
        } else if rest == 2 {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            emit(base64Alphabet[Int(v >> 18 & 63)]); emit(base64Alphabet[Int(v >> 12 & 63)])
            emit(base64Alphabet[Int(v >> 6 & 63)]); emit(UInt8(ascii: "="))
        }
        return out
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Quoted-printable encoder for text: input lines separated by LF (CR dropped), output CRLF, lines ≤ 76.
    /// "=" is always escaped, and so is a "." or "F" starting a physical line, so the encoded body survives SMTP
    /// dot-stuffing and mbox ">From " quoting, and a boundary containing "=_" can never appear in it.
    static func encodeQuotedPrintable(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        let utf8 = Array(text.utf8)
        out.reserveCapacity(utf8.count + utf8.count / 8 + 16)
        var lineStart = 0
        var first = true
        while lineStart <= utf8.count {
            var lineEnd = lineStart
            while lineEnd < utf8.count, utf8[lineEnd] != 0x0A { lineEnd += 1 }
            var end = lineEnd
            if end > lineStart, utf8[end - 1] == 0x0D { end -= 1 }
            if !first { out.append(0x0D); out.append(0x0A) }
            first = false
            encodeQPLine(utf8, lineStart, end, into: &out)
            if lineEnd >= utf8.count { break }
            lineStart = lineEnd + 1
        }
        return out
    }

    private static func encodeQPLine(_ b: [UInt8], _ start: Int, _ end: Int, into out: inout [UInt8]) {
        var col = 0
        for i in start..<end {
            let c = b[i]
            let isLast = i == end - 1
            var literal: Bool
            switch c {
            case 0x21...0x3C, 0x3E...0x7E: literal = true
            case 0x20, 0x09: literal = !isLast  // trailing whitespace would be stripped in transit
            default: literal = false
            }
            // Keep room for the soft-break "=" unless this is the line's last character.
            let limit = isLast ? 76 : 75
            if col + (literal ? 1 : 3) > limit {
                out.append(UInt8(ascii: "=")); out.append(0x0D); out.append(0x0A)
                col = 0
            }
            // Any physical line starting with "." or "F" is escaped: no dot-stuffing or ">From " quoting can bite.
            if col == 0, c == UInt8(ascii: ".") || c == UInt8(ascii: "F") { literal = false }
            let width = literal ? 1 : 3
            if literal {
                out.append(c)
            } else {
                out.append(UInt8(ascii: "="))
                out.append(hexDigits[Int(c >> 4)])
                out.append(hexDigits[Int(c & 0x0F)])
            }
            col += width
        }
    }
}
