import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Testing

@Suite("Directory, roles and tokens")
struct DirectoryAndAuthTests {
    @Test("a wrong password and an unknown e-mail get the same 401; no token gets 401 with WWW-Authenticate")
    func authentication() async throws {
        try await TestApp.run { api in
            _ = try await World.make(api)
            let wrong = try await api.post("/api/v1/auth/token", token: nil, TokenRequest(email: "alice@acme.example", password: "nope-nope-nope"))
            let unknown = try await api.post("/api/v1/auth/token", token: nil, TokenRequest(email: "nobody@acme.example", password: "nope-nope-nope"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.problem?.detail == unknown.problem?.detail)
            let anonymous = try await api.get("/api/v1/tickets", token: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await api.get("/api/v1/tickets", token: "esc_forged").status == .unauthorized)
        }
    }

    @Test("tokens are listed with their last use, never shown again, and stop working once revoked")
    func tokens() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let issued = try await api.post("/api/v1/auth/token", token: nil, TokenRequest(email: "alice@acme.example", password: World.password, name: "laptop"))
            let extra = try issued.json(TokenResponse.self)
            #expect(extra.expiresAt > TestApp.now)
            #expect(try await api.get("/api/v1/me", token: extra.token).json(UserDTO.self).email == "alice@acme.example")

            let list = try await api.get("/api/v1/auth/tokens", token: w.aliceToken)
            let tokens = try list.json(Page<TokenInfo>.self).items
            #expect(tokens.count == 2)
            #expect(tokens.first { $0.id == extra.id }?.name == "laptop")
            #expect(tokens.first { $0.id == extra.id }?.lastUsedAt == TestApp.now)
            #expect(!list.text.contains(extra.token))

            // Bob cannot revoke Alice's token: to him it does not exist.
            #expect(try await api.send(.delete, "/api/v1/auth/tokens/\(extra.id)", token: w.bobToken).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/auth/tokens/\(extra.id)", token: w.aliceToken).status == .noContent)
            #expect(try await api.get("/api/v1/me", token: extra.token).status == .unauthorized)
            #expect(try await api.get("/api/v1/me", token: w.aliceToken).status == .ok)
            let after = try await api.get("/api/v1/auth/tokens", token: w.aliceToken).json(Page<TokenInfo>.self).items
            #expect(after.first { $0.id == extra.id }?.revokedAt == TestApp.now)
        }
    }

    @Test("only administrators manage the directory; duplicates are a 409")
    func directoryPermissions() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            #expect(try await api.post("/api/v1/organizations", token: w.agent1Token, OrganizationInput(name: "New")).status == .forbidden)
            #expect(try await api.post("/api/v1/groups", token: w.managerToken, GroupInput(name: "G", tier: .n1)).status == .forbidden)
            #expect(try await api.post("/api/v1/organizations", token: w.admin, OrganizationInput(name: "Acme Industrie")).status == .conflict)
            let dupe = try await api.post("/api/v1/users", token: w.admin, UserInput(email: "ALICE@acme.example", name: "A", role: .requester, password: "0123456789ab", organizationId: w.acme.id))
            #expect(dupe.status == .conflict)
            let weak = try await api.post("/api/v1/users", token: w.admin, UserInput(email: "new@acme.example", name: "N", role: .requester, password: "short", organizationId: w.acme.id))
            #expect(weak.status == .unprocessableContent)
            #expect(weak.problem?.field == "password")
            let orphan = try await api.post("/api/v1/users", token: w.admin, UserInput(email: "new@acme.example", name: "N", role: .requester, password: "0123456789ab"))
            #expect(orphan.problem?.field == "organization_id")
            let badRole = try await api.send(.post, "/api/v1/users", token: w.admin, raw: .init(string: #"{"email":"x@y.z","name":"x","role":"god","password":"0123456789ab"}"#))
            #expect(badRole.problem?.detail.contains("requester, client_manager, agent, supervisor, admin") == true)
            let contract = try await api.post("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                              ContractInput(perimeter: "categories", categories: ["printer", "teleportation"], validFrom: Day("2026-01-01")!))
            #expect(contract.problem?.detail.contains("teleportation") == true)
            let backwards = try await api.post("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                               ContractInput(perimeter: "hardware", validFrom: Day("2026-06-01")!, validUntil: Day("2026-01-01")!))
            #expect(backwards.problem?.field == "valid_until")
        }
    }

    @Test("what each role sees: organizations, users and tickets")
    func visibilityByRole() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let a = try await w.aliceTicket("Alice's")
            let b: TicketDTO = try await api.create("/api/v1/tickets", token: w.bobToken, TicketInput(subject: "Bob's", description: "", impact: .low, urgency: .low))
            let e: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken, TicketInput(subject: "Eve's", description: "", impact: .low, urgency: .low))
            func ids(_ token: String) async throws -> Set<UUID> {
                Set(try await api.get("/api/v1/tickets", token: token).json(Page<TicketDTO>.self).items.map(\.id))
            }
            #expect(try await ids(w.aliceToken) == [a.id])
            #expect(try await ids(w.managerToken) == [a.id, b.id])
            #expect(try await ids(w.agent1Token) == [a.id, b.id, e.id])
            #expect(try await api.get("/api/v1/tickets/\(b.id)", token: w.aliceToken).status == .notFound)
            #expect(try await api.get("/api/v1/organizations", token: w.eveToken).json(Page<OrganizationDTO>.self).items.map(\.name) == ["Globex"])
            #expect(try await api.get("/api/v1/users", token: w.managerToken).json(Page<UserDTO>.self).items.count == 3)
            #expect(try await api.get("/api/v1/groups", token: w.aliceToken).status == .forbidden)
            let agent = try await api.get("/api/v1/me", token: w.agent1Token).json(UserDTO.self)
            #expect(agent.id == w.agent1.id)
            #expect(agent.groupIds == [w.n1.id])

            // An agent whose group serves Globex only sees Globex's tickets.
            let g: GroupDTO = try await api.create("/api/v1/groups", token: w.admin, GroupInput(name: "Globex desk", tier: .n1, organizationIds: [w.globex.id]))
            _ = try await api.create("/api/v1/users", token: w.admin, UserInput(email: "g@desk.example", name: "G", role: .agent, password: World.password, groupIds: [g.id]), as: UserDTO.self)
            let gToken = try await api.login("g@desk.example", World.password)
            #expect(try await ids(gToken) == [e.id])
            #expect(try await api.get("/api/v1/tickets/\(a.id)", token: gToken).status == .notFound)

            // A contract may let requesters see their colleagues' tickets.
            _ = try await api.create("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                     ContractInput(name: "Acme 2027", perimeter: "infrastructure", validFrom: Day("2026-11-01")!, requestersSeeOrganization: true), as: ContractDTO.self)
            #expect(try await ids(w.aliceToken) == [a.id, b.id])
        }
    }

    @Test("the priority matrix can be replaced; new tickets follow it")
    func matrix() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let current = try await api.get("/api/v1/priority-matrix", token: w.agent1Token).object
            #expect((current["high"] as? [String: Int])?["high"] == 1)
            let custom = #"{"high":{"high":1,"medium":1,"low":2},"medium":{"high":2,"medium":3,"low":4},"low":{"high":4,"medium":5,"low":5}}"#
            #expect(try await api.send(.put, "/api/v1/priority-matrix", token: w.agent1Token, raw: .init(string: custom)).status == .forbidden)
            #expect(try await api.send(.put, "/api/v1/priority-matrix", token: w.admin, raw: .init(string: custom)).status == .ok)
            let incomplete = #"{"high":{"high":1}}"#
            #expect(try await api.send(.put, "/api/v1/priority-matrix", token: w.admin, raw: .init(string: incomplete)).status == .unprocessableContent)
            let t = try await w.aliceTicket(impact: .high, urgency: .medium)
            #expect(t.priority == .critical)
        }
    }
}
