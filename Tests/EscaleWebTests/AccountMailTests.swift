import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import Testing

@Suite("Account mail and resolution links")
struct AccountMailTests {
    /// The path (and query) of the first link in a message that contains `marker`.
    static func link(in mail: OutboundMail?, _ marker: String) throws -> String {
        let text = try #require(mail?.text)
        let r = try #require(text.range(of: marker))
        let end = text[r.lowerBound...].firstIndex { $0.isWhitespace } ?? text.endIndex
        return String(text[r.lowerBound..<end])
    }

    @Test("forgot my password: the same answer for any address, a link by mail that works once and signs out everywhere")
    func passwordReset() async throws {
        let transport = RecordingMailTransport()
        try await NotificationTests.run(transport) { api in
            // Given Alice, signed in through the API
            let w = try await World.make(api)
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/me", token: w.aliceToken).status == .ok)
            let before = transport.accountMail(to: w.alice.email).count

            // When she, and someone with an unknown address, ask for a link
            let b = Browser(api)
            #expect(try await b.get("/password/forgot").status == .ok)
            let known = try await b.post("/password/forgot", [("email", w.alice.email.uppercased())])
            let unknown = try await b.post("/password/forgot", [("email", "nobody@nowhere.example")])
            #expect(known.status == .seeOther && known.location == unknown.location)
            _ = try await api.desk.drainDueJobs()

            // Then only she gets one; the GET shows the form without spending it
            #expect(!transport.sent.contains { $0.to.contains { $0.address == "nobody@nowhere.example" } })
            let mails = transport.accountMail(to: w.alice.email)
            #expect(mails.count == before + 1)
            let path = try Self.link(in: mails.last, "/password/reset?token=")
            #expect(try await b.get(path).status == .ok)
            #expect(try await b.get(path).status == .ok)
            let token = String(path.split(separator: "=", maxSplits: 1)[1])
            #expect(try await b.post("/password/reset", [("token", token), ("new_password", "short")]).status == .unprocessableContent)
            let done = try await b.post("/password/reset", [("token", token), ("new_password", "a-brand-new-password")])
            #expect(done.status == .seeOther && done.location == "/login?done=password_set")

            // Her tokens are revoked, the new password works, the link is spent
            #expect(try await api.get("/api/v1/me", token: w.aliceToken).status == .unauthorized)
            _ = try await api.login(w.alice.email, "a-brand-new-password")
            #expect(try await b.get(path).status == .notFound)
            #expect(try await b.post("/password/reset", [("token", token), ("new_password", "another-new-password")]).status == .unprocessableContent)
        }
    }

    @Test("reset links are throttled per address; a welcome link from an administrator lasts seven days")
    func throttleAndWelcome() async throws {
        let transport = RecordingMailTransport()
        let clock = MutableClock()
        try await NotificationTests.run(transport, clock: clock) { api in
            let w = try await World.make(api)
            _ = try await api.desk.drainDueJobs()
            #expect(transport.accountMail(to: w.bob.email).count == 1, "the welcome mail")
            for _ in 0..<5 {
                try await api.desk.requestPasswordReset(email: w.bob.email)
                _ = try await api.desk.drainDueJobs()
            }
            #expect(transport.accountMail(to: w.bob.email).count == 1 + 3)

            let carol: UserDTO = try await api.create("/api/v1/users", token: w.admin,
                                                      UserInput(email: "carol@acme.example", name: "Carol", role: .requester, password: "initial-password-1", organizationId: w.acme.id))
            _ = try await api.desk.drainDueJobs()
            let path = try Self.link(in: transport.accountMail(to: carol.email).last, "/password/reset?token=")
            let b = Browser(api)
            clock.advance(minutes: 6 * 24 * 60)
            #expect(try await b.get(path).status == .ok)
            clock.advance(minutes: 2 * 24 * 60)
            #expect(try await b.get(path).status == .notFound)
        }
    }

    @Test("resolution links: the GET only asks; it still fails reopens with the requester's words; it works closes; a stale link does nothing")
    func resolutionLinks() async throws {
        let transport = RecordingMailTransport()
        let clock = MutableClock()
        try await NotificationTests.run(transport, clock: clock) { api in
            // Given Alice's ticket resolved by agent1
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            var resolve = TicketPatch()
            resolve.status = .resolved
            try await NotificationTests.patch(api, t.id, token: w.agent1Token, resolve)
            _ = try await api.desk.drainDueJobs()
            let mail = transport.sent(to: w.alice.email).last
            let first = try Self.link(in: mail, "/resolution/")
            #expect(first.hasSuffix("answer=confirm"))
            let page = first.components(separatedBy: "?")[0]

            // When a mail scanner follows the link, nothing happens
            let b = Browser(api)
            #expect(try await b.get(page + "?answer=still_fails").status == .ok)
            #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self).status == .resolved)
            // When Alice says it still fails
            let answered = try await b.post(page, [("answer", "still_fails"), ("body", "Toujours en panne")])
            #expect(answered.status == .seeOther, "\(answered.html)")
            #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self).status == .inProgress)
            let timeline = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items
            #expect(timeline.contains { $0.kind == .reply && $0.body == "Toujours en panne" && $0.actorId == w.alice.id })
            // The link no longer acts
            #expect(try await b.get(page).status == .notFound)

            // When resolved again (later), the new mail's "it works" closes it; the old link stays dead
            clock.advance(minutes: 30)
            try await NotificationTests.patch(api, t.id, token: w.agent1Token, resolve)
            _ = try await api.desk.drainDueJobs()
            let again = try Self.link(in: transport.sent(to: w.alice.email).last, "/resolution/").components(separatedBy: "?")[0]
            #expect(again != page)
            #expect(try await b.get(page).status == .notFound)
            #expect(try await b.get(again).status == .ok)
            #expect(try await b.post(again, [("answer", "confirm")]).status == .seeOther)
            #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self).status == .closed)
            // A forged signature is a 404 like a stale link
            #expect(try await b.get(again.dropLast(4) + "beef").status == .notFound)
        }
    }
}
