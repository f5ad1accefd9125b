import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// Tenant isolation, swept over every documented route (the OpenAPI test guarantees the document lists every route).
@Suite("Tenant isolation")
struct IsolationTests {
    @Test("a user of another organization learns nothing on any route: another tenant's ticket is a 404 like a missing one")
    func sweepEveryRoute() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            // Acme's data: a ticket with a public reply, an internal note and an attachment.
            let t = try await w.aliceTicket("Serveur de fichiers Acme inaccessible")
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Secret interne Acme", isPublic: false), as: EventDTO.self)
            let upload = try await api.send(.post, "/api/v1/tickets/\(t.id)/attachments?filename=plan.txt", token: w.aliceToken,
                                            headers: [.contentType: "text/plain"], raw: ByteBuffer(string: "plan du réseau Acme"))
            let attachment = try upload.json(AttachmentDTO.self)
            let aliceTokens = try await api.get("/api/v1/auth/tokens", token: w.aliceToken).json(Page<TokenInfo>.self).items
            let before = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            let calendar = try await api.create("/api/v1/calendars", token: w.admin, CalendarAPITests.office, as: CalendarDTO.self)
            let policy = try await api.create("/api/v1/sla-policies", token: w.admin, CalendarAPITests.policy(calendar: calendar.id), as: SLAPolicyDTO.self)

            let doc = try JSONSerialization.jsonObject(with: Data(try await api.get("/api/v1/openapi.json", token: nil).body.readableBytesView)) as! [String: Any]
            let paths = doc["paths"] as! [String: [String: Any]]
            let secrets = [t.id.uuidString, "Serveur de fichiers Acme", "Secret interne", w.acme.id.uuidString, "alice@acme", attachment.id.uuidString]
            var swept = 0

            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, spec) in operations {
                    guard let op = spec as? [String: Any], !(op["security"].map { ($0 as? [Any])?.isEmpty == true } ?? false) else { continue }
                    let m = HTTPRequest.Method(method.uppercased())!
                    let body = Self.body(for: path, method: m, w: w, ticket: t)
                    var headers: HTTPFields = [.ifMatch: "\"v\(before.version)\""]
                    if body == nil { headers[.contentType] = nil }
                    swept += 1
                    if path.contains("{id}") {
                        let realId: UUID = path.hasPrefix("/api/v1/tickets/") ? t.id
                            : path.hasPrefix("/api/v1/attachments/") ? attachment.id
                            : path.hasPrefix("/api/v1/organizations/") ? w.acme.id
                            : path.hasPrefix("/api/v1/calendars/") ? calendar.id
                            : path.hasPrefix("/api/v1/sla-policies/") ? policy.id
                            : path.hasPrefix("/api/v1/users/") ? w.alice.id
                            : path.hasPrefix("/api/v1/groups/") ? w.n1.id
                            : path.hasPrefix("/api/v1/contracts/") ? w.acmeContract.id
                            : aliceTokens[0].id
                        let real = try await api.send(m, path.replacingOccurrences(of: "{id}", with: realId.uuidString), token: w.eveToken, headers: headers, raw: body)
                        let missing = try await api.send(m, path.replacingOccurrences(of: "{id}", with: UUID().uuidString), token: w.eveToken, headers: headers, raw: body)
                        #expect(real.status == missing.status, "\(method) \(path): \(real.status) for Acme's id, \(missing.status) for a missing one")
                        #expect(real.problem?.detail == missing.problem?.detail, "\(method) \(path) tells them apart")
                        if path.hasPrefix("/api/v1/tickets/") || path.hasPrefix("/api/v1/attachments/") {
                            #expect(real.status == .notFound, "\(method) \(path): \(real.status)")
                        } else {
                            #expect(real.status == .notFound || real.status == .forbidden, "\(method) \(path): \(real.status)")
                        }
                        for s in secrets { #expect(!Self.withoutInstance(real).contains(s), "\(method) \(path) leaks \(s)") }
                    } else {
                        let r = try await api.send(m, path, token: w.eveToken, headers: headers, raw: body)
                        #expect(r.status.code < 500, "\(method) \(path): \(r.status)")
                        for s in secrets { #expect(!Self.withoutInstance(r).contains(s), "\(method) \(path) leaks \(s)") }
                    }
                }
            }
            #expect(swept >= 25)
            let after = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(after.version == before.version, "the sweep changed Acme's ticket")
            let search = try await api.get("/api/v1/search?q=serveur", token: w.eveToken).json(SearchResults.self)
            #expect(search.items.isEmpty)
        }
    }

    /// The response without the `instance` member, which only echoes the caller's own request path.
    static func withoutInstance(_ r: API.Reply) -> String {
        guard var problem = r.problem else { return r.text }
        problem.instance = nil
        return String(decoding: try! Wire.encoder().encode(problem), as: UTF8.self)
    }

    /// A valid body for each write, so that refusals come from isolation and not from validation.
    static func body(for path: String, method: HTTPRequest.Method, w: World, ticket: TicketDTO) -> ByteBuffer? {
        func json(_ value: some Encodable) -> ByteBuffer { ByteBuffer(bytes: try! Wire.encoder().encode(value)) }
        switch (method, path) {
        case (.post, "/api/v1/tickets"):
            return json(TicketInput(subject: "x", description: "y", impact: .low, urgency: .low, organizationId: w.acme.id))
        case (.post, "/api/v1/tickets/{id}/comments"): return json(CommentInput(body: "hello", isPublic: true))
        case (.post, "/api/v1/remote-sessions/{id}/consent"): return json(RemoteConsentInput(allow: true))
        case (.post, "/api/v1/tickets/{id}/escalate"): return json(EscalateInput(tier: .n2, reason: "because"))
        case (.post, "/api/v1/tickets/{id}/worklogs"): return json(WorkLogInput(minutes: 5))
        case (.post, "/api/v1/tickets/{id}/attachments"): return ByteBuffer(string: "data")
        case (.patch, "/api/v1/tickets/{id}"): var p = TicketPatch(); p.status = .closed; return json(p)
        case (.post, "/api/v1/tickets/{id}/links"): return json(TicketLinkInput(kind: .related, ticketId: ticket.id))
        case (.post, "/api/v1/tickets/{id}/merge"): return json(MergeInput(into: ticket.id))
        case (.post, "/api/v1/tickets/{id}/watchers"): return json(WatcherInput(userId: w.agent1.id))
        case (.post, "/api/v1/organizations"): return json(OrganizationInput(name: "Evil"))
        case (.post, "/api/v1/organizations/{id}/contracts"): return json(ContractInput(perimeter: "hardware", validFrom: Day("2026-01-01")!))
        case (.post, "/api/v1/groups"): return json(GroupInput(name: "Evil", tier: .n1))
        case (.post, "/api/v1/users"): return json(UserInput(email: "x@evil.example", name: "X", role: .admin, password: "0123456789ab"))
        case (.post, "/api/v1/categories"): return json(CategoryDTO(key: "evil", domain: .hardware, nameEn: "Evil", nameFr: "Mal"))
        case (.put, "/api/v1/priority-matrix"): return json(PriorityMatrix.itil)
        case (.patch, "/api/v1/organizations/{id}"): return json(["name": "Evil"])
        case (.put, "/api/v1/groups/{id}/members"): return json(GroupMembersDTO(userIds: [w.eve.id]))
        case (.put, "/api/v1/settings"): return json(DeskSettingsDTO(defaultLocale: "en"))
        case (.post, "/api/v1/calendars"): return json(CalendarAPITests.office)
        case (.post, "/api/v1/sla-policies"): return json(CalendarAPITests.policy(calendar: UUID()))
        case (.post, "/api/v1/users/{id}/contact-methods"): return json(ContactMethodInput(type: "email", address: "evil@example.com"))
        case (.post, "/api/v1/canned-replies"): return json(CannedReplyInput(title: "Evil", bodyFr: "Bonjour", shared: true))
        case (.patch, "/api/v1/canned-replies/{id}"): return json(["title": "Evil"])
        case (.post, "/api/v1/macros"): return json(MacroInput(name: "Evil", shared: true, actions: MacroActions(status: .closed)))
        case (.patch, "/api/v1/macros/{id}"): return json(["name": "Evil"])
        case (.post, "/api/v1/mailboxes"): return json(MailboxInput(address: "evil@evil.example"))
        case (.patch, "/api/v1/mailboxes/{id}"): return json(["name": "Evil"])
        case (.post, "/api/v1/inbound/messages/{id}/decision"): return json(InboundDecisionInput(action: "discard"))
        case (.post, "/api/v1/integrations"): return json(IntegrationInput(type: .alertmanager, name: "Evil", organizationId: w.acme.id))
        case (.patch, "/api/v1/integrations/{id}"): return json(["name": "Evil"])
        case (.post, "/api/v1/calls/{id}/ticket"): return json(CallTicketInput(ticketId: ticket.id))
        case (.post, "/api/v1/calls/{id}/callback"): return json(CallbackInput(done: true))
        case (.post, "/api/v1/organizations/{id}/enrollment-tokens"): return json(EnrollmentTokenInput(name: "Evil"))
        case (.post, "/api/v1/tickets/{id}/assets"): return json(TicketAssetInput(assetId: UUID()))
        case (.post, "/api/v1/chat/channels"): return json(ChatChannelInput(name: "Evil", allowedOrigins: ["https://evil.example"], organizationId: w.acme.id))
        case (.patch, "/api/v1/chat/channels/{id}"): return json(["name": "Evil"])
        case (.put, "/api/v1/chat/availability"): return json(AgentAvailabilityInput(availability: .available))
        case (.post, "/api/v1/chat/chats/{id}/messages"): return json(ChatMessageInput(text: "Evil"))
        case (.post, "/api/v1/chat/chats/{id}/handover"): return json(ChatHandoverInput(agentId: w.agent1.id))
        case (.post, "/api/v1/chat/chats/{id}/escalate"): return json(ChatEscalateInput(reason: "Evil"))
        case (.post, "/api/v1/chat/chats/{id}/end"): return json(ChatEndInput(status: "resolved"))
        case (.put, "/api/v1/me/notifications"), (.put, "/api/v1/settings/notifications"): return json(NotificationSettingsDTO(notifications: ["public_reply": false]))
        case (.post, _), (.patch, _), (.put, _): return json([String: String]())
        default: return nil
        }
    }
}
