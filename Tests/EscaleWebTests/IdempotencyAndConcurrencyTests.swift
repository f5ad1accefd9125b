import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Testing

@Suite("Retries and concurrent writers")
struct IdempotencyAndConcurrencyTests {
    @Test("a retried POST with the same Idempotency-Key returns the first result and creates nothing more")
    func retryReplays() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let input = TicketInput(subject: "Retry me", description: "network flaked", impact: .low, urgency: .low)
            let first = try await api.post("/api/v1/tickets", token: w.aliceToken, input, headers: [.idempotencyKey: "create-42"])
            let second = try await api.post("/api/v1/tickets", token: w.aliceToken, input, headers: [.idempotencyKey: "create-42"])
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(second.text == first.text)
            #expect(second.headers[.idempotentReplayed] == "true")
            #expect(second.headers[.location] == first.headers[.location])
            #expect(try await BadInputTests.ticketCount(api, w.agent1Token) == 1)

            // Another user may use the same key for their own request.
            let bob = try await api.post("/api/v1/tickets", token: w.bobToken, input, headers: [.idempotencyKey: "create-42"])
            #expect(bob.headers[.idempotentReplayed] == nil)
            #expect(try bob.json(TicketDTO.self).id != first.json(TicketDTO.self).id)

            var other = input; other.subject = "Something else"
            let reused = try await api.post("/api/v1/tickets", token: w.aliceToken, other, headers: [.idempotencyKey: "create-42"])
            #expect(reused.status == .unprocessableContent)
            let bad = try await api.post("/api/v1/tickets", token: w.aliceToken, input, headers: [.idempotencyKey: String(repeating: "k", count: 300)])
            #expect(bad.status == .badRequest)
        }
    }

    @Test("concurrent requests with one Idempotency-Key create exactly one ticket")
    func concurrentSameKey() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let input = TicketInput(subject: "Double click", description: "", impact: .low, urgency: .low)
            let ids = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let r = try await api.post("/api/v1/tickets", token: w.aliceToken, input, headers: [.idempotencyKey: "dbl"])
                        return r.status == .created ? try r.json(TicketDTO.self).id : nil
                    }
                }
                return try await group.reduce(into: [UUID?]()) { $0.append($1) }
            }
            #expect(Set(ids.compactMap { $0 }).count == 1)
            #expect(ids.allSatisfy { $0 != nil })
            #expect(try await BadInputTests.ticketCount(api, w.agent1Token) == 1)
        }
    }

    @Test("100 concurrent creates get 100 distinct ticket numbers")
    func concurrentCreates() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<100 {
                    group.addTask {
                        let r = try await api.post("/api/v1/tickets", token: i % 2 == 0 ? w.aliceToken : w.bobToken,
                                                   TicketInput(subject: "Panne \(i)", description: "", impact: .low, urgency: .medium))
                        try #require(r.status == .created, "\(r.status) \(r.text)")
                        return try r.json(TicketDTO.self).number
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(numbers.count == 100)
            #expect(Set(numbers).count == 100)
        }
    }

    @Test("two agents changing the same version: one wins, the other gets 412, nothing is lost")
    func concurrentPatches() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            // Built outside the task group: with the literal inside it, Swift 6.3.1's build of this test read a
            // freed array and crashed (reproduced three times, gone with this change alone).
            let tokens = [w.agent1Token, w.agent2Token, w.supervisorToken, w.admin]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (i, token) in tokens.enumerated() {
                    group.addTask {
                        var p = TicketPatch(); p.subject = "Version \(i)"
                        return try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: token, headers: [.ifMatch: "\"v1\""], json: p).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .preconditionFailed }.count == 3)
            let after = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(after.version == 2)
            let changes = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items.filter { $0.field == "subject" }
            #expect(changes.count == 1)
            #expect(changes.first?.newValue == after.subject)
        }
    }

    @Test("writes failing inside a commit group do not take the other writes of the group down")
    func failuresStayIsolated() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            // A closed ticket refuses comments: that refusal happens inside the write transaction.
            let closed = try await w.aliceTicket("Déjà réglé")
            var resolve = TicketPatch(); resolve.status = .resolved
            _ = try await api.send(.patch, "/api/v1/tickets/\(closed.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: resolve)
            var close = TicketPatch(); close.status = .closed
            _ = try await api.send(.patch, "/api/v1/tickets/\(closed.id)", token: w.aliceToken, headers: [.ifMatch: "\"v2\""], json: close)

            let outcomes = try await withThrowingTaskGroup(of: (Bool, HTTPResponse.Status, String?).self) { group in
                for i in 0..<60 {
                    group.addTask {
                        if i % 3 == 0 {
                            let r = try await api.post("/api/v1/tickets/\(closed.id)/comments", token: w.agent1Token, CommentInput(body: "encore ? \(i)", isPublic: true))
                            return (false, r.status, nil)
                        }
                        let r = try await api.post("/api/v1/tickets", token: w.bobToken, TicketInput(subject: "Panne \(i)", description: "", impact: .low, urgency: .low))
                        return (true, r.status, r.status == .created ? try r.json(TicketDTO.self).number : nil)
                    }
                }
                return try await group.reduce(into: [(Bool, HTTPResponse.Status, String?)]()) { $0.append($1) }
            }
            let creates = outcomes.filter(\.0), comments = outcomes.filter { !$0.0 }
            #expect(creates.allSatisfy { $0.1 == .created })
            #expect(comments.allSatisfy { $0.1 == .unprocessableContent })
            let numbers = creates.compactMap(\.2)
            #expect(Set(numbers).count == 40)
            // Numbers are consecutive: no number was burnt by a failed group.
            let seqs = numbers.compactMap(TicketNumber.parse).sorted()
            #expect(seqs.last! - seqs.first! == 39)
            let listed = try await api.get("/api/v1/tickets?requester_id=\(w.bob.id)&limit=200", token: w.agent1Token).json(Page<TicketDTO>.self).items
            #expect(listed.count == 40)
        }
    }
}
