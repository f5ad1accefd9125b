import Foundation

/// One header field, unfolded (CRLF/LF before folding whitespace removed, surrounding whitespace trimmed).
public struct MailHeader: Sendable {
    public var name: String
    public var rawValue: String
    /// Lowercased name, computed once so lookups don't lowercase on every comparison.
    var key: String

    public init(name: String, rawValue: String) {
        self.name = name
        self.rawValue = rawValue
        self.key = name.lowercased()
    }
}

extension Array where Element == MailHeader {
    /// First value of `name` (case-insensitive).
    func first(_ name: String) -> String? {
        let k = name.lowercased()
        for h in self where h.key == k { return h.rawValue }
        return nil
    }

    func all(_ name: String) -> [String] {
        let k = name.lowercased()
        return self.filter { $0.key == k }.map(\.rawValue)
    }
}

/// Header-block parsing over raw bytes (RFC 5322 §2.2, lenient).
enum HeaderParser {
    struct Result { var headers: [MailHeader]; var bodyStart: Int }

    /// Parses header lines from `start` up to the first empty line (or `end`). Accepts LF and CRLF.
    /// A physical line longer than `maxLineBytes` is cut; once `maxHeaderBytes` is exceeded further fields are
    /// skipped (but the block is still scanned to find where the body starts). Lines without a colon are ignored.
    static func parse(
        _ buf: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, limits: MailLimits,
        warnings: inout [String]
    ) -> Result {
        var headers = [MailHeader]()
        var i = start
        var total = 0
        var curName: String? = nil
        var curValue = [UInt8]()
        var cutWarned = false, limitWarned = false, malformedWarned = false
        var dropping = false

        func finish() {
            if let name = curName {
                let value = Charset.decode(curValue, label: nil).trimmed
                headers.append(MailHeader(name: name, rawValue: value))
            }
            curName = nil
            curValue.removeAll(keepingCapacity: true)
        }

        while i < end {
            let lineEnd = ByteScan.find(0x0A, buf, from: i, to: end) ?? end
            var contentEnd = lineEnd
            if contentEnd > i, buf[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let next = lineEnd < end ? lineEnd + 1 : end
            if contentEnd == i {  // empty line: end of the header block
                finish()
                return Result(headers: headers, bodyStart: next)
            }
            if contentEnd - i > limits.maxLineBytes {
                contentEnd = i + limits.maxLineBytes
                if !cutWarned { warnings.append("header line truncated"); cutWarned = true }
            }
            total += contentEnd - i
            if total > limits.maxHeaderBytes {
                if !limitWarned { warnings.append("header limit reached"); limitWarned = true }
                dropping = true
            }
            let first = buf[i]
            if first == 0x20 || first == 0x09 {
                // Continuation: unfolding removes only the line break, the leading whitespace stays.
                if curName != nil, !dropping {
                    curValue.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<contentEnd]))
                }
            } else {
                finish()
                if !dropping {
                    if let colon = ByteScan.find(UInt8(ascii: ":"), buf, from: i, to: contentEnd),
                        let name = headerName(buf, i, colon)
                    {
                        curName = name
                        curValue.append(contentsOf: UnsafeBufferPointer(rebasing: buf[(colon + 1)..<contentEnd]))
                    } else if !malformedWarned {
                        warnings.append("malformed header line ignored")
                        malformedWarned = true
                    }
                }
            }
            i = next
        }
        finish()
        return Result(headers: headers, bodyStart: end)
    }

    /// Field name per RFC 5322 (printable ASCII except ":"), tolerating whitespace before the colon.
    private static func headerName(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ colon: Int) -> String? {
        var e = colon
        while e > start, buf[e - 1] == 0x20 || buf[e - 1] == 0x09 { e -= 1 }
        guard e > start, e - start <= 200 else { return nil }
        for k in start..<e where buf[k] <= 0x20 || buf[k] >= 0x7F { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<e]), as: UTF8.self)
    }
}

/// Byte search helpers; `memchr` keeps scanning of 25 MB bodies fast.
enum ByteScan {
    @inline(__always)
    static func find(_ byte: UInt8, _ buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let base = buf.baseAddress else { return nil }
        guard let p = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }
}

/// A parsed structured value such as `text/plain; charset="utf-8"` (RFC 2045 §5.1 + RFC 2231 parameters).
struct HeaderParameters {
    var value: String  // main value, lowercased and trimmed
    var params: [String: String]  // lowercased names; RFC 2231 continuations joined and decoded

    init(_ raw: String?) {
        value = ""
        params = [:]
        guard let raw else { return }
        let s = Array(raw.utf8)
        var i = 0
        // Main value: up to the first ";" (outside quotes, which it shouldn't contain anyway).
        while i < s.count, s[i] != UInt8(ascii: ";") { i += 1 }
        value = String(decoding: s[0..<i], as: UTF8.self).trimmed
            .lowercased()
        // Collected RFC 2231 sections: name → [(index, isEncoded, value)]
        var sections = [String: [(Int, Bool, String)]]()
        var plain = [String: String]()
        while i < s.count {
            i += 1  // skip ";"
            while i < s.count, s[i] == 0x20 || s[i] == 0x09 || s[i] == 0x0D || s[i] == 0x0A { i += 1 }
            let nameStart = i
            while i < s.count, s[i] != UInt8(ascii: "="), s[i] != UInt8(ascii: ";") { i += 1 }
            let name = String(decoding: s[nameStart..<i], as: UTF8.self).trimmed
                .lowercased()
            guard i < s.count, s[i] == UInt8(ascii: "=") else { continue }
            i += 1
            while i < s.count, s[i] == 0x20 || s[i] == 0x09 { i += 1 }
            var valueBytes = [UInt8]()
            if i < s.count, s[i] == UInt8(ascii: "\"") {
                i += 1
                while i < s.count, s[i] != UInt8(ascii: "\"") {
                    if s[i] == UInt8(ascii: "\\"), i + 1 < s.count { i += 1 }
                    valueBytes.append(s[i])
                    i += 1
                }
                while i < s.count, s[i] != UInt8(ascii: ";") { i += 1 }  // skip closing quote and junk
            } else {
                let vs = i
                while i < s.count, s[i] != UInt8(ascii: ";") { i += 1 }
                valueBytes = Array(s[vs..<i])
                while let last = valueBytes.last, last == 0x20 || last == 0x09 { valueBytes.removeLast() }
            }
            let v = String(decoding: valueBytes, as: UTF8.self)
            if name.isEmpty { continue }
            if let star = name.firstIndex(of: "*") {
                let base = String(name[..<star])
                var rest = name[name.index(after: star)...]
                let encoded = rest.hasSuffix("*") || rest.isEmpty
                if rest.hasSuffix("*") { rest = rest.dropLast() }
                let index = rest.isEmpty ? 0 : (Int(rest) ?? 0)
                sections[base, default: []].append((index, encoded, v))
            } else if plain[name] == nil {
                plain[name] = v
            }
        }
        for (name, v) in plain {
            // Non-standard but common (Outlook, Gmail): RFC 2047 words inside a quoted filename.
            params[name] = EncodedWords.decode(v)  // returns v itself when there is no "=?"
        }
        for (name, parts) in sections {
            let sorted = parts.sorted { $0.0 < $1.0 }
            var charset: String? = nil
            var bytes = [UInt8]()
            for (n, part) in sorted.enumerated() {
                var text = Substring(part.2)
                if part.1, n == 0 {
                    // charset'language'value
                    let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if pieces.count == 3 {
                        charset = String(pieces[0])
                        text = pieces[2]
                    }
                }
                if part.1 { bytes.append(contentsOf: Self.percentDecode(text)) } else { bytes.append(contentsOf: text.utf8) }
            }
            params[name] = Charset.decode(bytes, label: charset?.isEmpty == false ? charset : nil)
        }
    }

    private static func percentDecode(_ s: Substring) -> [UInt8] {
        let b = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = TransferEncoding.hexValue(b[i + 1]),
                let l = TransferEncoding.hexValue(b[i + 2])
            {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }
}

/// Message-ID lists (RFC 5322 §3.6.4), normalized without angle brackets.
enum MessageIDList {
    /// All `<…>` ids in order, deduplicated; when there are none, whitespace/comma separated tokens with an "@".
    static func parse(_ raw: String?) -> [String] {
        guard let raw, !raw.isEmpty else { return [] }
        var ids = [String]()
        var seen = Set<String>()
        let b = Array(raw.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "<") {
                var j = i + 1
                while j < b.count, b[j] != UInt8(ascii: ">"), b[j] != UInt8(ascii: "<") { j += 1 }
                if j < b.count, b[j] == UInt8(ascii: ">") {
                    let id = String(decoding: b[(i + 1)..<j], as: UTF8.self).trimmed
                    if !id.isEmpty, seen.insert(id).inserted { ids.append(id) }
                    i = j + 1
                    continue
                }
                i = j
                continue
            }
            i += 1
        }
        if ids.isEmpty {
            for token in raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) where token.contains("@") {
                let id = String(token)
                if seen.insert(id).inserted { ids.append(id) }
            }
        }
        return ids
    }

    /// A single Message-ID: the first `<…>` or the first token; nil when empty.
    static func single(_ raw: String?) -> String? {
        guard let raw else { return nil }
        if let first = parse(raw).first { return first }
        let t = raw.trimmed
        guard let token = t.split(whereSeparator: { $0 == " " || $0 == "\t" }).first else { return nil }
        let id = token.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        return id.isEmpty ? nil : id
    }
}
