import Foundation

/// Impact × urgency → priority lookup. The default is the ITIL 3×3 matrix; administrators may replace it.
public struct PriorityMatrix: Codable, Sendable, Equatable {
    /// `cells[impact][urgency]`
    public private(set) var cells: [Level: [Level: Priority]]

    public static let itil = PriorityMatrix(uncheckedCells: [
        .high: [.high: .critical, .medium: .high, .low: .medium],
        .medium: [.high: .high, .medium: .medium, .low: .low],
        .low: [.high: .medium, .medium: .low, .low: .planning],
    ])

    private init(uncheckedCells: [Level: [Level: Priority]]) { cells = uncheckedCells }

    /// Builds a matrix, refusing one that leaves a combination without a priority.
    public init(cells: [Level: [Level: Priority]]) throws {
        for impact in Level.allCases {
            for urgency in Level.allCases where cells[impact]?[urgency] == nil {
                throw DomainError.invalid(field: "matrix", "no priority for impact \(impact.rawValue) × urgency \(urgency.rawValue)")
            }
        }
        self.cells = cells
    }

    public func priority(impact: Level, urgency: Level) -> Priority {
        cells[impact]![urgency]!
    }

    // Encoded as {"high": {"high": 1, ...}, ...} so it reads naturally in JSON and in the settings table.
    public init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode([String: [String: Priority]].self)
        var cells: [Level: [Level: Priority]] = [:]
        for (i, row) in raw {
            guard let impact = Level(rawValue: i) else { throw DomainError.invalid(field: "matrix", "unknown impact '\(i)'") }
            for (u, p) in row {
                guard let urgency = Level(rawValue: u) else { throw DomainError.invalid(field: "matrix", "unknown urgency '\(u)'") }
                cells[impact, default: [:]][urgency] = p
            }
        }
        try self.init(cells: cells)
    }

    public func encode(to encoder: Encoder) throws {
        var raw: [String: [String: Priority]] = [:]
        for (impact, row) in cells {
            for (urgency, p) in row { raw[impact.rawValue, default: [:]][urgency.rawValue] = p }
        }
        var c = encoder.singleValueContainer()
        try c.encode(raw)
    }
}
