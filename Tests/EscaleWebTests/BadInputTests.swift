import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import NIOCore
import Testing

@Suite("Bad input gets a clear 4xx problem, never a 500, never a half-written record")
struct BadInputTests {
    static func ticketCount(_ api: API, _ token: String) async throws -> Int {
        try await api.get("/api/v1/tickets?limit=200", token: token).json(Page<TicketDTO>.self).items.count
    }

    @Test("malformed bodies are refused with problem+json naming what is wrong")
    func malformed() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("{\"subject\": ", .badRequest, "not valid JSON"),
                ("[1,2]", .badRequest, "JSON object"),
                ("{\"subject\":\"a\",\"description\":\"b\",\"impact\":\"urgent\",\"urgency\":\"low\"}", .unprocessableContent, "impact: unknown value; expected one of high, medium, low"),
                ("{\"subject\":42,\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\"}", .unprocessableContent, "subject: expected a string"),
                ("{\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\"}", .unprocessableContent, "subject: is required"),
                ("{\"subject\":\"a\",\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\",\"occurred_at\":\"yesterday\"}", .unprocessableContent, "occurred_at"),
                ("{\"subject\":\"a\",\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\",\"occurred_at\":\"2030-01-01T00:00:00Z\"}", .unprocessableContent, "future"),
                ("{\"subject\":\"   \",\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\"}", .unprocessableContent, "subject"),
                ("{\"subject\":\"a\",\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\",\"category\":\"coffee\"}", .unprocessableContent, "unknown category"),
                ("{\"subject\":\"a\",\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\",\"type\":null}", .created, ""),
            ]
            for (body, status, detail) in cases {
                let r = try await api.send(.post, "/api/v1/tickets", token: w.aliceToken, raw: ByteBuffer(string: body))
                #expect(r.status == status, "\(body): \(r.status) \(r.text)")
                if status != .created {
                    #expect(r.headers[.contentType] == "application/problem+json")
                    #expect(r.problem?.detail.contains(detail) == true, "\(body): \(r.problem?.detail ?? r.text)")
                }
            }
            #expect(try await Self.ticketCount(api, w.agent1Token) == 1)
        }
    }

    @Test("invalid UTF-8, a wrong media type and an oversized body are refused before anything is written")
    func encodingAndSize() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            var invalid = ByteBuffer(string: "{\"subject\":\"caf")
            invalid.writeBytes([0xC3, 0x28])
            invalid.writeString("\",\"description\":\"b\",\"impact\":\"low\",\"urgency\":\"low\"}")
            let utf8 = try await api.send(.post, "/api/v1/tickets", token: w.aliceToken, raw: invalid)
            #expect(utf8.status == .badRequest)
            #expect(utf8.problem?.detail.contains("UTF-8") == true)

            let xml = try await api.send(.post, "/api/v1/tickets", token: w.aliceToken, headers: [.contentType: "application/xml"], raw: ByteBuffer(string: "<x/>"))
            #expect(xml.status == .unsupportedMediaType)

            let huge = String(repeating: "a", count: (1 << 20) + 10)
            let big = try await api.post("/api/v1/tickets", token: w.aliceToken, TicketInput(subject: "big", description: huge, impact: .low, urgency: .low))
            #expect(big.status == .contentTooLarge)
            #expect(big.headers[.contentType] == "application/problem+json")
            #expect(try await Self.ticketCount(api, w.agent1Token) == 0)
        }
    }

    @Test("pagination and filters out of range, unknown ids and bad cursors are 4xx")
    func queries() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            for uri in ["/api/v1/tickets?limit=-1", "/api/v1/tickets?limit=100000000000000000000", "/api/v1/tickets?limit=0",
                        "/api/v1/tickets?priority=9", "/api/v1/tickets?status=done", "/api/v1/tickets?cursor=%%%",
                        "/api/v1/tickets?cursor=Zm9v", "/api/v1/tickets?group_id=nope", "/api/v1/tickets?updated_since=hier",
                        "/api/v1/search?q=", "/api/v1/search?q=le%20la%20les", "/api/v1/tickets?tier=4"] {
                let r = try await api.get(uri, token: w.agent1Token)
                #expect(r.status == .unprocessableContent, "\(uri): \(r.status) \(r.text)")
                #expect(r.problem?.field != nil || r.problem?.detail.isEmpty == false)
            }
            for uri in ["/api/v1/tickets/\(UUID())", "/api/v1/tickets/not-a-uuid", "/api/v1/tickets/\(UUID())/timeline",
                        "/api/v1/attachments/\(UUID())", "/api/v1/organizations/\(UUID())/contracts", "/api/v1/nowhere"] {
                let r = try await api.get(uri, token: w.agent1Token)
                #expect(r.status == .notFound, "\(uri): \(r.status)")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test("a command that fails half-way leaves nothing behind")
    func atomicity() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            // The comment is valid but its attachment is not: the whole command is rolled back.
            let r = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "voir pièce jointe", isPublic: true, attachmentIds: [UUID()]))
            #expect(r.status == .unprocessableContent)
            let timeline = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items
            // Created, and routed to Acme's N1 group on arrival: nothing of the refused comment.
            #expect(timeline.map(\.kind) == [.created, .assigned])
            let ticket = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(ticket.version == 1)
            #expect(ticket.firstResponseAt == nil)
            let search = try await api.get("/api/v1/search?q=pi%C3%A8ce", token: w.agent1Token).json(SearchResults.self)
            #expect(search.items.isEmpty)
        }
    }
}
