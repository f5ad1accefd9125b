import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wire-format helpers: DATA transparency and SASL base64.
enum SMTPEncoding {
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let dot = UInt8(ascii: ".")

    /// Encodes a message for the DATA phase (RFC 5321 §4.5.2): every line ending
    /// becomes CRLF (bare LF and bare CR are illegal on the wire), a leading "." is
    /// doubled, and the terminating "<CRLF>.<CRLF>" is appended.
    /// Finds line breaks with memchr and copies whole lines, so the per-byte work
    /// stays in libc even in debug builds.
    static func encodeData(_ data: [UInt8]) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(data.count + data.count / 40 + 8)
        var atLineStart = true
        data.withUnsafeBytes { p in
            guard let base = p.baseAddress, p.count > 0 else { return }
            let n = p.count
            // Next positions of CR and LF, recomputed only once passed (keeps it O(n)).
            func find(_ byte: UInt8, from: Int) -> Int {
                guard from < n, let hit = memchr(base + from, Int32(byte), n - from) else { return n }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            var nextCR = find(cr, from: 0)
            var nextLF = find(lf, from: 0)
            var i = 0
            while i < n {
                if p[i] == dot { out.writeInteger(dot) }  // i is always at a line start here
                if nextCR < i { nextCR = find(cr, from: i) }
                if nextLF < i { nextLF = find(lf, from: i) }
                let lineEnd = min(nextCR, nextLF)
                if lineEnd > i { out.writeBytes(UnsafeRawBufferPointer(rebasing: p[i..<lineEnd])) }
                guard lineEnd < n else {
                    atLineStart = false
                    break
                }
                out.writeInteger(cr)
                out.writeInteger(lf)
                i = lineEnd + 1
                if p[lineEnd] == cr, i < n, p[i] == lf { i += 1 }
                atLineStart = true
            }
        }
        if !atLineStart {
            out.writeInteger(cr)
            out.writeInteger(lf)
        }
        out.writeInteger(dot)
        out.writeInteger(cr)
        out.writeInteger(lf)
        return out
    }

    /// Whether any byte has the high bit set; checks eight bytes at a time.
    static func has8BitBytes(_ data: [UInt8]) -> Bool {
        data.withUnsafeBytes { p in
            var i = 0
            let n = p.count
            while i + 8 <= n {
                if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return true }
                i += 8
            }
            while i < n {
                if p[i] >= 0x80 { return true }
                i += 1
            }
            return false
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when the header block (up to the first empty line) contains 8-bit bytes,
    /// i.e. RFC 6532 UTF-8 headers that need SMTPUTF8.
    static func headersAre8Bit(_ data: [UInt8]) -> Bool {
        var previous: UInt8 = lf
        var i = 0
        while i < data.count {
            let b = data[i]
            if b >= 0x80 { return true }
            if b == lf && previous == lf { return false }
            if b != cr { previous = b }
            i += 1
        }
        return false
    }

    /// A mailbox for MAIL FROM/RCPT TO must not be able to smuggle extra commands or
    /// break the angle-bracket syntax.
    static func isSafePath(_ address: String) -> Bool {
        address.utf8.count <= 512 && !address.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") })
            && !address.hasPrefix(" ") && !address.hasSuffix(" ")
    }
}
