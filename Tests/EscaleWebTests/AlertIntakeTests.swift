import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// Monitoring alerts through their HTTP contract: Alertmanager's real webhook captures (`../shared/fixtures/
/// prometheus-alertmanager`) replayed byte for byte, and Events v2 events.
@Suite("Monitoring alerts: Alertmanager and Events v2 intake, dedup, resolve, flapping, bad input")
struct AlertIntakeTests {
    static let fixtures: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/fixtures/prometheus-alertmanager")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/shared/fixtures/prometheus-alertmanager")
    }()

    static func webhook(_ scenario: String, _ n: Int) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(scenario).appendingPathComponent(String(format: "%03d-webhook.request.body.bin", n))))
    }

    static func path(_ url: String) -> String { URL(string: url)!.path }

    static func integration(_ w: World, _ type: IntegrationType, autoResolve: Bool? = nil, maxAlerts: Int? = nil) async throws -> IntegrationDTO {
        try await w.api.create("/api/v1/integrations", token: w.admin,
                               IntegrationInput(type: type, name: "Prometheus \(type.rawValue)", organizationId: w.acme.id, autoResolve: autoResolve, maxAlerts: maxAlerts))
    }

    static func post(_ api: API, _ url: String, _ body: [UInt8], contentType: String = "application/json") async throws -> API.Reply {
        try await api.send(.post, path(url), headers: [.contentType: contentType], raw: ByteBuffer(bytes: body))
    }

    static func tickets(_ w: World) async throws -> [TicketDTO] {
        try await w.api.get("/api/v1/tickets?channel=monitoring&limit=100", token: w.admin).json(Page<TicketDTO>.self).items
    }

    static func ticket(_ w: World, _ id: UUID) async throws -> TicketDTO {
        try await w.api.get("/api/v1/tickets/\(id)", token: w.admin).json(TicketDTO.self)
    }

    @Test("the captured Alertmanager timeline: one ticket per fingerprint, a group of three is three linked tickets, repeats counted, resolutions resolve")
    func alertmanagerTimeline() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let am = try await Self.integration(w, .alertmanager)
            #expect(am.url.hasSuffix("/api/v1/alerts/alertmanager/\(am.token)"))
            func deliver(_ n: Int) async throws -> AlertReceiptDTO {
                clock.advance(minutes: 0.2)
                let r = try await Self.post(api, am.url, try Self.webhook("01-main-timeline", n))
                try #require(r.status == .ok, "webhook \(n): \(r.status) \(r.text)")
                return try r.json(AlertReceiptDTO.self)
            }
            let first = try await deliver(1)
            #expect(first.created == 1 && first.outcome == "accepted")
            var all = try await Self.tickets(w)
            try #require(all.count == 1)
            let web01 = all[0]
            #expect(web01.channel == .monitoring && web01.priority == .critical && web01.organizationId == w.acme.id)
            #expect(web01.subject.contains("HighCPU") && web01.subject.contains("web01"))
            #expect(web01.description.contains("Gravité : critical") && web01.description.contains("Étiquettes : "),
                    "the desk's words in the client's language (French by default): \(web01.description)")
            #expect(web01.alert?.key == "b73f0becb1235e33" && web01.alert?.count == 1 && web01.alert?.state == "firing" && web01.alert?.host == "web01")

            let disk = try await deliver(2)
            #expect(disk.created == 3)
            all = try await Self.tickets(w)
            #expect(all.count == 4)
            let diskTickets = all.filter { $0.alert?.labels["alertname"] == "DiskFull" }
            #expect(diskTickets.count == 3 && Set(diskTickets.compactMap(\.alert?.host)).count == 3)
            // The group's later tickets are related to its first.
            let relations = try await api.get("/api/v1/tickets/\(diskTickets.max { $0.number < $1.number }!.id)/links", token: w.admin)
            #expect(relations.text.contains("related"), "\(relations.text)")

            let third = try await deliver(3)  // web01 again (a repeat), web02 new
            #expect(third.created == 1 && third.repeated == 1)
            #expect(try await Self.ticket(w, web01.id).alert?.count == 2)

            let fourth = try await deliver(4)  // web01 resolved, web02 still firing
            #expect(fourth.resolved == 1 && fourth.repeated == 1)
            let resolved = try await Self.ticket(w, web01.id)
            #expect(resolved.status == .resolved && resolved.alert?.state == "resolved")
            let timeline = try await api.get("/api/v1/tickets/\(web01.id)/timeline", token: w.admin).text
            #expect(timeline.contains("\"monitoring\"") && timeline.contains("\"resolved\""))

            for n in 5...11 { _ = try await deliver(n) }
            all = try await Self.tickets(w)
            #expect(all.count == 6, "web01, web02, db01–03, app01: \(all.map(\.subject))")
            #expect(all.allSatisfy { $0.status == .resolved }, "\(all.map { "\($0.subject) \($0.status)" })")
            #expect(all.first { $0.alert?.labels["instance"]?.hasPrefix("db01") == true }?.alert?.count == 2)

            let log = try await api.get("/api/v1/integrations/\(am.id)/deliveries", token: w.admin).json(Page<IntegrationDeliveryDTO>.self).items
            #expect(log.count == 11 && log.allSatisfy { $0.httpStatus == 200 })
            #expect(log.contains { $0.outcome == "deduplicated" } && log.contains { $0.outcome == "accepted" })
        }
    }

    @Test("a retried payload (after a 5xx) is stored once; a re-fire a minute later is a new ticket related to the previous")
    func retriesAndRefire() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let am = try await Self.integration(w, .alertmanager)
            let body = try Self.webhook("02-webhook-retry-on-500", 1)
            for _ in 0..<3 { #expect(try await Self.post(api, am.url, body).status == .ok) }
            var all = try await Self.tickets(w)
            #expect(all.count == 1 && all[0].alert?.count == 1, "retries of one payload are one delivery")
            let log = try await api.get("/api/v1/integrations/\(am.id)/deliveries", token: w.admin).json(Page<IntegrationDeliveryDTO>.self).items
            #expect(log.filter { $0.outcome == "deduplicated" }.count == 2)
            // Resolved, then firing again long after: a new occurrence, a new ticket linked to the old one.
            let resolved = try #require(String(bytes: body, encoding: .utf8)).replacingOccurrences(of: "\"status\":\"firing\"", with: "\"status\":\"resolved\"")
            clock.advance(minutes: 1)
            #expect(try await Self.post(api, am.url, Array(resolved.utf8)).status == .ok)
            clock.advance(minutes: 10)
            #expect(try await Self.post(api, am.url, body).status == .ok)
            all = try await Self.tickets(w)
            #expect(all.count == 2 && all.filter { $0.status.isOpen }.count == 1)
        }
    }

    static func event(_ key: String, _ action: String, dedup: String? = "disk-full-db01", severity: String = "critical", summary: String = "Disque plein sur db01") -> [UInt8] {
        var o: [String: Any] = ["routing_key": key, "event_action": action]
        if let dedup { o["dedup_key"] = dedup }
        if action == "trigger" {
            o["payload"] = ["summary": summary, "source": "db01.acme.example", "severity": severity,
                            "custom_details": ["free": "2%", "mount": ["path": "/var"]]] as [String: Any]
        }
        return [UInt8](try! JSONSerialization.data(withJSONObject: o))
    }

    @Test("Events v2: trigger, repeat, acknowledge, resolve on one ticket; the dedup key comes back; every problem of a bad event at once")
    func eventsV2() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let ev = try await Self.integration(w, .eventsV2)
            let key = try #require(ev.routingKey)
            let r1 = try await Self.post(api, ev.url, Self.event(key, "trigger"))
            #expect(r1.status == .accepted, "\(r1.text)")
            #expect(r1.object["dedup_key"] as? String == "disk-full-db01" && r1.object["status"] as? String == "success")
            // The same event through the generic Events v2 address, the routing key saying which integration.
            #expect(try await Self.post(api, "http://x/api/v1/alerts/events/v2/enqueue", Self.event(key, "trigger")).status == .accepted)
            var t = try #require(try await Self.tickets(w).first)
            #expect(t.alert?.count == 2 && t.priority == .critical && t.description.contains("mount"))
            #expect(try await Self.post(api, ev.url, Self.event(key, "acknowledge")).status == .accepted)
            #expect(try await Self.ticket(w, t.id).alert?.state == "acknowledged")
            #expect(try await Self.post(api, ev.url, Self.event(key, "resolve")).status == .accepted)
            t = try await Self.ticket(w, t.id)
            #expect(t.status == .resolved && t.alert?.state == "resolved")
            // A trigger without a dedup key gets one derived from what it says, given back to resolve it by.
            let r2 = try await Self.post(api, ev.url, Self.event(key, "trigger", dedup: nil, severity: "warning", summary: "Certificat bientôt expiré"))
            let derived = try #require(r2.object["dedup_key"] as? String)
            #expect(try await Self.post(api, ev.url, Self.event(key, "trigger", dedup: nil, severity: "warning", summary: "Certificat bientôt expiré")).object["dedup_key"] as? String == derived)
            #expect(try await Self.tickets(w).filter { $0.status.isOpen }.count == 1)
            #expect(try await Self.tickets(w).first { $0.status.isOpen }?.priority == .medium)

            // Bad events: every problem at once, nothing stored.
            let bad = try await Self.post(api, ev.url, Array(#"{"routing_key":"\#(key)","event_action":"trigger","payload":{"severity":"fatal"}}"#.utf8))
            #expect(bad.status == .badRequest)
            for word in ["summary", "source", "severity"] { #expect(bad.text.contains(word), "\(bad.text)") }
            #expect(try await Self.post(api, ev.url, Array(#"{"routing_key":"\#(key)","event_action":"resolve"}"#.utf8)).status == .badRequest)
            #expect(try await Self.post(api, ev.url, Array("not json".utf8)).status == .badRequest)
            #expect(try await Self.post(api, ev.url, Self.event("someone-else", "trigger")).status == .badRequest)
            #expect(try await Self.post(api, "http://x/api/v1/alerts/events/v2/enqueue", Self.event("unknown-key", "trigger")).status == .notFound)
            #expect(try await Self.tickets(w).count == 2)
        }
    }

    @Test("flapping: a re-fire within a minute reopens the same ticket, and while it flaps its resolution is held back a minute")
    func flapping() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let ev = try await Self.integration(w, .eventsV2)
            let key = try #require(ev.routingKey)
            func send(_ action: String) async throws { #expect(try await Self.post(api, ev.url, Self.event(key, action)).status == .accepted) }
            try await send("trigger")
            let id = try #require(try await Self.tickets(w).first?.id)
            clock.advance(minutes: 0.25); try await send("resolve")
            #expect(try await Self.ticket(w, id).status == .resolved)
            clock.advance(minutes: 0.25); try await send("trigger")
            var t = try await Self.ticket(w, id)
            #expect(t.status.isOpen && t.alert?.flaps == 1, "fired again within the minute: the same ticket reopens")
            clock.advance(minutes: 0.25); try await send("resolve")
            t = try await Self.ticket(w, id)
            #expect(t.status.isOpen && t.alert?.state == "resolving", "flapping: the resolution is held")
            clock.advance(minutes: 0.25); try await send("trigger")
            #expect(try await Self.ticket(w, id).alert?.state == "firing")
            clock.advance(minutes: 0.25); try await send("resolve")
            clock.advance(minutes: 1.1)
            _ = try await api.desk.drainDueJobs()
            t = try await Self.ticket(w, id)
            #expect(t.status == .resolved && t.alert?.state == "resolved", "quiet for the hold: resolved")
            #expect(try await Self.tickets(w).count == 1)
        }
    }

    @Test("bad deliveries: a wrong token is a 404 with nothing stored; garbage a 400; 10,000 alerts a 413 that says to set max_alerts; an organization label routes")
    func badInputAndRouting() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let am = try await Self.integration(w, .alertmanager, autoResolve: false)
            let body = try Self.webhook("01-main-timeline", 1)
            #expect(try await api.send(.post, "/api/v1/alerts/alertmanager/not-a-token", raw: ByteBuffer(bytes: body)).status == .notFound)
            #expect(try await api.send(.post, "/api/v1/cti/\(am.token)", raw: ByteBuffer(bytes: body)).status == .notFound, "a token opens its own kind only")
            #expect(try await Self.tickets(w).isEmpty)
            #expect(try await Self.post(api, am.url, Array("{\"alerts\": 12}".utf8)).status == .badRequest)
            #expect(try await Self.post(api, am.url, Array("\u{1}garbage".utf8)).status == .badRequest)
            let alert = #"{"status":"firing","labels":{"alertname":"Flood","instance":"h%d:9100"},"annotations":{},"startsAt":"2026-12-01T08:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"%016x"}"#
            let many = (0..<10_000).map { String(format: alert, $0, $0) }.joined(separator: ",")
            let flood = try await Self.post(api, am.url, Array(#"{"version":"4","status":"firing","receiver":"hd","groupKey":"{}:{}","alerts":[\#(many)]}"#.utf8))
            #expect(flood.status == .contentTooLarge, "\(flood.status)")
            #expect(flood.text.contains("max_alerts"))
            let log = try await api.get("/api/v1/integrations/\(am.id)/deliveries", token: w.admin).json(Page<IntegrationDeliveryDTO>.self).items
            #expect(log.count == 3 && log.allSatisfy { $0.outcome == "refused" })
            #expect(log.contains { $0.detail?.contains("max_alerts") == true && $0.httpStatus == 413 }, "\(log.map { $0.detail ?? "" })")
            #expect(try await Self.tickets(w).isEmpty, "nothing half-made")

            // An organization label names the client; without auto_resolve the ticket stays open when it resolves.
            let labelled = #"{"version":"4","status":"%@","receiver":"hd","groupKey":"{}:{alertname=\"Down\"}","alerts":[{"status":"%@","labels":{"alertname":"Down","instance":"srv.globex:9100","organization":"Globex","severity":"warning"},"annotations":{"summary":"Serveur injoignable"},"startsAt":"2026-12-01T07:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"00000000000000aa"}]}"#
            #expect(try await Self.post(api, am.url, Array(String(format: labelled, "firing", "firing").utf8)).status == .ok)
            let t = try #require(try await Self.tickets(w).first)
            #expect(t.organizationId == w.globex.id && t.priority == .medium && t.alert?.host == "srv.globex")
            #expect(try await Self.post(api, am.url, Array(String(format: labelled, "resolved", "resolved").utf8)).status == .ok)
            let after = try await Self.ticket(w, t.id)
            #expect(after.status.isOpen && after.alert?.state == "resolved")
            // Globex's requester cannot see it; Acme's manager neither; no integration for an agent.
            #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.managerToken).status == .notFound)
            #expect(try await api.get("/api/v1/integrations", token: w.agent1Token).status == .forbidden)
        }
    }

    @Test("integrations: created with their secret URL, rotated (the old URL stops), deactivated (404), validated")
    func administration() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let am = try await Self.integration(w, .alertmanager)
            let listed = try await api.get("/api/v1/integrations", token: w.admin).json(Page<IntegrationDTO>.self).items
            #expect(listed.map(\.url) == [am.url], "the URL can be read again")
            let rotated = try await api.send(.post, "/api/v1/integrations/\(am.id)/token", token: w.admin).json(IntegrationDTO.self)
            #expect(rotated.url != am.url)
            let body = try Self.webhook("01-main-timeline", 1)
            #expect(try await Self.post(api, am.url, body).status == .notFound)
            #expect(try await Self.post(api, rotated.url, body).status == .ok)
            let afterDelivery = try await api.get("/api/v1/integrations", token: w.admin).json(Page<IntegrationDTO>.self).items
            #expect(afterDelivery.first?.lastDeliveryAt != nil, "the list shows each integration's last delivery")
            let off = try await api.send(.patch, "/api/v1/integrations/\(am.id)", token: w.admin, headers: [.contentType: "application/merge-patch+json"],
                                         raw: ByteBuffer(string: #"{"active": false}"#))
            #expect(off.status == .ok, "\(off.text)")
            #expect(try await Self.post(api, rotated.url, body).status == .notFound)
            let missing = try await api.post("/api/v1/integrations", token: w.admin, IntegrationInput(type: .alertmanager, name: " ", maxAlerts: 0))
            #expect(missing.status == .unprocessableContent)
            for field in ["name", "organization_id", "max_alerts"] { #expect(missing.text.contains(field), "\(missing.text)") }
            let cti: IntegrationDTO = try await api.create("/api/v1/integrations", token: w.admin, IntegrationInput(type: .cti, name: "PBX"))
            #expect(cti.url.hasSuffix("/api/v1/cti/\(cti.token)") && cti.routingKey == nil)
        }
    }
}
