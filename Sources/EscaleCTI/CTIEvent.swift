import Foundation

/// One event of the generic CTI push API a PBX sends (the one Zammad defined: `POST /api/v1/cti/{token}`, JSON or
/// form-encoded), so an existing PBX script works unchanged: `newCall`, `answer`, `hangup`.
public struct CTIEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case newCall, answer, hangup
    }
    public enum Direction: String, Sendable, Equatable {
        case `in`, out
    }

    public var event: Kind
    /// The calling number as the PBX wrote it (or `anonymous`).
    public var from: String
    public var to: String
    public var direction: Direction
    /// Unique per call: ties the three events together.
    public var callId: String
    /// Real names: of the caller for an outbound call, of whoever the call reaches (or who answered) inbound.
    public var users: [String]
    public var queue: String?
    /// Why the call ended (`normalClearing`, `busy`, `cancel`, `noAnswer`, `congestion`, `notFound`, `forwarded`…).
    public var cause: String?
    /// Who picked up: an extension, a login, an e-mail address or an id.
    public var answeringNumber: String?

    public static let maxBodyBytes = 64 << 10
    static let knownFields: Set<String> = ["event", "from", "to", "direction", "callId", "user", "queue", "cause", "answeringNumber"]

    public enum DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(String)
        case invalid([String])
        public var description: String {
            switch self {
            case let .malformed(m): m
            case let .invalid(p): p.joined(separator: "; ")
            }
        }
    }

    /// Decodes a JSON object or a form (`application/x-www-form-urlencoded`, `user[]` repeated), as the content
    /// type says; without one, whichever the body looks like.
    public static func decode(_ body: [UInt8], contentType: String?) throws -> CTIEvent {
        let type = contentType?.lowercased() ?? ""
        let fields: [String: [String]]
        let first = body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if type.contains("json") || (!type.contains("form") && first == UInt8(ascii: "{")) {
            guard let any = try? JSONSerialization.jsonObject(with: Data(body)), let o = any as? [String: Any] else {
                throw DecodeError.malformed("the body is not a JSON object")
            }
            // The API's fields are strings (`user[]` an array of them): anything else in one of them is the
            // sender's mistake, said rather than guessed at; keys the API does not know are ignored.
            var f: [String: [String]] = [:]
            var wrong: [String] = []
            for (k, v) in o {
                let key = k.hasSuffix("[]") ? String(k.dropLast(2)) : k
                guard knownFields.contains(key) else { continue }
                switch v {
                case let s as String: f[key, default: []].append(s)
                case let a as [Any] where key == "user":
                    let strings = a.compactMap { $0 as? String }
                    if strings.count != a.count { wrong.append("\(k) must be an array of strings") }
                    f[key, default: []] += strings
                default: wrong.append(key == "user" ? "\(k) must be an array of strings" : "\(k) must be a string")
                }
            }
            if !wrong.isEmpty { throw DecodeError.invalid(wrong.sorted()) }
            fields = f
        } else {
            guard let text = String(bytes: body, encoding: .utf8) else { throw DecodeError.malformed("the form is not UTF-8") }
            fields = form(text)
        }
        return try event(from: fields)
    }

    /// `a=1&user[]=x&user[]=y`: repeated keys kept in order, `+` as a space, percent-escapes decoded.
    public static func form(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            var key = decode(parts[0])
            if key.hasSuffix("[]") { key.removeLast(2) }
            out[key, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return out
    }

    static func event(from f: [String: [String]]) throws -> CTIEvent {
        var problems: [String] = []
        func one(_ k: String, required: Bool = true, max: Int = 250) -> String? {
            let v = f[k]?.first?.trimmingCharacters(in: .whitespacesAndNewlines)
            if v == nil || v!.isEmpty {
                if required { problems.append("\(k) is required") }
                return nil
            }
            if v!.count > max { problems.append("\(k) is longer than \(max) characters"); return nil }
            return v
        }
        let kindRaw = one("event")
        let kind = kindRaw.flatMap(Kind.init(rawValue:))
        if kindRaw != nil, kind == nil { problems.append("event must be newCall, answer or hangup (not \(kindRaw!.prefix(40)))") }
        let from = one("from", max: 100), to = one("to", max: 100), callId = one("callId")
        let directionRaw = one("direction")
        let direction = directionRaw.flatMap(Direction.init(rawValue:))
        if directionRaw != nil, direction == nil { problems.append("direction must be in or out") }
        let users = (f["user"] ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(20).map { String($0.prefix(200)) }
        let queue = one("queue", required: false, max: 200)
        let cause = one("cause", required: false, max: 100)
        let answering = one("answeringNumber", required: false, max: 200)
        guard problems.isEmpty, let kind, let from, let to, let callId, let direction else { throw DecodeError.invalid(problems) }
        return CTIEvent(event: kind, from: from, to: to, direction: direction, callId: callId, users: users, queue: queue, cause: cause,
                        answeringNumber: answering)
    }

    /// The outside party's number: the caller inbound, the called number outbound.
    public var externalNumber: String { direction == .in ? from : to }
}
