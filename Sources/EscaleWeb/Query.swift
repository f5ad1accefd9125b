import EscaleAPI
import EscaleCore
import EscaleStore
import Foundation
import Hummingbird

/// Typed access to query parameters; a bad value is a 422 naming the parameter.
struct Query {
    let request: Request

    init(_ request: Request) { self.request = request }

    /// A text parameter; present but empty reads as absent (a search box left blank).
    func string(_ name: String) -> String? {
        request.uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The raw value of a typed parameter: absent is nil, but present and empty (`limit=`) is an error, not absent.
    private func typed(_ name: String, _ what: String) throws -> String? {
        guard let raw = request.uri.queryParameters.get(name) else { return nil }
        guard !raw.isEmpty else { throw APIError.invalidField(name, "is empty: give \(what), or leave the parameter out") }
        return raw
    }

    /// One of a fixed set of values: absent is nil; empty or anything else is refused with the list.
    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let raw = try typed(name, "one of \(allowed.joined(separator: ", "))") else { return nil }
        guard allowed.contains(raw) else { throw APIError.invalidField(name, "one of \(allowed.joined(separator: ", "))") }
        return raw
    }

    func uuid(_ name: String) throws -> UUID? {
        guard let raw = try typed(name, "an id") else { return nil }
        guard let id = UUID(uuidString: raw) else { throw APIError.invalidField(name, "'\(raw)' is not an id") }
        return id
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = try typed(name, "a whole number") else { return nil }
        guard let v = Int(raw), range.contains(v) else {
            throw APIError.invalidField(name, "must be a whole number between \(range.lowerBound) and \(range.upperBound), got '\(raw.prefix(40))'")
        }
        return v
    }

    func date(_ name: String) throws -> Date? {
        guard let raw = try typed(name, "an ISO-8601 date-time") else { return nil }
        guard let d = Wire.parseInstant(raw) else { throw APIError.invalidField(name, "'\(raw.prefix(40))' is not an ISO-8601 date-time") }
        return d
    }

    func bool(_ name: String) throws -> Bool? {
        guard let raw = try typed(name, "true or false") else { return nil }
        switch raw.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.invalidField(name, "must be true or false")
        }
    }

    /// Keyset pagination: the cursor is opaque to clients (base64 of the last ticket's sequence number).
    static func cursor(after seq: Int) -> String {
        Data("t:\(seq)".utf8).base64EncodedString()
    }

    func cursor() throws -> Int? {
        guard let raw = try typed("cursor", "a cursor from a previous page") else { return nil }
        guard let data = Data(base64Encoded: raw), let text = String(data: data, encoding: .utf8), text.hasPrefix("t:"),
              let seq = Int(text.dropFirst(2)), seq > 0 else {
            throw APIError.invalidField("cursor", "not a cursor returned by this API")
        }
        return seq
    }
}
