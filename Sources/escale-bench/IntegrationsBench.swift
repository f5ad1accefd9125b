import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// Monitoring and phone intake at load, through their HTTP contracts on the real `escale serve`: Alertmanager
/// deliveries of 100 alerts repeating problems already open (the hot path: every evaluation of every firing alert),
/// Events v2 repeats one event per request, and CTI events (a call's three events).
enum IntegrationsBench {
    static let openProblems = 1_000
    static let alertsPerDelivery = 100

    struct Setup { let alertmanager: String; let events: String; let routingKey: String; let cti: String }

    static func prepare(port: Int, adminToken: String) async throws -> Setup {
        let api = SetupClient(port: port, adminToken: adminToken)
        defer { api.close() }
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let org = try await api.post("/api/v1/organizations", OrganizationInput(name: "Integrations bench \(suffix)"), as: OrganizationDTO.self)
        _ = try await api.post("/api/v1/organizations/\(org.id)/contracts", ContractInput(perimeter: "infrastructure", validFrom: Day("2020-01-01")!), as: ContractDTO.self)
        for i in 0..<50 {
            _ = try await api.post("/api/v1/users", UserInput(email: "caller\(i)-\(suffix)@bench.example", name: "Caller \(i)", role: .requester,
                                                           password: "bench-password-1", organizationId: org.id, phone: String(format: "01 40 00 %02d %02d", i / 100, i % 100)),
                               as: UserDTO.self)
        }
        let am = try await api.post("/api/v1/integrations", IntegrationInput(type: .alertmanager, name: "Prometheus", organizationId: org.id), as: IntegrationDTO.self)
        let ev = try await api.post("/api/v1/integrations", IntegrationInput(type: .eventsV2, name: "Grafana", organizationId: org.id), as: IntegrationDTO.self)
        let cti = try await api.post("/api/v1/integrations", IntegrationInput(type: .cti, name: "PBX"), as: IntegrationDTO.self)
        func path(_ url: String) -> String { URL(string: url)!.path }
        return Setup(alertmanager: path(am.url), events: path(ev.url), routingKey: ev.routingKey!, cti: path(cti.url))
    }

    /// A delivery of alerts `first..<first+count` (mod the open set), as Alertmanager writes it. `n` makes each body
    /// distinct, as two notifications of a real group are (a byte-identical body right after another is a retry).
    static func delivery(first: Int, count: Int, n: Int) -> ByteBuffer {
        var alerts: [String] = []
        for k in 0..<count {
            let i = (first + k) % openProblems
            alerts.append(#"{"status":"firing","labels":{"alertname":"BenchAlert","instance":"host-\#(i):9100","job":"node","severity":"warning"},"annotations":{"summary":"Charge élevée sur host-\#(i)"},"startsAt":"2026-12-01T08:00:00.000Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example/graph","fingerprint":"\#(String(format: "%016x", i))"}"#)
        }
        return ByteBuffer(string: #"{"receiver":"escale","status":"firing","alerts":[\#(alerts.joined(separator: ","))],"groupKey":"{}:{alertname=\"BenchAlert\"}","externalURL":"http://am-\#(n).example","version":"4","truncatedAlerts":0}"#)
    }

    static func run(port: Int, adminToken: String, requests: Int, concurrency: Int) async throws -> [LoadRunner.Result] {
        let setup = try await prepare(port: port, adminToken: adminToken)
        let runner = LoadRunner(port: port)
        let json: HTTPFields = [.contentType: "application/json"]
        // The open problems: 1,000 tickets (also the warm-up).
        let opening: LoadRunner.MakeRequest = { w, i in
            .init(setup.alertmanager, method: .post, headers: json, body: delivery(first: (w * 5 + i) * alertsPerDelivery, count: alertsPerDelivery, n: w * 1_000 + i))
        }
        _ = try await runner.run("alertmanager: opening \(openProblems) problems", concurrency: 2, requests: openProblems / alertsPerDelivery, expect: .ok, opening)
        let deliveries = max(concurrency, requests / alertsPerDelivery)
        let perWorker = deliveries / concurrency
        var bodies: [[ByteBuffer]] = []
        for w in 0..<concurrency {
            bodies.append((0..<perWorker).map { i in delivery(first: (w * 7 + i * 3) * 37, count: alertsPerDelivery, n: 100_000 + w * 10_000 + i) })
        }
        let prepared = bodies
        let repeats = try await runner.run("alertmanager: deliveries of \(alertsPerDelivery) repeating open problems", concurrency: concurrency,
                                           requests: deliveries, expect: .ok) { w, i in .init(setup.alertmanager, method: .post, headers: json, body: prepared[w][i]) }
        let events = (0..<200).map { i in
            ByteBuffer(string: #"{"routing_key":"\#(setup.routingKey)","event_action":"trigger","dedup_key":"bench-\#(i)","payload":{"summary":"Sauvegarde échouée \#(i)","source":"nas\#(i)","severity":"error"}}"#)
        }
        let v2 = try await runner.run("events v2: one repeated trigger a request", concurrency: concurrency, requests: min(requests, 5_000), expect: .accepted) { w, i in
            .init(setup.events, method: .post, headers: json, body: events[(w * 31 + i) % events.count])
        }
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        let kinds = ["newCall", "answer", "hangup"]
        // A PBX reports its calls' events as they happen: a couple at a time, then a burst from many lines at once.
        let ctiCalm = try await runner.run("cti: newCall, answer, hangup (2 lines at once)", concurrency: 2, requests: min(requests, 3_000), expect: .ok) { w, i in
            let call = "calm-\(w)-\(i / 3)"
            var body = "event=\(kinds[i % 3])&from=01400000\(String(format: "%02d", (w * 13 + i / 3) % 50))&to=3000&direction=in&callId=\(call)&queue=support"
            if i % 3 == 1 { body += "&answeringNumber=201" }
            if i % 3 == 2 { body += "&cause=normalClearing" }
            return .init(setup.cti, method: .post, headers: form, body: ByteBuffer(string: body))
        }
        let cti = try await runner.run("cti: newCall, answer, hangup", concurrency: concurrency, requests: min(requests, 6_000), expect: .ok) { w, i in
            let call = "bench-\(w)-\(i / 3)"
            let caller = String(format: "01400000%02d", (w * 13 + i / 3) % 50)
            var body = "event=\(kinds[i % 3])&from=\(caller)&to=3000&direction=in&callId=\(call)&queue=support"
            if i % 3 == 1 { body += "&answeringNumber=201" }
            if i % 3 == 2 { body += "&cause=normalClearing" }
            return .init(setup.cti, method: .post, headers: form, body: ByteBuffer(string: body))
        }
        var alertEvents = repeats
        alertEvents.name = "alertmanager: alert events deduplicated onto open tickets"
        alertEvents.requests = repeats.requests * alertsPerDelivery
        return [repeats, alertEvents, v2, ctiCalm, cti]
    }
}
