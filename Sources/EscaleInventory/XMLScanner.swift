/// A byte-level reader of the XML the inventory agents send, in place of Foundation's SAX parser: their documents are
/// flat (elements and text, no namespaces, rarely an attribute), and libxml2 behind `XMLParser` turned every event into
/// `NSString`s and dictionaries — a seventh of an inventory's cost on the server.
///
/// It reads what `SafeXML.sanitised` leaves: UTF-8 without the declaration, with no DTD or entity declaration. It
/// checks what makes a document well-formed — names, matching end tags, quoted attributes without `<`, one root with
/// nothing but comments, processing instructions and whitespace around it, known entity and valid character
/// references, closed comments, CDATA sections and processing instructions — and refuses anything else as
/// `.malformed` with the line and column. Attributes are checked and skipped (no inventory field lives in one).
struct XMLScanner<Handler: SAXHandler> {
    private let bytes: [UInt8]
    private let handler: Handler
    private var i = 0
    private var path: [String] = []
    private var rootSeen = false

    private init(_ bytes: [UInt8], _ handler: Handler) {
        self.bytes = bytes
        self.handler = handler
    }

    static func scan(_ bytes: [UInt8], into handler: Handler) throws {
        var scanner = XMLScanner(bytes, handler)
        try scanner.document()
    }

    private mutating func document() throws {
        let n = bytes.count
        while i < n {
            if bytes[i] == lt {
                try markup()
            } else {
                try text()
            }
        }
        if !path.isEmpty { throw malformed("the document ends inside <\(path.last!.bounded)>", at: n) }
        if !rootSeen { throw malformed("the document has no root element", at: n) }
    }

    // MARK: markup

    private mutating func markup() throws {
        let start = i
        guard i + 1 < bytes.count else { throw malformed("'<' at the end of the document", at: start) }
        switch bytes[i + 1] {
        case slash: try endTag()
        case question: try processingInstruction()
        case bang:
            if starts(with: commentOpen, at: i) {
                // `--` may only close a comment.
                guard let dashes = find(doubleDash, from: i + 4) else { throw malformed("a comment is not closed", at: start) }
                guard dashes + 2 < bytes.count, bytes[dashes + 2] == gt else { throw malformed("'--' inside a comment", at: dashes) }
                i = dashes + 3
            } else if starts(with: cdataOpen, at: i) {
                guard !path.isEmpty else { throw malformed("a CDATA section outside the root element", at: start) }
                guard let end = find(cdataClose, from: i + cdataOpen.count) else { throw malformed("a CDATA section is not closed", at: start) }
                handler.text(String(decoding: bytes[(i + cdataOpen.count)..<end], as: UTF8.self), in: path)
                i = end + cdataClose.count
            } else {
                throw malformed("'<!' starts neither a comment nor a CDATA section", at: start)
            }
        default: try startTag()
        }
    }

    private mutating func startTag() throws {
        let start = i
        i += 1
        let name = try self.name()
        if rootSeen, path.isEmpty { throw malformed("content after the root element", at: start) }
        var selfClosing = false
        var attributes: [String] = []
        while true {
            let hadSpace = skipSpace()
            guard i < bytes.count else { throw malformed("<\(name.bounded)> is not closed", at: start) }
            if bytes[i] == gt { i += 1; break }
            if bytes[i] == slash {
                guard i + 1 < bytes.count, bytes[i + 1] == gt else { throw malformed("'/' inside <\(name.bounded)>", at: i) }
                i += 2
                selfClosing = true
                break
            }
            guard hadSpace else { throw malformed("attributes of <\(name.bounded)> must be separated by a space", at: i) }
            let at = i
            let attribute = try self.attribute()
            if attributes.contains(attribute) { throw malformed("<\(name.bounded)> has two \(attribute.bounded) attributes", at: at) }
            attributes.append(attribute)
        }
        rootSeen = true
        path.append(name)
        if path.count > InventoryLimits.depth {
            throw InventoryWireError.malformed("the XML nests elements more than \(InventoryLimits.depth) levels deep")
        }
        try handler.start(path)
        if selfClosing {
            try handler.end(path)
            path.removeLast()
        }
    }

    /// `name = "value"` or `'value'`: checked, entity references included; the name returned, the value dropped.
    private mutating func attribute() throws -> String {
        let name = try self.name()
        skipSpace()
        guard i < bytes.count, bytes[i] == equals else { throw malformed("an attribute without '='", at: i) }
        i += 1
        skipSpace()
        guard i < bytes.count, bytes[i] == quote || bytes[i] == apostrophe else { throw malformed("an attribute value is not quoted", at: i) }
        let q = bytes[i]
        let valueStart = i + 1
        guard let end = bytes[valueStart...].firstIndex(of: q) else { throw malformed("an attribute value is not closed", at: i) }
        if bytes[valueStart..<end].contains(lt) { throw malformed("'<' in an attribute value", at: valueStart) }
        _ = try decoded(valueStart, end)
        i = end + 1
        return name
    }

    private mutating func endTag() throws {
        let start = i
        i += 2
        let name = try self.name()
        skipSpace()
        guard i < bytes.count, bytes[i] == gt else { throw malformed("</\(name.bounded)> is not closed", at: start) }
        i += 1
        guard let open = path.last else { throw malformed("</\(name.bounded)> closes nothing", at: start) }
        guard open == name else { throw malformed("</\(name.bounded)> closes <\(open.bounded)>", at: start) }
        try handler.end(path)
        path.removeLast()
    }

    private mutating func processingInstruction() throws {
        let start = i
        i += 2
        let target = try name()
        if target.lowercased() == "xml" { throw malformed("an XML declaration is only allowed at the very start", at: start) }
        guard let end = find(piClose, from: i) else { throw malformed("a processing instruction is not closed", at: start) }
        i = end + piClose.count
    }

    /// An element or attribute name; the first byte a letter, `_`, `:` or any non-ASCII character.
    private mutating func name() throws -> String {
        let start = i
        guard i < bytes.count, Self.nameStart(bytes[i]) else { throw malformed("a name is expected", at: i) }
        i += 1
        while i < bytes.count, Self.nameByte(bytes[i]) { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    // MARK: text

    private mutating func text() throws {
        let start = i
        let end = bytes[start...].firstIndex(of: lt) ?? bytes.count
        i = end
        if path.isEmpty {
            guard bytes[start..<end].allSatisfy(Self.isSpace) else {
                throw malformed(rootSeen ? "text after the root element" : "text before the root element", at: start)
            }
            return
        }
        var gtAt = start
        while let g = bytes[gtAt..<end].firstIndex(of: gt) {
            if g - start >= 2, bytes[g - 1] == UInt8(ascii: "]"), bytes[g - 2] == UInt8(ascii: "]") {
                throw malformed("']]>' in text", at: g - 2)
            }
            gtAt = g + 1
        }
        handler.text(try decoded(start, end), in: path)
    }

    /// The text between `start` and `end` with its references resolved and line ends normalised to `\n`.
    private func decoded(_ start: Int, _ end: Int) throws -> String {
        let slice = bytes[start..<end]
        let amp = slice.firstIndex(of: ampersand), cr = slice.firstIndex(of: 0x0D)
        if amp == nil, cr == nil { return String(decoding: slice, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(slice.count)
        var j = start
        while j < end {
            let b = bytes[j]
            if b == 0x0D {
                out.append(0x0A)
                j += (j + 1 < end && bytes[j + 1] == 0x0A) ? 2 : 1
            } else if b == ampersand {
                guard let semi = bytes[(j + 1)..<min(end, j + 12)].firstIndex(of: semicolon) else {
                    throw malformed("'&' starts no reference (write &amp;)", at: j)
                }
                let ref = bytes[(j + 1)..<semi]
                guard let scalar = Self.reference(ref) else {
                    throw malformed("unknown reference &\(String(decoding: ref, as: UTF8.self).bounded);", at: j)
                }
                out.append(contentsOf: String(Character(scalar)).utf8)
                j = semi + 1
            } else {
                out.append(b)
                j += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `lt`, `gt`, `amp`, `quot`, `apos`, `#123`, `#x1F`: the character, if XML allows it.
    private static func reference(_ ref: ArraySlice<UInt8>) -> Unicode.Scalar? {
        switch Array(ref) {
        case Array("lt".utf8): return "<"
        case Array("gt".utf8): return ">"
        case Array("amp".utf8): return "&"
        case Array("quot".utf8): return "\""
        case Array("apos".utf8): return "'"
        default: break
        }
        guard ref.first == UInt8(ascii: "#"), ref.count > 1 else { return nil }
        var digits = ref.dropFirst()
        var radix = 10
        if digits.first == UInt8(ascii: "x") { radix = 16; digits = digits.dropFirst() }
        guard !digits.isEmpty, let value = UInt32(String(decoding: digits, as: UTF8.self), radix: radix),
              value == 0x09 || value == 0x0A || value == 0x0D || (value >= 0x20 && value != 0xFFFE && value != 0xFFFF),
              let scalar = Unicode.Scalar(value) else { return nil }
        return scalar
    }

    // MARK: bytes

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = i
        while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
        return i > start
    }

    private func starts(with word: [UInt8], at index: Int) -> Bool {
        index + word.count <= bytes.count && bytes[index..<(index + word.count)].elementsEqual(word)
    }

    private func find(_ needle: [UInt8], from index: Int) -> Int? {
        var j = index
        while j + needle.count <= bytes.count {
            guard let at = bytes[j...].firstIndex(of: needle[0]) else { return nil }
            if starts(with: needle, at: at) { return at }
            j = at + 1
        }
        return nil
    }

    private func malformed(_ what: String, at offset: Int) -> InventoryWireError {
        let upTo = bytes[..<min(offset, bytes.count)]
        let line = upTo.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let column = offset - (upTo.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
        return .malformed("not well-formed XML (line \(line), column \(column)): \(what)")
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    private static func nameStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x3A || b >= 0x80
    }
    private static func nameByte(_ b: UInt8) -> Bool {
        nameStart(b) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E
    }
}

private let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/"), question = UInt8(ascii: "?")
private let bang = UInt8(ascii: "!"), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'")
private let ampersand = UInt8(ascii: "&"), semicolon = UInt8(ascii: ";")
private let commentOpen = Array("<!--".utf8), doubleDash = Array("--".utf8)
private let cdataOpen = Array("<![CDATA[".utf8), cdataClose = Array("]]>".utf8), piClose = Array("?>".utf8)
