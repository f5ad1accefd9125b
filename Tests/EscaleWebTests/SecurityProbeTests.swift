import EscaleAPI
import EscaleCore
import EscaleStore
import Foundation
import HTTPTypes
import Testing
@testable import EscaleWeb

/// The faults an outside probe found (brute force, open redirect, slow clients, NUL bytes, revocation, cross-tenant
/// routing, chunked bodies, requester fields), each with the case that showed it.
@Suite("Security probe")
struct SecurityProbeTests {
    static func token(_ api: API, _ email: String, _ password: String, from address: String? = nil) async throws -> API.Reply {
        var headers: HTTPFields = [:]
        if let address { headers[HTTPField.Name("X-Forwarded-For")!] = address }
        return try await api.post("/api/v1/auth/token", token: nil, TokenRequest(email: email, password: password), headers: headers)
    }

    @Test("the API's token endpoint is throttled like the web sign-in; unknown accounts fail the same way; administrators see and lift throttles")
    func apiBruteForce() async throws {
        try await TestApp.run(.live) { api in
            let w = try await World.make(api)
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<8 { statuses.append(try await Self.token(api, w.alice.email, "guess-\(i)").status) }
            #expect(statuses.prefix(5).allSatisfy { $0 == .unauthorized }, "\(statuses)")
            #expect(statuses.dropFirst(5).allSatisfy { $0 == .tooManyRequests }, "\(statuses)")
            let right = try await Self.token(api, w.alice.email, World.password)
            #expect(right.status == .tooManyRequests, "the right password waits too: guessing cannot go on")
            #expect(Int(right.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(right.problem?.detail.contains("retry in") == true)

            // The web sign-in from the same place is the same gate.
            let b = Browser(api)
            _ = try await b.get("/login")
            let page = try await b.post("/login", [("email", w.alice.email), ("password", World.password), ("next", "")])
            #expect(page.status == .tooManyRequests)

            // Another account is not held up by Alice's; an unknown one fails exactly like a wrong password.
            #expect(try await Self.token(api, w.bob.email, World.password).status == .created)
            let unknown = try await Self.token(api, "nobody@acme.example", "guess")
            #expect(unknown.status == .unauthorized && unknown.problem?.detail == "unknown e-mail address or wrong password")

            // Administrators see the throttles and lift them; nobody else may.
            #expect(try await api.get("/api/v1/auth/throttles", token: w.aliceToken).status == .forbidden)
            let list = try await api.get("/api/v1/auth/throttles", token: w.admin).json(Page<ThrottleDTO>.self).items
            let pair = try #require(list.first { $0.kind == "pair" && $0.subject.hasPrefix(w.alice.email) })
            #expect(pair.failures == 5 && pair.retryAfterSeconds >= 1)
            #expect(try await api.send(.delete, "/api/v1/auth/throttles/\(pair.id)", token: w.admin).status == .noContent)
            #expect(try await api.send(.delete, "/api/v1/auth/throttles/\(pair.id)", token: w.admin).status == .notFound)
            #expect(try await Self.token(api, w.alice.email, World.password).status == .created)
        }
    }

    @Test("the sign-in throttles page lists what is counted, in both languages, and lifting one lets the user in again")
    func throttlesPage() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            for _ in 0..<10 { _ = try await Self.token(api, w.bob.email, "guess") }
            #expect(try await Self.token(api, w.bob.email, World.password).status == .tooManyRequests)
            let admin = Browser(api)
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let page = try await admin.get("/admin/throttles")
            #expect(page.status == .ok && page.contains(w.bob.email) && !page.contains("⟦"), "\(page.html)")
            let english = Browser(api, language: "en")
            try await english.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let en = try await english.get("/admin/throttles")
            #expect(en.contains("Sign-in throttles") && !en.contains("⟦"))
            let id = try #require(try await api.get("/api/v1/auth/throttles", token: w.admin).json(Page<ThrottleDTO>.self).items.first { $0.subject == w.bob.email }?.id)
            let lifted = try await admin.post("/admin/throttles/\(id)/lift", [])
            #expect(lifted.location == "/admin/throttles?done=lifted")
            #expect(try await Self.token(api, w.bob.email, World.password).status == .created)
            // Nobody else sees the page.
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            #expect(try await agent.get("/admin/throttles").status == .forbidden)
        }
    }

    @Test("guesses spread over many addresses slow the account down, but never for the addresses it signs in from; a trusted proxy names the client")
    func realUserIsNotLockedOut() async throws {
        try await TestApp.run(.live, configure: { $0.trustedProxies = try! TrustedProxies.parse("127.0.0.1, ::1").get() }) { api in
            let w = try await World.make(api)
            // Alice signs in from her office once: the address is known to her account.
            #expect(try await Self.token(api, w.alice.email, World.password, from: "198.51.100.7").status == .created)
            // A botnet tries her password from ten addresses, once each: no pair, no address reaches its allowance,
            // the account's is used up.
            for i in 1...10 { #expect(try await Self.token(api, w.alice.email, "guess", from: "203.0.113.\(i)").status == .unauthorized) }
            // From then on the account is slowed down for unknown places (the forwarded address is what counts)...
            #expect(try await Self.token(api, w.alice.email, "guess", from: "203.0.113.11").status == .tooManyRequests)
            let stranger = try await Self.token(api, w.alice.email, World.password, from: "192.0.2.50")
            #expect(stranger.status == .tooManyRequests, "\(stranger.text)")
            // From her office she signs in at once.
            #expect(try await Self.token(api, w.alice.email, World.password, from: "198.51.100.7").status == .created)
            let subjects = try await api.get("/api/v1/auth/throttles", token: w.admin).json(Page<ThrottleDTO>.self).items.map(\.subject)
            #expect(subjects.contains("203.0.113.5") && !subjects.contains("127.0.0.1"))
        }
    }

    @Test("changing one's password proves the current one under the same throttle")
    func passwordChangeIsThrottled() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let b = Browser(api)
            try await b.signIn(w.bob.email, World.password)
            _ = try await b.get("/account")
            for _ in 0..<10 {
                let r = try await b.post("/account/password", [("current_password", "not-it-at-all"), ("new_password", "another-password-9")])
                #expect(r.status == .unprocessableContent)
            }
            _ = try await b.get("/account")
            let throttled = try await b.post("/account/password", [("current_password", World.password), ("new_password", "another-password-9")])
            #expect(throttled.status == .tooManyRequests, "\(throttled.status)")
            #expect(throttled.headers[.retryAfter] != nil)
        }
    }

    @Test("sign-in returns only to pages of this site, judged as a browser reads the address")
    func openRedirect() async throws {
        let refused = ["/%09/evil.com/", "/\t/evil.com/", "//evil.com", "/\\evil.com", "\\\\evil.com", " //evil.com", "/\n/evil.com",
                       "https://evil.com/", "javascript:alert(1)", "/.%2e/%2e%2e//evil.com", "/%2e%2e/%2f/evil.com", "/unknown/page",
                       "/\u{0}/evil.com", "/tickets/1/../../../evil.com/x"]
        for raw in refused {
            let decoded = raw.removingPercentEncoding ?? raw
            #expect(SafeRedirect.target(decoded) == "/" || !SafeRedirect.target(decoded).hasPrefix("//"), "\(raw.debugDescription)")
            #expect(!SafeRedirect.target(decoded).contains("evil"), "\(raw.debugDescription) → \(SafeRedirect.target(decoded))")
        }
        #expect(SafeRedirect.target("/tickets/42?tab=timeline#x") == "/tickets/42?tab=timeline")
        #expect(SafeRedirect.target("/queues/./mine") == "/queues/mine")
        #expect(SafeRedirect.target("/admin/users/\(UUID().uuidString)").hasPrefix("/admin/users/"))
        #expect(SafeRedirect.target("/unknown") == "/")

        try await TestApp.run { api in
            let w = try await World.make(api)
            let b = Browser(api)
            let form = try await b.get("/login?next=%2F%09%2Fevil.com%2F")
            #expect(form.hidden("next") == "/")
            let r = try await b.post("/login", [("email", w.alice.email), ("password", World.password), ("next", "/\t/evil.com/")])
            #expect(r.location == "/requests", "\(r.location ?? "none")")
            let b2 = Browser(api)
            _ = try await b2.get("/login")
            let ok = try await b2.post("/login", [("email", w.agent1.email), ("password", World.password), ("next", "/tickets/1")])
            #expect(ok.location == "/tickets/1")
        }
    }

    @Test("a NUL character in any text, JSON, form or query, is refused with a 422 naming the field, on every database")
    func nulCharacters() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            func post(_ uri: String, _ json: String, token: String?) async throws -> API.Reply {
                try await api.send(.post, uri, token: token, raw: .init(string: json))
            }
            let ticket = try await post("/api/v1/tickets", #"{"subject":"Imprimante\u0000","description":"x","impact":"low","urgency":"low"}"#, token: w.aliceToken)
            #expect(ticket.status == .unprocessableContent && ticket.problem?.field == "subject", "\(ticket.text)")
            let described = try await post("/api/v1/tickets", #"{"subject":"Imprimante","description":"a\u0000b","impact":"low","urgency":"low"}"#, token: w.aliceToken)
            #expect(described.problem?.field == "description")
            let t = try await w.aliceTicket()
            let comment = try await post("/api/v1/tickets/\(t.id)/comments", #"{"body":"\u0000","public":true}"#, token: w.aliceToken)
            #expect(comment.status == .unprocessableContent && comment.problem?.field == "body")
            let org = try await post("/api/v1/organizations", #"{"name":"Evil\u0000Corp"}"#, token: w.admin)
            #expect(org.status == .unprocessableContent && org.problem?.field == "name")
            let signIn = try await post("/api/v1/auth/token", #"{"email":"alice@acme.example\u0000","password":"x"}"#, token: nil)
            #expect(signIn.status == .unprocessableContent && signIn.problem?.field == "email")
            // An escaped backslash followed by "u0000" is text, not NUL.
            #expect(try await post("/api/v1/tickets", #"{"subject":"C:\\u0000 path","description":"x","impact":"low","urgency":"low"}"#, token: w.aliceToken).status == .created)
            let search = try await api.get("/api/v1/search?q=imprimante%00", token: w.agent1Token)
            #expect(search.status == .unprocessableContent && search.problem?.field == "q")

            let b = Browser(api)
            _ = try await b.get("/login")
            let page = try await b.post("/login", [("email", "alice@acme.example\u{0}"), ("password", "x"), ("next", "")])
            #expect(page.status == .unprocessableContent)
            try await b.signIn(w.alice.email, World.password)
            _ = try await b.get("/requests/new")
            let request = try await b.post("/requests", [("subject", "Panne\u{0}"), ("description", "x"), ("impact", "low"), ("urgency", "low")])
            #expect(request.status == .unprocessableContent)
        }
    }

    @Test("an N1 agent cannot escalate or move a ticket into a group that does not serve its organization")
    func crossTenantGroups() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let globexOnly: GroupDTO = try await api.create("/api/v1/groups", token: w.admin, GroupInput(name: "Globex N2", tier: .n2, organizationIds: [w.globex.id]))
            let t = try await w.aliceTicket()
            let escalation = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token,
                                                EscalateInput(tier: .n2, reason: "needs N2", groupId: globexOnly.id))
            #expect(escalation.status == .unprocessableContent && escalation.problem?.field == "group_id", "\(escalation.text)")
            var move = TicketPatch(); move.groupId = .some(globexOnly.id)
            let moved = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: move)
            #expect(moved.status == .unprocessableContent && moved.problem?.field == "group_id")
            // The group serving every organization is fine.
            #expect(try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token,
                                       EscalateInput(tier: .n2, reason: "needs N2", groupId: w.n2.id)).status == .ok)
        }
    }

    @Test("requesters state the problem, its impact and urgency and when it started; channel, type and tags are staff's, and refusals come before lookups")
    func requesterFields() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            for (field, json) in [("channel", #""channel":"phone""#), ("type", #""type":"request""#), ("tags", #""tags":["vip"]"#)] {
                let r = try await api.send(.post, "/api/v1/tickets", token: w.aliceToken,
                                           raw: .init(string: #"{"subject":"Écran noir","description":"x","impact":"high","urgency":"high","# + json + "}"))
                #expect(r.status == .forbidden && r.problem?.detail.contains(field) == true, "\(field): \(r.text)")
            }
            let fine = try await api.send(.post, "/api/v1/tickets", token: w.aliceToken,
                                          raw: .init(string: #"{"subject":"Écran noir","description":"x","impact":"high","urgency":"high","occurred_at":"2026-12-01T07:00:00Z"}"#))
            #expect(fine.status == .created)
            let t = try fine.json(TicketDTO.self)
            #expect(t.channel == .api && t.priority == .critical)
            // Whether the group or the agent exists is none of a requester's business: 403 either way.
            for body in [#"{"group_id":"\#(UUID())"}"#, #"{"group_id":"\#(w.n1.id)"}"#, #"{"assignee_id":"\#(UUID())"}"#] {
                let r = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.aliceToken, headers: [.ifMatch: "\"v1\""], raw: .init(string: body))
                #expect(r.status == .forbidden, "\(body): \(r.status)")
            }
            let escalate = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.aliceToken, EscalateInput(tier: .n2, reason: "urgent!", groupId: UUID()))
            #expect(escalate.status == .forbidden)
        }
    }

    @Test("a null for a field that cannot be cleared is refused, not ignored")
    func nullFields() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            for field in ["subject", "description", "impact", "urgency", "status", "type", "major", "occurred_at", "tags"] {
                let r = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""],
                                           raw: .init(string: #"{"\#(field)":null}"#))
                #expect(r.status == .unprocessableContent && r.problem?.field == field, "\(field): \(r.status) \(r.text)")
            }
            let empty = try await api.send(.post, "/api/v1/categories", token: w.admin,
                                           raw: .init(string: #"{"key":"kiosk","domain":"hardware","name_en":"","name_fr":"Borne"}"#))
            #expect(empty.status == .unprocessableContent && empty.problem?.field == "name_en", "\(empty.text)")
        }
    }
}

@Suite("Trusted proxies")
struct TrustedProxiesTests {
    @Test("addresses and CIDR ranges, IPv4 and IPv6; the client is the right-most untrusted hop; an untrusted peer's header is ignored")
    func clientAddress() throws {
        let proxies = try TrustedProxies.parse("10.0.0.0/8, 192.168.1.5, ::1, fd00::/8").get()
        #expect(proxies.trusts("10.20.30.40") && proxies.trusts("192.168.1.5") && proxies.trusts("::1") && proxies.trusts("fd12::1"))
        #expect(!proxies.trusts("192.168.1.6") && !proxies.trusts("11.0.0.1") && !proxies.trusts("::2"))
        #expect(proxies.trusts("::ffff:10.1.2.3"), "IPv4-mapped IPv6 reads as IPv4")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: ["203.0.113.9, 10.0.0.7"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: ["1.2.3.4", "203.0.113.9"]) == "203.0.113.9",
                "what the client wrote on the left proves nothing")
        #expect(proxies.clientAddress(peer: "198.51.100.1", forwardedFor: ["203.0.113.9"]) == "198.51.100.1", "not a proxy of ours")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: ["not-an-address"]) == "10.0.0.2")
        #expect(TrustedProxies.none.clientAddress(peer: "10.0.0.2", forwardedFor: ["203.0.113.9"]) == "10.0.0.2")
        for bad in ["10.0.0.0/33", "example.com", "::1/129", "10.0.0"] {
            #expect(throws: TrustedProxies.ParseError.self) { try TrustedProxies.parse(bad).get() }
        }
    }

    @Test("a method a documented path does not have is a 405 with Allow")
    func methodNotAllowed() async throws {
        try await TestApp.run { api in
            let r = try await api.send(.delete, "/api/v1/tickets", token: nil)
            #expect(r.status == .methodNotAllowed && r.headers[.allow] == "GET, POST")
            let ics = try await api.send(.post, "/api/v1/oncall/schedules/\(UUID()).ics", token: nil)
            #expect(ics.status == .methodNotAllowed && ics.headers[.allow] == "GET", "the most specific documented path decides")
            #expect(try await api.send(.delete, "/api/v1/nothing-here", token: nil).status == .notFound)
        }
    }
}
