import Foundation
import Hummingbird

/// Comma-separated text as RFC 4180 writes it, for spreadsheets: a field holding a comma, a quote or a line break is
/// quoted (its quotes doubled), lines end with CRLF. A field a spreadsheet would run as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) is prefixed with an apostrophe, so it is read as text: the file carries
/// names people typed, and opening it must not run what they typed (OWASP, "CSV injection").
enum CSV {
    static func field(_ value: String) -> String {
        var v = value
        if let first = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { v = "'" + v }
        // Scalars, not characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard v.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func text(_ rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
    }

    /// A download: `filename` must be plain ASCII (letters, digits, `-`, `.`), it goes in a header as is.
    static func response(_ rows: [[String]], filename: String) -> Response {
        Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8",
            .contentDisposition: "attachment; filename=\"\(filename)\"",
            .cacheControl: "no-store",
        ], body: .init(byteBuffer: ByteBuffer(string: text(rows))))
    }
}
