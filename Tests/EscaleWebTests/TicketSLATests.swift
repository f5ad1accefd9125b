import EscaleAPI
import EscaleCore
import Foundation
import Testing

@Suite("SLA on tickets")
struct TicketSLATests {
    @Test("a contract with an SLA policy gives its tickets due times that follow replies and pauses")
    func ticketSLA() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let calendar = try await api.create("/api/v1/calendars", token: w.admin, CalendarAPITests.office, as: CalendarDTO.self)
            let policy = try await api.create("/api/v1/sla-policies", token: w.admin, CalendarAPITests.policy(calendar: calendar.id), as: SLAPolicyDTO.self)
            // From today, Acme's contract carries the policy.
            _ = try await api.create("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                     ContractInput(name: "Acme SLA", perimeter: "infrastructure", validFrom: Day("2026-12-01")!, calendarId: calendar.id, slaPolicyId: policy.id), as: ContractDTO.self)

            // Created Tuesday 1 December, 09:00 Paris, priority 3: respond within 60 business minutes, resolve within 1,440.
            let t = try await w.aliceTicket()
            #expect(t.priority.rawValue == 3)
            let sla = try #require(t.sla)
            #expect(sla.policyId == policy.id)
            #expect(sla.firstResponse == .pending && sla.resolution == .pending && !sla.paused)
            #expect(sla.firstResponseDueAt == ISO8601DateFormatter().date(from: "2026-12-01T09:00:00Z"))
            // 450 business minutes a day (09:00–12:00, 13:30–18:00): Tuesday, Wednesday, Thursday, then 90 on Friday → 10:30.
            #expect(sla.resolutionDueAt == ISO8601DateFormatter().date(from: "2026-12-04T09:30:00Z"))

            // The desk answers: first response met.
            _ = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Nous regardons.", isPublic: true))
            let replied = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(replied.sla?.firstResponse == .met)
            #expect(replied.sla?.firstResponseDueAt == nil)

            // Nothing is near its warning threshold yet: the "SLA due soon" queue is empty (see `dueSoonAndStoppedClocks`).
            let console = Browser(api)
            try await console.signIn(w.agent1.email, World.password)
            let soon = try await console.get("/queues/breaching")
            #expect(!soon.contains(t.subject), "\(soon.html.prefix(200))")
            #expect(soon.contains("Échéances SLA"))

            // Waiting for the requester: the resolution clock is paused, with no due time.
            var p = TicketPatch(); p.status = .pending
            let paused = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v\(replied.version)\""], json: p)
            #expect(paused.status == .ok)
            let pausedSLA = try #require(try paused.json(TicketDTO.self).sla)
            #expect(pausedSLA.paused && pausedSLA.resolutionDueAt == nil && pausedSLA.resolution == .pending)
            #expect(!(try await console.get("/queues/breaching").contains(t.subject)), "a paused clock is not due")

            // Lists carry it too; a ticket of an organization without an SLA policy has none.
            let list = try await api.get("/api/v1/tickets?organization_id=\(w.acme.id)", token: w.agent1Token).json(Page<TicketDTO>.self)
            #expect(list.items.first { $0.id == t.id }?.sla?.paused == true)
            let globex: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken,
                                                         TicketInput(subject: "Écran", description: "Cassé", impact: .low, urgency: .low))
            #expect(globex.sla == nil)
            let raw = try await api.get("/api/v1/tickets/\(globex.id)", token: w.admin).object
            #expect(raw["sla"] == nil)

            // The ticket page shows the clocks, in the reader's language, with no missing string.
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/tickets/\(Int(t.number.dropFirst(4))!)")
            #expect(page.contains(#"aria-label="SLA""#) && page.contains("Première réponse"))
            #expect(page.contains("sla-met") && page.contains("Suspendu"))
            #expect(!page.contains("⟦"))
            let alice = Browser(api, language: "en")
            try await alice.signIn(w.alice.email, World.password)
            _ = try await alice.get("/account")
            _ = try await alice.post("/account/preferences", [("locale", "en"), ("time_zone", "Europe/Paris")])
            let request = try await alice.get("/tickets/\(Int(t.number.dropFirst(4))!)")
            #expect(request.contains(#"aria-label="SLA""#) && request.contains("Paused") && !request.contains("⟦"))

            // The service-level report: the organization's tickets of the period, per priority and clock.
            let period = "organization_id=\(w.acme.id)&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"
            let report = try await api.get("/api/v1/reports/sla?\(period)", token: w.admin)
            #expect(report.status == .ok, "\(report.text)")
            let r = try report.json(SLAReportDTO.self)
            #expect(r.tickets == 1)
            let response = r.items.first { $0.priority == 3 && $0.metric == .firstResponse }
            #expect(response?.met == 1 && response?.compliancePercent == 100)
            #expect(r.items.first { $0.priority == 3 && $0.metric == .resolution }?.running == 1)
            #expect(try await api.get("/api/v1/reports/sla?\(period)", token: w.managerToken).status == .ok, "a client manager reads their organization's")
            #expect(try await api.get("/api/v1/reports/sla?\(period)", token: w.aliceToken).status == .forbidden)
            #expect(try await api.get("/api/v1/reports/sla?organization_id=\(w.acme.id)&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", token: w.eveToken).status == .forbidden)
            let managerOfOther = try await api.get("/api/v1/reports/sla?organization_id=\(w.globex.id)&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", token: w.managerToken)
            #expect(managerOfOther.status == .notFound, "another organization's report is not found, like a missing one")
            #expect(try await api.get("/api/v1/reports/sla?organization_id=\(w.acme.id)&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", token: w.admin).problem?.field == "to")

            // The wire format is the documented one.
            let doc = try JSONSerialization.jsonObject(with: Data(try await api.get("/api/v1/openapi.json", token: nil).body.readableBytesView)) as! [String: Any]
            let schemas = (doc["components"] as! [String: Any])["schemas"] as! [String: Any]
            let ticket = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).object
            WireFormatTests.check(ticket, against: "Ticket", in: schemas)
            WireFormatTests.check(ticket["sla"] as! [String: Any], against: "SLA", in: schemas)
            WireFormatTests.check(report.object, against: "SLAReport", in: schemas)
        }
    }

    @Test("the SLA shows the clock next due, stopped clocks as stopped, paused ones as paused; 'due soon' follows the policy's warning threshold")
    func dueSoonAndStoppedClocks() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let calendar = try await api.create("/api/v1/calendars", token: w.admin, CalendarAPITests.office, as: CalendarDTO.self)
            let policy = try await api.create("/api/v1/sla-policies", token: w.admin, CalendarAPITests.policy(calendar: calendar.id), as: SLAPolicyDTO.self)
            _ = try await api.create("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                     ContractInput(name: "Acme SLA", perimeter: "infrastructure", validFrom: Day("2026-12-01")!, calendarId: calendar.id, slaPolicyId: policy.id), as: ContractDTO.self)
            // A P1 (respond in 15 min, update every 120, resolve in 240) and a P5 (resolve in 2,400 business minutes).
            let p1 = try await w.aliceTicket("Plus rien ne marche", impact: .high, urgency: .high)
            let p5 = try await w.aliceTicket("Changer le fond d'écran", impact: .low, urgency: .low)
            #expect(p1.priority.rawValue == 1 && p5.priority.rawValue == 5)
            #expect(p1.sla?.nextDue == .firstResponse && p1.sla?.atRisk == false)
            let console = Browser(api)
            try await console.signIn(w.agent1.email, World.password)
            #expect(!(try await console.get("/queues/breaching")).contains(p5.subject))

            // 12 minutes later the P1's first response is past 75 % of its 15 minutes: at risk, and listed; the P5 is not.
            clock.advance(minutes: 12)
            let soon = try await console.get("/queues/breaching")
            #expect(soon.contains(p1.subject) && !soon.contains(p5.subject), "\(soon.html)")
            #expect(try await api.get("/api/v1/tickets/\(p1.id)", token: w.agent1Token).json(TicketDTO.self).sla?.atRisk == true)

            // Answered: the next clock due is the next update, and the ticket page marks it.
            _ = try await api.post("/api/v1/tickets/\(p1.id)/comments", token: w.agent1Token, CommentInput(body: "On regarde.", isPublic: true))
            let answered = try await api.get("/api/v1/tickets/\(p1.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(answered.sla?.nextDue == .nextUpdate && answered.sla?.atRisk == false)
            let seq = Int(p1.number.dropFirst(4))!
            let page = try await console.get("/tickets/\(seq)")
            #expect(page.contains(#"<div class="sla-next"><dt>Prochaine mise à jour</dt>"#), "\(page.html)")

            // Waiting for the requester: resolution and next update show "paused", never "running" beside it.
            var hold = TicketPatch(); hold.status = .pending
            let pending = try await api.send(.patch, "/api/v1/tickets/\(p1.id)", token: w.agent1Token, headers: [.ifMatch: "\"v\(answered.version)\""], json: hold).json(TicketDTO.self)
            let paused = try await console.get("/tickets/\(seq)")
            #expect(paused.contains(#"<dt>Résolution</dt><dd><span class="sla sla-paused">Suspendu</span>"#), "\(paused.html)")
            #expect(!paused.contains("sla-pending"))

            // Resolved: no clock runs any more — the next update is stopped (met), not running on.
            var done = TicketPatch(); done.status = .resolved
            let resolved = try await api.send(.patch, "/api/v1/tickets/\(p1.id)", token: w.agent1Token, headers: [.ifMatch: "\"v\(pending.version)\""], json: done).json(TicketDTO.self)
            let sla = try #require(resolved.sla)
            #expect(sla.nextUpdate == .met && sla.nextUpdateDueAt == nil && sla.resolution == .met && sla.nextDue == nil && !sla.atRisk)
            clock.advance(minutes: 600)
            let later = try await api.get("/api/v1/tickets/\(p1.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(later.sla?.nextUpdate == .met, "still stopped hours later")
            #expect(!(try await console.get("/queues/breaching")).contains(p1.subject))
            #expect(!(try await console.get("/tickets/\(seq)")).contains("sla-pending"))
        }
    }
}
