import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Testing

@Suite("Tickets through the API")
struct TicketAPITests {
    @Test("creating a ticket returns it with its number, priority from the matrix, tier N1 and an ETag")
    func create() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let occurred = TestApp.now.addingTimeInterval(-3600)
            let r = try await api.post("/api/v1/tickets", token: w.aliceToken, TicketInput(
                subject: "Imprimante du 2e étage", description: "Bourrage papier", impact: .high, urgency: .high,
                category: "printer", occurredAt: occurred))
            #expect(r.status == .created)
            let t = try r.json(TicketDTO.self)
            #expect(t.number.hasPrefix("ESC-"))
            #expect(t.priority == .critical)
            #expect(t.tier == .n1)
            #expect(t.status == .new)
            #expect(t.organizationId == w.acme.id)
            #expect(t.requesterId == w.alice.id)
            #expect(t.occurredAt == occurred)
            #expect(t.createdAt == TestApp.now)
            #expect(t.outOfScope == false)
            #expect(r.headers[.eTag] == "\"v1\"")
            #expect(r.headers[.location] == "/api/v1/tickets/\(t.id.uuidString)")
        }
    }

    @Test("a category outside the contract's perimeter is flagged out_of_scope, not refused")
    func outOfScope() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken,
                                                    TicketInput(subject: "VPN coupé", description: "", impact: .low, urgency: .low, category: "network"))
            #expect(t.outOfScope)
            let inScope: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken,
                                                          TicketInput(subject: "Souris HS", description: "", impact: .low, urgency: .low, category: "peripheral"))
            #expect(!inScope.outOfScope)
        }
    }

    @Test("GET returns the ticket with its ETag, and 304 when it did not change")
    func getWithETag() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            let r = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token)
            #expect(r.status == .ok)
            #expect(try r.json(TicketDTO.self).id == t.id)
            let etag = try #require(r.headers[.eTag])
            let again = try await api.send(.get, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
        }
    }

    @Test("PATCH with the current ETag applies; a stale one gets 412 and changes nothing; none gets 428")
    func optimisticConcurrency() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            var first = TicketPatch(); first.impact = .high; first.urgency = .high
            let ok = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: first)
            #expect(ok.status == .ok)
            let updated = try ok.json(TicketDTO.self)
            #expect(updated.priority == .critical)
            #expect(updated.version == 2)
            #expect(ok.headers[.eTag] == "\"v2\"")

            var stale = TicketPatch(); stale.subject = "overwritten?"
            let refused = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent2Token, headers: [.ifMatch: "\"v1\""], json: stale)
            #expect(refused.status == .preconditionFailed)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let after = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(after.subject == t.subject)

            let missing = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, json: stale)
            #expect(missing.status.code == 428)
        }
    }

    @Test("assigning, working, pending, resolving: the lifecycle is validated and recorded on the timeline")
    func lifecycle() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            var assign = TicketPatch(); assign.groupId = .some(w.n1.id); assign.assigneeId = .some(w.agent1.id)
            let a = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: assign)
            let assigned = try a.json(TicketDTO.self)
            #expect(assigned.status == .assigned)
            #expect(assigned.assigneeId == w.agent1.id)

            var close = TicketPatch(); close.status = .closed
            let invalid = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v2\""], json: close)
            #expect(invalid.status == .conflict)
            #expect(invalid.problem?.detail.contains("assigned") == true)

            var resolve = TicketPatch(); resolve.status = .resolved
            let resolved = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v2\""], json: resolve).json(TicketDTO.self)
            #expect(resolved.status == .resolved)
            #expect(resolved.resolvedAt == TestApp.now)

            // The requester confirms the resolution; she could not change anything else.
            var sneaky = TicketPatch(); sneaky.impact = .high
            let forbidden = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.aliceToken, headers: [.ifMatch: "\"v3\""], json: sneaky)
            #expect(forbidden.status == .forbidden)
            let confirmed = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.aliceToken, headers: [.ifMatch: "\"v3\""], json: close).json(TicketDTO.self)
            #expect(confirmed.status == .closed)
            #expect(confirmed.closedAt == TestApp.now)

            let timeline = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items
            #expect(timeline.map(\.kind) == [.created, .assigned, .assigned, .statusChanged, .statusChanged, .statusChanged])
            #expect(timeline.filter { $0.kind == .statusChanged }.map(\.newValue) == ["assigned", "resolved", "closed"])
        }
    }

    @Test("public replies reach the requester, internal notes never do; the first staff reply stamps the first response")
    func comments() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            let reply = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Pouvez-vous redémarrer ?", isPublic: true))
            #expect(reply.status == .created)
            #expect(try reply.json(EventDTO.self).kind == .reply)
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Disque probablement mort", isPublic: false), as: EventDTO.self)
            let denied = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.aliceToken, CommentInput(body: "note?", isPublic: false))
            #expect(denied.status == .forbidden)

            let asAlice = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.aliceToken).json(Page<EventDTO>.self).items
            #expect(asAlice.contains { $0.body == "Pouvez-vous redémarrer ?" })
            #expect(!asAlice.contains { $0.kind == .note })
            let asManager = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.managerToken).json(Page<EventDTO>.self).items
            #expect(!asManager.contains { $0.kind == .note })
            let asAgent = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent2Token).json(Page<EventDTO>.self).items
            #expect(asAgent.contains { $0.kind == .note && $0.body == "Disque probablement mort" })

            let ticket = try await api.get("/api/v1/tickets/\(t.id)", token: w.aliceToken).json(TicketDTO.self)
            #expect(ticket.firstResponseAt == TestApp.now)
        }
    }

    @Test("escalation N1 → N2 needs a reason, records it, and puts the ticket in the N2 queue")
    func escalation() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            let noReason = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: " "))
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.problem?.field == "reason")
            let byRequester = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.aliceToken, EscalateInput(tier: .n2, reason: "urgent!"))
            #expect(byRequester.status == .forbidden)
            let wrongGroup = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: "Panne matérielle", groupId: w.n3.id))
            #expect(wrongGroup.status == .unprocessableContent)

            let r = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: "Panne matérielle, remplacement disque", groupId: w.n2.id))
            #expect(r.status == .ok)
            let escalated = try r.json(TicketDTO.self)
            #expect(escalated.tier == .n2)
            #expect(escalated.groupId == w.n2.id)

            let queue = try await api.get("/api/v1/tickets?tier=2&status=open", token: w.agent2Token).json(Page<TicketDTO>.self).items
            #expect(queue.map(\.id) == [t.id])
            let group = try await api.get("/api/v1/tickets?group_id=\(w.n2.id)", token: w.agent2Token).json(Page<TicketDTO>.self).items
            #expect(group.map(\.id) == [t.id])

            // N1 no longer works at the ticket's tier: N2 → N3 is for N2 and above.
            let n1Again = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n3, reason: "Je tente"))
            #expect(n1Again.status == .forbidden)
            let toN3 = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent2Token, EscalateInput(tier: .n3, reason: "Panne générale du site"))
            #expect(toN3.status == .ok)

            let events = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent2Token).json(Page<EventDTO>.self).items.filter { $0.kind == .escalated }
            #expect(events.map(\.fromTier) == [.n1, .n2])
            #expect(events.map(\.toTier) == [.n2, .n3])
            #expect(events.first?.reason == "Panne matérielle, remplacement disque")
        }
    }

    @Test("work logs add up per agent and on the ticket")
    func workLogs() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            _ = try await api.create("/api/v1/tickets/\(t.id)/worklogs", token: w.agent1Token, WorkLogInput(minutes: 20, note: "Diagnostic"), as: EventDTO.self)
            _ = try await api.create("/api/v1/tickets/\(t.id)/worklogs", token: w.agent2Token, WorkLogInput(minutes: 45), as: EventDTO.self)
            _ = try await api.create("/api/v1/tickets/\(t.id)/worklogs", token: w.agent1Token, WorkLogInput(minutes: 10), as: EventDTO.self)
            let bad = try await api.post("/api/v1/tickets/\(t.id)/worklogs", token: w.agent1Token, WorkLogInput(minutes: 0))
            #expect(bad.status == .unprocessableContent)
            let byRequester = try await api.post("/api/v1/tickets/\(t.id)/worklogs", token: w.aliceToken, WorkLogInput(minutes: 5))
            #expect(byRequester.status == .forbidden)

            let ticket = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(ticket.timeSpentMinutes == 75)
            let summary = try await api.get("/api/v1/tickets/\(t.id)/worklogs", token: w.agent1Token).object
            #expect(summary["total_minutes"] as? Int == 75)
            let byAgent = summary["by_agent"] as? [[String: Any]] ?? []
            #expect(byAgent.first?["minutes"] as? Int == 45)
            #expect(byAgent.last?["minutes"] as? Int == 30)
        }
    }

    @Test("lists filter, page with a cursor and never repeat or skip a ticket")
    func listAndPaginate() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            var created: [UUID] = []
            for i in 0..<7 {
                created.append(try await w.aliceTicket("Ticket \(i)", impact: i % 2 == 0 ? .high : .low, urgency: .high).id)
            }
            var seen: [UUID] = []
            var cursor: String?
            repeat {
                let uri = "/api/v1/tickets?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.get(uri, token: w.agent1Token).json(Page<TicketDTO>.self)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == created.reversed())

            let p1 = try await api.get("/api/v1/tickets?priority=1", token: w.agent1Token).json(Page<TicketDTO>.self).items
            #expect(p1.count == 4)
            let byOrg = try await api.get("/api/v1/tickets?organization_id=\(w.globex.id)", token: w.agent1Token).json(Page<TicketDTO>.self).items
            #expect(byOrg.isEmpty)
            let since = try await api.get("/api/v1/tickets?updated_since=2026-12-01T07:59:00Z&status=new", token: w.agent1Token).json(Page<TicketDTO>.self).items
            #expect(since.count == 7)
        }
    }
}
