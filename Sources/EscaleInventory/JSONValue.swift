import Foundation

/// Any JSON value: the agents mix strings, numbers and booleans for the same field (`"speed": "100"`,
/// `"speed": 2300`), so the content is read untyped and turned into text.
enum JSONValue: Decodable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// Arrays and objects nested deeper than this are refused before decoding (inventory_format uses 4 levels).
    static let maxDepth = 32

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// A JSON object from a body: refuses what is not one, or nests too deeply, with a message for a 400.
    static func object(from bytes: [UInt8]) throws -> [String: JSONValue] {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard body.first(where: { !isSpace($0) }) == UInt8(ascii: "{") else {
            throw InventoryWireError.malformed("the body is not a JSON object")
        }
        guard depth(of: body) <= maxDepth else {
            throw InventoryWireError.malformed("the JSON nests more than \(maxDepth) levels deep")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)), case .object(let object) = value else {
            throw InventoryWireError.malformed("the body is not valid JSON")
        }
        return object
    }

    /// The deepest nesting of arrays and objects, strings skipped (the decoder recurses once per level).
    private static func depth(of bytes: ArraySlice<UInt8>) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// A scalar as text: numbers without a needless fraction (2300, not 2300.0), booleans as "true"/"false".
    var text: String? {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            if n.isFinite, n == n.rounded(), abs(n) < 9e15 { return String(Int64(n)) }
            return n.isFinite ? String(n) : nil
        case .null, .array, .object: return nil
        }
    }

    /// A list of strings (an object's keys, sorted, for a map of tasks).
    var strings: [String]? {
        switch self {
        case .array(let items): return items.compactMap(\.text)
        case .object(let o): return o.keys.sorted()
        default: return text.map { [$0] }
        }
    }
}
