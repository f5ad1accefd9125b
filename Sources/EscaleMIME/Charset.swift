import Foundation

/// Byte → String decoding for the charsets real mail uses, tolerant of mislabelled input.
///
/// Why a hand-written decoder: Foundation's `String(data:encoding:)` returns nil on any invalid byte (we must
/// never drop a whole body), and its ISO-8859-1/CP1252 tables differ between platforms.
public enum Charset {
    enum Kind: Sendable { case utf8, ascii, latin1, latin9, cp1252 }

    /// Maps a MIME charset label to a decoder; nil when the label is unknown.
    static func kind(for label: String?) -> Kind? {
        guard let label else { return nil }
        var l = label.trimmed.lowercased()
        if l.hasPrefix("\""), l.hasSuffix("\""), l.count >= 2 { l = String(l.dropFirst().dropLast()) }
        // RFC 2231 allows "charset*language" in encoded words ("utf-8*fr").
        if let star = l.firstIndex(of: "*") { l = String(l[..<star]) }
        switch l {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": return .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "ibm367", "cp367", "csascii": return .ascii
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "latin-1", "l1", "cp819",
            "ibm819", "iso-ir-100", "csisolatin1", "8859-1":
            return .latin1
        case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9", "csisolatin9", "latin0": return .latin9
        case "windows-1252", "cp1252", "x-cp1252", "win-1252", "cp-1252", "ms-ansi": return .cp1252
        default: return nil
        }
    }

    /// True when `decode` recognises the label (used to emit an "unknown charset" warning).
    public static func isKnown(_ label: String) -> Bool { kind(for: label) != nil }

    /// Decodes bytes labelled `label`. Never fails: invalid UTF-8 falls back to windows-1252, which maps every byte.
    public static func decode(_ bytes: some Collection<UInt8>, label: String?) -> String {
        // Hot path (every header, every body): run the non-generic version on contiguous storage.
        if let s = bytes.withContiguousStorageIfAvailable({ decodeBuffer($0, label: label) }) { return s }
        return Array(bytes).withUnsafeBufferPointer { decodeBuffer($0, label: label) }
    }

    static func decodeBuffer(_ bytes: UnsafeBufferPointer<UInt8>, label: String?) -> String {
        if bytes.isEmpty { return "" }
        // One pass classifies the input: pure ASCII decodes identically under every supported label.
        var allASCII = true
        for b in bytes where b >= 0x80 { allASCII = false; break }
        if allASCII { return String(decoding: bytes, as: UTF8.self) }
        let kind = kind(for: label)
        let validUTF8 = isValidUTF8(bytes)
        switch kind {
        case .utf8?, nil:
            // Unknown labels are usually UTF-8 in practice; latin-1 bytes labelled utf-8 are a classic Outlook bug.
            return validUTF8 ? String(decoding: bytes, as: UTF8.self) : decodeSingleByte(bytes, table: .cp1252)
        case .ascii?, .latin1?:
            // 8-bit bytes can't be ASCII; multi-byte UTF-8 sequences under a latin-1 label are almost always UTF-8.
            return validUTF8 ? String(decoding: bytes, as: UTF8.self) : decodeSingleByte(bytes, table: .cp1252)
        case .latin9?:
            return validUTF8 ? String(decoding: bytes, as: UTF8.self) : decodeSingleByte(bytes, table: .latin9)
        case .cp1252?:
            return validUTF8 ? String(decoding: bytes, as: UTF8.self) : decodeSingleByte(bytes, table: .cp1252)
        }
    }

    static func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        var it = bytes.makeIterator()
        while let b = it.next() {
            if b < 0x80 { continue }
            let need: Int
            let minScalar: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: need = 1; scalar = UInt32(b & 0x1F); minScalar = 0x80
            case 0xE0...0xEF: need = 2; scalar = UInt32(b & 0x0F); minScalar = 0x800
            case 0xF0...0xF4: need = 3; scalar = UInt32(b & 0x07); minScalar = 0x10000
            default: return false
            }
            for _ in 0..<need {
                guard let c = it.next(), c & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
        }
        return true
    }

    enum Table { case cp1252, latin9 }

    // windows-1252 0x80-0x9F; 0 = undefined in CP1252, mapped to the C1 code point like browsers do.
    private static let cp1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]

    static func cp1252Scalar(_ b: UInt8) -> UInt32 {
        (0x80...0x9F).contains(b) ? UInt32(cp1252High[Int(b) - 0x80]) : UInt32(b)
    }

    private static func latin9Scalar(_ b: UInt8) -> UInt32 {
        switch b {
        case 0xA4: return 0x20AC
        case 0xA6: return 0x0160
        case 0xA8: return 0x0161
        case 0xB4: return 0x017D
        case 0xB8: return 0x017E
        case 0xBC: return 0x0152
        case 0xBD: return 0x0153
        case 0xBE: return 0x0178
        default: return UInt32(b)
        }
    }

    /// Single-byte decode into a UTF-8 buffer (linear, one allocation).
    private static func decodeSingleByte(_ bytes: UnsafeBufferPointer<UInt8>, table: Table) -> String {
        // Each byte becomes at most 3 UTF-8 bytes; String(unsafeUninitializedCapacity:) avoids an extra copy.
        String(unsafeUninitializedCapacity: bytes.count * 3) { out in
            var o = 0
            for b in bytes {
                if b < 0x80 { out[o] = b; o += 1; continue }
                let s = table == .cp1252 ? cp1252Scalar(b) : latin9Scalar(b)
                if s < 0x800 {
                    out[o] = UInt8(0xC0 | (s >> 6)); out[o + 1] = UInt8(0x80 | (s & 0x3F)); o += 2
                } else {
                    out[o] = UInt8(0xE0 | (s >> 12)); out[o + 1] = UInt8(0x80 | ((s >> 6) & 0x3F))
                    out[o + 2] = UInt8(0x80 | (s & 0x3F)); o += 3
                }
            }
            return o
        }
    }

    static func appendUTF8(_ s: UInt32, to out: inout [UInt8]) {
        switch s {
        case 0..<0x80: out.append(UInt8(s))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (s >> 6)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (s >> 12)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (s >> 18)))
            out.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}
