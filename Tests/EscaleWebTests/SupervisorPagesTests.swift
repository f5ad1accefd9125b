import EscaleAPI
import EscaleCore
import EscaleStore
@testable import EscaleWeb
import Foundation
import HTTPTypes
import Testing

/// The supervision page, the SLA report page and its CSV, and the client manager's filtered list, through the pages
/// as people use them; tickets are put at risk and in breach by moving the desk's clock.
@Suite("Supervisor and client-manager pages")
struct SupervisorPagesTests {
    static let supervisorEmail = "chief@desk.example"

    @Test("the SLA report page shows the report of an organization and period, and downloads it as escaped CSV")
    func slaReport() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            // Given: two Acme tickets on 1 December; one answered in time, the other's first response is late.
            let w = try await World.make(api)
            let terms = try await EscalationAndOnCallTests.acmeTerms(w)
            let answered = try await w.aliceTicket("Répondu")
            _ = try await w.aliceTicket("En retard")
            _ = try await api.post("/api/v1/tickets/\(answered.id)/comments", token: w.agent1Token, CommentInput(body: "Vu.", isPublic: true))
            // And a client whose name a spreadsheet would take for a formula, with quotes, a comma and a line break.
            let tricky = "=HYPERLINK(\"http://evil.example\"), \"Evil\"\nCorp"
            let evil: OrganizationDTO = try await api.create("/api/v1/organizations", token: w.admin, OrganizationInput(name: tricky))
            _ = try await api.create("/api/v1/organizations/\(evil.id)/contracts", token: w.admin,
                                     ContractInput(name: "Evil SLA", perimeter: "infrastructure", validFrom: Day("2026-12-01")!,
                                                   calendarId: terms.calendar.id, slaPolicyId: terms.policy.id), as: ContractDTO.self)
            _ = try await api.create("/api/v1/users", token: w.admin, UserInput(email: "mallory@evil.example", name: "Mallory", role: .requester,
                                                                                  password: World.password, organizationId: evil.id), as: UserDTO.self)
            _ = try await api.create("/api/v1/tickets", token: try await api.login("mallory@evil.example", World.password),
                                     TicketInput(subject: "x", description: "y", impact: .medium, urgency: .medium), as: TicketDTO.self)
            clock.advance(minutes: 70)

            // When the supervisor opens the report (the current month by default, the first organization first).
            let chief = Browser(api)
            try await chief.signIn(Self.supervisorEmail, World.password)
            let page = try await chief.get("/reports/sla?organization=\(w.acme.id.uuidString)")
            #expect(page.status == .ok, "\(page.html.prefix(300))")
            #expect(page.contains("value=\"2026-12-01\"") && page.contains("value=\"2026-12-31\""), "the current month")
            #expect(page.contains("<option value=\"\(w.acme.id.uuidString)\" selected>") && page.contains(w.globex.id.uuidString))
            #expect(page.contains("2 ticket(s) avec des engagements de service créés du 2026-12-01 au 2026-12-31."))
            let rows = page.html.components(separatedBy: "<tr data-line>").dropFirst().map { $0.components(separatedBy: "</tr>")[0] }
            let response = try #require(rows.first { $0.contains("P3") && $0.contains("Première réponse") })
            #expect(response.contains("<td>1</td><td>1</td><td>0</td><td>50\u{202F}%</td>"), "met, breached, running, compliance: \(response)")
            let resolution = try #require(rows.first { $0.contains("Résolution") })
            #expect(resolution.contains("<td>0</td><td>0</td><td>2</td><td>—</td>"), "\(resolution)")
            #expect(page.contains("href=\"/reports/sla.csv?organization=\(w.acme.id.uuidString)&amp;from=2026-12-01&amp;to=2026-12-31\""))
            #expect(!page.contains("⟦"))
            // Another period: nothing created then.
            let november = try await chief.get("/reports/sla?organization=\(w.acme.id.uuidString)&from=2026-11-01&to=2026-11-30")
            #expect(november.contains("0 ticket(s)") && november.contains("Aucun ticket avec des engagements"))
            // A period backwards, or days that are not days, are refused with the rule.
            let backwards = try await chief.get("/reports/sla?organization=\(w.acme.id.uuidString)&from=2026-12-31&to=2026-11-01")
            #expect(backwards.status == .unprocessableContent && backwards.contains("La période se termine après son début"))
            let garbage = try await chief.get("/reports/sla?from=hier&to=2026-12-01")
            #expect(garbage.status == .unprocessableContent && garbage.contains("Indiquez la période par deux jours") && garbage.contains("value=\"hier\""))

            // The CSV: a download, a header row, one line per priority and clock.
            let csv = try await chief.get("/reports/sla.csv?organization=\(w.acme.id.uuidString)&from=2026-12-01&to=2026-12-31")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"sla-2026-12-01-2026-12-31.csv\"")
            let lines = csv.html.components(separatedBy: "\r\n")
            #expect(lines[0] == "Organisation,Du,Au (inclus),Tickets,Priorité,Engagement,Tenus,Dépassés,En cours,Taux de respect (%)")
            #expect(lines.contains("Acme Industrie,2026-12-01,2026-12-31,2,P3 moyenne,Première réponse,1,1,0,50.0"), "\(lines)")
            #expect(lines.last == "", "every line ends with CRLF")
            // Quotes doubled, the field quoted, and the formula disarmed.
            let hostile = try await chief.get("/reports/sla.csv?organization=\(evil.id.uuidString)&from=2026-12-01&to=2026-12-31")
            #expect(hostile.html.contains("\r\n\"'=HYPERLINK(\"\"http://evil.example\"\"), \"\"Evil\"\"\nCorp\",2026-12-01,2026-12-31,1,"), "\(hostile.html)")
            #expect(!hostile.html.contains("\n=") && !hostile.html.contains(",=") && !hostile.html.contains("\"="))
        }
    }

    @Test("CSV fields: quoted when they hold a comma, a quote or a line break; formulas disarmed")
    func csvFields() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\r\nlines") == "\"two\r\nlines\"")
        #expect(CSV.field("=1+1") == "'=1+1" && CSV.field("+33 1") == "'+33 1" && CSV.field("-2") == "'-2" && CSV.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSV.field("\tx") == "'\tx")
        #expect(CSV.field("=A1,B1") == "\"'=A1,B1\"")
        #expect(CSV.text([["a", "b"], ["1", ""]]) == "a,b\r\n1,\r\n")
    }

    @Test("client managers read their own organization's report only; requesters are refused it")
    func reportAccess() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            _ = try await EscalationAndOnCallTests.acmeTerms(w)
            _ = try await w.aliceTicket()
            let manager = Browser(api, language: "en")
            try await manager.signIn(w.manager.email, World.password)
            let page = try await manager.get("/reports/sla")
            #expect(page.status == .ok && page.contains("id=\"nav-reports\""))
            #expect(page.contains("<option value=\"\(w.acme.id.uuidString)\" selected>") && !page.contains(w.globex.id.uuidString))
            #expect(page.contains("1 ticket(s) with service levels created") && !page.contains("⟦"))
            #expect(try await manager.get("/reports/sla?organization=\(w.globex.id.uuidString)").status == .notFound)
            #expect(try await manager.get("/reports/sla.csv?organization=\(w.globex.id.uuidString)").status == .notFound)
            #expect(try await manager.get("/reports/sla.csv").headers[.contentType] == "text/csv; charset=utf-8")

            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            #expect(!(try await alice.get("/requests").contains("nav-reports")))
            #expect(try await alice.get("/reports/sla").status == .forbidden)
            #expect(try await alice.get("/reports/sla.csv?organization=\(w.acme.id.uuidString)").status == .forbidden)
        }
    }
}
