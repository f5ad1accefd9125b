import Foundation

/// XML from the network, read safely:
/// - a DTD or an entity declaration (`<!DOCTYPE`, `<!ENTITY`, any case, anywhere) is refused before the reader sees a
///   byte, so no entity can expand (billion laughs) and nothing external can be fetched (`file:`, `http:`); the reader
///   (`XMLScanner`) knows only XML's five predefined entities and character references besides;
/// - the reader only ever sees UTF-8 without an XML declaration: the declared encoding (UTF-8, ASCII or Latin-1) is
///   decoded here, invalid UTF-8 and characters XML forbids are replaced by U+FFFD, and UTF-16, UTF-32 and EBCDIC
///   (which a byte scan for `<!DOCTYPE` could not see) are refused;
/// - elements nested deeper than `InventoryLimits.depth` are refused.
enum SafeXML {
    /// Checks and parses `bytes`, feeding `handler`; throws `.forbiddenXML` or `.malformed`.
    static func parse(_ bytes: [UInt8], into handler: some SAXHandler) throws {
        try XMLScanner.scan(try sanitised(bytes), into: handler)
    }

    /// The document as the reader may see it: UTF-8, no declaration, no DTD or entity.
    static func sanitised(_ bytes: [UInt8]) throws -> [UInt8] {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.starts(with: [0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE]) {
            throw InventoryWireError.malformed("UTF-16 and UTF-32 are not accepted: send UTF-8 XML")
        }
        if body.contains(0) { throw InventoryWireError.malformed("the XML contains a NUL byte") }
        guard let first = body.firstIndex(where: { !isSpace($0) }), body[first] == UInt8(ascii: "<") else {
            throw InventoryWireError.malformed("the body is not XML: it does not start with '<'")
        }
        body = body[first...]

        var encoding = "utf-8"
        if body.starts(with: Array("<?xml".utf8)), body.count > 5, isSpace(body[body.startIndex + 5]) {
            guard let end = find(Array("?>".utf8), in: body) else {
                throw InventoryWireError.malformed("the XML declaration is not closed")
            }
            if let declared = declaredEncoding(body[body.startIndex..<end]) { encoding = declared }
            body = body[(end + 2)...]
        }

        let utf8: [UInt8]
        switch encoding {
        case "utf-8", "utf8", "us-ascii", "ascii":
            utf8 = repairedUTF8(body)
        case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "iso-8859-15", "windows-1252", "cp1252":
            utf8 = repairedUTF8(Array(String(String.UnicodeScalarView(body.map { Unicode.Scalar($0) })).utf8)[...])
        default:
            throw InventoryWireError.malformed("the XML encoding \(encoding.bounded) is not accepted: send UTF-8")
        }
        try refuseDeclarations(utf8)
        return utf8
    }

    /// `<!DOCTYPE` or `<!ENTITY` in any case, whitespace allowed after `<!`.
    private static func refuseDeclarations(_ bytes: [UInt8]) throws {
        let doctype = Array("DOCTYPE".utf8), entity = Array("ENTITY".utf8)
        var i = bytes.startIndex
        while let lt = bytes[i...].firstIndex(of: UInt8(ascii: "<")) {
            i = lt + 1
            guard i < bytes.endIndex, bytes[i] == UInt8(ascii: "!") else { continue }
            var j = i + 1
            while j < bytes.endIndex, isSpace(bytes[j]) { j += 1 }
            for (word, name) in [(doctype, "DOCTYPE"), (entity, "ENTITY")] where startsCaseInsensitive(bytes[j...], word) {
                throw InventoryWireError.forbiddenXML("<!\(name) is not accepted: inventories need no DTD or entity")
            }
        }
    }

    /// Invalid UTF-8, and characters XML 1.0 forbids (C0 controls but tab, CR, LF; U+FFFE, U+FFFF), become U+FFFD.
    /// The common case (clean UTF-8) is checked by the standard library and returned as it is.
    private static func repairedUTF8(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        let clean = !bytes.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
            && find([0xEF, 0xBF, 0xBE], in: bytes) == nil && find([0xEF, 0xBF, 0xBF], in: bytes) == nil
            && String(validating: bytes, as: UTF8.self) != nil
        if clean { return Array(bytes) }
        var scalars = String.UnicodeScalarView()
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            let v = scalar.value
            let allowed = v == 0x09 || v == 0x0A || v == 0x0D || (v >= 0x20 && v != 0xFFFE && v != 0xFFFF)
            scalars.append(allowed ? scalar : "\u{FFFD}")
        }
        return Array(String(scalars).utf8)
    }

    /// The `encoding="…"` of an XML declaration, lowercased.
    private static func declaredEncoding(_ declaration: ArraySlice<UInt8>) -> String? {
        guard let at = find(Array("encoding".utf8), in: declaration) else { return nil }
        var rest = declaration[(at + 8)...].drop(while: isSpace)
        guard rest.first == UInt8(ascii: "=") else { return nil }
        rest = rest.dropFirst().drop(while: isSpace)
        guard let quote = rest.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        let value = rest.dropFirst().prefix { $0 != quote }
        return String(decoding: value, as: UTF8.self).lowercased()
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    private static func startsCaseInsensitive(_ bytes: ArraySlice<UInt8>, _ word: [UInt8]) -> Bool {
        guard bytes.count >= word.count else { return false }
        return zip(bytes.prefix(word.count), word).allSatisfy { ($0 & 0xDF) == $1 }
    }

    /// The index of the first occurrence of `needle`.
    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard let head = needle.first else { return nil }
        var i = haystack.startIndex
        while let at = haystack[i...].firstIndex(of: head) {
            if haystack[at...].starts(with: needle) { return at }
            i = at + 1
        }
        return nil
    }
}

/// What a reader of one XML document implements: elements by their path from the root (`["REQUEST", "CONTENT"]`),
/// and the text of the innermost element. Throwing stops the parse with that error.
protocol SAXHandler: AnyObject {
    func start(_ path: [String]) throws
    func text(_ text: String, in path: [String])
    func end(_ path: [String]) throws
}
