import Foundation

/// Prometheus Alertmanager's webhook notification, payload version 4 (PROTOCOLS.md §3): one group of alerts, each
/// with its own status and fingerprint. Every alert of the group becomes its own signal; the group's key links them.
public struct AlertmanagerWebhook: Decodable, Sendable {
    public struct Alert: Decodable, Sendable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]?
        public var startsAt: String?
        public var endsAt: String?
        public var generatorURL: String?
        public var fingerprint: String?
    }

    public var version: String?
    public var receiver: String?
    public var status: String?
    public var groupKey: String?
    public var truncatedAlerts: Int?
    public var externalURL: String?
    public var alerts: [Alert]

    /// Decodes and checks a webhook body; `maxAlerts` bounds what one delivery may carry.
    public static func decode(_ body: [UInt8], maxAlerts: Int) throws -> AlertmanagerWebhook {
        let hook: AlertmanagerWebhook
        do {
            hook = try JSONDecoder().decode(AlertmanagerWebhook.self, from: Data(body))
        } catch let DecodingError.keyNotFound(key, context) {
            throw AlertPayloadError.malformed("not an Alertmanager webhook: \(Self.path(context.codingPath + [key])) is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw AlertPayloadError.malformed("not an Alertmanager webhook: \(Self.path(context.codingPath)) has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw AlertPayloadError.malformed("not an Alertmanager webhook: \(Self.path(context.codingPath)) is null")
        } catch {
            throw AlertPayloadError.malformed("the body is not JSON")
        }
        if let v = hook.version, v != "4" {
            throw AlertPayloadError.invalid(["version \(v) is not supported: Alertmanager's webhook payload version 4 is"])
        }
        if hook.alerts.count > maxAlerts { throw AlertPayloadError.tooManyAlerts(count: hook.alerts.count, limit: maxAlerts) }
        var problems: [String] = []
        for (i, a) in hook.alerts.enumerated() where a.status != "firing" && a.status != "resolved" {
            problems.append("alerts[\(i)].status must be firing or resolved")
        }
        for (i, a) in hook.alerts.enumerated() where a.labels.isEmpty { problems.append("alerts[\(i)].labels is empty") }
        if !problems.isEmpty { throw AlertPayloadError.invalid(Array(problems.prefix(20))) }
        return hook
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// The group's alerts as signals. The group key names the receiver too, as two receivers may group alike.
    public var signals: [AlertSignal] {
        let group = groupKey.map { (receiver.map { "\($0)/" } ?? "") + $0 }
        return alerts.map { a in
            let annotations = a.annotations ?? [:]
            let name = a.labels["alertname"]
            let host = Self.host(a.labels)
            var summary = annotations["summary"] ?? annotations["message"] ?? annotations["description"] ?? name ?? "Alert"
            if let name, !summary.localizedCaseInsensitiveContains(name), annotations["summary"] != nil { summary = "\(name): \(summary)" }
            if let host, !summary.localizedCaseInsensitiveContains(host) { summary += " (\(host))" }
            let key = a.fingerprint.flatMap { $0.isEmpty ? nil : $0 }
                ?? StableHash.hex(a.labels.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] })
            return AlertSignal(
                action: a.status == "resolved" ? .resolve : .trigger, key: key, groupKey: group, summary: summary, source: host,
                severity: a.labels["severity"] ?? a.labels["priority"], labels: a.labels, details: annotations,
                startsAt: a.startsAt.flatMap(RFC3339.parse), endsAt: a.status == "resolved" ? a.endsAt.flatMap(RFC3339.parse) : nil,
                links: [a.generatorURL, annotations["runbook_url"], annotations["dashboard_url"]].compactMap { $0 }.filter { !$0.isEmpty })
        }
    }

    /// The machine an alert is about: an explicit host label, else the scrape target without its port.
    static func host(_ labels: [String: String]) -> String? {
        for k in ["host", "hostname", "nodename", "node", "instance", "device", "pod", "service"] {
            guard var v = labels[k]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { continue }
            if k == "instance" {
                if v.hasPrefix("http://") || v.hasPrefix("https://") { v = String(v.split(separator: "/").dropFirst().first ?? Substring(v)) }
                // host:port, [v6]:port — but not a bare IPv6 address.
                if v.hasPrefix("["), let close = v.firstIndex(of: "]") {
                    v = String(v[v.index(after: v.startIndex)..<close])
                } else if v.filter({ $0 == ":" }).count == 1, let colon = v.lastIndex(of: ":") {
                    v = String(v[..<colon])
                }
            }
            return v.isEmpty ? nil : v
        }
        return nil
    }
}
