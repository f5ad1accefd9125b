import EscaleInventory
import Foundation
import Testing

@Suite("Inventory bodies: compression found from magic bytes, inflated under a cap")
struct BodyTests {
    static let limit = 32 << 20

    @Test("every captured body decodes (zlib or plain, whatever the Content-Type says) to the captured XML")
    func bodies() throws {
        for capture in try Fixtures.captures() {
            // when
            let (bytes, encoding) = try InventoryBody.decode(
                try capture.body, contentType: try capture.header("Content-Type"), contentEncoding: nil, limit: Self.limit
            )
            // then
            #expect(bytes == (try capture.decodedXML), "\(capture)")
            #expect(encoding == (capture.name.contains("no-compression") ? .plain : .zlib), "\(capture)")
        }
    }

    @Test("encoding: zlib at the default level (78 9C), gzip (1F 8B) and raw deflate round-trip; plain is left alone")
    func encoding() throws {
        // given
        let reply = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><RESPONSE>SEND</RESPONSE></REPLY>\n".utf8)
        for (encoding, magic) in [(BodyEncoding.zlib, [UInt8]([0x78, 0x9C])), (.gzip, [0x1F, 0x8B]), (.deflate, []), (.plain, [0x3C, 0x3F])] {
            // when
            let body = try InventoryBody.encode(reply, as: encoding)
            let back = try InventoryBody.decode(body, contentType: nil, contentEncoding: encoding == .deflate ? "deflate" : nil, limit: 1 << 10)
            // then
            #expect(Array(body.prefix(magic.count)) == magic, "\(encoding)")
            #expect(back.bytes == reply && back.encoding == encoding, "\(encoding)")
        }
        #expect(try InventoryBody.decode(Array("\u{FEFF} \r\n{}".utf8), contentType: nil, contentEncoding: nil, limit: 9).encoding == .plain)
    }

    @Test("a bomb is refused with tooLarge, whatever its compression, without inflating it all")
    func bombs() throws {
        // given 64 MB of zeros, about 64 KB compressed, and a 1 MB one, about 1 KB compressed
        let big = [UInt8](repeating: 0, count: 64 << 20)
        let small = [UInt8](repeating: 0x20, count: 1 << 20)
        for encoding in [BodyEncoding.zlib, .gzip, .deflate] {
            let bomb = try InventoryBody.encode(big, as: encoding)
            let little = try InventoryBody.encode(small, as: encoding)
            #expect(bomb.count < 128 << 10 && little.count < 2 << 10, "\(encoding): \(bomb.count), \(little.count)")
            // when / then
            let header = encoding == .deflate ? "deflate" : nil
            #expect(wireError { try InventoryBody.decode(bomb, contentType: nil, contentEncoding: header, limit: Self.limit) } == .tooLarge(limit: Self.limit))
            #expect(wireError { try InventoryBody.decode(little, contentType: nil, contentEncoding: header, limit: 64 << 10) } == .tooLarge(limit: 64 << 10))
            let decoded = try InventoryBody.decode(little, contentType: nil, contentEncoding: header, limit: 1 << 20)
            #expect(decoded.bytes == small && decoded.encoding == encoding)
        }
        // and plain bodies are bounded too
        #expect(wireError { try InventoryBody.decode(Array("<REQUEST/>".utf8), contentType: nil, contentEncoding: nil, limit: 5) } == .tooLarge(limit: 5))
    }

    @Test("broken compression is malformed: truncated zlib, corrupt zlib, gzip garbage, raw deflate nobody announced")
    func brokenCompression() throws {
        // given a real zlib body
        let body = try Fixtures.capture("fusioninventory-agent/01-prolog-send-inventory/002-inventory").body
        let decode = { (bytes: [UInt8], encoding: String?) in
            wireError { try InventoryBody.decode(bytes, contentType: "application/x-compress-zlib", contentEncoding: encoding, limit: Self.limit) }
        }
        // then
        for cut in [1, 4, 100, body.count / 2, body.count - 2] {
            #expect(isMalformed(decode(Array(body.prefix(cut)), nil)), "truncated at \(cut)")
        }
        #expect(isMalformed(decode(Array(body.dropLast(4)), nil), saying: "truncated"), "no Adler-32")
        var corrupt = body
        for i in stride(from: 10, to: 200, by: 7) { corrupt[i] ^= 0x5A }
        #expect(isMalformed(decode(corrupt, nil)))
        #expect(isMalformed(decode([0x1F, 0x8B] + Array("this is no gzip stream at all".utf8), nil)))
        #expect(isMalformed(decode([0x1F, 0x8B, 0x08, 0x00], nil)))
        let deflate = try InventoryBody.encode(Array("<REQUEST/>".utf8), as: .deflate)
        #expect(isMalformed(decode(deflate, nil), saying: "neither"), "raw deflate only when announced")
        #expect(try InventoryBody.decode(deflate, contentType: "application/x-compress-deflate", contentEncoding: nil, limit: 99).encoding == .deflate)
        #expect(isMalformed(decode([], nil), saying: "empty"))
        #expect(isMalformed(decode(Array("GET / HTTP/1.1".utf8), nil)))
    }

}
