import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Testing

/// The console's queues: clickable subjects, density, bulk actions, saved views; long timelines folded.
@Suite("Queue tools")
struct QueueToolsTests {
    @Test("bulk actions change the tickets ticked, each on its own; refused ones are named")
    func bulk() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            var tickets: [TicketDTO] = []
            for i in 0..<3 { tickets.append(try await w.aliceTicket("Lot \(i)")) }
            let seqs = tickets.map { String(Int($0.number.dropFirst(4))!) }
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let queue = try await agent.get("/queues/open")
            #expect(queue.contains(#"<a class="subject" href="/tickets/\#(seqs[0])">Lot 0</a>"#), "the subject opens the ticket")
            #expect(queue.contains(#"form="bulk-form""#))

            let assigned = try await agent.post("/queues/bulk", [("back", "/queues/open"), ("action", "assign_me"), ("ticket", seqs[0]), ("ticket", seqs[1])])
            #expect(assigned.location == "/queues/open?done=bulk&n=2", "\(assigned.location ?? assigned.html)")
            let after = try await agent.follow(assigned)
            #expect(after.contains("2 tickets modifiés."))
            for t in tickets.prefix(2) { #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self).assigneeId == w.agent1.id) }
            #expect(try await api.get("/api/v1/tickets/\(tickets[2].id)", token: w.agent1Token).json(TicketDTO.self).assigneeId == nil)

            // A tag on all three; a status the third cannot take is refused for it alone, by number.
            _ = try await agent.get("/queues/open")
            let tagged = try await agent.post("/queues/bulk", [("back", "/queues/open"), ("action", "tag"), ("tag", "Imprimantes")] + seqs.map { ("ticket", $0) })
            #expect(tagged.location == "/queues/open?done=bulk&n=3")
            #expect(try await api.get("/api/v1/tickets/\(tickets[2].id)", token: w.agent1Token).json(TicketDTO.self).tags == ["imprimantes"])
            _ = try await agent.get("/queues/open")
            let status = try await agent.post("/queues/bulk", [("back", "/queues/open"), ("action", "status"), ("value", "assigned")] + seqs.map { ("ticket", $0) })
            #expect(status.location?.contains("n=2") == true && status.location?.contains("refused=\(tickets[2].number)") == true, "\(status.location ?? "")")
            #expect(try await agent.follow(status).contains("Refusé pour : \(tickets[2].number)"))
            // Two tickets merged into the third in one go: closed, pointing to it.
            _ = try await agent.get("/queues/open")
            let merged = try await agent.post("/queues/bulk", [("back", "/queues/open"), ("action", "merge"), ("tag", tickets[2].number)] + seqs.map { ("ticket", $0) })
            #expect(merged.location == "/queues/open?done=bulk&n=2", "\(merged.location ?? merged.html)")
            for t in tickets.prefix(2) { #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self).status == .closed) }
            #expect(try await api.get("/api/v1/tickets/\(tickets[2].id)", token: w.agent1Token).json(TicketDTO.self).status != .closed)
            // Only a queue page is a place to come back to.
            _ = try await agent.get("/queues/open")
            #expect(try await agent.post("/queues/bulk", [("back", "https://evil.example/"), ("action", "assign_me"), ("ticket", seqs[2])]).location?.hasPrefix("/queues/mine") == true)
            // Requesters have no bulk actions.
            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            _ = try await alice.get("/requests")
            #expect(try await alice.post("/queues/bulk", [("action", "assign_me"), ("ticket", seqs[2])]).status == .forbidden)
        }
    }

    @Test("a queue with its filters is saved as a view, personal or shared, in the navigation with its count; density is remembered")
    func savedViewsAndDensity() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            _ = try await w.aliceTicket("Urgent 1", impact: .high, urgency: .high)
            _ = try await w.aliceTicket("Pas urgent", impact: .low, urgency: .low)
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            _ = try await agent.get("/queues/open?priority=1")
            let saved = try await agent.post("/views", [("name", "Mes P1"), ("queue", "open"), ("f_priority", "1"), ("f_page", "9")])
            let location = try #require(saved.location)
            #expect(location.hasPrefix("/queues/open?priority=1&view="), "\(location)")
            let page = try await agent.follow(saved)
            #expect(page.contains("Mes P1") && page.contains("Urgent 1") && !page.contains("Pas urgent"))
            let nav = try #require(page.html.range(of: #"id="nav-view-[^"]+" href="[^"]+">Mes P1 <span class="badge" data-count>1</span>"#, options: .regularExpression)
                                   ?? page.html.range(of: #"Mes P1 <span class="badge" data-count>1</span>"#))
            _ = nav
            // Personal: another agent does not see it; an agent cannot share, a supervisor can.
            let other = Browser(api)
            try await other.signIn(w.agent2.email, World.password)
            #expect(!(try await other.get("/queues/mine")).contains("Mes P1"))
            _ = try await agent.get("/queues/open")
            #expect(try await agent.post("/views", [("name", "Pour tous"), ("queue", "open"), ("shared", "on")]).status == .forbidden)
            #expect(try await agent.post("/views", [("name", " "), ("queue", "open")]).status == .unprocessableContent)

            // Compact rows on request, remembered.
            let compact = try await agent.get("/queues/open?density=compact")
            #expect(compact.contains(#"class="tickets compact""#) && compact.headers[.setCookie]?.contains("escale_density=compact") == true)
            #expect(try await agent.get("/queues/open").contains(#"class="tickets compact""#))
            // The view can be deleted by its owner.
            let viewId = try #require(location.split(separator: "&").first { $0.hasPrefix("view=") }?.dropFirst(5))
            _ = try await agent.get(location)
            let deleted = try await agent.post("/views/\(viewId)/delete", [("back", "/queues/open")])
            #expect(deleted.status == .seeOther)
            #expect(!(try await agent.get("/queues/open")).contains("Mes P1"))
        }
    }

    @Test("a long timeline folds its older entries and reads newest first on request")
    func longTimeline() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            for i in 0..<25 { _ = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Suivi n° \(i)", isPublic: true)) }
            let seq = Int(t.number.dropFirst(4))!
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/tickets/\(seq)")
            #expect(page.contains(#"<details class="timeline-older"><summary>Afficher les "#), "\(page.html)")
            let oldest = try #require(page.html.range(of: "Suivi n° 0")), newest = try #require(page.html.range(of: "Suivi n° 24"))
            #expect(oldest.lowerBound < newest.lowerBound)
            let reversed = try await agent.get("/tickets/\(seq)?order=newest")
            let r0 = try #require(reversed.html.range(of: "Suivi n° 0")), r24 = try #require(reversed.html.range(of: "Suivi n° 24"))
            #expect(r24.lowerBound < r0.lowerBound && reversed.contains(#"href="/tickets/\#(seq)?order=oldest#timeline""#))
        }
    }
}
