import Foundation
import Testing
@testable import EscaleCore

@Suite("Priority matrix")
struct PriorityMatrixTests {
    /// The ITIL 3×3 matrix, written out cell by cell.
    static let itilCells: [(Level, Level, Int)] = [
        (.high, .high, 1), (.high, .medium, 2), (.high, .low, 3),
        (.medium, .high, 2), (.medium, .medium, 3), (.medium, .low, 4),
        (.low, .high, 3), (.low, .medium, 4), (.low, .low, 5),
    ]

    static func uniform(_ p: Priority) -> [Level: [Level: Priority]] {
        Dictionary(uniqueKeysWithValues: Level.allCases.map { impact in
            (impact, Dictionary(uniqueKeysWithValues: Level.allCases.map { ($0, p) }))
        })
    }

    @Test("The default ITIL matrix gives the expected priority for each of the 9 cells", arguments: itilCells)
    func itilCell(impact: Level, urgency: Level, expected: Int) {
        // Given the default matrix, when a cell is looked up
        let priority = PriorityMatrix.itil.priority(impact: impact, urgency: urgency)
        // Then it is the ITIL priority
        #expect(priority.rawValue == expected)
    }

    @Test("The ITIL matrix defines all 9 cells and nothing else")
    func itilIsComplete() {
        #expect(PriorityMatrix.itil.cells.count == 3)
        #expect(PriorityMatrix.itil.cells.values.allSatisfy { $0.count == 3 })
    }

    @Test("A custom complete matrix is accepted and used for lookups")
    func customMatrix() throws {
        // Given a matrix where everything is P3 except high × high, which is P1
        var cells = Self.uniform(.medium)
        cells[.high]![.high] = .critical
        cells[.low]![.low] = .planning
        // When it is built
        let matrix = try PriorityMatrix(cells: cells)
        // Then lookups follow it, not ITIL
        #expect(matrix.priority(impact: .high, urgency: .high) == .critical)
        #expect(matrix.priority(impact: .high, urgency: .medium) == .medium)
        #expect(matrix.priority(impact: .medium, urgency: .low) == .medium)
        #expect(matrix.priority(impact: .low, urgency: .low) == .planning)
        #expect(matrix != PriorityMatrix.itil)
    }

    @Test("A matrix rebuilt from the ITIL cells equals the ITIL matrix")
    func rebuiltItil() throws {
        let matrix = try PriorityMatrix(cells: PriorityMatrix.itil.cells)
        #expect(matrix == PriorityMatrix.itil)
    }

    @Test("A matrix missing a cell is refused", arguments: Level.allCases)
    func incompleteMatrixMissingCell(missingUrgency: Level) {
        // Given a complete matrix with one medium-impact cell removed
        var cells = Self.uniform(.medium)
        cells[.medium]![missingUrgency] = nil
        // When it is built, then it is refused on the matrix field
        let error = #expect(throws: DomainError.self) { try PriorityMatrix(cells: cells) }
        #expect(error?.invalidField == "matrix")
    }

    @Test("A matrix missing a whole impact row, or empty, is refused")
    func incompleteMatrixMissingRow() {
        var cells = Self.uniform(.low)
        cells[.low] = nil
        let missingRow = #expect(throws: DomainError.self) { try PriorityMatrix(cells: cells) }
        #expect(missingRow?.invalidField == "matrix")
        let empty = #expect(throws: DomainError.self) { try PriorityMatrix(cells: [:]) }
        #expect(empty?.invalidField == "matrix")
    }

    @Test("The ITIL matrix survives a JSON round trip")
    func itilRoundTrip() throws {
        let data = try JSONEncoder().encode(PriorityMatrix.itil)
        let decoded = try JSONDecoder().decode(PriorityMatrix.self, from: data)
        #expect(decoded == PriorityMatrix.itil)
    }

    @Test("A custom matrix survives a JSON round trip")
    func customRoundTrip() throws {
        var cells = Self.uniform(.low)
        cells[.high]![.low] = .critical
        let matrix = try PriorityMatrix(cells: cells)
        let decoded = try JSONDecoder().decode(PriorityMatrix.self, from: JSONEncoder().encode(matrix))
        #expect(decoded == matrix)
        #expect(decoded.priority(impact: .high, urgency: .low) == .critical)
    }

    @Test("The matrix is encoded as impact → urgency → priority number")
    func jsonShape() throws {
        // Given the ITIL matrix, when encoded with sorted keys
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(PriorityMatrix.itil), as: UTF8.self)
        // Then it reads naturally
        #expect(json == #"{"high":{"high":1,"low":3,"medium":2},"low":{"high":3,"low":5,"medium":4},"medium":{"high":2,"low":4,"medium":3}}"#)
    }

    @Test("Decoding a matrix from hand-written JSON works")
    func decodeHandWritten() throws {
        let json = #"{"high":{"high":1,"medium":1,"low":2},"medium":{"high":2,"medium":3,"low":3},"low":{"high":4,"medium":5,"low":5}}"#
        let matrix = try JSONDecoder().decode(PriorityMatrix.self, from: Data(json.utf8))
        #expect(matrix.priority(impact: .high, urgency: .medium) == .critical)
        #expect(matrix.priority(impact: .low, urgency: .high) == .low)
    }

    @Test("Decoding an incomplete matrix is refused")
    func decodeIncomplete() {
        let json = #"{"high":{"high":1,"medium":2,"low":3},"medium":{"high":2,"medium":3,"low":4},"low":{"high":3,"medium":4}}"#
        let error = #expect(throws: DomainError.self) {
            try JSONDecoder().decode(PriorityMatrix.self, from: Data(json.utf8))
        }
        #expect(error?.invalidField == "matrix")
    }

    @Test("Decoding a matrix with an unknown impact or urgency is refused")
    func decodeUnknownLevel() {
        let badImpact = #"{"huge":{"high":1}}"#
        let badUrgency = #"{"high":{"now":1}}"#
        for json in [badImpact, badUrgency] {
            let error = #expect(throws: DomainError.self) {
                try JSONDecoder().decode(PriorityMatrix.self, from: Data(json.utf8))
            }
            #expect(error?.invalidField == "matrix")
        }
    }

    @Test("Decoding a matrix with a priority outside 1…5 fails")
    func decodeBadPriority() {
        let json = #"{"high":{"high":0,"medium":2,"low":3},"medium":{"high":2,"medium":3,"low":4},"low":{"high":3,"medium":4,"low":5}}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PriorityMatrix.self, from: Data(json.utf8))
        }
    }
}
