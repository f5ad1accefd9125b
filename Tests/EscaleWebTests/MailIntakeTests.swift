import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// The e-mail intake through its HTTP contract (`POST /api/v1/inbound/email`), fed the byte-exact messages Postfix
/// delivered (`../shared/fixtures/email`), threaded as that README says.
@Suite("E-mail intake: parsing, threading, loop safety, bounces, triage")
struct MailIntakeTests {
    static let fixtures: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/fixtures/email")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/shared/fixtures/email")
    }()

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = fixtures.appendingPathComponent(name.contains("/") ? name : "received/\(name).eml")
        return [UInt8](try Data(contentsOf: url))
    }

    struct Desk: Sendable {
        let w: World
        let mailbox: MailboxDTO
        let client: OrganizationDTO
        var token: String { mailbox.token! }
    }

    /// A desk with a client whose mail domain is the fixtures' (`client.example.test`) and the fixtures' mailbox.
    static func desk(_ api: API, unknownSenders: InboundMail.UnknownSenders? = nil, tickets: Int = 0) async throws -> Desk {
        let w = try await World.make(api)
        let client: OrganizationDTO = try await api.create("/api/v1/organizations", token: w.admin,
                                                           OrganizationInput(name: "Client SA", domains: ["client.example.test"]))
        _ = try await api.create("/api/v1/organizations/\(client.id)/contracts", token: w.admin,
                                 ContractInput(perimeter: "infrastructure", validFrom: Day("2026-01-01")!), as: ContractDTO.self)
        let mailbox: MailboxDTO = try await api.create("/api/v1/mailboxes", token: w.admin,
                                                       MailboxInput(address: "helpdesk@helpdesk.example.test", name: "Helpdesk", unknownSenders: unknownSenders))
        for i in 0..<tickets { _ = try await w.aliceTicket("Filler \(i)") }
        return Desk(w: w, mailbox: mailbox, client: client)
    }

    static func deliver(_ api: API, _ raw: [UInt8], token: String, query: String = "") async throws -> API.Reply {
        try await api.send(.post, "/api/v1/inbound/email?recipient=helpdesk%40helpdesk.example.test\(query)", token: token,
                           headers: [.contentType: "message/rfc822"], raw: ByteBuffer(bytes: raw))
    }

    static func receipt(_ api: API, _ raw: [UInt8], token: String, query: String = "", expect: HTTPResponse.Status? = nil) async throws -> InboundReceiptDTO {
        let r = try await deliver(api, raw, token: token, query: query)
        if let expect { try #require(r.status == expect, "\(r.status) \(r.text)") } else { try #require(r.status.code < 300, "\(r.status) \(r.text)") }
        return try r.json(InboundReceiptDTO.self)
    }

    static func ticket(_ api: API, _ id: UUID, token: String) async throws -> TicketDTO {
        try await api.get("/api/v1/tickets/\(id)", token: token).json(TicketDTO.self)
    }

    static func timeline(_ api: API, _ id: UUID, token: String) async throws -> [EventDTO] {
        try await api.get("/api/v1/tickets/\(id)/timeline", token: token).json(Page<EventDTO>.self).items
    }

    static func mail(from: String = "Alice <alice@acme.example>", subject: String, body: String = "Bonjour,\nça ne marche toujours pas.\n",
                     headers: [String] = []) -> [UInt8] {
        let id = "<\(UUID().uuidString)@acme.example>"
        let lines = ["From: \(from)", "To: helpdesk@helpdesk.example.test", "Subject: \(subject)", "Message-ID: \(id)",
                     "Date: Mon, 30 Nov 2026 10:00:00 +0000", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"] + headers
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    @Test("the thread of the fixtures: a request, two replies (Gmail and Outlook, history folded), an out-of-office, a bounce")
    func fixtureThread() async throws {
        try await TestApp.run { api in
            // Given a desk where the next ticket is ESC-000123 and the bounced address is a known user
            let d = try await Self.desk(api, tickets: 122)
            let inconnu: UserDTO = try await api.create("/api/v1/users", token: d.w.admin, UserInput(
                email: "inconnu@no-such-domain.invalid", name: "Inconnu", role: .requester, password: World.password, organizationId: d.client.id))

            // When Marie (unknown so far, of the client's domain) writes
            let first = try await Self.receipt(api, try Self.fixture("01-plain-utf8-qp"), token: d.token, expect: .created)

            // Then a ticket opens for her, from her mail, in her organization, under the decoded subject
            #expect(first.status == "created" && first.number == "ESC-000123")
            let ticket = try await Self.ticket(api, try #require(first.ticketId), token: d.w.agent1Token)
            #expect(ticket.subject == "Imprimante du 2e étage en panne" && ticket.channel == .email && ticket.organizationId == d.client.id)
            #expect(ticket.description.contains("é") && !ticket.description.contains("=C3"))

            // When she answers from Gmail and from Outlook, then her out-of-office answers a notification
            let gmail = try await Self.receipt(api, try Self.fixture("09-reply-ticket-tag-references"), token: d.token)
            let outlook = try await Self.receipt(api, try Self.fixture("10-outlook-reply-quoted-history"), token: d.token)
            let away = try await Self.receipt(api, try Self.fixture("11-auto-reply-out-of-office"), token: d.token)

            // Then both replies are hers on that ticket, with what they quoted kept apart; the out-of-office is an internal note
            #expect([gmail.status, outlook.status, away.status] == ["replied", "replied", "automatic"])
            #expect([gmail.ticketId, outlook.ticketId, away.ticketId] == [ticket.id, ticket.id, ticket.id])
            let events = try await Self.timeline(api, ticket.id, token: d.w.agent1Token)
            let replies = events.filter { $0.kind == .reply }
            #expect(replies.count == 2 && replies.allSatisfy { $0.actorId == ticket.requesterId && $0.field == "email" && $0.quoted != nil })
            #expect(replies.allSatisfy { !($0.body ?? "").contains("a écrit") && !($0.body ?? "").contains("De :") })
            let note = try #require(events.first { $0.field == "email_automatic" })
            #expect(note.kind == .note && !note.isPublic)
            // Her replies are public (she sees them); the out-of-office note is not, and changed nothing
            #expect(replies.allSatisfy { $0.isPublic })
            #expect(try await Self.ticket(api, ticket.id, token: d.w.agent1Token).status == ticket.status)

            // When the DSN of a notification about ticket #124 comes back
            #expect(try await d.w.aliceTicket("Accusé de réception").number == "ESC-000124")
            let bounce = try await Self.receipt(api, try Self.fixture("12-bounce-dsn"), token: d.token)

            // Then the address is undeliverable and that ticket says so; nothing was answered or opened
            #expect(bounce.status == "bounce" && bounce.number == "ESC-000124")
            let users = try await api.get("/api/v1/users?organization_id=\(d.client.id)", token: d.w.admin).json(Page<UserDTO>.self).items
            let user = try #require(users.first { $0.id == inconnu.id })
            #expect(user.emailStatus == "undeliverable" && (user.emailStatusReason ?? "").contains("5.0.0"))
            let bounced = try await Self.timeline(api, try #require(bounce.ticketId), token: d.w.agent1Token)
            #expect(bounced.contains { $0.kind == .deliveryFailed && $0.field == "email" && ($0.reason ?? "").contains("inconnu@no-such-domain.invalid") })
        }
    }

    @Test("every fixture is taken: charsets, HTML only, attachments, inline image, encoded and very long subjects")
    func everyFixture() async throws {
        try await TestApp.run { api in
            let d = try await Self.desk(api, tickets: 125)
            var opened: [String: InboundReceiptDTO] = [:]
            for name in ["02-plain-latin1-qp", "03-plain-utf8-base64", "04-plain-latin1-base64", "05-html-only", "06-multipart-alternative",
                         "07-attachment-png", "08-attachment-pdf", "13-encoded-word-subject", "14-very-long-subject", "15-related-inline-image"] {
                opened[name] = try await Self.receipt(api, try Self.fixture(name), token: d.token, expect: .created)
            }
            func ticket(_ name: String) async throws -> TicketDTO { try await Self.ticket(api, try #require(opened[name]?.ticketId), token: d.w.agent1Token) }
            #expect(try await ticket("02-plain-latin1-qp").subject == "Accès refusé au dossier partagé")
            #expect(try await ticket("03-plain-utf8-base64").subject == "Mot de passe expiré")
            #expect(try await ticket("04-plain-latin1-base64").subject == "Scanner du hall hors service")
            let html = try await ticket("05-html-only")
            #expect(!html.description.contains("<script") && !html.description.contains("<img") && !html.description.isEmpty)
            #expect(try await ticket("13-encoded-word-subject").subject == "Écran qui clignote 💡 – portable HP #882")
            // 369 characters: shortened to what a subject holds, never refused, and "#98, #101 and #117" threads nothing
            let long = try await ticket("14-very-long-subject")
            #expect(long.subject.count <= 250 && long.subject.hasPrefix("Problème récurrent de synchronisation"))
            #expect(opened["14-very-long-subject"]?.number == "ESC-000134")
            // Attachments and the inline logo are the ticket's files
            let png = try await api.get("/api/v1/tickets/\(try #require(opened["07-attachment-png"]?.ticketId))/attachments", token: d.w.agent1Token)
                .json(Page<AttachmentDTO>.self).items
            #expect(png.map(\.filename) == ["capture d'écran.png"] && png.first?.contentType == "image/png")
            let pdf = try await api.get("/api/v1/tickets/\(try #require(opened["08-attachment-pdf"]?.ticketId))/attachments", token: d.w.agent1Token)
                .json(Page<AttachmentDTO>.self).items
            #expect(pdf.map(\.filename) == ["FAC-2026-0042.pdf"])
            let inline = try await api.get("/api/v1/tickets/\(try #require(opened["15-related-inline-image"]?.ticketId))/attachments", token: d.w.agent1Token)
                .json(Page<AttachmentDTO>.self).items
            #expect(inline.count == 1 && inline.first?.contentType == "image/png")
            // Théo, copied on 13 and unknown, is kept on the ticket's copy list (a watcher when he is a user)
            let cc = try await api.get("/api/v1/tickets/\(try #require(opened["13-encoded-word-subject"]?.ticketId))/mail-cc", token: d.w.agent1Token)
            #expect(cc.status == .ok && cc.text.contains("theo.chatelain@client.example.test"))
            // and the agent sees it on the ticket page
            let agent = Browser(api)
            try await agent.signIn(d.w.agent1.email, World.password)
            let number = try #require(opened["13-encoded-word-subject"]?.number.flatMap(TicketNumber.parse))
            let page = try await agent.get("/tickets/\(number)")
            #expect(page.status == .ok && page.contains("theo.chatelain@client.example.test"))
        }
    }

    @Test("the same message delivered twice is stored once, even concurrently")
    func duplicates() async throws {
        try await TestApp.run { api in
            let d = try await Self.desk(api)
            let raw = try Self.fixture("01-plain-utf8-qp")
            let first = try await Self.receipt(api, raw, token: d.token, expect: .created)
            let again = try await Self.receipt(api, raw, token: d.token, expect: .ok)
            #expect(again.duplicate && again.id == first.id && again.ticketId == first.ticketId)
            // A message without Message-ID, delivered twice by the MTA (new trace lines each time)
            let bare = Array("From: Alice <alice@acme.example>\nSubject: sans identifiant\n\nbonjour\n".utf8)
            let a = try await Self.receipt(api, Array("Received: from a by b; Mon, 30 Nov 2026 10:00:00 +0000\n".utf8) + bare, token: d.token)
            let b = try await Self.receipt(api, Array("Received: from c by d; Mon, 30 Nov 2026 10:05:00 +0000\n".utf8) + bare, token: d.token)
            #expect(!a.duplicate && b.duplicate && a.ticketId == b.ticketId)
            // Ten concurrent deliveries of one message: one ticket
            let burst = Self.mail(subject: "Rafale")
            let receipts = try await withThrowingTaskGroup(of: InboundReceiptDTO.self) { group in
                for _ in 0..<10 { group.addTask { try await Self.receipt(api, burst, token: d.token) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(receipts.compactMap(\.ticketId)).count == 1 && receipts.filter { !$0.duplicate }.count == 1)
        }
    }

    @Test("threading: our tag behind any prefix, the +extension, our Message-ID; never a stranger onto someone's ticket")
    func threading() async throws {
        try await TestApp.run { api in
            let d = try await Self.desk(api)
            let t = try await d.w.aliceTicket("Imprimante")
            for subject in ["Re: [\(t.number)] Imprimante", "TR: RE: [\(t.number)] x", "Réf. : [\(t.number)]", "AW: [\(t.number)]", "Fwd: [\(t.number)]",
                            "=?utf-8?q?Re=3A_=5B\(t.number)=5D_Imprimante_=C3=A9?="] {
                let r = try await Self.receipt(api, Self.mail(subject: subject), token: d.token)
                #expect(r.status == "replied" && r.ticketId == t.id, "\(subject): \(r)")
            }
            // The number only in the recipient's +extension
            let ext = try await Self.receipt(api, Self.mail(subject: "sans tag"), token: d.token, query: "&extension=\(t.number.dropFirst(4))")
            #expect(ext.status == "replied" && ext.ticketId == t.id)
            // The number in the body threads nothing
            let body = try await Self.receipt(api, Self.mail(subject: "Autre chose", body: "voir \(t.number) et #1"), token: d.token)
            #expect(body.status == "created" && body.ticketId != t.id)
            // A Globex user quoting Acme's ticket tag gets a ticket of their own
            let stranger = try await Self.receipt(api, Self.mail(from: "eve@globex.example", subject: "Re: [\(t.number)] hop"), token: d.token)
            #expect(stranger.status != "replied" && stranger.ticketId != t.id)
            // A colleague of the same organization replies as themselves; an agent's mail is the agent's reply
            let bob = try await Self.receipt(api, Self.mail(from: "Bob <bob@acme.example>", subject: "Re: [\(t.number)]"), token: d.token)
            let agent = try await Self.receipt(api, Self.mail(from: "agent1@desk.example", subject: "Re: [\(t.number)]", body: "Redémarrez-la."), token: d.token)
            let note = try await Self.receipt(api, Self.mail(from: "agent1@desk.example", subject: "[\(t.number)]", body: "interne"), token: d.token,
                                              query: "&action=comment")
            #expect([bob.status, agent.status, note.status] == ["replied", "replied", "noted"])
            let events = try await Self.timeline(api, t.id, token: d.w.agent1Token)
            #expect(events.contains { $0.kind == .reply && $0.actorId == d.w.bob.id })
            #expect(events.contains { $0.kind == .reply && $0.actorId == d.w.agent1.id && $0.body == "Redémarrez-la." })
            #expect(events.contains { $0.kind == .note && !$0.isPublic && $0.body == "interne" })
            // A closed ticket is not reopened by mail: a new one follows it up, linked
            var resolve = TicketPatch(); resolve.status = .resolved
            var close = TicketPatch(); close.status = .closed
            let current = try await Self.ticket(api, t.id, token: d.w.agent1Token)
            let resolved = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: d.w.agent1Token, headers: [.ifMatch: "\"v\(current.version)\""], json: resolve)
            try #require(resolved.status == .ok, "\(resolved.text)")
            let closed = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: d.w.agent1Token, headers: [.ifMatch: "\"v\(current.version + 1)\""], json: close)
            try #require(closed.status == .ok, "\(closed.text)")
            let after = try await Self.receipt(api, Self.mail(subject: "Re: [\(t.number)] encore"), token: d.token, expect: .created)
            let links = try await api.get("/api/v1/tickets/\(try #require(after.ticketId))/links", token: d.w.agent1Token).json(Page<TicketLinkDTO>.self).items
            #expect(links.map(\.ticketId) == [t.id])
        }
    }

    @Test("unknown senders: created by domain, held without one, held or refused by policy; a wrong token is 401")
    func unknownSenders() async throws {
        try await TestApp.run { api in
            let d = try await Self.desk(api)
            let nobody = try await Self.receipt(api, Self.mail(from: "x@elsewhere.example", subject: "Hello"), token: d.token, expect: .accepted)
            #expect(nobody.status == "held" && nobody.detail == "no_organization" && nobody.ticketId == nil)
            let bulk = try await Self.receipt(api, Self.mail(from: "alice@acme.example", subject: "Newsletter", headers: ["Precedence: bulk"]), token: d.token, expect: .accepted)
            #expect(bulk.status == "held" && bulk.detail == "automatic_without_ticket")
            let noFrom = try await Self.receipt(api, Array("Subject: anonyme\n\nqui suis-je\n".utf8), token: d.token, expect: .accepted)
            #expect(noFrom.status == "held")

            let holding: MailboxDTO = try await api.create("/api/v1/mailboxes", token: d.w.admin,
                                                           MailboxInput(address: "hold@helpdesk.example.test", unknownSenders: .hold))
            let held = try await Self.receipt(api, try Self.fixture("03-plain-utf8-base64"), token: holding.token!, expect: .accepted)
            #expect(held.status == "held" && held.detail == "unknown_sender")
            let refusing: MailboxDTO = try await api.create("/api/v1/mailboxes", token: d.w.admin,
                                                            MailboxInput(address: "strict@helpdesk.example.test", unknownSenders: .reject))
            let refused = try await Self.deliver(api, try Self.fixture("03-plain-utf8-base64"), token: refusing.token!)
            #expect(refused.status == .unprocessableContent && refused.text.contains("unknown_sender"))

            let wrong = try await Self.deliver(api, try Self.fixture("01-plain-utf8-qp"), token: "not-a-token")
            #expect(wrong.status == .unauthorized)

            // The administrator sees the held message and accepts it for an organization: a ticket opens
            let list = try await api.get("/api/v1/inbound/messages?status=held", token: d.w.admin).json(Page<InboundMessageDTO>.self).items
            #expect(list.map(\.id).contains(held.id))
            let raw = try await api.get("/api/v1/inbound/messages/\(held.id)/raw", token: d.w.admin)
            #expect(raw.status == .ok && raw.headers[.contentType] == "application/octet-stream" && raw.text.contains("jerome.ecuyer@client.example.test"))
            let accepted = try await api.post("/api/v1/inbound/messages/\(held.id)/decision", token: d.w.admin,
                                              InboundDecisionInput(action: "accept", organizationId: d.client.id)).json(InboundReceiptDTO.self)
            #expect(accepted.status == "created" && accepted.ticketId != nil)
            let twice = try await api.post("/api/v1/inbound/messages/\(held.id)/decision", token: d.w.admin, InboundDecisionInput(action: "accept"))
            #expect(twice.status == .conflict)
            // Triage is the administrators'
            #expect(try await api.get("/api/v1/inbound/messages", token: d.w.agent1Token).status == .forbidden)
        }
    }

    @Test("bad input: 25 MB, truncated multipart, lying charset, a 1 MB header line, 10,000 parts — a ticket or a clear refusal, never a 500")
    func badInput() async throws {
        try await TestApp.run { api in
            let d = try await Self.desk(api)
            let big = Self.mail(subject: "Gros", body: String(repeating: "0123456789abcdef\n", count: 25 * 1024 * 1024 / 17))
            let bigReceipt = try await Self.receipt(api, big, token: d.token)
            #expect(bigReceipt.status == "created")
            let truncated = Array("From: alice@acme.example\nSubject: tronque\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\ndébut du texte".utf8)
            #expect(try await Self.receipt(api, truncated, token: d.token).status == "created")
            let lying = Array("From: alice@acme.example\nSubject: charset\nContent-Type: text/plain; charset=utf-8\n\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x0A]
            let lyingReceipt = try await Self.receipt(api, lying, token: d.token)
            #expect(try await Self.ticket(api, try #require(lyingReceipt.ticketId), token: d.w.agent1Token).description == "café")
            let unknownCharset = Array("From: alice@acme.example\nSubject: x\nContent-Type: text/plain; charset=x-martian\n\nbonjour".utf8)
            #expect(try await Self.receipt(api, unknownCharset, token: d.token).status == "created")
            let longHeader = Array(("From: alice@acme.example\nSubject: long\nX-Junk: " + String(repeating: "a", count: 1 << 20) + "\n\nbody").utf8)
            #expect(try await Self.receipt(api, longHeader, token: d.token).status == "created")
            var parts = "From: alice@acme.example\nSubject: parts\nContent-Type: multipart/mixed; boundary=B\n\n"
            for i in 0..<10_000 { parts += "--B\nContent-Type: text/plain\n\npart \(i)\n" }
            parts += "--B--\n"
            #expect(try await Self.receipt(api, Array(parts.utf8), token: d.token).status == "created")
            let tooBig = try await Self.deliver(api, [UInt8](repeating: 0x61, count: 41 << 20), token: d.token)
            #expect(tooBig.status == .contentTooLarge)
            let empty = try await Self.deliver(api, [], token: d.token)
            #expect(empty.status == .badRequest)
        }
    }

    @Test("mailboxes: the token is shown once and can be rotated; the IMAP password is write-only; organizations have domains")
    func mailboxes() async throws {
        try await TestApp.run { api in
            let d = try await Self.desk(api)
            #expect(d.mailbox.token != nil && d.mailbox.unknownSenders == .create)
            let read = try await api.get("/api/v1/mailboxes/\(d.mailbox.id)", token: d.w.admin).json(MailboxDTO.self)
            #expect(read.token == nil)
            let rotated = try await api.post("/api/v1/mailboxes/\(d.mailbox.id)/token", token: d.w.admin, [String: String]()).json(MailboxDTO.self)
            #expect(try await Self.deliver(api, try Self.fixture("01-plain-utf8-qp"), token: d.token).status == .unauthorized)
            #expect(try await Self.deliver(api, try Self.fixture("01-plain-utf8-qp"), token: rotated.token!).status == .created)

            let patched = try await api.send(.patch, "/api/v1/mailboxes/\(d.mailbox.id)", token: d.w.admin,
                                             json: ["imap": ["host": "imap.example.test", "username": "desk", "password": "s3cret", "security": "starttls"]])
            #expect(patched.status == .ok && !patched.text.contains("s3cret") && patched.text.contains("\"password_set\":true"))
            let noPassword = try await api.send(.patch, "/api/v1/mailboxes/\(d.mailbox.id)", token: d.w.admin, json: ["name": "Support"])
            #expect(noPassword.status == .ok && noPassword.text.contains("\"password_set\":true"))
            let bad = try await api.post("/api/v1/mailboxes", token: d.w.admin, MailboxInput(address: "pas une adresse", language: "de"))
            #expect(bad.status == .unprocessableContent && bad.text.contains("address") && bad.text.contains("language"))
            #expect(try await api.get("/api/v1/mailboxes", token: d.w.agent1Token).status == .forbidden)

            #expect(d.client.domains == ["client.example.test"])
            let clash = try await api.post("/api/v1/organizations", token: d.w.admin, OrganizationInput(name: "Autre", domains: ["CLIENT.example.test"]))
            #expect(clash.status == .conflict)
        }
    }
}
