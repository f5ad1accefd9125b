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

    /// Counts of the supervision page: each link to the open queue with the count it shows.
    static func counts(_ page: Browser.Page) -> [String: Int] {
        let regex = try! NSRegularExpression(pattern: #"href="(/queues/open\?[^"]+)" data-count>(\d+)<"#)
        var out: [String: Int] = [:]
        for m in regex.matches(in: page.html, range: NSRange(page.html.startIndex..., in: page.html)) {
            let href = String(page.html[Range(m.range(at: 1), in: page.html)!]).replacingOccurrences(of: "&amp;", with: "&")
            out[href] = Int(page.html[Range(m.range(at: 2), in: page.html)!])
        }
        return out
    }

    /// The HTML of one SLA list (`breached` or `at_risk`).
    static func list(_ page: Browser.Page, _ name: String) -> String {
        let start = page.html.components(separatedBy: "data-sla-list=\"\(name)\"").dropFirst().first ?? ""
        return start.components(separatedBy: "</section>")[0]
    }

    static func seq(_ t: TicketDTO) -> Int { Int(t.number.dropFirst(4))! }

    static func assign(_ w: World, _ t: TicketDTO, to agent: UUID) async throws {
        var p = TicketPatch(); p.assigneeId = .some(agent)
        let r = try await w.api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.admin, headers: [.ifMatch: "\"v\(t.version)\""], json: p)
        try #require(r.status == .ok, "\(r.text)")
    }

    @Test("the supervision page counts open tickets per tier, group and agent with links to those lists, and lists breached and at-risk tickets with their clock")
    func supervisionPage() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            // Given: Acme's contract carries the standard SLA (P3: first response within 60 business minutes, warning at 45);
            // Globex has none. Tuesday 1 December, 09:00 Paris (08:00Z).
            let w = try await World.make(api)
            _ = try await EscalationAndOnCallTests.acmeTerms(w)
            let late1 = try await w.aliceTicket("Imprimante hors service")
            let late2 = try await w.aliceTicket("VPN refusé")
            let answered = try await w.aliceTicket("Question sur Outlook")
            let globex: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken,
                                                         TicketInput(subject: "Écran Globex", description: "Cassé", impact: .medium, urgency: .medium))
            try await Self.assign(w, late1, to: w.agent1.id)
            _ = try await api.post("/api/v1/tickets/\(late2.id)/escalate", token: w.admin, EscalateInput(tier: .n2, reason: "Réseau : pour le N2"))
            _ = try await api.post("/api/v1/tickets/\(answered.id)/comments", token: w.agent1Token, CommentInput(body: "Nous regardons.", isPublic: true))
            clock.advance(minutes: 20)
            let soon = try await w.aliceTicket("Accès au partage")
            // 09:10Z: the first two are 10 minutes past their first-response due time; the last one is past its warning
            // (09:05Z), due at 09:20Z; the answered one and Globex's are neither.
            clock.advance(minutes: 50)

            // When a supervisor opens the page.
            let chief = Browser(api)
            try await chief.signIn(Self.supervisorEmail, World.password)
            let page = try await chief.get("/supervisor")

            // Then: the counts, each linking to the queue that lists exactly those tickets.
            #expect(page.status == .ok, "\(page.html.prefix(300))")
            #expect(page.contains("id=\"nav-supervisor\"") && page.contains("aria-current=\"page\">Supervision"))
            let counts = Self.counts(page)
            #expect(counts["/queues/open?tier=1"] == 4 && counts["/queues/open?tier=2"] == 1 && counts["/queues/open?tier=3"] == 0, "\(counts)")
            #expect(counts["/queues/open?group=\(w.n1.id.uuidString)"] == 4 && counts["/queues/open?group=\(w.n2.id.uuidString)"] == 1)
            #expect(counts["/queues/open?group=\(w.n3.id.uuidString)"] == 0)
            #expect(counts["/queues/open?assignee=\(w.agent1.id.uuidString)"] == 1 && counts["/queues/open?assignee=none"] == 4)
            #expect(counts["/queues/open?assignee=\(w.agent2.id.uuidString)"] == 0)
            #expect(page.contains("data-total>5<"))
            let n2 = try await chief.get("/queues/open?group=\(w.n2.id.uuidString)")
            #expect(n2.contains(late2.subject) && !n2.contains(late1.subject) && !n2.contains(soon.subject))
            let unassigned = try await chief.get("/queues/open?assignee=none")
            #expect(unassigned.status == .ok && !unassigned.contains(late1.subject))
            #expect([late2, answered, soon].allSatisfy { unassigned.contains($0.subject) } && unassigned.contains(globex.subject))
            #expect(unassigned.contains("<option value=\"none\" selected>"), "the filter shows what is applied")
            let mine = try await chief.get("/queues/open?assignee=\(w.agent1.id.uuidString)")
            #expect(mine.contains(late1.subject) && !mine.contains(late2.subject))

            // The breached list: both late tickets, with the clock and how late; the at-risk list: the one past its warning.
            let breached = Self.list(page, "breached"), atRisk = Self.list(page, "at_risk")
            #expect(breached.contains("href=\"/tickets/\(Self.seq(late1))\"") && breached.contains("href=\"/tickets/\(Self.seq(late2))\""), "\(breached)")
            #expect(!breached.contains(soon.number) && !breached.contains(answered.number) && !breached.contains(globex.number))
            #expect(breached.contains("Première réponse") && breached.contains("en retard de 10 min") && breached.contains("Acme Industrie"))
            #expect(breached.contains("Agent1"), "the assignee is shown")
            #expect(atRisk.contains(soon.subject) && atRisk.contains("échéance dans 10 min") && atRisk.contains("datetime=\"2026-12-01T09:20:00Z\""), "\(atRisk)")
            #expect(!atRisk.contains(late1.number) && !atRisk.contains(answered.number) && !atRisk.contains(globex.number))
            #expect(!page.contains("⟦"))

            // A reply ends the breach of the running clock only as "done late": the ticket stays breached.
            _ = try await api.post("/api/v1/tickets/\(late2.id)/comments", token: w.admin, CommentInput(body: "Enfin.", isPublic: true))
            #expect(Self.list(try await chief.get("/supervisor"), "breached").contains(late2.number))
            // Resolved: it leaves the lists and the counts.
            var resolve = TicketPatch(); resolve.status = .resolved
            let current = try await api.get("/api/v1/tickets/\(late1.id)", token: w.admin).json(TicketDTO.self)
            #expect(try await api.send(.patch, "/api/v1/tickets/\(late1.id)", token: w.admin, headers: [.ifMatch: "\"v\(current.version)\""], json: resolve).status == .ok)
            let after = try await chief.get("/supervisor")
            #expect(!Self.list(after, "breached").contains(late1.number))
            #expect(Self.counts(after)["/queues/open?assignee=\(w.agent1.id.uuidString)"] == 0 && after.contains("data-total>4<"))

            // The same page in English, with no missing string.
            let english = Browser(api, language: "en")
            try await english.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let en = try await english.get("/supervisor")
            #expect(en.status == .ok && en.contains("Service levels breached") && en.contains("Unassigned") && !en.contains("⟦"))
            #expect(Self.list(en, "at_risk").contains("due in 10 min"))
        }
    }

    @Test("agents are refused the supervision page and do not see it in their navigation")
    func agentsRefused() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let queue = try await agent.get("/queues/mine")
            #expect(!queue.contains("nav-supervisor") && queue.contains("id=\"nav-reports\""), "agents read the reports of the organizations they serve")
            let refused = try await agent.get("/supervisor")
            #expect(refused.status == .forbidden && refused.contains("Accès refusé"))
            let manager = Browser(api)
            try await manager.signIn(w.manager.email, World.password)
            #expect(try await manager.get("/supervisor").status == .forbidden)
            // Signed out: the sign-in form, which returns to the page.
            #expect(try await Browser(api).get("/supervisor").location == "/login?next=%2Fsupervisor")
        }
    }

    @Test("the supervision reads stay in the caller's scope: an agent of one organization would count only its tickets")
    func scopedReads() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            _ = try await EscalationAndOnCallTests.acmeTerms(w)
            _ = try await w.aliceTicket()
            _ = try await api.create("/api/v1/tickets", token: w.eveToken, TicketInput(subject: "Globex", description: "x", impact: .low, urgency: .low), as: TicketDTO.self)
            clock.advance(minutes: 90)
            let db = api.desk.store.database
            let globexOnly = try await TicketRepository.openCounts(scope: .organizations([w.globex.id]), on: db)
            #expect(globexOnly.map(\.count).reduce(0, +) == 1)
            #expect(try await TicketRepository.openCounts(scope: .all, on: db).map(\.count).reduce(0, +) == 2)
            #expect(try await TicketRepository.openCounts(scope: .nothing, on: db).isEmpty)
            #expect(try await TicketRepository.openTickets(sla: .breached, at: clock.now, scope: .all, limit: 10, on: db).count == 1)
            #expect(try await TicketRepository.openTickets(sla: .breached, at: clock.now, scope: .organizations([w.globex.id]), limit: 10, on: db).isEmpty)
        }
    }

    @Test("the supervision page runs a fixed number of queries, whatever the number of tickets listed")
    func noNPlusOne() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            _ = try await EscalationAndOnCallTests.acmeTerms(w)
            for i in 0..<2 { _ = try await w.aliceTicket("Premier lot \(i)") }
            clock.advance(minutes: 50)
            let chief = Browser(api)
            try await chief.signIn(Self.supervisorEmail, World.password)
            // Each measure is of a page loaded twice in a row, so that caches refilled are not counted (see WebPagesTests).
            // The least of three loads: a 10-second directory cache expiring on a slow machine adds a query unrelated to the list.
            func queries() async throws -> (Browser.Page, Int) {
                var best: (Browser.Page, Int)?
                for _ in 0..<3 {
                    let p = try await chief.get("/supervisor")
                    let n = try #require(p.queryCount)
                    if best == nil || n < best!.1 { best = (p, n) }
                }
                return best!
            }
            _ = try await chief.get("/supervisor")
            let (few, fewQueries) = try await queries()
            #expect(Self.list(few, "at_risk").components(separatedBy: "data-row").count - 1 == 2)

            for i in 0..<12 {
                let t = try await w.aliceTicket("Second lot \(i)")
                if i % 2 == 0 { try await Self.assign(w, t, to: w.agent1.id) }
            }
            _ = try await api.create("/api/v1/tickets", token: w.eveToken, TicketInput(subject: "Globex", description: "x", impact: .low, urgency: .low), as: TicketDTO.self)
            // 09:40Z: the first lot is past due, the second past its warning (created 08:50Z, warning 09:35Z, due 09:50Z).
            clock.advance(minutes: 50)
            _ = try await chief.get("/supervisor")
            let (many, manyQueries) = try await queries()
            #expect(Self.list(many, "breached").components(separatedBy: "data-row").count - 1 == 2)
            #expect(Self.list(many, "at_risk").components(separatedBy: "data-row").count - 1 == 12)
            #expect(fewQueries == manyQueries, "supervision: \(fewQueries) queries with 2 tickets, \(manyQueries) with 15")
        }
    }

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

    @Test("a client manager filters their organization's requests by status, priority and requester, with each request's SLA state, across pages")
    func clientManagerList() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            // Given: Acme requests from Alice and Bob (one urgent), one Alice is asked about (paused), and Globex's.
            let w = try await World.make(api)
            _ = try await EscalationAndOnCallTests.acmeTerms(w)
            let waiting = try await w.aliceTicket("Attente de réponse")
            let calm = try await w.aliceTicket("Souris")
            let urgent: TicketDTO = try await api.create("/api/v1/tickets", token: w.bobToken,
                                                         TicketInput(subject: "Serveur arrêté", description: "Plus rien", impact: .high, urgency: .high))
            let globex: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken,
                                                         TicketInput(subject: "Écran Globex", description: "Cassé", impact: .high, urgency: .high))
            var pending = TicketPatch(); pending.status = .pending
            #expect(try await api.send(.patch, "/api/v1/tickets/\(waiting.id)", token: w.admin, headers: [.ifMatch: "\"v\(waiting.version)\""], json: pending).status == .ok)
            #expect(urgent.priority == .critical && calm.priority == .medium)
            // 12 minutes later the urgent one is past its first-response warning (P1: 15 minutes, warning at 75 %), not yet due.
            clock.advance(minutes: 12)

            let manager = Browser(api)
            try await manager.signIn(w.manager.email, World.password)
            let all = try await manager.get("/requests")
            #expect(all.status == .ok && all.contains("<select id=\"f-requester\" name=\"requester\">"))
            #expect([waiting, calm, urgent].allSatisfy { all.contains($0.subject) } && !all.contains(globex.subject))
            #expect(all.contains("data-sla-state=\"paused\"") && all.contains("En pause"))
            #expect(all.contains("data-sla-state=\"warning\"") && all.contains("Menacé"))
            #expect(!all.contains("⟦"))

            // When they filter: each filter narrows, together, and is kept in the form.
            let bob = try await manager.get("/requests?requester=\(w.bob.id.uuidString)")
            #expect(bob.contains(urgent.subject) && !bob.contains(calm.subject) && bob.contains("<option value=\"\(w.bob.id.uuidString)\" selected>"))
            let paused = try await manager.get("/requests?status=pending")
            #expect(paused.contains(waiting.subject) && !paused.contains(calm.subject) && !paused.contains(urgent.subject))
            let p = urgent.priority.rawValue
            let byPriority = try await manager.get("/requests?priority=\(p)&requester=\(w.alice.id.uuidString)")
            #expect(!byPriority.contains(urgent.subject) && !byPriority.contains(calm.subject) && byPriority.contains("Aucune demande de votre organisation ne correspond."))
            // Another organization's requester filters nothing in: never Globex's tickets.
            let foreign = try await manager.get("/requests?requester=\(w.eve.id.uuidString)")
            #expect(foreign.status == .ok && !foreign.contains(globex.subject) && !foreign.contains(urgent.subject))
            #expect(!foreign.contains("value=\"\(w.eve.id.uuidString)\""), "the requester choice lists the organization's users only")
            #expect(foreign.contains("value=\"\(w.bob.id.uuidString)\""))

            // Later the urgent one is breached; a resolved one says "met".
            clock.advance(minutes: 10)
            var resolve = TicketPatch(); resolve.status = .resolved
            #expect(try await api.send(.patch, "/api/v1/tickets/\(calm.id)", token: w.admin, headers: [.ifMatch: "\"v\(calm.version)\""], json: resolve).status == .ok)
            let later = try await manager.get("/requests")
            #expect(later.contains("data-sla-state=\"breached\"") && later.contains("data-sla-state=\"met\""))

            // Paging keeps the filters.
            for i in 0..<QueuePages.pageSize { _ = try await api.create("/api/v1/tickets", token: w.bobToken, TicketInput(subject: "Lot \(i)", description: "x", impact: .low, urgency: .low), as: TicketDTO.self) }
            let first = try await manager.get("/requests?requester=\(w.bob.id.uuidString)")
            #expect(first.html.components(separatedBy: "data-row").count - 1 == QueuePages.pageSize)
            let nextLink = try #require(first.html.components(separatedBy: "href=\"").first { $0.contains("rel=\"next\"") && $0.hasPrefix("/requests?") })
            let next = String(nextLink.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            #expect(next.contains("page=2") && next.contains("requester="))
            let second = try await manager.get(next)
            #expect(second.html.components(separatedBy: "data-row").count - 1 == 1)
            #expect(!second.contains(calm.subject) && !second.contains(waiting.subject), "still only Bob's")

            // A requester keeps their own list: no filters, the filter parameters change nothing.
            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            let own = try await alice.get("/requests?requester=\(w.bob.id.uuidString)&status=pending")
            #expect(own.contains(calm.subject) && own.contains(waiting.subject) && !own.contains(urgent.subject))
            #expect(!own.contains("f-requester") && !own.contains("data-sla-state"))

            // Both languages render the filtered list with no missing string.
            let english = Browser(api, language: "en")
            try await english.signIn(w.manager.email, World.password)
            _ = try await english.get("/account")
            _ = try await english.post("/account/preferences", [("locale", "en"), ("time_zone", "Europe/Paris")])
            let en = try await english.get("/requests?status=resolved")
            #expect(en.contains("Met") && en.contains(calm.subject) && !en.contains("⟦"))
        }
    }
}
