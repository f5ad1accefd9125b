/// RFC 2047 encoded-words ("=?charset?Q|B?text?=") in header values.
public enum EncodedWords {
    /// Decodes every encoded-word in `s`. Whitespace between two adjacent encoded-words is dropped (RFC 2047 §6.2),
    /// and adjacent words in the same charset are decoded together, so a multi-byte character split across two
    /// words (Outlook does that) comes out whole. Malformed words are kept literally. Linear in `s`.
    public static func decode(_ s: String) -> String {
        let b = Array(s.utf8)
        guard b.count >= 8, containsMarker(b) else { return s }
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var pending = [UInt8]()  // decoded bytes of the current run of adjacent same-charset words
        var pendingCharset: String? = nil
        var i = 0
        func flush() {
            if let cs = pendingCharset {
                out.append(contentsOf: Charset.decode(pending, label: cs).utf8)
            }
            pending.removeAll(keepingCapacity: true)
            pendingCharset = nil
        }
        while i < b.count {
            if b[i] == UInt8(ascii: "="), i + 1 < b.count, b[i + 1] == UInt8(ascii: "?"),
                let word = parseWord(b, at: i)
            {
                if pendingCharset != nil, pendingCharset != word.charset { flush() }
                pendingCharset = word.charset
                if word.isBase64 {
                    pending.append(contentsOf: TransferEncoding.decodeBase64(b[word.text]))
                } else {
                    decodeQ(b[word.text], into: &pending)
                }
                i = word.end
                // Look ahead: whitespace followed by another encoded-word is folding, not content.
                var j = i
                while j < b.count, b[j] == 0x20 || b[j] == 0x09 || b[j] == 0x0D || b[j] == 0x0A { j += 1 }
                if j > i, j + 1 < b.count, b[j] == UInt8(ascii: "="), b[j + 1] == UInt8(ascii: "?"),
                    parseWord(b, at: j) != nil
                {
                    i = j
                }
                continue
            }
            flush()
            out.append(b[i])
            i += 1
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    private static func containsMarker(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "="), b[i + 1] == UInt8(ascii: "?") { return true }
            i += 1
        }
        return false
    }

    private struct Word { var charset: String; var isBase64: Bool; var text: Range<Int>; var end: Int }

    /// Parses "=?cs?e?text?=" at `start`. Bounded look-ahead: charset ≤ 64 bytes, text stops at whitespace,
    /// so scanning pathological input stays linear.
    private static func parseWord(_ b: [UInt8], at start: Int) -> Word? {
        var i = start + 2
        let csStart = i
        while i < b.count, b[i] != UInt8(ascii: "?"), i - csStart < 64 {
            if b[i] <= 0x20 { return nil }
            i += 1
        }
        guard i < b.count, b[i] == UInt8(ascii: "?"), i > csStart else { return nil }
        let charset = String(decoding: b[csStart..<i], as: UTF8.self).lowercased()
        i += 1
        guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "?") else { return nil }
        let enc = b[i] | 0x20
        guard enc == UInt8(ascii: "b") || enc == UInt8(ascii: "q") else { return nil }
        i += 2
        let textStart = i
        while i < b.count, b[i] != UInt8(ascii: "?"), b[i] > 0x20 { i += 1 }
        guard i + 1 < b.count, b[i] == UInt8(ascii: "?"), b[i + 1] == UInt8(ascii: "=") else { return nil }
        return Word(charset: charset, isBase64: enc == UInt8(ascii: "b"), text: textStart..<i, end: i + 2)
    }

    private static func decodeQ(_ s: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == UInt8(ascii: "_") {
                out.append(0x20)
            } else if c == UInt8(ascii: "="), i + 2 < s.endIndex,
                let h = TransferEncoding.hexValue(s[i + 1]), let l = TransferEncoding.hexValue(s[i + 2])
            {
                out.append(h << 4 | l)
                i += 3
                continue
            } else {
                out.append(c)
            }
            i += 1
        }
    }

    /// Encodes `s` for an unstructured header or a display name. ASCII text without "=?" is returned unchanged;
    /// otherwise UTF-8 B-encoded words of at most 60 characters joined by CRLF + space (each line stays ≤ 76 even
    /// after a header name), never splitting a character between two words.
    public static func encode(_ s: String) -> String {
        if !needsEncoding(s) { return s }
        var words = [String]()
        var chunk = [UInt8]()
        let maxBytes = 36  // 36 bytes → 48 base64 chars → 60-char word
        for scalar in s.unicodeScalars {
            var enc = [UInt8]()
            Charset.appendUTF8(scalar.value, to: &enc)
            if chunk.count + enc.count > maxBytes {
                words.append(word(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
            chunk.append(contentsOf: enc)
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    static func needsEncoding(_ s: String) -> Bool {
        var prev: UInt8 = 0
        for c in s.utf8 {
            if c >= 0x80 || c < 0x20 || c == 0x7F { return true }
            if prev == UInt8(ascii: "="), c == UInt8(ascii: "?") { return true }
            prev = c
        }
        return false
    }

    private static func word(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + String(decoding: TransferEncoding.encodeBase64(bytes, lineLength: nil), as: UTF8.self) + "?="
    }
}
