import NIOCore

/// One complete (possibly multi-line) SMTP reply.
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    /// The text of every line without the code and separator, in order.
    public var lines: [String]

    /// All lines joined by newlines: what a human (or a log) wants to see.
    public var text: String { lines.joined(separator: "\n") }
    public var isPositiveCompletion: Bool { (200..<300).contains(code) }
    public var isPositiveIntermediate: Bool { (300..<400).contains(code) }
}

/// Turns the byte stream from the server into `SMTPReply` values.
///
/// Handles `250-first\r\n250 last\r\n` continuation lines, tolerates bare LF,
/// and bounds both the line length and the number of lines so a hostile or
/// broken server cannot make us buffer without limit.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// RFC 5321 allows 512 octets per reply line; real servers exceed it a bit,
    /// so we allow generous headroom while still being bounded.
    let maxLineLength: Int
    let maxLines: Int
    private var pendingCode: Int?
    private var pendingLines: [String] = []

    init(maxLineLength: Int = 8192, maxLines: Int = 1000) {
        self.maxLineLength = maxLineLength
        self.maxLines = maxLines
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let lfIndex = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maxLineLength {
                throw SMTPError.protocolViolation("reply line longer than \(maxLineLength) bytes")
            }
            return .needMoreData
        }
        let lineLength = lfIndex - buffer.readerIndex
        if lineLength > maxLineLength {
            throw SMTPError.protocolViolation("reply line longer than \(maxLineLength) bytes")
        }
        var line = buffer.readBytes(length: lineLength + 1)!
        line.removeLast()  // LF
        if line.last == UInt8(ascii: "\r") { line.removeLast() }

        guard line.count >= 3,
              line[0...2].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              line.count == 3 || line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "-")
        else {
            throw SMTPError.protocolViolation("malformed reply line: \(String(decoding: line.prefix(100), as: UTF8.self))")
        }
        let code = line[0...2].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let isLast = line.count == 3 || line[3] == UInt8(ascii: " ")
        let text = line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : ""

        if let pending = pendingCode, pending != code {
            throw SMTPError.protocolViolation("multi-line reply changed code from \(pending) to \(code)")
        }
        pendingCode = code
        pendingLines.append(text)
        if pendingLines.count > maxLines {
            throw SMTPError.protocolViolation("reply has more than \(maxLines) lines")
        }
        if isLast {
            let reply = SMTPReply(code: code, lines: pendingLines)
            pendingCode = nil
            pendingLines = []
            context.fireChannelRead(wrapInboundOut(reply))
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial reply at EOF is useless; the request handler reports the closed connection.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
