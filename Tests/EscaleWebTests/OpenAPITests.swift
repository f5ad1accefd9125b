import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
@testable import EscaleWeb
import Foundation
import Hummingbird
import Logging
import Testing

@Suite("The OpenAPI document is true")
struct OpenAPITests {
    /// The application's router, built on a throwaway database, to read its routes.
    static func router() async throws -> Router<EscaleContext> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("escale-routes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await Store.open(.sqlite(path: dir.appendingPathComponent("db.sqlite").path), logger: Logger(label: "test"))
        let desk = try Desk(store: store, config: DeskConfiguration(attachmentsDirectory: dir), logger: Logger(label: "test"))
        let router = try await buildRouter(desk: desk)
        await store.close()
        return router
    }

    @Test("every routed operation is documented and every documented operation is routed")
    func documentMatchesRouter() async throws {
        let router = try await Self.router()

        // The HTML pages are not part of the API.
        let apiRoutes = router.routes.filter { r in
            let p = r.path.description
            return p.hasPrefix("/api/") || p.hasPrefix("api/") || ["/healthz", "/readyz", "/metrics", "healthz", "readyz", "metrics"].contains(p)
        }
        let routed = Set(apiRoutes.map { route in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        })
        let doc = try JSONSerialization.jsonObject(with: OpenAPIController.document.getData(at: 0, length: OpenAPIController.document.readableBytes)!) as! [String: Any]
        #expect(doc["openapi"] as? String == "3.1.0")
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "post", "put", "patch", "delete"]
        let documented = Set(paths.flatMap { path, ops in ops.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
        #expect(routed.subtracting(documented).sorted() == [], "routed but not documented")
        #expect(documented.subtracting(routed).sorted() == [], "documented but not routed")

        // Every schema reference resolves.
        let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let text = String(buffer: OpenAPIController.document)
        let refs = text.components(separatedBy: "\"#/components/schemas/").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(!refs.isEmpty)
        for ref in refs { #expect(schemas[String(ref)] != nil, "unresolved $ref \(ref)") }
    }
}

@Suite("Sign-in targets follow the router")
struct SignInTargetTests {
    @Test("every page a person can open (a GET page route) is a target sign-in may return to, and nothing else is")
    func targetsMatchPages() async throws {
        let router = try await OpenAPITests.router()
        // Not pages one lands on: the API, health, static files, the event stream, the sign-in page itself, the agents' wire.
        let excluded = ["api", "healthz", "readyz", "metrics", "static", "live", "login", "agent", "vendor"]
        let pages = Set(router.routes.filter { $0.method == .get }.map { r -> String in
            // The router spells a parameter {x}, the targets :x.
            let p = r.path.description.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
            return p.hasPrefix("/") ? p : "/" + p
        }.filter { p in !excluded.contains(String(p.dropFirst().split(separator: "/").first ?? "")) })
        let targets = Set(SafeRedirect.pages.map { "/" + $0.joined(separator: "/") })
        #expect(pages.subtracting(targets).sorted() == [], "pages sign-in cannot return to")
        #expect(targets.subtracting(pages).sorted() == [], "targets that are not pages")
    }
}

@Suite("Responses match the documented schemas")
struct WireFormatTests {
    /// Keys of a real JSON object against a schema: nothing undocumented, nothing required missing.
    static func check(_ object: [String: Any], against name: String, in schemas: [String: Any]) {
        let schema = schemas[name] as! [String: Any]
        let properties = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
        let required = Set(schema["required"] as? [String] ?? [])
        let keys = Set(object.keys)
        #expect(keys.subtracting(properties).sorted() == [], "\(name) has undocumented keys")
        #expect(required.subtracting(keys).sorted() == [], "\(name) lacks required keys")
    }

    @Test("tickets, events, attachments, organizations, users, contracts and tokens are serialised as documented")
    func responsesMatchSchemas() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let doc = try JSONSerialization.jsonObject(with: Data(try await api.get("/api/v1/openapi.json", token: nil).body.readableBytesView)) as! [String: Any]
            let schemas = (doc["components"] as! [String: Any])["schemas"] as! [String: Any]
            var input = TicketInput(subject: "Clavier HS", description: "Touches bloquées", impact: .low, urgency: .low, category: "peripheral", occurredAt: TestApp.now.addingTimeInterval(-60))
            input.tags = ["clavier"]; input.requesterId = w.alice.id
            let created = try await api.post("/api/v1/tickets", token: w.agent1Token, input)
            Self.check(created.object, against: "Ticket", in: schemas)
            let t = try created.json(TicketDTO.self)
            var assign = TicketPatch(); assign.groupId = .some(w.n1.id); assign.assigneeId = .some(w.agent1.id); assign.estimatedMinutes = .some(30)
            let patched = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: assign)
            Self.check(patched.object, against: "Ticket", in: schemas)
            #expect(patched.object["assignee_id"] as? String == w.agent1.id.uuidString)
            #expect(patched.object["estimated_minutes"] as? Int == 30)

            _ = try await api.send(.post, "/api/v1/tickets/\(t.id)/attachments?filename=a.txt", token: w.agent1Token, headers: [.contentType: "text/plain"], raw: .init(string: "x"))
            let attachments = try await api.get("/api/v1/tickets/\(t.id)/attachments", token: w.agent1Token).object["items"] as! [[String: Any]]
            Self.check(attachments[0], against: "Attachment", in: schemas)
            _ = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: "Matériel à remplacer"))
            _ = try await api.post("/api/v1/tickets/\(t.id)/worklogs", token: w.agent2Token, WorkLogInput(minutes: 5, note: "ok"))
            let timeline = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent2Token).object
            Self.check(timeline, against: "EventList", in: schemas)
            for event in timeline["items"] as! [[String: Any]] { Self.check(event, against: "Event", in: schemas) }
            #expect((timeline["items"] as! [[String: Any]]).contains { $0["from_tier"] as? Int == 1 && $0["to_tier"] as? Int == 2 })

            let search = try await api.get("/api/v1/search?q=clavier", token: w.agent1Token).object
            Self.check(search, against: "SearchResults", in: schemas)
            for hit in search["items"] as! [[String: Any]] {
                Self.check(hit, against: "SearchHit", in: schemas)
                Self.check(hit["ticket"] as! [String: Any], against: "Ticket", in: schemas)
            }
            let summary = try await api.get("/api/v1/tickets/\(t.id)/worklogs", token: w.agent2Token).object
            Self.check(summary, against: "WorkSummary", in: schemas)
            let list = try await api.get("/api/v1/tickets?limit=1", token: w.agent1Token).object
            Self.check(list, against: "TicketList", in: schemas)
            let calendar = try await api.create("/api/v1/calendars", token: w.admin, CalendarAPITests.office, as: CalendarDTO.self)
            Self.check(try await api.get("/api/v1/calendars/\(calendar.id)/due?start=2026-12-01T08:00:00Z&minutes=60", token: w.admin).object, against: "DueAt", in: schemas)
            Self.check(try await api.get("/api/v1/calendars/\(calendar.id)/business-minutes?from=2026-12-01T08:00:00Z&to=2026-12-02T08:00:00Z", token: w.admin).object, against: "BusinessMinutes", in: schemas)
            _ = try await api.create("/api/v1/sla-policies", token: w.admin, CalendarAPITests.policy(calendar: calendar.id), as: SLAPolicyDTO.self)
            for (uri, schema) in [("/api/v1/calendars", "CalendarDTO"), ("/api/v1/sla-policies", "SLAPolicyDTO"), ("/api/v1/organizations", "OrganizationDTO"), ("/api/v1/users", "UserDTO"), ("/api/v1/groups", "GroupDTO"),
                                  ("/api/v1/organizations/\(w.acme.id)/contracts", "ContractDTO"), ("/api/v1/auth/tokens", "TokenInfo"),
                                  ("/api/v1/categories", "CategoryDTO")] {
                let items = try await api.get(uri, token: w.admin).object["items"] as! [[String: Any]]
                #expect(!items.isEmpty, "\(uri)")
                for item in items { Self.check(item, against: schema, in: schemas) }
            }
            let problem = try await api.get("/api/v1/tickets/\(UUID())", token: w.admin).object
            Self.check(problem, against: "Problem", in: schemas)
        }
    }
}
