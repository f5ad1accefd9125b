import Foundation
import Testing
@testable import EscaleCore

@Suite("Ticket numbers")
struct TicketNumberTests {
    @Test("Numbers are ESC- followed by at least six digits",
          arguments: [(1, "ESC-000001"), (42, "ESC-000042"), (999_999, "ESC-999999"), (1_234_567, "ESC-1234567")])
    func format(seq: Int, expected: String) {
        #expect(TicketNumber.format(seq) == expected)
    }

    @Test("A ticket's number is its formatted sequence")
    func ticketNumber() {
        #expect(Fixture.ticket().number == "ESC-000042")
    }

    @Test("Parsing accepts the full number, a lowercase prefix or the bare sequence",
          arguments: [("ESC-000042", 42), ("esc-42", 42), ("Esc-000042", 42), ("42", 42), ("000042", 42), ("ESC-1234567", 1_234_567)])
    func parse(text: String, expected: Int) {
        #expect(TicketNumber.parse(text) == expected)
    }

    @Test("Parsing refuses anything that is not a positive ticket number",
          arguments: ["", "ESC-", "ESC-0", "0", "-3", "ESC--3", "ESC-abc", "ESC 42", "ABC-42", "ESC-42x", "4 2", "ESC-ESC-1", "#42"])
    func parseRefuses(text: String) {
        #expect(TicketNumber.parse(text) == nil)
    }

    @Test("format and parse are inverse", arguments: [1, 7, 42, 100_000, 999_999, 1_000_000, 98_765_432])
    func inverse(seq: Int) {
        #expect(TicketNumber.parse(TicketNumber.format(seq)) == seq)
    }
}

@Suite("Hex encoding")
struct HexTests {
    @Test("bytes become lower-case hexadecimal, two digits each")
    func encode() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test("decoding gives the bytes back, in either case, and refuses anything else")
    func decode() {
        #expect(Hex.decode("000fa0ff") == [0x00, 0x0f, 0xa0, 0xff])
        #expect(Hex.decode("A0Ff") == [0xa0, 0xff])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil && Hex.decode("zz") == nil && Hex.decode("0g") == nil)
    }

    @Test("secrets compare equal only when identical")
    func constantTime() {
        #expect(Hex.constantTimeEqual("a1b2", "a1b2"))
        #expect(!Hex.constantTimeEqual("a1b2", "a1b3") && !Hex.constantTimeEqual("a1b2", "a1b") && !Hex.constantTimeEqual("", "x"))
    }
}
