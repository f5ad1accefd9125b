import NIOCore

/// Wire-format helpers: DATA transparency and SASL base64.
enum SMTPEncoding {
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let dot = UInt8(ascii: ".")

    /// Encodes a message for the DATA phase (RFC 5321 §4.5.2): every line ending
    /// becomes CRLF (bare LF and bare CR are illegal on the wire), a leading "." is
    /// doubled, and the terminating "<CRLF>.<CRLF>" is appended.
    /// Works on chunks between special positions so large bodies are copied in bulk.
    static func encodeData(_ data: [UInt8]) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(data.count + data.count / 40 + 8)
        var atLineStart = true
        data.withUnsafeBytes { p in
            let n = p.count
            var i = 0
            var chunkStart = 0
            @inline(__always) func flushChunk(upTo end: Int) {
                if end > chunkStart { out.writeBytes(UnsafeRawBufferPointer(rebasing: p[chunkStart..<end])) }
            }
            while i < n {
                let b = p[i]
                if b == lf || b == cr {
                    flushChunk(upTo: i)
                    out.writeInteger(cr)
                    out.writeInteger(lf)
                    i += 1
                    if b == cr, i < n, p[i] == lf { i += 1 }
                    chunkStart = i
                    atLineStart = true
                    continue
                }
                if atLineStart && b == dot {
                    flushChunk(upTo: i)
                    out.writeInteger(dot)  // the original dot follows in the next chunk
                    chunkStart = i
                }
                atLineStart = false
                i += 1
            }
            flushChunk(upTo: n)
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
