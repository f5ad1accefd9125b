import Foundation
import Testing
@testable import EscaleCore

@Suite("Priority, tier and level values")
struct LevelsTests {
    @Test("A priority exists only from 1 to 5", arguments: -1...7)
    func priorityBounds(raw: Int) {
        // Given a raw value, when a priority is built from it
        let priority = Priority(rawValue: raw)
        // Then it exists only inside 1…5
        #expect((priority != nil) == (1...5).contains(raw))
        #expect(priority?.rawValue == ((1...5).contains(raw) ? raw : nil))
    }

    @Test("The named priorities are 1 (critical) to 5 (planning), in order")
    func namedPriorities() {
        #expect(Priority.critical.rawValue == 1)
        #expect(Priority.high.rawValue == 2)
        #expect(Priority.medium.rawValue == 3)
        #expect(Priority.low.rawValue == 4)
        #expect(Priority.planning.rawValue == 5)
        #expect(Priority.all == [.critical, .high, .medium, .low, .planning])
        #expect(Priority.all.sorted() == Priority.all)
        #expect(Priority.critical < Priority.planning)
        #expect(!(Priority.medium < Priority.medium))
    }

    @Test("A priority prints as P1…P5")
    func priorityDescription() {
        #expect(Priority.critical.description == "P1")
        #expect(Priority.planning.description == "P5")
        #expect("\(Priority.medium)" == "P3")
    }

    @Test("A priority is encoded as a bare integer and decoded back")
    func priorityJSON() throws {
        // Given a priority
        let priority = Priority.low
        // When it is encoded and decoded
        let data = try JSONEncoder().encode([priority])
        let decoded = try JSONDecoder().decode([Priority].self, from: data)
        // Then the JSON is a number and the value survives
        #expect(String(decoding: data, as: UTF8.self) == "[4]")
        #expect(decoded == [priority])
    }

    @Test("Decoding a priority outside 1…5 fails", arguments: ["[0]", "[6]", "[-2]"])
    func priorityDecodingRefusesOutOfRange(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Priority].self, from: Data(json.utf8))
        }
    }

    @Test("Tiers are ordered N1 < N2 < N3 and labelled N1…N3")
    func tiers() {
        #expect(Tier.n1 < Tier.n2)
        #expect(Tier.n2 < Tier.n3)
        #expect(Tier.allCases.sorted() == [.n1, .n2, .n3])
        #expect(Tier.allCases.map(\.label) == ["N1", "N2", "N3"])
        #expect(Tier(rawValue: 2) == .n2)
        #expect(Tier(rawValue: 4) == nil)
    }

    @Test("Levels, ticket types and channels use their wire names")
    func rawValues() {
        #expect(Level.allCases.map(\.rawValue) == ["high", "medium", "low"])
        #expect(TicketType.allCases.map(\.rawValue) == ["incident", "request"])
        #expect(Channel(rawValue: "monitoring") == .monitoring)
        #expect(Channel(rawValue: "fax") == nil)
    }
}
