import NIOCore

/// A parsed IMAP data item.
public indirect enum IMAPValue: Sendable, Equatable {
    case atom(String)
    /// A quoted string or a literal: raw bytes, exactly as sent.
    case string([UInt8])
    case list([IMAPValue])
    case `nil`

    /// The text of an atom or string.
    public var text: String? {
        switch self {
        case .atom(let s): return s
        case .string(let b): return String(decoding: b, as: UTF8.self)
        case .list, .nil: return nil
        }
    }

    public var number: UInt64? {
        if case .atom(let s) = self { return UInt64(s) }
        return nil
    }
}

public enum IMAPStatus: String, Sendable, Equatable {
    case ok = "OK", no = "NO", bad = "BAD", preauth = "PREAUTH", bye = "BYE"
}

/// The `[CODE args] human text` part of a status response.
public struct IMAPResponseText: Sendable, Equatable {
    /// Upper-cased response code name, e.g. "UIDVALIDITY", "ALREADYEXISTS".
    public var code: String?
    public var codeArguments: [IMAPValue]
    public var text: String

    public var summary: String { (code.map { "[\($0)] " } ?? "") + text }
}

public enum IMAPResponse: Sendable, Equatable {
    case continuation(String)
    case tagged(tag: String, status: IMAPStatus, IMAPResponseText)
    /// Untagged OK/NO/BAD/PREAUTH/BYE.
    case status(IMAPStatus, IMAPResponseText)
    /// `* 12 EXISTS`, `* 3 FETCH (...)`, `* 4 EXPUNGE`.
    case message(number: UInt32, keyword: String, [IMAPValue])
    /// `* CAPABILITY ...`, `* SEARCH ...`, `* LIST ...`, `* FLAGS ...`.
    case data(keyword: String, [IMAPValue])
}

/// Splits the byte stream into complete responses. A response is a line, except
/// that a line ending in a literal announcement `{n}` (or `{n+}`, `~{n}`)
/// continues after the n literal bytes. Both the literal size and the length
/// of each text line are bounded.
struct IMAPResponseFramer: ByteToMessageDecoder {
    typealias InboundOut = IMAPResponse

    let maxLineLength: Int
    let maxLiteralSize: Int
    /// Bytes of the current response already known to be complete (earlier lines and literals).
    private var scanned = 0

    init(maxLineLength: Int = 4 << 20, maxLiteralSize: Int = 50 << 20) {
        self.maxLineLength = maxLineLength
        self.maxLiteralSize = maxLiteralSize
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        while true {
            let view = buffer.readableBytesView
            let start = view.startIndex + scanned
            guard let lf = view[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                if view.endIndex - start > maxLineLength {
                    throw IMAPError.protocolViolation("response line longer than \(maxLineLength) bytes")
                }
                return .needMoreData
            }
            if lf - start > maxLineLength {
                throw IMAPError.protocolViolation("response line longer than \(maxLineLength) bytes")
            }
            var end = lf
            if end > start && view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if let length = try Self.literalLength(view[start..<end]) {
                guard length <= maxLiteralSize else {
                    throw IMAPError.protocolViolation("literal of \(length) bytes exceeds the limit of \(maxLiteralSize)")
                }
                let needed = (lf + 1 - view.startIndex) + length
                guard view.count >= needed else { return .needMoreData }
                scanned = needed
                continue
            }
            let total = lf + 1 - view.startIndex
            let bytes = buffer.readBytes(length: total)!
            scanned = 0
            context.fireChannelRead(wrapInboundOut(try IMAPResponseParser.parse(bytes)))
            return .continue
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// The n of a trailing `{n}` / `{n+}` / `~{n}`, if the line ends with one.
    static func literalLength<C: BidirectionalCollection>(_ line: C) throws -> Int? where C.Element == UInt8 {
        guard line.last == UInt8(ascii: "}") else { return nil }
        var i = line.index(before: line.endIndex)
        var digits: [UInt8] = []
        while i > line.startIndex {
            i = line.index(before: i)
            let c = line[i]
            if c == UInt8(ascii: "{") {
                // `digits` was collected backwards, so a `+` (LITERAL+) comes first.
                if digits.first == UInt8(ascii: "+") { digits.removeFirst() }
                guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
                return digits.reversed().reduce(0) { $0 * 10 + Int($1 - 0x30) }
            }
            digits.append(c)
            if digits.count > 13 { return nil }
        }
        return nil
    }
}

/// Parses one framed response (see `IMAPResponseFramer`).
struct IMAPResponseParser {
    private let bytes: [UInt8]
    private var pos = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func parse(_ bytes: [UInt8]) throws -> IMAPResponse {
        var parser = IMAPResponseParser(bytes)
        return try parser.parseResponse()
    }

    /// Parses a sequence of values (e.g. a response code's arguments) on its own.
    static func parseValues(_ bytes: [UInt8]) throws -> [IMAPValue] {
        var parser = IMAPResponseParser(bytes)
        return try parser.values(until: nil)
    }

    private var atEnd: Bool { pos >= bytes.count || bytes[pos] == UInt8(ascii: "\r") || bytes[pos] == UInt8(ascii: "\n") }

    private func fail(_ message: String) -> IMAPError {
        let excerpt = String(decoding: bytes.prefix(200), as: UTF8.self)
        return .protocolViolation("\(message) at byte \(pos) in: \(excerpt.debugDescription)")
    }

    private mutating func parseResponse() throws -> IMAPResponse {
        if bytes.first == UInt8(ascii: "+") {
            pos = 1
            skipSpaces()
            return .continuation(restOfLine())
        }
        let tag = try word()
        skipSpaces()
        if tag == "*" {
            let first = try word()
            skipSpaces()
            if let number = UInt32(first) {
                let keyword = try word().uppercased()
                skipSpaces()
                return .message(number: number, keyword: keyword, try values(until: nil))
            }
            if let status = IMAPStatus(rawValue: first.uppercased()) {
                return .status(status, try responseText())
            }
            return .data(keyword: first.uppercased(), try values(until: nil))
        }
        let statusWord = try word()
        guard let status = IMAPStatus(rawValue: statusWord.uppercased()), status == .ok || status == .no || status == .bad else {
            throw fail("tagged response with status \(statusWord.debugDescription)")
        }
        skipSpaces()
        return .tagged(tag: tag, status: status, try responseText())
    }

    /// `[CODE args] text`; the text is free-form and must not be tokenised.
    private mutating func responseText() throws -> IMAPResponseText {
        var code: String?
        var arguments: [IMAPValue] = []
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "[") {
            guard let close = bytes[pos...].firstIndex(of: UInt8(ascii: "]")) else { throw fail("unterminated response code") }
            let inner = Array(bytes[(pos + 1)..<close])
            pos = close + 1
            let name = inner.prefix(while: { $0 != UInt8(ascii: " ") })
            code = String(decoding: name, as: UTF8.self).uppercased()
            let rest = Array(inner.dropFirst(name.count + 1))
            // Codes we do not know may carry arbitrary text; keep it rather than failing.
            arguments = (try? Self.parseValues(rest)) ?? [.atom(String(decoding: rest, as: UTF8.self))]
            skipSpaces()
        }
        return IMAPResponseText(code: code, codeArguments: arguments, text: restOfLine())
    }

    private mutating func restOfLine() -> String {
        let end = bytes[pos...].firstIndex(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) ?? bytes.count
        defer { pos = end }
        return String(decoding: bytes[pos..<end], as: UTF8.self)
    }

    private mutating func skipSpaces() {
        while pos < bytes.count && bytes[pos] == UInt8(ascii: " ") { pos += 1 }
    }

    /// A tag or keyword: everything up to the next space or line end.
    private mutating func word() throws -> String {
        let start = pos
        while pos < bytes.count, bytes[pos] != UInt8(ascii: " "), bytes[pos] != UInt8(ascii: "\r"), bytes[pos] != UInt8(ascii: "\n") {
            pos += 1
        }
        guard pos > start else { throw fail("expected a word") }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// Values separated by spaces until the line ends or `terminator` is reached (consumed).
    private mutating func values(until terminator: UInt8?) throws -> [IMAPValue] {
        var result: [IMAPValue] = []
        while true {
            skipSpaces()
            if let terminator, pos < bytes.count, bytes[pos] == terminator {
                pos += 1
                return result
            }
            if atEnd {
                if terminator != nil { throw fail("unterminated list") }
                return result
            }
            result.append(try value())
            if result.count > 10_000_000 { throw fail("too many values") }
        }
    }

    private mutating func value() throws -> IMAPValue {
        switch bytes[pos] {
        case UInt8(ascii: "("):
            pos += 1
            return .list(try values(until: UInt8(ascii: ")")))
        case UInt8(ascii: "\""):
            return .string(try quoted())
        case UInt8(ascii: "{"):
            return .string(try literal())
        case UInt8(ascii: "~") where pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "{"):
            pos += 1
            return .string(try literal())
        case UInt8(ascii: ")"):
            throw fail("unbalanced ')'")
        default:
            let atom = try self.atom()
            return atom.uppercased() == "NIL" ? .nil : .atom(atom)
        }
    }

    private mutating func quoted() throws -> [UInt8] {
        pos += 1
        var out: [UInt8] = []
        while pos < bytes.count {
            let c = bytes[pos]
            pos += 1
            switch c {
            case UInt8(ascii: "\\"):
                guard pos < bytes.count else { throw fail("dangling escape") }
                out.append(bytes[pos])
                pos += 1
            case UInt8(ascii: "\""):
                return out
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                throw fail("line break in quoted string")
            default:
                out.append(c)
            }
        }
        throw fail("unterminated quoted string")
    }

    private mutating func literal() throws -> [UInt8] {
        guard let close = bytes[pos...].firstIndex(of: UInt8(ascii: "}")) else { throw fail("unterminated literal size") }
        var digits = bytes[(pos + 1)..<close]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw fail("bad literal size") }
        let length = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        pos = close + 1
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "\r") { pos += 1 }
        guard pos < bytes.count && bytes[pos] == UInt8(ascii: "\n") else { throw fail("literal size not followed by CRLF") }
        pos += 1
        guard bytes.count - pos >= length else { throw fail("literal shorter than announced") }
        defer { pos += length }
        return Array(bytes[pos..<(pos + length)])
    }

    /// An atom, also covering `BODY[HEADER.FIELDS (A B)]<0>` where the section
    /// may contain spaces and parentheses.
    private mutating func atom() throws -> String {
        let start = pos
        var depth = 0
        loop: while pos < bytes.count {
            let c = bytes[pos]
            switch c {
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"): depth = max(0, depth - 1)
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"): break loop
            case UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "{"):
                if depth == 0 { break loop }
            default: break
            }
            pos += 1
        }
        guard pos > start else { throw fail("expected an atom") }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }
}
