import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// The phone channel through the generic CTI push API a PBX already speaks (form-encoded or JSON), the caller found
/// by number, and the call log.
@Suite("Phone: CTI events, caller lookup, call log, tickets from calls")
struct PhoneCTITests {
    struct Setup: Sendable {
        let w: World
        let cti: IntegrationDTO
        let caller: UserDTO
        let agent: UserDTO
        let agentToken: String
        var path: String { URL(string: cti.url)!.path }
    }

    static func setup(_ api: API) async throws -> Setup {
        let w = try await World.make(api)
        let cti: IntegrationDTO = try await api.create("/api/v1/integrations", token: w.admin, IntegrationInput(type: .cti, name: "Asterisk"))
        let caller: UserDTO = try await api.create("/api/v1/users", token: w.admin,
                                                   UserInput(email: "claire@acme.example", name: "Claire Martin", role: .requester, password: World.password,
                                                             organizationId: w.acme.id, phone: "01 23 45 67 89"))
        let agent: UserDTO = try await api.create("/api/v1/users", token: w.admin,
                                                  UserInput(email: "hotline@desk.example", name: "Hugo Hotline", role: .agent, password: World.password,
                                                            groupIds: [w.n1.id], phone: "201"))
        return Setup(w: w, cti: cti, caller: caller, agent: agent, agentToken: try await api.login("hotline@desk.example", World.password))
    }

    static func form(_ api: API, _ s: Setup, _ body: String) async throws -> API.Reply {
        try await api.send(.post, s.path, headers: [.contentType: "application/x-www-form-urlencoded"], raw: ByteBuffer(string: body))
    }

    static func json(_ api: API, _ s: Setup, _ body: String) async throws -> API.Reply {
        try await api.send(.post, s.path, headers: [.contentType: "application/json"], raw: ByteBuffer(string: body))
    }

    static func calls(_ api: API, _ token: String, _ query: String = "") async throws -> [CallDTO] {
        try await api.get("/api/v1/calls\(query)", token: token).json(Page<CallDTO>.self).items
    }

    @Test("a call rings (form), is answered (JSON) and hung up: the caller is known by number, the agent by extension, the duration logged")
    func answeredCall() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let s = try await Self.setup(api)
            let ring = try await Self.form(api, s, "event=newCall&from=%2B33%201%2023%2045%2067%2089&to=3000&direction=in&callId=c-1&user%5B%5D=Hugo+Hotline&queue=support")
            #expect(ring.status == .ok && ring.text == "{}", "\(ring.status) \(ring.text)")
            var call = try #require(try await Self.calls(api, s.w.admin).first)
            #expect(call.status == "ringing" && call.userId == s.caller.id && call.organizationId == s.w.acme.id && call.queue == "support")
            #expect(call.from == "+33 1 23 45 67 89", "kept as the PBX wrote it")
            clock.advance(minutes: 0.5)
            let answer = try await Self.json(api, s, #"{"event":"answer","from":"+33123456789","to":"3000","direction":"in","callId":"c-1","answeringNumber":"201","user":["Hugo Hotline"]}"#)
            #expect(answer.status == .ok)
            // The same event twice (a PBX retrying) changes nothing.
            _ = try await Self.json(api, s, #"{"event":"answer","from":"+33123456789","to":"3000","direction":"in","callId":"c-1","answeringNumber":"201"}"#)
            call = try await api.get("/api/v1/calls/\(call.id)", token: s.w.admin).json(CallDTO.self)
            #expect(call.status == "answered" && call.answeredBy == s.agent.id && call.answeredByName == "Hugo Hotline")
            // A ticket from the call, while talking: the caller is the requester, the call's start the incident's time.
            let opened = try await api.post("/api/v1/calls/\(call.id)/ticket", token: s.agentToken,
                                             CallTicketInput(ticket: TicketInput(subject: "Imprimante bloquée", description: "Appel : bourrage papier", impact: .low, urgency: .medium)))
            #expect(opened.status == .created, "\(opened.text)")
            call = try opened.json(CallDTO.self)
            let ticketId = try #require(call.ticketId)
            clock.advance(minutes: 2.5)
            #expect(try await Self.form(api, s, "event=hangup&from=0123456789&to=3000&direction=in&callId=c-1&cause=normalClearing").status == .ok)
            call = try await api.get("/api/v1/calls/\(call.id)", token: s.w.admin).json(CallDTO.self)
            #expect(call.status == "ended" && call.durationSeconds == 150 && call.cause == "normalClearing")
            let ticket = try await api.get("/api/v1/tickets/\(ticketId)", token: s.w.admin).json(TicketDTO.self)
            #expect(ticket.channel == .phone && ticket.requesterId == s.caller.id && ticket.occurredAt == TestApp.now && ticket.timeSpentMinutes == 3)
            #expect(ticket.assigneeId == s.agent.id, "the agent who took the call works on it")
            let timeline = try await api.get("/api/v1/tickets/\(ticketId)/timeline", token: s.w.admin).text
            #expect(timeline.contains("\"call\"") && timeline.contains("work_logged"))
            #expect(timeline.contains("Appel téléphonique +33 1 23 45 67 89 → 3000"), "the work log in the client's language: \(timeline)")
            // A late duplicate hang-up does not log the time twice.
            _ = try await Self.form(api, s, "event=hangup&from=0123456789&to=3000&direction=in&callId=c-1&cause=normalClearing")
            #expect(try await api.get("/api/v1/tickets/\(ticketId)", token: s.w.admin).json(TicketDTO.self).timeSpentMinutes == 3)
        }
    }

    @Test("a call nobody answers is missed, listed for callback until marked done; an organization's switchboard number is recognised; calls attach to a ticket")
    func missedAndCallback() async throws {
        try await TestApp.run { api in
            let s = try await Self.setup(api)
            let org = try await api.send(.patch, "/api/v1/organizations/\(s.w.globex.id)", token: s.w.admin,
                                         headers: [.contentType: "application/merge-patch+json"], raw: ByteBuffer(string: #"{"phone":"0033 1 98 76 54 32"}"#))
            #expect(org.status == .ok, "\(org.text)")
            _ = try await Self.form(api, s, "event=newCall&from=0198765432&to=3000&direction=in&callId=m-1")
            _ = try await Self.form(api, s, "event=hangup&from=0198765432&to=3000&direction=in&callId=m-1&cause=cancel")
            var missed = try await Self.calls(api, s.w.admin, "?callback=pending")
            #expect(missed.count == 1 && missed[0].status == "missed" && missed[0].organizationId == s.w.globex.id && missed[0].userId == nil)
            let done = try await api.post("/api/v1/calls/\(missed[0].id)/callback", token: s.w.admin, CallbackInput(done: true))
            let doneCall = try done.json(CallDTO.self)
            #expect(done.status == .ok && doneCall.callbackDoneAt != nil)
            missed = try await Self.calls(api, s.w.admin, "?callback=pending")
            #expect(missed.isEmpty)
            // An unknown caller's call attached to an existing ticket.
            _ = try await Self.form(api, s, "event=newCall&from=anonymous&to=3000&direction=in&callId=a-1")
            let anonymous = try #require(try await Self.calls(api, s.w.admin, "?status=ringing").first)
            #expect(anonymous.userId == nil && anonymous.organizationId == nil)
            let t = try await s.w.aliceTicket()
            let attached = try await api.post("/api/v1/calls/\(anonymous.id)/ticket", token: s.w.agent1Token, CallTicketInput(ticketId: t.id))
            let attachedCall = try attached.json(CallDTO.self)
            #expect(attached.status == .ok && attachedCall.ticketNumber == t.number, "\(attached.text)")
            // Callers and requesters never read the call log.
            #expect(try await api.get("/api/v1/calls", token: s.w.aliceToken).status == .forbidden)
            #expect(try await api.get("/api/v1/calls", token: s.w.managerToken).status == .forbidden)
        }
    }

    @Test("bad CTI input: a wrong token is 404 with nothing stored, missing fields and unknown events 400 with every problem, a huge body 413")
    func badInput() async throws {
        try await TestApp.run { api in
            let s = try await Self.setup(api)
            let wrong = try await api.send(.post, "/api/v1/cti/wrong-token", headers: [.contentType: "application/x-www-form-urlencoded"],
                                           raw: ByteBuffer(string: "event=newCall&from=1&to=2&direction=in&callId=x"))
            #expect(wrong.status == .notFound)
            let missing = try await Self.form(api, s, "event=ringing&direction=sideways")
            #expect(missing.status == .badRequest)
            for word in ["event", "from", "to", "callId", "direction"] { #expect(missing.text.contains(word), "\(missing.text)") }
            #expect(try await Self.json(api, s, "{not json").status == .badRequest)
            let huge = try await Self.form(api, s, "event=newCall&from=" + String(repeating: "1", count: 100_000))
            #expect(huge.status == .contentTooLarge)
            #expect(try await Self.calls(api, s.w.admin).isEmpty)
            let bad = try await api.post("/api/v1/users", token: s.w.admin, UserInput(email: "x@acme.example", name: "X", role: .requester, password: World.password,
                                                                                     organizationId: s.w.acme.id, phone: "call me maybe"))
            #expect(bad.status == .unprocessableContent && bad.text.contains("phone"))
        }
    }
}
