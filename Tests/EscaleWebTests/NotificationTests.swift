import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import FluentKit
import Foundation
import HTTPTypes
import NIOCore
import SQLKit
import Testing

@Suite("E-mail notifications")
struct NotificationTests {
    static func run(_ transport: RecordingMailTransport?, clock: MutableClock? = nil, _ test: @Sendable (API) async throws -> Void) async throws {
        try await TestApp.run(clock: clock?.clock, configure: {
            $0.mailTransport = transport
            $0.mailFrom = MailboxName(name: "Escale Support", address: "support@desk.example")
        }, test)
    }

    static func outbox(_ api: API, status: String? = nil) async throws -> [MailOutboxModel] {
        var q = MailOutboxModel.query(on: api.desk.store.database).sort(\.$createdAt)
        if let status { q = q.filter(\.$status == status) }
        return try await q.all()
    }

    static func patch(_ api: API, _ id: UUID, token: String, _ patch: TicketPatch) async throws {
        let etag = try #require(try await api.get("/api/v1/tickets/\(id)", token: token).headers[.eTag])
        let r = try await api.send(.patch, "/api/v1/tickets/\(id)", token: token, headers: [.ifMatch: etag], json: patch)
        #expect(r.status == .ok, "\(r.text)")
    }

    @Test("the requester is acknowledged, then hears of an agent's public reply in the same thread, escaped in HTML; never of a note")
    func requesterThread() async throws {
        let transport = RecordingMailTransport()
        try await Self.run(transport) { api in
            // Given Alice's new ticket
            let w = try await World.make(api)
            let t = try await w.aliceTicket("Imprimante bloquée")
            _ = try await api.desk.drainDueJobs()
            let received = try #require(transport.sent(to: w.alice.email).first)
            #expect(transport.sent(to: w.alice.email).count == 1)
            #expect(received.subject == "[\(t.number)] Imprimante bloquée")
            #expect(received.messageId.hasPrefix("\(t.number).") && received.messageId.hasSuffix("@desk.example"))
            #expect(received.autoSubmitted && received.inReplyTo == nil && received.html?.isEmpty == false)
            #expect(received.from == MailboxName(name: "Escale Support", address: "support@desk.example"))
            #expect(received.replyTo?.address == "support@desk.example")
            #expect(received.text.contains(t.number))

            // When agent1 answers publicly (with markup and a file), then writes an internal note
            let upload = try await api.send(.post, "/api/v1/tickets/\(t.id)/attachments?filename=procedure.txt", token: w.agent1Token,
                                            headers: [.contentType: "text/plain"], raw: ByteBuffer(string: "1. Ouvrir services.msc"))
            let file = try upload.json(AttachmentDTO.self)
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token,
                                     CommentInput(body: "<b>Redémarrez</b> le spooler", isPublic: true, attachmentIds: [file.id]), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Secret interne", isPublic: false), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()

            // Then Alice got the reply in the ticket's thread, and nothing of the note
            let mails = transport.sent(to: w.alice.email)
            #expect(mails.count == 2)
            let reply = try #require(mails.last)
            #expect(reply.subject == "Re: [\(t.number)] Imprimante bloquée")
            #expect(reply.inReplyTo == received.messageId && reply.references == [received.messageId])
            #expect(reply.text.contains("<b>Redémarrez</b> le spooler"))
            #expect(reply.attachments.map(\.filename) == ["procedure.txt"] && reply.attachments.first?.data == Array("1. Ouvrir services.msc".utf8))
            #expect(reply.html?.contains("&lt;b&gt;Redémarrez&lt;/b&gt;") == true && reply.html?.contains("<b>Redémarrez") == false)
            #expect(!transport.sent.contains { $0.text.contains("Secret interne") || ($0.html ?? "").contains("Secret interne") })
            #expect(transport.sent(to: w.agent1.email).isEmpty, "nobody hears of their own action")

            // The outbox lists them for administrators only
            let sent = try await api.get("/api/v1/mail/outbox?status=sent", token: w.admin).json(Page<MailOutboxDTO>.self).items
            #expect(sent.filter { $0.to == w.alice.email && $0.ticketId != nil }.count == 2 && sent.allSatisfy { $0.status == "sent" })
            #expect(try await api.get("/api/v1/mail/outbox", token: w.aliceToken).status == .forbidden)
            #expect(try await api.get("/api/v1/mail/outbox?status=lost", token: w.admin).status == .unprocessableContent)
        }
    }

    @Test("agents: an assignment and the requester's replies reach the assignee, who may switch a kind off")
    func agentNotifications() async throws {
        let transport = RecordingMailTransport()
        try await Self.run(transport) { api in
            // Given Alice's ticket assigned to agent1 by the supervisor
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            var assign = TicketPatch()
            assign.assigneeId = .some(w.agent1.id)
            try await Self.patch(api, t.id, token: w.supervisorToken, assign)
            _ = try await api.desk.drainDueJobs()
            #expect(try await Self.outbox(api).filter { $0.toAddress == w.agent1.email && $0.ticketId != nil }.map(\.kind) == ["assigned_to_me"])

            // When Alice writes back
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.aliceToken, CommentInput(body: "Toujours noir", isPublic: true), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()
            // Then agent1 is told, with her words
            let told = transport.sent(to: w.agent1.email)
            #expect(told.count == 2 && told.last?.text.contains("Toujours noir") == true)

            // When agent1 switches that kind off, Alice's next reply is not mailed to them
            let mine = try await api.send(.put, "/api/v1/me/notifications", token: w.agent1Token, json: NotificationSettingsDTO(notifications: ["reply_on_my_ticket": false]))
            #expect(mine.status == .ok, "\(mine.text)")
            #expect(try mine.json(NotificationSettingsDTO.self).notifications["reply_on_my_ticket"] == false)
            #expect(try await api.get("/api/v1/me/notifications", token: w.agent1Token).json(NotificationSettingsDTO.self).notifications["assigned_to_me"] == true)
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.aliceToken, CommentInput(body: "Encore", isPublic: true), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.agent1.email).count == 2)
            // A kind the role is not offered is refused
            let refused = try await api.send(.put, "/api/v1/me/notifications", token: w.agent1Token, json: NotificationSettingsDTO(notifications: ["ticket_received": false]))
            #expect(refused.status == .unprocessableContent)
        }
    }

    @Test("the installation's defaults: new tickets in my groups is off until an administrator turns it on")
    func installationDefaults() async throws {
        let transport = RecordingMailTransport()
        try await Self.run(transport) { api in
            let w = try await World.make(api)
            _ = try await w.aliceTicket("Premier")
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.agent1.email).isEmpty)
            let defaults = try await api.get("/api/v1/settings/notifications", token: w.admin).json(NotificationSettingsDTO.self)
            #expect(defaults.notifications["new_in_my_groups"] == false && defaults.notifications["ticket_received"] == true)
            #expect(try await api.send(.put, "/api/v1/settings/notifications", token: w.agent1Token, json: NotificationSettingsDTO(notifications: ["new_in_my_groups": true])).status == .forbidden)

            let set = try await api.send(.put, "/api/v1/settings/notifications", token: w.admin, json: NotificationSettingsDTO(notifications: ["new_in_my_groups": true]))
            #expect(set.status == .ok, "\(set.text)")
            let t = try await w.aliceTicket("Second")
            _ = try await api.desk.drainDueJobs()
            let told = transport.sent(to: w.agent1.email)
            #expect(told.count == 1 && told[0].subject == "[\(t.number)] Second")
        }
    }

    @Test("loop safety: at most five automatic mails an hour to one requester address; an undeliverable address gets none")
    func loopSafety() async throws {
        let transport = RecordingMailTransport()
        try await Self.run(transport) { api in
            let w = try await World.make(api)
            for i in 0..<7 { _ = try await w.aliceTicket("Boucle \(i)") }
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.alice.email).count == MailIdentity.requesterMailsPerHour)
            let suppressed = try await Self.outbox(api, status: "suppressed")
            #expect(suppressed.count == 2 && suppressed.allSatisfy { $0.lastError?.contains("rate limited") == true })

            // Bob's address bounces: a delivery status notification comes back through the intake
            let box: MailboxDTO = try await api.create("/api/v1/mailboxes", token: w.admin, MailboxInput(address: "support@desk.example"))
            let dsn = """
                From: MAILER-DAEMON@desk.example\r
                To: support@desk.example\r
                Subject: Undelivered Mail Returned to Sender\r
                Auto-Submitted: auto-replied\r
                MIME-Version: 1.0\r
                Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r
                \r
                --r\r
                Content-Type: text/plain\r
                \r
                Bob's mailbox does not exist.\r
                --r\r
                Content-Type: message/delivery-status\r
                \r
                Reporting-MTA: dns; desk.example\r
                \r
                Final-Recipient: rfc822; \(w.bob.email)\r
                Action: failed\r
                Status: 5.1.1\r
                --r--\r

                """
            let bounced = try await api.send(.post, "/api/v1/inbound/email?sender=", token: box.token, headers: [.contentType: "message/rfc822"],
                                             raw: ByteBuffer(string: dsn))
            #expect(bounced.status == .ok && bounced.text.contains("\"bounce\""), "\(bounced.text)")
            _ = try await api.create("/api/v1/tickets", token: w.bobToken, TicketInput(subject: "Robot", description: "x", impact: .low, urgency: .low), as: TicketDTO.self)
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.bob.email).isEmpty)
            #expect(try await Self.outbox(api).filter { $0.toAddress == w.bob.email && $0.ticketId != nil }.map(\.status) == ["suppressed"])
        }
    }

    @Test("a permanent refusal fails the message and says so on the ticket's timeline; an administrator sends it again")
    func failures() async throws {
        let transport = RecordingMailTransport()
        let clock = MutableClock()
        try await Self.run(transport, clock: clock) { api in
            // Given Alice's server refusing for now, and Bob's refusing for good
            let w = try await World.make(api)
            transport.refuse(w.alice.email, permanently: false)
            transport.refuse(w.bob.email, permanently: true)
            let t = try await w.aliceTicket()
            let b: TicketDTO = try await api.create("/api/v1/tickets", token: w.bobToken, TicketInput(subject: "Bob", description: "x", impact: .low, urgency: .low))
            _ = try await api.desk.drainDueJobs()

            // Then Bob's message failed at once, on his ticket's timeline; Alice's waits for a retry
            let bobs = try #require(try await Self.outbox(api).first { $0.toAddress == w.bob.email && $0.ticketId != nil })
            #expect(bobs.status == "failed" && bobs.lastError?.contains("550") == true)
            let timeline = try await api.get("/api/v1/tickets/\(b.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items
            #expect(timeline.contains { $0.kind == .deliveryFailed && $0.field == "email" })
            let alices = try #require(try await Self.outbox(api).first { $0.toAddress == w.alice.email && $0.ticketId != nil })
            #expect(alices.status == "queued" && alices.attempts == 1)

            // When Alice's server accepts again, the scheduler's retry sends it
            transport.accept(w.alice.email)
            clock.advance(minutes: 1)
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.alice.email).count == 1)
            #expect(transport.sent(to: w.alice.email).first?.subject.contains(t.number) == true)

            // An administrator sends Bob's again once his address works
            transport.accept(w.bob.email)
            let retried = try await api.send(.post, "/api/v1/mail/outbox/\(bobs.id!)/retry", token: w.admin)
            #expect(retried.status == .ok, "\(retried.text)")
            #expect(try await api.send(.post, "/api/v1/mail/outbox/\(bobs.id!)/retry", token: w.admin).status == .conflict, "only a failed message")
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.bob.email).count == 1)
        }
    }

    @Test("an urgent ticket reaches the organization's client manager; an escalation reaches the new group, with its reason")
    func urgentAndEscalated() async throws {
        let transport = RecordingMailTransport()
        try await Self.run(transport) { api in
            let w = try await World.make(api)
            let urgent = try await w.aliceTicket("Production arrêtée", impact: .high, urgency: .high)
            _ = try await w.aliceTicket("Souris")
            _ = try await api.desk.drainDueJobs()
            #expect(urgent.priority.rawValue <= 2)
            let managed = transport.sent(to: w.manager.email)
            #expect(managed.count == 1 && managed.first?.subject == "[\(urgent.number)] Production arrêtée")

            let escalated = try await api.post("/api/v1/tickets/\(urgent.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: "Panne du SAN"))
            #expect(escalated.status == .ok, "\(escalated.text)")
            _ = try await api.desk.drainDueJobs()
            let told = transport.sent(to: w.agent2.email)
            #expect(told.count == 1 && told.first?.text.contains("Panne du SAN") == true)
            #expect(transport.sent(to: w.alice.email).allSatisfy { !$0.text.contains("Panne du SAN") }, "the reason is internal")
        }
    }

    @Test("an SLA warning found by the timer is mailed to the ticket's group while nobody is assigned")
    func slaWarning() async throws {
        let transport = RecordingMailTransport()
        let clock = MutableClock()
        try await Self.run(transport, clock: clock) { api in
            // Given Acme's SLA (first response within 60 business minutes, warning at 45) and Alice's new ticket in N1
            let w = try await World.make(api)
            _ = try await EscalationAndOnCallTests.acmeTerms(w)
            let t = try await w.aliceTicket()
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.agent1.email).isEmpty)
            // When the warning's timer fires
            clock.advance(minutes: 50)
            _ = try await api.desk.drainDueJobs()
            // Then agent1, of the ticket's group, is told
            let told = transport.sent(to: w.agent1.email)
            #expect(told.count == 1 && told.first?.subject == "Re: [\(t.number)] \(t.subject)")
            #expect(transport.sent(to: w.agent2.email).isEmpty)
        }
    }

    @Test("without a transport, messages are rendered and wait in the outbox; on-call e-mail pages go through it too")
    func noTransport() async throws {
        try await Self.run(nil) { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            _ = try await api.desk.drainDueJobs()
            let queued = try await Self.outbox(api, status: "queued")
            #expect(queued.filter { $0.ticketId != nil }.count == 1)
            #expect(queued.filter { $0.ticketId != nil }.first?.kind == "ticket_received" && queued.contains { $0.subject.contains(t.number) })
            #expect(try await JobQueue.find(key: "mail:\(queued.last!.id!.uuidString)", on: api.desk.store.database) == nil)
        }
    }
}
