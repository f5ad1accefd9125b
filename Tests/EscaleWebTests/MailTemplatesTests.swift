import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import FluentKit
import Foundation
import HTTPTypes
import Testing

@Suite("Mail templates and the outgoing mail pages")
struct MailTemplatesTests {
    @Test("the built-in templates exist for every mail in French and English, and render with a sample ticket")
    func builtIn() async throws {
        for kind in Desk.mailTemplateKinds {
            for language in MailTemplates.languages {
                let t = try #require(MailTemplates.defaults[language]?[kind], "\(kind).\(language)")
                let r = try t.render(["recipient_name": "A <b>", "number": "ESC-000001", "subject": "S", "subject_line": "[ESC-000001] S",
                                      "ticket_url": "https://desk.example/tickets/ESC-000001", "body": "x < y", "link": "https://desk.example/l"])
                #expect(!r.subject.isEmpty && !r.text.isEmpty && !r.html.isEmpty)
                #expect(!r.html.contains("A <b>") && (r.text.contains("A <b>")), "\(kind).\(language): values escaped in HTML only")
            }
        }
    }

    @Test("administrators reword a mail with a preview; the next message uses it; reset brings the built-in one back")
    func editAndReset() async throws {
        let transport = RecordingMailTransport()
        try await NotificationTests.run(transport) { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            _ = try await api.desk.drainDueJobs()  // its acknowledgment, before the reply below
            let admin = Browser(api)
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let list = try await admin.get("/admin/mail/templates")
            #expect(list.status == .ok && list.contains("/admin/mail/templates/public_reply/fr") && list.contains("/admin/mail/templates/account_welcome/en"))
            #expect(!list.contains("⟦"))

            for language in MailTemplates.languages {
                let edit = try await admin.get("/admin/mail/templates/public_reply/\(language)")
                #expect(edit.status == .ok && edit.contains("ESC-000123") && !edit.contains("⟦"), "the built-in wording previewed with a sample ticket")
                let fields = [("subject", "{{subject_line}}"), ("text", "Réponse : {{body}}"), ("html", "<p>{{body}}</p>")]
                let preview = try await admin.post("/admin/mail/templates/public_reply/\(language)", fields + [("action", "preview")])
                #expect(preview.status == .ok && preview.contains("Réponse : "))
                let broken = try await admin.post("/admin/mail/templates/public_reply/\(language)", [("subject", "x"), ("text", "{{#body}}"), ("html", "x"), ("action", "save")])
                #expect(broken.status == .unprocessableContent)
                let saved = try await admin.post("/admin/mail/templates/public_reply/\(language)", fields + [("action", "save")])
                #expect(saved.status == .seeOther)
            }
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Essayez ceci", isPublic: true), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.alice.email).last?.text == "Réponse : Essayez ceci")

            for language in MailTemplates.languages {
                #expect(try await admin.get("/admin/mail/templates/public_reply/\(language)").status == .ok)
                #expect(try await admin.post("/admin/mail/templates/public_reply/\(language)", [("action", "reset")]).status == .seeOther)
            }
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Et cela", isPublic: true), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.alice.email).last?.text.contains(w.alice.name) == true)

            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            #expect(try await alice.get("/admin/mail/templates").status == .forbidden)
        }
    }

    @Test("the outgoing mail page filters by status and sends a failed message again; people choose their notifications on their account page")
    func pages() async throws {
        let transport = RecordingMailTransport()
        try await NotificationTests.run(transport) { api in
            let w = try await World.make(api)
            transport.refuse(w.bob.email, permanently: true)
            _ = try await api.create("/api/v1/tickets", token: w.bobToken, TicketInput(subject: "Écran", description: "x", impact: .low, urgency: .low), as: TicketDTO.self)
            _ = try await api.desk.drainDueJobs()

            let admin = Browser(api)
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let failed = try await admin.get("/admin/mail?status=failed")
            #expect(failed.status == .ok && failed.contains(w.bob.email) && !failed.contains(w.alice.email) && !failed.contains("⟦"))
            let row = try #require(try await MailOutboxModel.query(on: api.desk.store.database).filter(\.$toAddress == w.bob.email).filter(\.$ticketId != nil).first())
            transport.accept(w.bob.email)
            #expect(try await admin.post("/admin/mail/\(row.id!)/retry", []).status == .seeOther)
            _ = try await api.desk.drainDueJobs()
            #expect(transport.sent(to: w.bob.email).count == 1)
            // The installation's defaults, from the same page
            let kinds = NotificationKind.allCases.filter { $0.enabledByDefault || $0 == .newInMyGroups }.map { ("notify_\($0.rawValue)", "on") }
            #expect(try await admin.post("/admin/mail/defaults", kinds).status == .seeOther)
            #expect(try await api.get("/api/v1/settings/notifications", token: w.admin).json(NotificationSettingsDTO.self).notifications["new_in_my_groups"] == true)

            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            let account = try await alice.get("/account")
            #expect(account.contains("name=\"notify_public_reply\" checked") && !account.contains("notify_assigned_to_me") && !account.contains("⟦"))
            #expect(try await alice.post("/account/notifications", [("notify_ticket_received", "on")]).status == .seeOther)
            let mine = try await api.get("/api/v1/me/notifications", token: w.aliceToken).json(NotificationSettingsDTO.self).notifications
            #expect(mine["public_reply"] == false && mine["ticket_received"] == true)
        }
    }
}
