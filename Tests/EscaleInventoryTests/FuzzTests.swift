import EscaleInventory
import Foundation
import Testing

@Suite("Fuzzing: random and mutated bodies only ever throw InventoryWireError")
struct FuzzTests {
    /// Set ESCALE_FUZZ_SEED to replay a run; ESCALE_FUZZ_ITERATIONS to go longer.
    static let seed = UInt64(ProcessInfo.processInfo.environment["ESCALE_FUZZ_SEED"] ?? "") ?? 0x1A7E_5EED
    static let iterations = Int(ProcessInfo.processInfo.environment["ESCALE_FUZZ_ITERATIONS"] ?? "") ?? 3_000

    /// Small real documents to mutate: the captured PROLOGs and replies, the head of a captured inventory closed
    /// again, GLPI messages; and their compressed forms, so mutations reach the inflater too.
    static func corpus() throws -> [[UInt8]] {
        let prolog = try Fixtures.capture("fusioninventory-agent/01-prolog-send-inventory/001-prolog")
        let ocsProlog = try Fixtures.capture("ocsinventory-agent/01-prolog-send-inventory/001-prolog")
        let inventory = String(decoding: try Fixtures.capture("ocsinventory-agent/05-inventory-account-update/002-inventory").decodedXML, as: UTF8.self)
        let head = inventory.components(separatedBy: "<SOFTWARES>").prefix(4).joined(separator: "<SOFTWARES>")
        let closed = head.components(separatedBy: "\n").dropLast().joined(separator: "\n") + "</CONTENT><DEVICEID>pc</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>"
        var plain: [[UInt8]] = [
            try prolog.decodedXML, try ocsProlog.decodedXML, try prolog.reply, Array(closed.utf8),
            Array(GLPITests.contact.utf8), Array(GLPITests.inventory.utf8),
            Array(#"<!DOCTYPE a [<!ENTITY b SYSTEM "file:///etc/passwd">]><REQUEST>&b;</REQUEST>"#.utf8),
        ]
        plain += try plain.prefix(4).map { try InventoryBody.encode($0, as: .zlib) }
        plain += [try InventoryBody.encode(Array(GLPITests.inventory.utf8), as: .gzip), try prolog.body]
        return plain
    }

    @Test("a few thousand seeded mutations of real bodies and random bytes: decode and both parsers never crash")
    func mutations() throws {
        // given
        let corpus = try Self.corpus()
        var rng = SplitMix64(seed: Self.seed)
        var outcomes: [String: Int] = [:]
        let tokens = ["<", ">", "</", "<!DOCTYPE", "<!ENTITY", "&", "&amp;", "&#0;", "]]>", "<![CDATA[", "\"", "{", "}", "[", "]",
                      ":", ",", "\\u0000", "<REQUEST>", "</CONTENT>", "<QUERY>INVENTORY</QUERY>", "\u{FEFF}", "\u{1}"].map { Array($0.utf8) }
        for iteration in 0..<Self.iterations {
            // when: a mutated document, or now and then pure noise
            var input = iteration % 10 == 9
                ? (0..<Int.random(in: 0...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                : corpus[Int.random(in: 0..<corpus.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...6, using: &rng) where !input.isEmpty {
                let at = Int.random(in: 0..<input.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: input[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: input[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                case 2: input.removeSubrange(at..<min(input.count, at + Int.random(in: 1...64, using: &rng)))
                case 3: input.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &rng)], at: at)
                default: input = Array(input.prefix(at))
                }
            }
            // then: every outcome is a value or an InventoryWireError
            let outcome = Self.run(input, header: iteration % 3 == 0 ? "deflate" : nil)
            if outcome.hasPrefix("other error") { Issue.record("seed \(Self.seed) iteration \(iteration): \(outcome)") }
            outcomes[outcome, default: 0] += 1
        }
        print("fuzz: \(Self.iterations) inputs (seed \(Self.seed)): \(outcomes.sorted { $0.key < $1.key })")
        #expect(outcomes.keys.contains("ok") && outcomes.keys.contains("malformed"), "the mutations should reach both outcomes")
    }

    /// What happens to one input, as a category.
    static func run(_ input: [UInt8], header: String?) -> String {
        func category(_ error: any Error) -> String {
            switch error as? InventoryWireError {
            case .tooLarge?: return "tooLarge"
            case .forbiddenXML?: return "forbidden"
            case .malformed?: return "malformed"
            case nil: return "other error: \(error)"
            }
        }
        let bytes: [UInt8]
        do {
            bytes = try InventoryBody.decode(input, contentType: nil, contentEncoding: header, limit: 1 << 20).bytes
        } catch {
            return category(error)
        }
        var results: [String] = []
        do { _ = try OCSRequest.parse(xml: bytes); results.append("ok") } catch { results.append(category(error)) }
        do { _ = try GLPIRequest.parse(json: bytes, agentIdHeader: "agent"); results.append("ok") } catch { results.append(category(error)) }
        if let other = results.first(where: { $0.hasPrefix("other error") }) { return other }
        return results.contains("ok") ? "ok" : results[0]
    }
}
