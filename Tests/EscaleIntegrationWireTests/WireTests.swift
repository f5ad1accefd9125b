import EscaleAlerts
import EscaleCTI
import Foundation
import Testing

@Suite("Alertmanager, Events v2 and CTI wire formats")
struct WireTests {
    static let fixtures: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/fixtures/prometheus-alertmanager")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent")
    }()

    static func bodies() throws -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for scenario in try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted() where !scenario.hasSuffix(".md") {
            let dir = fixtures.appendingPathComponent(scenario)
            for f in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where f.hasSuffix("body.bin") {
                out.append(("\(scenario)/\(f)", [UInt8](try Data(contentsOf: dir.appendingPathComponent(f)))))
            }
        }
        return out
    }

    @Test("every captured webhook decodes: fingerprints, hosts without ports, firing alerts without an end, the group key")
    func captures() throws {
        let all = try Self.bodies()
        try #require(all.count >= 17, "the fixtures are missing: \(Self.fixtures.path)")
        for (name, body) in all {
            let hook = try AlertmanagerWebhook.decode(body, maxAlerts: 100)
            #expect(!hook.alerts.isEmpty, "\(name)")
            for s in hook.signals {
                #expect(s.key.count == 16 && s.groupKey?.hasPrefix("helpdesk-webhook/{}:{alertname=") == true, "\(name) \(s.key) \(s.groupKey ?? "")")
                #expect(s.source.map { !$0.contains(":") } ?? false, "\(name): \(s.source ?? "nil")")
                #expect(s.startsAt != nil, "\(name)")
                if s.action == .trigger { #expect(s.endsAt == nil) } else { #expect(s.endsAt != nil) }
            }
        }
        let first = try AlertmanagerWebhook.decode(all.first { $0.0 == "01-main-timeline/001-webhook.request.body.bin" }!.1, maxAlerts: 100).signals[0]
        #expect(first.key == "b73f0becb1235e33" && first.source == "web01" && first.severity == "critical" && first.summary.contains("HighCPU"))
        #expect(first.summary.contains("pendant"), "the French annotation kept: \(first.summary)")
        #expect(first.links.contains { $0.hasPrefix("http://prometheus") })
    }

    @Test("bad webhooks are refused with the reason: not JSON, wrong shape, wrong version, too many alerts")
    func badWebhooks() {
        func reason(_ s: String, max: Int = 10) -> AlertPayloadError? {
            do { _ = try AlertmanagerWebhook.decode(Array(s.utf8), maxAlerts: max); return nil } catch { return error as? AlertPayloadError }
        }
        #expect(reason("nope") == .malformed("the body is not JSON"))
        #expect(reason(#"{"alerts":3}"#).map { "\($0)".contains("alerts") } == true)
        #expect(reason(#"{"version":"3","alerts":[]}"#).map { "\($0)".contains("version") } == true)
        #expect(reason(#"{"alerts":[{"status":"odd","labels":{"a":"b"}}]}"#).map { "\($0)".contains("firing or resolved") } == true)
        let many = "[" + Array(repeating: #"{"status":"firing","labels":{"a":"b"}}"#, count: 11).joined(separator: ",") + "]"
        #expect(reason(#"{"alerts":\#(many)}"#) == .tooManyAlerts(count: 11, limit: 10))
        #expect("\(AlertPayloadError.tooManyAlerts(count: 11, limit: 10))".contains("max_alerts"))
    }

    @Test("RFC 3339 instants with any fraction and offset; Alertmanager's zero time is none")
    func instants() {
        #expect(RFC3339.parse("2026-12-01T00:09:35.377Z")?.timeIntervalSince1970 == 1_796_083_775.377)
        #expect(RFC3339.parse("2026-12-01T01:09:35+01:00")?.timeIntervalSince1970 == 1_796_083_775)
        #expect(RFC3339.parse("2026-12-01T00:09:35.123456789Z") != nil)
        for bad in ["0001-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "yesterday", "2026-12-01T00:09:35", "2026-12-01T00:09:35.Z"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("Events v2: a trigger's fields, custom details flattened, a derived key when none is given, every problem at once")
    func eventsV2() throws {
        let e = try EventsV2Event.decode(Array(#"{"routing_key":"k","event_action":"trigger","payload":{"summary":"Disk","source":"db01","severity":"error","custom_details":{"free":2,"m":{"p":"/var"}}},"links":[{"href":"https://grafana.example/d/1"}]}"#.utf8))
        #expect(e.dedupKey == nil && e.key.count == 16 && e.signal.details == ["free": "2", "m": #"{"p":"\/var"}"#] && e.links == ["https://grafana.example/d/1"])
        do {
            _ = try EventsV2Event.decode(Array(#"{"event_action":"trigger","payload":{"severity":"bad"}}"#.utf8))
            Issue.record("accepted a bad event")
        } catch let AlertPayloadError.invalid(problems) {
            #expect(problems.count == 4, "\(problems)")
        }
        #expect(throws: AlertPayloadError.self) { try EventsV2Event.decode(Array(#"{"routing_key":"k","event_action":"resolve"}"#.utf8)) }
    }

    @Test("CTI events, form-encoded with user[] repeated or JSON, validated")
    func cti() throws {
        let form = try CTIEvent.decode(Array("event=answer&from=%2B33123456789&to=3000&direction=in&callId=a%40b&user%5B%5D=Ann+Smith&user[]=Bob&answeringNumber=201".utf8),
                                       contentType: "application/x-www-form-urlencoded")
        #expect(form.event == .answer && form.from == "+33123456789" && form.callId == "a@b" && form.users == ["Ann Smith", "Bob"] && form.answeringNumber == "201")
        let json = try CTIEvent.decode(Array(#"{"event":"hangup","from":"0123456789","to":"3000","direction":"out","callId":"x","cause":"busy","user[]":["Ann"]}"#.utf8),
                                       contentType: "application/json")
        #expect(json.event == .hangup && json.direction == .out && json.cause == "busy" && json.users == ["Ann"] && json.externalNumber == "3000")
        do {
            _ = try CTIEvent.decode(Array("event=dial&direction=up".utf8), contentType: nil)
            Issue.record("accepted a bad event")
        } catch let CTIEvent.DecodeError.invalid(problems) {
            #expect(problems.count == 5, "\(problems)")
        }
        // JSON fields are strings: a number in user[] or an object for callId is refused, not coerced.
        do {
            _ = try CTIEvent.decode(Array(#"{"event":"newCall","from":"1","to":"2","direction":"out","callId":{},"user[]":[-2],"extra":{}}"#.utf8),
                                    contentType: "application/json")
            Issue.record("accepted non-string fields")
        } catch let CTIEvent.DecodeError.invalid(problems) {
            #expect(problems == ["callId must be a string", "user[] must be an array of strings"])
        }
    }
}
