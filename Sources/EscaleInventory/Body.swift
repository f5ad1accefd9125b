import CompressNIO
import NIOCore

/// How an agent's body was (or a reply is to be) sent.
public enum BodyEncoding: String, Sendable {
    /// RFC 1950 (`78 9C`): fusioninventory-agent's and ocsinventory-agent's default, glpi-agent's too.
    case zlib
    /// RFC 1952 (`1F 8B`).
    case gzip
    /// RFC 1951 without a header: only ever recognised when the request says `deflate`.
    case deflate
    /// XML or JSON as it is.
    case plain
}

public enum InventoryBody: Sendable {
    /// Detects the format from magic bytes rather than the headers (agents label zlib as `application/x-compress`,
    /// `application/x-compress-zlib` or `deflate`): zlib (`78 xx` with `(b0*256+b1) % 31 == 0`), gzip (`1F 8B`), plain
    /// when it starts with `<` or `{` after an optional BOM and whitespace, and raw deflate as a last resort when
    /// Content-Encoding or Content-Type says deflate. Decompresses at most `limit` bytes: past it (a zlib bomb) the
    /// body is refused with `.tooLarge` at once, having held no more than `limit` plus a chunk.
    public static func decode(
        _ body: [UInt8], contentType: String?, contentEncoding: String?, limit: Int
    ) throws -> (bytes: [UInt8], encoding: BodyEncoding) {
        guard !body.isEmpty else { throw InventoryWireError.malformed("the body is empty") }
        if body.count >= 2 {
            let (b0, b1) = (Int(body[0]), Int(body[1]))
            if b0 & 0x0F == 8, b0 >> 4 <= 7, (b0 * 256 + b1) % 31 == 0 {
                return (try inflate(body, .zlib, limit: limit), .zlib)
            }
            if b0 == 0x1F, b1 == 0x8B { return (try inflate(body, .gzip, limit: limit), .gzip) }
        }
        if isPlain(body) {
            guard body.count <= limit else { throw InventoryWireError.tooLarge(limit: limit) }
            return (body, .plain)
        }
        let headers = [contentType, contentEncoding].compactMap { $0?.lowercased() }
        if headers.contains(where: { $0.contains("deflate") }) {
            return (try inflate(body, .deflate, limit: limit), .deflate)
        }
        throw InventoryWireError.malformed("the body is neither zlib, gzip nor plain XML or JSON")
    }

    /// Compresses a reply. zlib is at the default level, so it starts `78 9C`: fusioninventory-agent 2.6 accepts
    /// nothing else (and no gzip at all); ocsinventory-agent 2.10 accepts zlib only.
    public static func encode(_ bytes: [UInt8], as encoding: BodyEncoding) throws -> [UInt8] {
        let algorithm: CompressionAlgorithm
        switch encoding {
        case .plain: return bytes
        case .zlib: algorithm = .zlib()
        case .gzip: algorithm = .gzip()
        case .deflate: algorithm = .deflate()
        }
        var buffer = ByteBuffer(bytes: bytes)
        do {
            let compressed = try buffer.compress(with: algorithm)
            return Array(compressed.readableBytesView)
        } catch {
            throw InventoryWireError.malformed("the reply could not be compressed (\(error))")
        }
    }

    /// `<` or `{` after an optional UTF-8 BOM and whitespace.
    private static func isPlain(_ body: [UInt8]) -> Bool {
        var rest = body[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
        let first = rest.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        return first == UInt8(ascii: "<") || first == UInt8(ascii: "{")
    }

    private static let chunk = 64 * 1024

    /// Inflates chunk by chunk, so that a bomb costs at most `limit` + one chunk, and checks the stream really ended
    /// (CompressNIO takes a truncated stream for a finished one).
    private static func inflate(_ body: [UInt8], _ algorithm: ZlibAlgorithm, limit: Int) throws -> [UInt8] {
        let name = "\(algorithm)"
        let inflater: ZlibDecompressor
        do { inflater = try ZlibDecompressor(algorithm: algorithm) } catch {
            throw InventoryWireError.malformed("the \(name) stream could not be opened")
        }
        var input = ByteBuffer(bytes: body)
        var output: [UInt8] = []
        var window = ByteBufferAllocator().buffer(capacity: chunk)
        while true {
            window.clear()
            let before = input.readableBytes
            var inputExhausted = false
            do {
                try inflater.inflate(from: &input, to: &window)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // The window is full: more to come.
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                inputExhausted = true
            } catch {
                throw InventoryWireError.malformed("the body is not a valid \(name) stream")
            }
            guard output.count + window.readableBytes <= limit else { throw InventoryWireError.tooLarge(limit: limit) }
            output.append(contentsOf: window.readableBytesView)
            let progressed = window.readableBytes > 0 || input.readableBytes < before
            if inputExhausted || !progressed { break }
        }
        // With no more input, a finished stream answers "end" again; an unfinished one cannot progress.
        window.clear()
        do {
            try inflater.inflate(from: &input, to: &window)
        } catch {
            throw InventoryWireError.malformed("the \(name) stream is truncated")
        }
        guard window.readableBytes == 0 else { throw InventoryWireError.malformed("the \(name) stream is truncated") }
        return output
    }
}
