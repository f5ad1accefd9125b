import Foundation
import Testing

@testable import EscaleMIME

/// Hostile and broken input: the parser must return quickly with a best-effort result, never trap.
@Suite("Robustness")
struct RobustnessTests {
    private func timed(_ bytes: [UInt8], limits: MailLimits = .standard) -> (MailMessage, Double) {
        let t = Date()
        let m = MailParser.parse(bytes, limits: limits)
        return (m, Date().timeIntervalSince(t))
    }

    @Test func body25MB() {
        var b = Array("From: a@b.test\nSubject: big\nContent-Type: text/plain\n\n".utf8)
        let line = Array(String(repeating: "0123456789abcdef", count: 4).utf8) + [0x0A]
        while b.count < 25 * 1024 * 1024 { b.append(contentsOf: line) }
        let (m, secs) = timed(b)
        #expect(m.subject == "big")
        #expect(m.text.utf8.count > 24 * 1024 * 1024)
        #expect(secs < 5)  // debug build; release is far faster
    }

    @Test func base64Attachment25MB() {
        var b = Array("From: a@b.test\nSubject: big\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n\nhello\n--XX\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n".utf8)
        let line = Array(String(repeating: "QUJD", count: 19).utf8) + [0x0A]
        while b.count < 25 * 1024 * 1024 { b.append(contentsOf: line) }
        b.append(contentsOf: Array("--XX--\n".utf8))
        let (m, secs) = timed(b)
        #expect(m.text == "hello")
        #expect(m.attachments.count == 1)
        #expect(m.attachments.first?.data.prefix(3) == [0x41, 0x42, 0x43])
        #expect(secs < 5)
    }

    @Test func oneMegabyteHeaderLine() {
        var b = Array("From: a@b.test\nX-Long: ".utf8)
        b.append(contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: 1024 * 1024))
        b.append(contentsOf: Array("\nSubject: after the long line\n\nbody\n".utf8))
        let (m, secs) = timed(b)
        #expect(m.subject == "after the long line")
        #expect(m.text == "body")
        #expect(m.warnings.contains("header line truncated"))
        #expect((m.header("X-Long")?.utf8.count ?? 0) <= MailLimits.standard.maxLineBytes)
        #expect(secs < 1)
    }

    @Test func tenThousandParts() {
        var s = "From: a@b.test\nSubject: parts\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
        for k in 0..<10_000 { s += "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"f\(k).bin\"\n\nAAAA\n" }
        s += "--b--\n"
        let (m, secs) = timed(Array(s.utf8))
        #expect(m.attachments.count == MailLimits.standard.maxParts)
        #expect(m.warnings.contains("part limit reached"))
        #expect(secs < 1)
        var limits = MailLimits.standard
        limits.maxParts = 20_000
        let (all, secs2) = timed(Array(s.utf8), limits: limits)
        #expect(all.attachments.count == 10_000)
        #expect(all.attachments.last?.filename == "f9999.bin")
        #expect(secs2 < 2)
    }

    @Test func deepNesting() {
        var s = "From: a@b.test\nSubject: deep\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n"
        for d in 1...200 { s += "--b\(d - 1)\nContent-Type: multipart/mixed; boundary=\"b\(d)\"\n\n" }
        s += "--b200\nContent-Type: text/plain\n\ndeep text\n"
        let (m, secs) = timed(Array(s.utf8))
        #expect(m.warnings.contains("nesting too deep"))
        #expect(secs < 1)
    }

    @Test func truncatedMultipart() {
        let s = "From: a@b.test\nSubject: cut\nContent-Type: multipart/mixed; boundary=\"zz\"\n\npreamble\n--zz\nContent-Type: text/plain; charset=utf-8\n\nfirst part é\n--zz\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"x.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK"
        let m = MailParser.parse(Array(s.utf8))
        #expect(m.text == "first part é")
        #expect(m.attachments.first?.filename == "x.pdf")
        #expect(m.attachments.first?.data == Array("%PDF-1.4\n".utf8))
        #expect(m.warnings.contains("truncated multipart"))
    }

    @Test func unknownCharset() {
        let s = "From: a@b.test\nSubject: cs\nContent-Type: text/plain; charset=x-unknown\n\ncaf\u{E9} ok"
        let m = MailParser.parse(Array(s.utf8))
        #expect(m.text == "café ok")
        #expect(m.warnings.contains("unknown charset x-unknown"))
        var latin = Array("From: a@b.test\nContent-Type: text/plain; charset=x-unknown\n\ncaf".utf8)
        latin.append(0xE9)
        #expect(MailParser.parse(latin).text == "café")
    }

    @Test func lyingCharset() {
        var b = Array("From: =?utf-8?q?Ren=E9e?= <r@b.test>\nSubject: =?utf-8?q?d=E9j=E0?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nd".utf8)
        b.append(contentsOf: [0xE9, 0x6A, 0xE0, 0x20, 0x80])  // latin-1/cp1252 bytes: "déjà €"
        let m = MailParser.parse(b)
        #expect(m.text == "déjà €")
        #expect(m.subject == "déjà")
        #expect(m.from?.name == "Renée")
        // And the opposite: UTF-8 bytes labelled latin-1.
        let u = Array("From: a@b.test\nContent-Type: text/plain; charset=iso-8859-1\n\nÉcran déjà".utf8)
        #expect(MailParser.parse(u).text == "Écran déjà")
    }

    @Test func noFromEmptyAndHeadersOnly() {
        let noFrom = MailParser.parse(Array("Subject: hi\n\nbody".utf8))
        #expect(noFrom.from == nil)
        #expect(noFrom.subject == "hi")
        #expect(noFrom.text == "body")
        let empty = MailParser.parse([])
        #expect(empty.from == nil)
        #expect(empty.subject == "")
        #expect(empty.text == "")
        #expect(empty.headers.isEmpty)
        let headersOnly = MailParser.parse(Array("From: a@b.test\r\nSubject: only\r\n".utf8))
        #expect(headersOnly.subject == "only")
        #expect(headersOnly.from?.address == "a@b.test")
        #expect(headersOnly.text == "")
        let mboxOnly = MailParser.parse(Array("From x@y.test Tue Dec  1 00:12:34 2026".utf8))
        #expect(mboxOnly.envelopeSender == "x@y.test")
        #expect(mboxOnly.headers.isEmpty)
    }

    @Test func garbageBytes() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let n = Int(rng.next() % 4096)
            let b = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = MailParser.parse(b)
        }
    }

    /// Mutation fuzzing of the real fixtures for ESCALE_FUZZ_SECONDS (default 3 s), seeded for reproducibility.
    @Test func fuzzFixtures() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["ESCALE_FUZZ_SECONDS"] ?? "") ?? 3
        let seed = UInt64(ProcessInfo.processInfo.environment["ESCALE_FUZZ_SEED"] ?? "") ?? 0x5EED_E5CA
        let corpus = try Fixtures.allEML().map { try Fixtures.bytes($0) }
        try #require(!corpus.isEmpty)
        var rng = SplitMix64(seed: seed)
        let start = Date()
        var iterations = 0
        var slowest = 0.0
        while Date().timeIntervalSince(start) < seconds {
            var b = corpus[Int(rng.next() % UInt64(corpus.count))]
            let mutations = 1 + Int(rng.next() % 8)
            for _ in 0..<mutations { Self.mutate(&b, &rng) }
            let t = Date()
            let m = MailParser.parse(b)
            let elapsed = Date().timeIntervalSince(t)
            slowest = max(slowest, elapsed)
            #expect(elapsed < 3, "iteration \(iterations) seed \(seed)")
            _ = ReplyText.split(m.text)
            _ = SubjectTag.ticketNumber(in: m.subject)
            iterations += 1
        }
        print("fuzz: \(iterations) mutated messages in \(seconds) s, slowest parse \(Int(slowest * 1e6)) µs (seed \(seed))")
        #expect(iterations > 0)
    }

    static func mutate(_ b: inout [UInt8], _ rng: inout SplitMix64) {
        let interesting: [[UInt8]] = [Array("\n--".utf8), Array("=?utf-8?b?".utf8), Array("?=".utf8), [0x0A, 0x0A], [0x0D],
            Array("Content-Type: multipart/mixed; boundary=x\n".utf8), Array("\n--x\n".utf8), Array("=\n".utf8),
            Array("&#x1F4A1;".utf8), Array("<script>".utf8), Array("filename*0*=utf-8''%C3".utf8), [0xFF, 0xFE, 0x00]]
        let count = b.count
        switch rng.next() % 6 {
        case 0 where count > 0:  // flip bits
            let i = Int(rng.next() % UInt64(count))
            b[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
        case 1:  // insert random bytes
            let i = count == 0 ? 0 : Int(rng.next() % UInt64(count + 1))
            let n = Int(rng.next() % 16)
            b.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: i)
        case 2 where count > 0:  // delete a slice
            let i = Int(rng.next() % UInt64(count))
            let n = min(count - i, Int(rng.next() % 256))
            b.removeSubrange(i..<(i + n))
        case 3 where count > 0:  // duplicate a slice
            let i = Int(rng.next() % UInt64(count))
            let n = min(count - i, Int(rng.next() % 512))
            let slice = Array(b[i..<(i + n)])
            let at = Int(rng.next() % UInt64(count + 1))
            b.insert(contentsOf: slice, at: at)
        case 4:  // insert an interesting token
            let i = count == 0 ? 0 : Int(rng.next() % UInt64(count + 1))
            b.insert(contentsOf: interesting[Int(rng.next() % UInt64(interesting.count))], at: i)
        default:  // truncate
            if count > 0 { b.removeLast(Int(rng.next() % UInt64(min(count, 200)))) }
        }
    }
}

/// Small seeded generator so fuzz failures are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
