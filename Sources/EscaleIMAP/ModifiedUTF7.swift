/// IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII
/// stays as is ("&" becomes "&-"), everything else is UTF-16BE in base64 with
/// "," instead of "/" and no padding, between "&" and "-".
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    public static func encode(_ name: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []

        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for unit in pending { bytes += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i]
                let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
                let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
                let v = UInt32(b0) << 16 | UInt32(b1) << 8 | UInt32(b2)
                let chars = min(4, (bytes.count - i) * 8 / 6 + ((bytes.count - i) * 8 % 6 == 0 ? 0 : 1))
                for k in 0..<chars { out.append(alphabet[Int(v >> UInt32(18 - 6 * k) & 63)]) }
                i += 3
            }
            out.append(UInt8(ascii: "-"))
            pending.removeAll()
        }

        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                out.append(UInt8(scalar.value))
                if scalar == "&" { out.append(UInt8(ascii: "-")) }
            } else {
                pending.append(contentsOf: Array(String(scalar).utf16))
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a name as the server lists it; returns nil for malformed input.
    public static func decode(_ encoded: String) -> String? {
        var result = ""
        var bytes = Array(encoded.utf8)[...]
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "&") else {
                guard b >= 0x20 && b <= 0x7E else { return nil }
                result.unicodeScalars.append(Unicode.Scalar(b))
                continue
            }
            guard let end = bytes.firstIndex(of: UInt8(ascii: "-")) else { return nil }
            let chunk = bytes[bytes.startIndex..<end]
            bytes = bytes[(end + 1)...]
            if chunk.isEmpty { result.append("&"); continue }
            var bits: UInt32 = 0
            var count = 0
            var raw: [UInt8] = []
            for c in chunk {
                guard let v = alphabet.firstIndex(of: c) else { return nil }
                bits = bits << 6 | UInt32(v)
                count += 6
                if count >= 8 {
                    count -= 8
                    raw.append(UInt8(bits >> UInt32(count) & 0xFF))
                }
            }
            guard raw.count % 2 == 0 else { return nil }
            var units: [UInt16] = []
            for i in stride(from: 0, to: raw.count, by: 2) { units.append(UInt16(raw[i]) << 8 | UInt16(raw[i + 1])) }
            guard let s = String(validating: units, as: UTF16.self) else { return nil }
            result += s
        }
        return result
    }
}
