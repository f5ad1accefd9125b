import Foundation
import Testing
@testable import EscaleCore

@Suite("Calendar days (YYYY-MM-DD)")
struct DayTests {
    @Test("A valid date parses into its parts and prints back the same")
    func parsesValid() throws {
        let day = try #require(Day("2026-09-21"))
        #expect(day.year == 2026)
        #expect(day.month == 9)
        #expect(day.day == 21)
        #expect(day.description == "2026-09-21")
    }

    @Test("Valid dates round-trip through their description",
          arguments: ["2026-01-01", "2026-12-31", "1999-04-30", "0001-01-01", "9999-12-31", "2024-02-29"])
    func roundTrip(text: String) throws {
        #expect(try #require(Day(text)).description == text)
    }

    @Test("February 29 exists only in leap years",
          arguments: [(2024, true), (2023, false), (2000, true), (1900, false), (2100, false), (2400, true)])
    func leapDay(year: Int, leap: Bool) {
        #expect((Day("\(year)-02-29") != nil) == leap)
        #expect(Day("\(year)-02-28") != nil)
        #expect(Day("\(year)-02-30") == nil)
        #expect(Day.daysIn(month: 2, year: year) == (leap ? 29 : 28))
    }

    @Test("Months have their usual lengths")
    func monthLengths() {
        let lengths = (1...12).map { Day.daysIn(month: $0, year: 2026) }
        #expect(lengths == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    }

    @Test("Badly formatted or impossible dates are refused", arguments: [
        "", "2026", "2026-09", "2026-9-21", "2026-09-1", "26-09-21", "02026-09-21",
        "2026/09/21", "2026.09.21", "21-09-2026", "2026-13-01", "2026-00-10", "2026-09-00",
        "2026-04-31", "2026-01-32", "2026-09-21T00:00:00Z", " 2026-09-21", "2026-09-21 ",
        "abcd-ef-gh", "2026-09--1", "2026--09-21", "2026-09-21-", "２０２６-09-21",
        "2026-+9-21", "2026-09-+1", "+026-09-21",
    ])
    func refusesBadFormats(text: String) {
        #expect(Day(text) == nil)
    }

    @Test("Days are ordered chronologically")
    func ordering() throws {
        let a = try #require(Day("2025-12-31"))
        let b = try #require(Day("2026-01-01"))
        let c = try #require(Day("2026-01-02"))
        let d = try #require(Day("2026-02-01"))
        #expect(a < b && b < c && c < d)
        #expect([d, b, a, c].sorted() == [a, b, c, d])
        #expect(Day("2026-01-01") == b)
    }

    @Test("The day of an instant is its UTC day")
    func fromDate() {
        #expect(Day(Fixture.now).description == "2026-09-21")
        // 23:59:59 UTC is still the same day whatever the machine's time zone
        #expect(Day(Date(timeIntervalSince1970: 1_790_035_199)).description == "2026-09-21")
        #expect(Day(Date(timeIntervalSince1970: 1_790_035_200)).description == "2026-09-22")
        #expect(Day(Date(timeIntervalSince1970: 0)).description == "1970-01-01")
    }

    @Test("A day is a JSON string and decodes back; a bad string fails")
    func json() throws {
        let day = try #require(Day("2026-02-28"))
        let data = try JSONEncoder().encode([day])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-02-28"]"#)
        #expect(try JSONDecoder().decode([Day].self, from: data) == [day])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Day].self, from: Data(#"["2026-02-30"]"#.utf8))
        }
    }
}
