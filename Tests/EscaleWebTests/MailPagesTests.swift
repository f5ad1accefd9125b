import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import Testing

/// The e-mail channel through its pages: mailboxes, incoming mail and its triage, organizations' mail domains, an
/// undeliverable address on a user, and mail on a ticket's timeline (quoted history folded and escaped).
@Suite("E-mail pages")
struct MailPagesTests {
    /// The text of the element with this id (`<code id="mailbox-token">…</code>`).
    static func element(_ id: String, in page: Browser.Page) -> String? {
        guard let start = page.html.range(of: "id=\"\(id)\">") else { return nil }
        return String(page.html[start.upperBound...].prefix { $0 != "<" })
    }

    static func mailboxFields(_ address: String, organization: UUID?, unknown: String = "create", imap: [(String, String)]? = nil) -> [(String, String)] {
        var fields = [("address", address), ("name", "Support"), ("organization", organization?.uuidString ?? ""), ("group", ""),
                      ("language", ""), ("unknown_senders", unknown), ("active", "on"), ("imap_section", "1")]
        if let imap { fields += [("imap_enabled", "on")] + imap }
        return fields
    }

    @Test("a mailbox made by the form shows its token once with the alias line; IMAP settings keep a blank password; the token rotates")
    func mailbox() async throws {
        try await TestApp.run { api in
            // Given a desk and an administrator reading English
            let w = try await World.make(api)
            let admin = Browser(api, language: "en")
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)

            // When they create a mailbox by the form
            _ = try await admin.get("/admin/mailboxes")
            let created = try await admin.post("/admin/mailboxes", [("address", "Support@Acme.example"), ("name", "Acme support"),
                                                                   ("organization", w.acme.id.uuidString), ("group", w.n1.id.uuidString),
                                                                   ("language", "fr"), ("unknown_senders", "hold")])

            // Then the page answers at once with the token and the exact alias line to paste
            #expect(created.status == .ok, "\(created.status) \(created.html.prefix(800))")
            #expect(created.contains("Mailbox created."))
            let token = try #require(Self.element("mailbox-token", in: created))
            #expect(token.count >= 20)
            let alias = try #require(Self.element("mailbox-alias", in: created))
            #expect(alias == "helpdesk: &quot;|/usr/local/bin/escale mailgate --url \(api.desk.config.publicURL) --token \(token)&quot;", "\(alias)")
            let mailboxes = try await api.get("/api/v1/mailboxes", token: w.admin).json(Page<MailboxDTO>.self).items
            let m = try #require(mailboxes.first)
            #expect(m.address == "support@acme.example" && m.organizationId == w.acme.id && m.groupId == w.n1.id && m.language == "fr"
                    && m.unknownSenders == .hold && m.imap == nil)
            // and the token works for the mail gateway
            let mail = MailIntakeTests.mail(from: "someone@elsewhere.example", subject: "Hello")
            #expect(try await MailIntakeTests.deliver(api, mail, token: token).status == .accepted)

            // When the page is read again, the token is gone; the list shows the mailbox
            let again = try await admin.get("/admin/mailboxes/\(m.id)")
            #expect(again.status == .ok && !again.contains(token) && Self.element("mailbox-token", in: again) == nil)
            let list = try await admin.get("/admin/mailboxes")
            #expect(list.contains("support@acme.example") && list.contains("Hold for triage") && list.contains("Mail server pipe"))

            // When they set an IMAP account
            let imap = [("imap_host", "imap.acme.example"), ("imap_port", ""), ("imap_security", "starttls"), ("imap_username", "support"),
                        ("imap_password", "first secret"), ("imap_folder", "INBOX"), ("imap_after_fetch", "flag"),
                        ("imap_processed_folder", ""), ("imap_poll_seconds", "120")]
            let saved = try await admin.post("/admin/mailboxes/\(m.id)", Self.mailboxFields("support@acme.example", organization: w.acme.id, unknown: "hold", imap: imap))
            #expect(saved.status == .seeOther, "\(saved.html.prefix(800))")
            var account = try #require(try await api.desk.mailboxes.imapAccounts().first)
            #expect(account.host == "imap.acme.example" && account.port == 143 && account.security == "starttls" && account.password == "first secret"
                    && account.afterFetch == "flag" && account.pollSeconds == 120)
            let page = try await admin.follow(saved)
            #expect(page.contains("A password is stored") && !page.contains("first secret"))

            // When they save again with the password left blank, the stored one is kept
            var blank = imap
            blank[4] = ("imap_password", "")
            blank[8] = ("imap_poll_seconds", "300")
            #expect(try await admin.post("/admin/mailboxes/\(m.id)", Self.mailboxFields("support@acme.example", organization: w.acme.id, unknown: "hold", imap: blank)).status == .seeOther)
            account = try #require(try await api.desk.mailboxes.imapAccounts().first)
            #expect(account.password == "first secret" && account.pollSeconds == 300)

            // A wrong port is refused with its rule, and nothing changes
            _ = try await admin.get("/admin/mailboxes/\(m.id)")
            var wrong = blank
            wrong[1] = ("imap_port", "99999")
            let refused = try await admin.post("/admin/mailboxes/\(m.id)", Self.mailboxFields("support@acme.example", organization: w.acme.id, unknown: "hold", imap: wrong))
            #expect(refused.status == .unprocessableContent && refused.contains("The port is a number from 1 to 65535."), "\(refused.html.prefix(1500))")

            // "Test connection" shows what it found (nothing listens there)
            var closed = blank
            closed[0] = ("imap_host", "127.0.0.1"); closed[1] = ("imap_port", "9"); closed[2] = ("imap_security", "none")
            #expect(try await admin.post("/admin/mailboxes/\(m.id)", Self.mailboxFields("support@acme.example", organization: w.acme.id, unknown: "hold", imap: closed)).status == .seeOther)
            _ = try await admin.get("/admin/mailboxes/\(m.id)")
            let test = try await admin.post("/admin/mailboxes/\(m.id)/test", [])
            #expect(test.status == .ok && test.contains("IMAP connection test") && test.contains("Failed"), "\(test.html.prefix(800))")

            // Unticking "fetch by IMAP" removes the account; "test connection" then says there is none
            #expect(try await admin.post("/admin/mailboxes/\(m.id)", Self.mailboxFields("support@acme.example", organization: w.acme.id, unknown: "hold")).status == .seeOther)
            #expect(try await api.desk.mailboxes.imapAccounts().isEmpty)
            _ = try await admin.get("/admin/mailboxes/\(m.id)")
            let none = try await admin.post("/admin/mailboxes/\(m.id)/test", [])
            #expect(none.status == .unprocessableContent && none.contains("This mailbox has no IMAP account"))

            // When they rotate the token, the new one shows once and the old one is refused
            let rotated = try await admin.post("/admin/mailboxes/\(m.id)/token", [])
            let newToken = try #require(Self.element("mailbox-token", in: rotated))
            #expect(rotated.status == .ok && newToken != token && rotated.contains("--token \(newToken)"))
            #expect(try await MailIntakeTests.deliver(api, mail, token: token).status == .unauthorized)
            #expect(try await MailIntakeTests.deliver(api, MailIntakeTests.mail(from: "x@elsewhere.example", subject: "Hi"), token: newToken).status == .accepted)

            // A second mailbox for the same address is refused on the list page
            _ = try await admin.get("/admin/mailboxes")
            let twice = try await admin.post("/admin/mailboxes", [("address", "support@acme.example"), ("unknown_senders", "create")])
            #expect(twice.status == .unprocessableContent)
        }
    }

    @Test("a held message is in Incoming mail, downloadable, and Accept with an organization opens a ticket; Discard drops another")
    func triage() async throws {
        try await TestApp.run { api in
            // Given a mailbox holding unknown senders' mail, and two strangers' messages held
            let w = try await World.make(api)
            let holding: MailboxDTO = try await api.create("/api/v1/mailboxes", token: w.admin, MailboxInput(address: "hold@desk.example", unknownSenders: .hold))
            let first = try await MailIntakeTests.receipt(api, MailIntakeTests.mail(from: "Paul <paul@newclient.example>", subject: "Imprimante <HS>"),
                                                          token: holding.token!, expect: .accepted)
            let second = try await MailIntakeTests.receipt(api, MailIntakeTests.mail(from: "spam@nowhere.example", subject: "Offre"),
                                                           token: holding.token!, expect: .accepted)
            #expect(first.status == "held" && first.detail == "unknown_sender")

            // When the administrator opens Incoming mail
            let admin = Browser(api, language: "en")
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let inbound = try await admin.get("/admin/inbound")

            // Then both wait there, escaped, with their reason in words and a download link
            #expect(inbound.status == .ok)
            #expect(inbound.contains("Imprimante &lt;HS&gt;") && inbound.contains("paul@newclient.example") && inbound.contains("Unknown sender"))
            #expect(inbound.contains("/admin/inbound/\(first.id)/raw"))
            let raw = try await admin.get("/admin/inbound/\(first.id)/raw")
            #expect(raw.status == .ok && raw.headers[.contentType] == "application/octet-stream")
            #expect(raw.headers[.contentDisposition]?.hasPrefix("attachment") == true && raw.contains("Subject: Imprimante <HS>"))

            // When they accept the first without naming an organization (the mailbox has none), it is refused with the reason
            _ = try await admin.get("/admin/inbound")
            let unnamed = try await admin.post("/admin/inbound/\(first.id)/decision?status=held", [("action", "accept"), ("organization", "")])
            #expect(unnamed.status == .unprocessableContent, "\(unnamed.status)")
            #expect(unnamed.contains("Unknown or deactivated organization"))

            // When they accept it for Acme
            let accepted = try await admin.post("/admin/inbound/\(first.id)/decision?status=held", [("action", "accept"), ("organization", w.acme.id.uuidString)])

            // Then a ticket opens for the sender, in Acme, and the list links it
            #expect(accepted.status == .seeOther && accepted.location == "/admin/inbound?status=held&done=inbound_handled", "\(accepted.status) \(accepted.html.prefix(500))")
            #expect(try await admin.follow(accepted).contains("Message handled: see its ticket."))
            let message = try await api.get("/api/v1/inbound/messages/\(first.id)", token: w.admin).json(InboundMessageDTO.self)
            let ticketId = try #require(message.ticketId)
            let ticket = try await api.get("/api/v1/tickets/\(ticketId)", token: w.admin).json(TicketDTO.self)
            #expect(message.status == "created" && ticket.organizationId == w.acme.id && ticket.channel == .email)
            let opened = try await admin.get("/admin/inbound?status=created")
            #expect(opened.contains("href=\"/tickets/\(TicketNumber.parse(ticket.number)!)\"") && opened.contains(ticket.number) && opened.contains("Ticket opened"))
            #expect(!opened.contains("value=\"accept\""))

            // When they discard the second, it leaves the held list
            _ = try await admin.get("/admin/inbound")
            let discarded = try await admin.post("/admin/inbound/\(second.id)/decision?status=held", [("action", "discard")])
            #expect(discarded.location == "/admin/inbound?status=held&done=inbound_discarded")
            let held = try await admin.follow(discarded)
            #expect(!held.contains("Offre") && held.contains("No message with this status."))
            #expect(try await admin.get("/admin/inbound?status=all").contains("Offre"))
            // Deciding again is refused with the reason, not a server error
            let again = try await admin.post("/admin/inbound/\(second.id)/decision?status=held", [("action", "retry")])
            #expect(again.status == .unprocessableContent)
        }
    }

    @Test("a reply by e-mail on the agent's ticket page: marked, its quoted history folded and escaped; an out-of-office folded and internal")
    func timeline() async throws {
        try await TestApp.run { api in
            // Given Alice's ticket and a mailbox
            let w = try await World.make(api)
            let mailbox: MailboxDTO = try await api.create("/api/v1/mailboxes", token: w.admin, MailboxInput(address: "helpdesk@desk.example"))
            let t = try await w.aliceTicket("Imprimante")

            // When she answers by mail, quoting a message that held a script, and her out-of-office answers too
            let body = "Merci, c'est réparé.\n\nLe lun. 30 nov. 2026 à 10:00, Helpdesk <helpdesk@desk.example> a écrit :\n> <script>alert('x')</script> Redémarrez-la.\n> Deuxième ligne\n"
            let reply = try await MailIntakeTests.receipt(api, MailIntakeTests.mail(subject: "Re: [\(t.number)] Imprimante", body: body), token: mailbox.token!)
            let away = try await MailIntakeTests.receipt(api, MailIntakeTests.mail(subject: "Absence : [\(t.number)] Imprimante", body: "Je suis absente jusqu'au 4.",
                                                                                 headers: ["Auto-Submitted: auto-replied"]), token: mailbox.token!)
            #expect(reply.status == "replied" && away.status == "automatic", "\(reply) \(away)")

            // Then the agent's page marks the reply, folds its history as escaped text with its line breaks
            let agent = Browser(api, language: "en")
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/tickets/\(TicketNumber.parse(t.number)!)")
            #expect(page.status == .ok)
            #expect(page.contains("by e-mail") && page.contains("Merci, c'est réparé."))
            let quoted = try #require(page.html.components(separatedBy: "<details class=\"quoted\"><summary>Quoted history</summary>").dropFirst().first)
            let pre = quoted.components(separatedBy: "</details>")[0]
            #expect(pre.contains("&lt;script&gt;alert(") && pre.contains("Redémarrez-la.\n") && pre.contains("Deuxième ligne"), "\(pre)")
            #expect(!page.contains("<script>alert"))
            // and the out-of-office is an internal entry, folded
            #expect(page.contains("automatic reply received"))
            let automatic = try #require(page.html.components(separatedBy: "entry-automatic").dropFirst().first).components(separatedBy: "</li>")[0]
            #expect(automatic.contains("<details class=\"quoted\"><summary>Show the automatic reply</summary>") && automatic.contains("Je suis absente"))

            // Alice sees her reply and its history, never the internal out-of-office
            let alice = Browser(api, language: "en")
            try await alice.signIn(w.alice.email, World.password)
            let hers = try await alice.get("/tickets/\(TicketNumber.parse(t.number)!)")
            #expect(hers.status == .ok && hers.contains("Quoted history") && hers.contains("&lt;script&gt;"))
            #expect(!hers.contains("Je suis absente") && !hers.contains("automatic reply received") && !hers.contains("<script>alert"))
        }
    }

    @Test("an organization's mail domains are edited on its page; a user whose address bounced says so on theirs")
    func domainsAndUndeliverable() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let admin = Browser(api, language: "en")
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)

            // When the administrator lists Acme's other mail domains, separated every way people do
            let path = "/admin/organizations/\(w.acme.id)"
            _ = try await admin.get(path)
            let saved = try await admin.post(path, [("name", "Acme Industrie"), ("domain", "acme.example"), ("domains", "acme.fr, Acme-Group.com\nacme.io  acme.fr"),
                                                   ("locale", ""), ("active", "on")])
            #expect(saved.status == .seeOther, "\(saved.html.prefix(600))")

            // Then the organization has them, the main domain first, each once; the page shows the others
            let org = try await api.get("/api/v1/organizations/\(w.acme.id)", token: w.admin).json(OrganizationDTO.self)
            #expect(org.domain == "acme.example" && org.domains == ["acme.example", "acme.fr", "acme-group.com", "acme.io"])
            let page = try await admin.follow(saved)
            #expect(page.contains(">acme.fr\nacme-group.com\nacme.io</textarea>"), "\(page.html)")

            // A domain that is not one is refused with the rule
            let wrong = try await admin.post(path, [("name", "Acme Industrie"), ("domain", "acme.example"), ("domains", "not/a domain"), ("active", "on")])
            #expect(wrong.status == .unprocessableContent && wrong.contains("Incorrect mail domain"))

            // When a notification to a user bounces for good
            _ = try await api.create("/api/v1/users", token: w.admin, UserInput(
                email: "inconnu@no-such-domain.invalid", name: "Inconnu", role: .requester, password: World.password, organizationId: w.acme.id), as: UserDTO.self)
            let users = try await api.get("/api/v1/users?organization_id=\(w.acme.id)", token: w.admin).json(Page<UserDTO>.self).items
            let inconnu = try #require(users.first { $0.email == "inconnu@no-such-domain.invalid" })
            let mailbox: MailboxDTO = try await api.create("/api/v1/mailboxes", token: w.admin, MailboxInput(address: "helpdesk@helpdesk.example.test"))
            let bounce = try await MailIntakeTests.receipt(api, try MailIntakeTests.fixture("12-bounce-dsn"), token: mailbox.token!)
            #expect(bounce.status == "bounce")

            // Then their page says the address is undeliverable, with the reason; another user's says nothing
            let user = try await admin.get("/admin/users/\(inconnu.id)")
            #expect(user.contains("Undeliverable address") && user.contains("5.0.0"), "\(user.html.prefix(3000))")
            #expect(!(try await admin.get("/admin/users/\(w.alice.id)")).contains("Undeliverable address"))
        }
    }

    @Test("only administrators reach the mail pages; both languages render them without a missing key or an inline style")
    func accessAndLanguages() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let mailbox: MailboxDTO = try await api.create("/api/v1/mailboxes", token: w.admin, MailboxInput(address: "hold@desk.example", unknownSenders: .hold))
            let held = try await MailIntakeTests.receipt(api, MailIntakeTests.mail(from: "x@stranger.example", subject: "Bonjour"), token: mailbox.token!, expect: .accepted)
            let t = try await w.aliceTicket("Imprimante")
            let replies: MailboxDTO = try await api.create("/api/v1/mailboxes", token: w.admin, MailboxInput(address: "helpdesk@desk.example"))
            _ = try await MailIntakeTests.receipt(api, MailIntakeTests.mail(subject: "Re: [\(t.number)]", body: "Oui.\n\nJohn wrote:\n> avant\n"), token: replies.token!)

            let paths = ["/admin/mailboxes", "/admin/mailboxes/\(mailbox.id)", "/admin/inbound", "/admin/inbound?status=all", "/admin/organizations/\(w.acme.id)",
                         "/admin/users/\(w.alice.id)", "/tickets/\(TicketNumber.parse(t.number)!)"]
            for lang in ["fr", "en"] {
                let admin = Browser(api, language: lang)
                try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
                _ = try await admin.get("/account")
                #expect(try await admin.post("/account/preferences", [("locale", lang), ("time_zone", "Europe/Paris")]).status == .seeOther)
                for path in paths {
                    let p = try await admin.get(path)
                    #expect(p.status == .ok, "\(path) \(p.status)")
                    #expect(p.contains("<html lang=\"\(lang)\">"), "\(path)")
                    #expect(!p.contains("⟦"), "\(path) in \(lang): \(p.html.components(separatedBy: "⟦").dropFirst().map { $0.prefix(30) })")
                    #expect(p.html.range(of: #"\sstyle\s*="#, options: .regularExpression) == nil, "\(path): inline style")
                }
                _ = try await admin.get("/admin/mailboxes")
                let created = try await admin.post("/admin/mailboxes", [("address", "\(lang)@desk.example"), ("unknown_senders", "create")])
                #expect(created.status == .ok && !created.contains("⟦"), "\(lang)")
            }

            // Agents and requesters are refused, signed-out visitors sent to sign in
            let staffOnly = ["/admin/mailboxes", "/admin/mailboxes/\(mailbox.id)", "/admin/inbound", "/admin/inbound/\(held.id)/raw"]
            for (email, name) in [(w.agent1.email, "agent"), (w.alice.email, "requester")] {
                let b = Browser(api)
                try await b.signIn(email, World.password)
                for path in staffOnly { #expect(try await b.get(path).status == .forbidden, "\(name) \(path)") }
                _ = try await b.get("/account")
                #expect(try await b.post("/admin/inbound/\(held.id)/decision", [("action", "discard")]).status == .forbidden, "\(name)")
                #expect(try await b.post("/admin/mailboxes/\(mailbox.id)/token", []).status == .forbidden, "\(name)")
            }
            let anonymous = Browser(api)
            for path in staffOnly {
                let p = try await anonymous.get(path)
                #expect(p.status == .seeOther && (p.location ?? "").hasPrefix("/login"), "\(path) \(p.status)")
            }
            // Nothing was decided by them
            #expect(try await api.get("/api/v1/inbound/messages/\(held.id)", token: w.admin).json(InboundMessageDTO.self).status == "held")
        }
    }
}
