/// ASCII-whitespace trimming on UTF-8 code units: Foundation's `trimmingCharacters(in:)` goes through NSString
/// and UTF-16 and dominated parse profiles.
extension String {
    var trimmed: String { Trim.trim(utf8) }
}

extension Substring {
    var trimmed: String { Trim.trim(utf8) }
}

enum Trim {
    static func trim<C: BidirectionalCollection>(_ u: C) -> String where C.Element == UInt8 {
        var start = u.startIndex
        var end = u.endIndex
        while start < end, isSpace(u[start]) { start = u.index(after: start) }
        while end > start {
            let p = u.index(before: end)
            if isSpace(u[p]) { end = p } else { break }
        }
        return String(decoding: u[start..<end], as: UTF8.self)
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C
    }
}
