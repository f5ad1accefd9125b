import Foundation

/// The one JSON configuration used by the server, the CLI, the benchmark and the tests: ISO-8601 instants with
/// milliseconds (seconds-only input is accepted too). Wire types spell their snake_case keys in `CodingKeys`:
/// converting key case on the fly was the largest cost of encoding a page of tickets.
public enum Wire {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(formatInstant(date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = parseInstant(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not an ISO-8601 date-time such as 2026-12-01T09:30:00Z")
            }
            return date
        }
        return d
    }

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    public static func formatInstant(_ date: Date) -> String { withFraction.format(date) }

    public static func parseInstant(_ text: String) -> Date? {
        if let d = try? withFraction.parse(text) { return d }
        if let d = try? withoutFraction.parse(text) { return d }
        // Offsets other than Z (e.g. +01:00) are legal ISO-8601 and common from French clients.
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}
