import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// The console's side of monitoring and the phone: integrations administered from their page, the call log, a call's
/// page, the answering agent's live pop-up, a monitoring ticket's facts.
@Suite("Integration and call pages")
struct IntegrationPagesTests {
    @Test("an administrator creates an integration from the page, reads its address and sender configuration, and sees its deliveries")
    func integrationPages() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let b = Browser(api, language: "en")
            try await b.signIn(TestApp.adminEmail, TestApp.adminPassword)
            var page = try await b.get("/admin/integrations")
            #expect(page.status == .ok && page.contains("No integration yet."))
            let refused = try await b.post("/admin/integrations", [("type", "alertmanager"), ("name", "Prometheus"), ("organization", ""), ("max_alerts", "1000")])
            #expect(refused.status == .unprocessableContent && refused.contains("organization"), "monitoring needs an organization")
            let created = try await b.post("/admin/integrations", [("type", "alertmanager"), ("name", "Prometheus"), ("organization", w.acme.id.uuidString),
                                                                   ("auto_resolve", "on"), ("max_alerts", "500")])
            let location = try #require(created.location)
            page = try await b.get(location)
            #expect(page.contains("Integration created") && page.contains("/api/v1/alerts/alertmanager/") && page.contains("max_alerts: 500"))
            #expect(page.contains("Nothing received yet."))
            let integration = try #require(try await api.get("/api/v1/integrations", token: w.admin).json(Page<IntegrationDTO>.self).items.first)
            _ = try await api.send(.post, URL(string: integration.url)!.path, raw: ByteBuffer(string: "not json"))
            page = try await b.get(location)
            #expect(page.contains("refused") && page.contains("400"))
            let base = String(location.prefix { $0 != "?" })
            let rotated = try await b.post(base + "/token", [])
            #expect(rotated.location != nil, "\(rotated.status) \(rotated.html.prefix(300))")
            #expect(try await b.get(try #require(rotated.location)).contains("no longer works"))
            // An agent's extension is set where administrators make users.
            _ = try await b.get("/admin/users")
            let made = try await b.post("/admin/users", [("name", "Hugo Hotline"), ("email", "hugo@desk.example"), ("role", "agent"), ("organization", ""),
                                                         ("locale", "fr"), ("phone", "201"), ("password", "hugo-password-1")])
            #expect(made.location?.hasPrefix("/admin/users/") == true, "\(made.status)")
            let hugo = try #require(try await api.get("/api/v1/users?limit=200", token: w.admin).json(Page<UserDTO>.self).items.first { $0.email == "hugo@desk.example" })
            #expect(hugo.phone == "201")
            // Agents do not administer integrations.
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            #expect(try await agent.get("/admin/integrations").status == .forbidden)
        }
    }

    @Test("the call log, a call's page with the caller's open tickets, a ticket opened from it, the pop-up, and a monitoring ticket's facts")
    func callPages() async throws {
        try await TestApp.run(.live) { api in
            let w = try await World.make(api)
            let cti: IntegrationDTO = try await api.create("/api/v1/integrations", token: w.admin, IntegrationInput(type: .cti, name: "PBX"))
            let phone = try await api.send(.patch, "/api/v1/organizations/\(w.acme.id)", token: w.admin,
                                           headers: [.contentType: "application/merge-patch+json"], raw: ByteBuffer(string: #"{"phone":"01 40 00 00 00"}"#))
            #expect(phone.status == .ok)
            let existing = try await w.aliceTicket("Imprimante du 2e étage")
            let port = try #require(api.client.port)
            let agent = Browser(api, language: "en")
            try await agent.signIn(w.agent1.email, World.password)
            let stream = try LiveUpdatesTests.EventStream(port: port, path: "/live?calls=only", cookie: "escale_session=\(agent.cookies["escale_session"]!)")
            #expect(await stream.waitFor(": connected"))
            let path = URL(string: cti.url)!.path
            func event(_ body: String) async throws {
                let r = try await api.send(.post, path, headers: [.contentType: "application/x-www-form-urlencoded"], raw: ByteBuffer(string: body))
                #expect(r.status == .ok, "\(r.text)")
            }
            try await event("event=newCall&from=%2B33140000000&to=3000&direction=in&callId=p-1")
            try await event("event=answer&from=%2B33140000000&to=3000&direction=in&callId=p-1&answeringNumber=agent1%40desk.example")
            #expect(await stream.waitFor("event: call"), "the answering agent hears of the call: \(stream.received)")
            #expect(!stream.received.contains("event: ticket"), "a calls-only stream carries no ticket changes")
            let call = try #require(try await api.get("/api/v1/calls", token: w.admin).json(Page<CallDTO>.self).items.first)
            #expect(stream.received.contains(call.id.uuidString))

            let popup = try await agent.get("/calls/\(call.id)/popup")
            #expect(popup.status == .ok && popup.contains("Call answered") && popup.contains("Acme Industrie") && popup.contains(existing.number))
            #expect(!popup.contains("<html"), "a fragment, not a page")
            var page = try await agent.get("/calls")
            #expect(page.contains("+33140000000") && page.contains("In progress"))
            page = try await agent.get("/calls/\(call.id)")
            #expect(page.contains("New ticket from this call") && page.contains(existing.number))
            let made = try await agent.post("/calls/\(call.id)/ticket", [("subject", "Réseau coupé au 3e"), ("description", "Appel du standard"),
                                                                          ("impact", "high"), ("urgency", "high")])
            let ticketPath = try #require(made.location)
            page = try await agent.get(ticketPath)
            #expect(page.contains("Réseau coupé au 3e") && page.contains("took an incoming call"), "\(ticketPath)")

            // A missed call, called back from the log.
            try await event("event=newCall&from=0612345678&to=3000&direction=in&callId=p-2")
            try await event("event=hangup&from=0612345678&to=3000&direction=in&callId=p-2&cause=noAnswer")
            page = try await agent.get("/calls?status=callback")
            let missed = try #require(try await api.get("/api/v1/calls?status=missed", token: w.admin).json(Page<CallDTO>.self).items.first)
            #expect(page.contains("/calls/\(missed.id)/callback"))
            _ = try await agent.post("/calls/\(missed.id)/callback", [])
            #expect(try await api.get("/api/v1/calls?callback=pending", token: w.admin).json(Page<CallDTO>.self).items.isEmpty)

            // A monitoring ticket shows where it came from and how often it fired.
            let am: IntegrationDTO = try await api.create("/api/v1/integrations", token: w.admin,
                                                         IntegrationInput(type: .alertmanager, name: "Prometheus", organizationId: w.acme.id))
            let body = try AlertIntakeTests.webhook("01-main-timeline", 1)
            #expect(try await api.send(.post, URL(string: am.url)!.path, raw: ByteBuffer(bytes: body)).status == .ok)
            let t = try #require(try await api.get("/api/v1/tickets?channel=monitoring", token: w.admin).json(Page<TicketDTO>.self).items.first)
            page = try await agent.get("/tickets/\(TicketNumber.parse(t.number)!)")
            #expect(page.contains("Monitoring") && page.contains("Firing") && page.contains("web01") && page.contains("alertname=HighCPU"))
        }
    }
}
