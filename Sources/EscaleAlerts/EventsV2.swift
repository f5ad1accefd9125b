import Foundation

/// An Events API v2 event (the format PagerDuty defined and most monitoring tools can send): `trigger`,
/// `acknowledge` or `resolve` one problem named by its `dedup_key`.
public struct EventsV2Event: Sendable, Equatable {
    public var routingKey: String
    public var action: AlertSignal.Action
    public var dedupKey: String?
    public var summary: String?
    public var source: String?
    public var severity: String?
    public var timestamp: Date?
    public var component: String?
    public var group: String?
    public var eventClass: String?
    public var customDetails: [String: String]
    public var links: [String]

    public static let severities = ["critical", "error", "warning", "info"]

    /// Decodes and validates one event: every problem is reported at once.
    public static func decode(_ body: [UInt8]) throws -> EventsV2Event {
        guard let any = try? JSONSerialization.jsonObject(with: Data(body)), let o = any as? [String: Any] else {
            throw AlertPayloadError.malformed("the body is not a JSON object")
        }
        var problems: [String] = []
        func string(_ dict: [String: Any], _ key: String, max: Int, prefix: String = "") -> String? {
            guard let v = dict[key], !(v is NSNull) else { return nil }
            guard let s = v as? String else { problems.append("\(prefix)\(key) must be a string"); return nil }
            if s.count > max { problems.append("\(prefix)\(key) is longer than \(max) characters") }
            return s
        }
        let routingKey = string(o, "routing_key", max: 200) ?? ""
        if routingKey.isEmpty { problems.append("routing_key is required") }
        let actionRaw = string(o, "event_action", max: 20)
        let action = actionRaw.flatMap(AlertSignal.Action.init(rawValue:))
        if action == nil { problems.append("event_action must be trigger, acknowledge or resolve") }
        let dedup = string(o, "dedup_key", max: 255).flatMap { $0.isEmpty ? nil : $0 }
        var event = EventsV2Event(routingKey: routingKey, action: action ?? .trigger, dedupKey: dedup, customDetails: [:], links: [])
        if action == .trigger {
            if let p = o["payload"] as? [String: Any] {
                event.summary = string(p, "summary", max: 1_024, prefix: "payload.")
                event.source = string(p, "source", max: 255, prefix: "payload.")
                event.severity = string(p, "severity", max: 20, prefix: "payload.")
                event.component = string(p, "component", max: 255, prefix: "payload.")
                event.group = string(p, "group", max: 255, prefix: "payload.")
                event.eventClass = string(p, "class", max: 255, prefix: "payload.")
                if let ts = string(p, "timestamp", max: 64, prefix: "payload.") {
                    event.timestamp = RFC3339.parse(ts)
                    if event.timestamp == nil { problems.append("payload.timestamp must be an RFC 3339 instant") }
                }
                if (event.summary ?? "").trimmingCharacters(in: .whitespaces).isEmpty { problems.append("payload.summary is required") }
                if (event.source ?? "").trimmingCharacters(in: .whitespaces).isEmpty { problems.append("payload.source is required") }
                if let s = event.severity, !severities.contains(s) {
                    problems.append("payload.severity must be critical, error, warning or info")
                } else if event.severity == nil {
                    problems.append("payload.severity is required")
                }
                if let d = p["custom_details"], !(d is NSNull) { event.customDetails = flatten(d) }
            } else {
                problems.append("payload is required to trigger")
            }
        } else if action != nil, dedup == nil {
            problems.append("dedup_key is required to \(actionRaw ?? "")")
        }
        if let links = o["links"] as? [[String: Any]] {
            event.links = links.compactMap { $0["href"] as? String }.filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }.prefix(10).map { $0 }
        }
        if let url = o["client_url"] as? String, url.hasPrefix("http") { event.links.append(url) }
        if !problems.isEmpty { throw AlertPayloadError.invalid(problems) }
        return event
    }

    /// Custom details are any JSON: top-level keys kept, nested values written back as compact JSON.
    static func flatten(_ value: Any) -> [String: String] {
        guard let dict = value as? [String: Any] else { return ["details": text(value)] }
        var out: [String: String] = [:]
        for (k, v) in dict.prefix(100) { out[String(k.prefix(200))] = String(text(v).prefix(2_000)) }
        return out
    }

    static func text(_ v: Any) -> String {
        switch v {
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        case is NSNull: return "null"
        default:
            guard JSONSerialization.isValidJSONObject(v), let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys]) else { return "\(v)" }
            return String(decoding: d, as: UTF8.self)
        }
    }

    /// The key the event is known by: its own, or — for a trigger without one — derived from what it says, so the
    /// same event sent twice is one problem (the answer gives the key back, to acknowledge and resolve it).
    public var key: String {
        dedupKey ?? StableHash.hex([source ?? "", component ?? "", group ?? "", eventClass ?? "", summary ?? ""])
    }

    public var signal: AlertSignal {
        var labels: [String: String] = [:]
        if let c = component { labels["component"] = c }
        if let g = group { labels["group"] = g }
        if let c = eventClass { labels["class"] = c }
        if let s = source { labels["source"] = s }
        return AlertSignal(action: action, key: key, groupKey: nil, summary: summary ?? "", source: source, severity: severity,
                           labels: labels, details: customDetails, startsAt: action == .trigger ? timestamp : nil,
                           endsAt: action == .resolve ? timestamp : nil, links: links)
    }
}
