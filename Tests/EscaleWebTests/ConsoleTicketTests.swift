import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Testing

/// An agent opens a ticket for a caller from the console; forms report every problem at once, next to its field.
@Suite("Console: new ticket and form problems")
struct ConsoleTicketTests {
    @Test("an agent finds the caller, or adds them on the spot, and opens a phone ticket assigned to themselves")
    func agentOpensTicketForCaller() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let queue = try await agent.get("/queues/mine")
            #expect(queue.contains(#"href="/tickets/new""#), "the console links to New ticket")

            // Searching by part of the name finds Alice (case does not matter), never a support agent.
            let found = try await agent.get("/tickets/new?q=ALI")
            #expect(found.status == .ok && found.contains("alice@acme.example") && !found.contains("agent2@desk.example"), "\(found.html)")
            #expect(try await agent.get("/tickets/new?q=zzz%25").contains(#"id="caller-none""#), "a % typed is a character, not a wildcard")
            let chosen = try await agent.get("/tickets/new?requester=\(w.alice.id)")
            #expect(chosen.contains(#"id="chosen-requester""#) && chosen.contains("Alice"))
            let created = try await agent.post("/tickets/new", [
                ("requester", w.alice.id.uuidString), ("channel", "phone"), ("occurred_at", "2026-12-01T08:30"),
                ("subject", "Messagerie bloquée"), ("description", "Appel de 9 h"), ("category", "email"),
                ("impact", "high"), ("urgency", "medium"), ("assign_me", "on"),
            ])
            #expect(created.status == .seeOther, "\(created.html)")
            let seq = try #require(created.location?.split(separator: "/").last?.split(separator: "?").first.flatMap { Int($0) })
            let t = try #require(try await api.get("/api/v1/tickets?limit=100", token: w.agent1Token).json(Page<TicketDTO>.self).items.first { $0.number.hasSuffix(String(format: "%06d", seq)) })
            #expect(t.requesterId == w.alice.id && t.channel == .phone && t.assigneeId == w.agent1.id && t.status == .assigned)
            #expect(t.category == "email" && t.impact == .high && t.urgency == .medium && t.groupId == w.n1.id)
            #expect(t.occurredAt == ISO8601DateFormatter().date(from: "2026-12-01T07:30:00Z"), "typed in the agent's time zone (Paris)")

            // Someone at the desk who is not in the directory yet: they and their ticket are created together.
            let walkIn = try await agent.post("/tickets/new", [
                ("caller_name", "Zoé Martin"), ("caller_email", "zoe@acme.example"), ("organization", w.acme.id.uuidString),
                ("channel", "walk_in"), ("subject", "Badge refusé"), ("description", ""), ("impact", "low"), ("urgency", "low"),
            ])
            #expect(walkIn.status == .seeOther, "\(walkIn.html)")
            let zoe = try #require(try await api.get("/api/v1/users?organization_id=\(w.acme.id)", token: w.admin).json(Page<UserDTO>.self).items.first { $0.email == "zoe@acme.example" })
            #expect(zoe.role == .requester)
            let theirs = try await api.get("/api/v1/tickets?requester_id=\(zoe.id)", token: w.agent1Token).json(Page<TicketDTO>.self).items
            #expect(theirs.count == 1 && theirs[0].channel == .walkIn && theirs[0].assigneeId == nil, "unticked: not assigned")
            // The same address again is someone already known: nothing is created.
            let again = try await agent.post("/tickets/new", [
                ("caller_name", "Zoé M."), ("caller_email", "zoe@acme.example"), ("organization", w.acme.id.uuidString),
                ("subject", "Encore"), ("impact", "low"), ("urgency", "low"),
            ])
            #expect(again.status == .unprocessableContent && again.contains("déjà connue"))
            #expect(try await api.get("/api/v1/tickets?requester_id=\(zoe.id)", token: w.agent1Token).json(Page<TicketDTO>.self).items.count == 1)

            // Requesters do not open tickets for others.
            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            #expect(try await alice.get("/tickets/new").status == .forbidden)
            #expect(!(try await alice.get("/requests")).contains(#"href="/tickets/new""#))
        }
    }

    @Test("an empty form reports every problem at once, each next to its field; a 2,000-character subject is too long, not missing")
    func everyProblemAtOnce() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            _ = try await agent.get("/tickets/new")
            let empty = try await agent.post("/tickets/new", [("subject", ""), ("description", "")])
            #expect(empty.status == .unprocessableContent)
            for id in ["caller-name-error", "caller-email-error", "caller-org-error", "nt-subject-error", "nt-impact-error", "nt-urgency-error"] {
                #expect(empty.contains(#"id="\#(id)""#), "\(id) missing")
            }
            #expect(empty.contains(#"aria-invalid="true" aria-describedby="nt-subject-error""#))
            let summary = try #require(empty.html.range(of: #"<div class="error" role="alert" id="form-problems">[\s\S]*?</div>"#, options: .regularExpression))
            #expect(empty.html[summary].components(separatedBy: "<li>").count - 1 == 6, "all six listed at the top: \(empty.html[summary])")

            let long = String(repeating: "x", count: 2_000)
            let tooLong = try await agent.post("/tickets/new", [("requester", w.alice.id.uuidString), ("subject", long), ("impact", "low"), ("urgency", "low")])
            // French groups thousands with a narrow no-break space.
            #expect(tooLong.contains("Trop long : 250 caractères au plus (2\u{202F}000 saisis).") || tooLong.contains("Trop long : 250 caractères au plus (2\u{00A0}000 saisis)."), "\(tooLong.html)")
            #expect(!tooLong.contains("Obligatoire"))

            // The portal's form too, in English.
            let alice = Browser(api, language: "en")
            try await alice.signIn(w.alice.email, World.password)
            _ = try await alice.get("/requests/new")
            let portal = try await alice.post("/requests", [("subject", long), ("description", ""), ("occurred_at", "yesterday")])
            #expect(portal.status == .unprocessableContent)
            #expect(portal.contains("Too long: at most 250 characters (2,000 typed).") && portal.contains("Unreadable date or time.") && portal.contains(#"id="impact-error""#), "\(portal.html)")
            #expect(portal.contains(long), "what was typed is kept")
            #expect(portal.contains(#"id="form-problems""#) && portal.contains("<li>Subject"), "the problems are listed at the top too")

            // The API reports every problem of a body at once too.
            let r = try await api.post("/api/v1/tickets", token: w.aliceToken, TicketInput(subject: "", description: String(repeating: "y", count: 100_001), impact: .low, urgency: .low))
            let problem = try #require(r.problem)
            #expect(r.status == .unprocessableContent && problem.errors?.map(\.field) == ["subject", "description"])
        }
    }
}
