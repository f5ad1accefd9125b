import EscaleAPI
import EscaleCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading and writing JSON bodies with the shared `Wire` coders, limits and clear errors.
enum JSONBody {
    /// JSON bodies larger than this are refused with 413.
    static let limit = 1 << 20

    static let encoder = Wire.encoder()
    static let decoder = Wire.decoder()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, contentType: String = "application/json", headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A decoded body and the SHA-256 of its bytes (the request's fingerprint for idempotency).
    struct Decoded<T: Sendable>: Sendable {
        let value: T
        let fingerprint: String
    }

    /// Decodes a body: checks the media type, the size, UTF-8, then the JSON, naming the offending field.
    static func decode<T: Decodable & Sendable>(_ type: T.Type, from request: Request) async throws -> Decoded<T> {
        if let ct = request.headers[.contentType] {
            let base = ct.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard base == "application/json" || base.hasSuffix("+json") else { throw APIError.unsupportedMediaType(ct) }
        }
        let buffer = try await BodyReader.collect(request, upTo: limit, tooLarge: APIError.payloadTooLarge(limit))
        let data = Data(buffer.readableBytesView)
        guard String(validating: data, as: UTF8.self) != nil else { throw APIError.malformedBody("the body is not valid UTF-8") }
        guard !data.isEmpty else { throw APIError.malformedBody("a JSON body is required") }
        do {
            let value = try decoder.decode(T.self, from: data)
            if let field = nulField(in: value, data: data) { throw APIError.invalidField(field, "must not contain NUL characters (\\u0000)") }
            return Decoded(value: value, fingerprint: Hex.encode(SHA256.hash(data: data)))
        } catch let e as DecodingError {
            throw describe(e)
        }
    }

    /// Applies a JSON merge patch (RFC 7396) to `current`: the body's members replace the current ones, `null` removes
    /// one (clears an optional field; a required one is then reported as required), members the type does not know
    /// are ignored. The result is decoded and checked like any body.
    static func mergePatch<T: Codable & Sendable>(_ current: T, from request: Request) async throws -> Decoded<T> {
        let patch = try await decode(JSONValue.self, from: request)
        guard case let .object(changes) = patch.value else { throw APIError.malformedBody("expected a JSON object") }
        guard case var .object(base) = try decoder.decode(JSONValue.self, from: encoder.encode(current)) else {
            throw APIError.malformedBody("expected a JSON object")
        }
        func merge(_ target: JSONValue?, _ patch: JSONValue) -> JSONValue? {
            guard case let .object(members) = patch else { return patch == .null ? nil : patch }
            var result: [String: JSONValue] = if case let .object(t)? = target { t } else { [:] }
            for (k, v) in members { result[k] = merge(result[k], v) }
            return .object(result)
        }
        for (k, v) in changes { base[k] = merge(base[k], v) }
        let data = try encoder.encode(JSONValue.object(base))
        do {
            return Decoded(value: try decoder.decode(T.self, from: data), fingerprint: patch.fingerprint)
        } catch let e as DecodingError {
            throw describe(e)
        }
    }

    /// The path of the first decoded string holding U+0000, if any: PostgreSQL cannot store it in text and SQLite
    /// would store a string that ends early for C readers, so it is refused on both, naming the field. Only what was
    /// decoded counts: a NUL in a property the API does not know is ignored with the property.
    static func nulField(in value: Any, data: Data) -> String? {
        // Only a `\u0000` escape can put NUL in a JSON string (a raw NUL byte is not JSON); skip the walk without one.
        guard data.range(of: Data(#"\u0000"#.utf8)) != nil else { return nil }
        func walk(_ value: Any, _ path: String) -> String? {
            switch value {
            case let s as String: return s.contains("\0") ? (path.isEmpty ? "body" : path) : nil
            case let a as [Any]:
                for (i, v) in a.enumerated() { if let p = walk(v, path + "[\(i)]") { return p } }
                return nil
            default:
                let mirror = Mirror(reflecting: value)
                if mirror.displayStyle == .optional { return mirror.children.first.flatMap { walk($0.value, path) } }
                for child in mirror.children {
                    guard let label = child.label else { continue }
                    let name = snake(label.hasPrefix("_") ? String(label.dropFirst()) : label)
                    if let found = walk(child.value, path.isEmpty ? name : path + "." + name) { return found }
                }
                return nil
            }
        }
        return walk(value, "")
    }

    static func describe(_ error: DecodingError) -> any Error {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, ctx):
            let field = path(ctx.codingPath + [key])
            return APIError.invalidField(field, "is required")
        case let .valueNotFound(_, ctx):
            return APIError.invalidField(path(ctx.codingPath), "must not be null")
        case let .typeMismatch(type, ctx):
            let field = path(ctx.codingPath)
            if ctx.codingPath.isEmpty { return APIError.malformedBody("expected a JSON object") }
            return APIError.invalidField(field, "expected \(describe(type))")
        case let .dataCorrupted(ctx):
            if ctx.codingPath.isEmpty { return APIError.malformedBody("the body is not valid JSON") }
            let field = path(ctx.codingPath)
            if let allowed = allowedValues[ctx.codingPath.last.map { snake($0.stringValue) } ?? ""] {
                return APIError.invalidField(field, "unknown value; expected one of \(allowed)")
            }
            return APIError.invalidField(field, ctx.debugDescription)
        @unknown default:
            return APIError.malformedBody("the body could not be read")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "a value of another type"
        }
    }

    /// Enumerations by field, to tell the client what would have been accepted.
    static let allowedValues: [String: String] = [
        "impact": Level.allCases.map(\.rawValue).joined(separator: ", "),
        "urgency": Level.allCases.map(\.rawValue).joined(separator: ", "),
        "type": TicketType.allCases.map(\.rawValue).joined(separator: ", "),
        "channel": Channel.allCases.map(\.rawValue).joined(separator: ", "),
        "status": TicketStatus.allCases.map(\.rawValue).joined(separator: ", "),
        "role": Role.allCases.map(\.rawValue).joined(separator: ", "),
        "tier": "1, 2, 3",
        "domain": CategoryDomain.allCases.map(\.rawValue).joined(separator: ", "),
    ]

    static func snake(_ camel: String) -> String {
        var out = ""
        for c in camel {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}

/// Any JSON value, for merge patches.
indirect enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .number(n):
            // Integers stay integers: `Int` fields refuse 3.0 written as a double.
            if n.rounded() == n, abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }
}
