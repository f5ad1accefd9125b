import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Testing

@Suite("Canned replies and macros")
struct CannedRepliesAndMacrosTests {
    static let greeting = CannedReplyInput(
        title: "Prise en charge",
        bodyFr: "Bonjour {{requester.first_name}}, votre ticket {{ticket.number}} ({{ticket.subject}}) est pris en charge par {{agent.name}} pour {{organization.name}}.",
        bodyEn: "Hello {{requester.first_name}}, {{agent.name}} is on {{ticket.number}} ({{ticket.subject}}) for {{organization.name}}.")

    @Test("personal replies are their owner's alone, only supervisors share, requesters get 403")
    func visibility() async throws {
        try await TestApp.run { api in
            // given
            let w = try await World.make(api)
            let mine: CannedReplyDTO = try await api.create("/api/v1/canned-replies", token: w.agent1Token, Self.greeting)
            #expect(!mine.shared)
            #expect(mine.ownerId == w.agent1.id)
            // when an agent tries to share one
            var shared = Self.greeting
            shared.shared = true
            shared.title = "Partagée"
            let refused = try await api.post("/api/v1/canned-replies", token: w.agent1Token, shared)
            // then
            #expect(refused.status == .forbidden)
            let sharedReply: CannedReplyDTO = try await api.create("/api/v1/canned-replies", token: w.supervisorToken, shared)
            #expect(sharedReply.shared)

            let agent2List = try await api.get("/api/v1/canned-replies", token: w.agent2Token).json(Page<CannedReplyDTO>.self).items
            #expect(agent2List.map(\.id) == [sharedReply.id], "agent 2 sees the shared one, not agent 1's")
            #expect(try await api.get("/api/v1/canned-replies/\(mine.id)", token: w.agent2Token).status == .notFound)
            #expect(try await api.send(.patch, "/api/v1/canned-replies/\(mine.id)", token: w.agent2Token, json: ["title": "x"]).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/canned-replies/\(mine.id)", token: w.agent2Token).status == .notFound)
            #expect(try await api.send(.patch, "/api/v1/canned-replies/\(sharedReply.id)", token: w.agent1Token, json: ["title": "x"]).status == .forbidden)
            #expect(try await api.send(.delete, "/api/v1/canned-replies/\(sharedReply.id)", token: w.agent1Token).status == .forbidden)
            // An agent cannot share their own either.
            #expect(try await api.send(.patch, "/api/v1/canned-replies/\(mine.id)", token: w.agent1Token, json: ["shared": true]).status == .forbidden)

            let agent1List = try await api.get("/api/v1/canned-replies", token: w.agent1Token).json(Page<CannedReplyDTO>.self).items
            #expect(agent1List.map(\.id) == [mine.id, sharedReply.id], "mine first, then the shared ones")

            let t = try await w.aliceTicket()
            for token in [w.aliceToken, w.managerToken] {
                #expect(try await api.get("/api/v1/canned-replies", token: token).status == .forbidden)
                #expect(try await api.post("/api/v1/canned-replies", token: token, Self.greeting).status == .forbidden)
                #expect(try await api.get("/api/v1/canned-replies/\(sharedReply.id)", token: token).status == .forbidden)
                #expect(try await api.get("/api/v1/tickets/\(t.id)/canned-replies/\(sharedReply.id)/preview", token: token).status == .forbidden)
            }

            // The owner edits and deletes theirs.
            let renamed = try await api.send(.patch, "/api/v1/canned-replies/\(mine.id)", token: w.agent1Token, json: ["title": "Accusé de réception"])
            #expect(renamed.status == .ok)
            #expect(try renamed.json(CannedReplyDTO.self).title == "Accusé de réception")
            #expect(try renamed.json(CannedReplyDTO.self).bodyFr == mine.bodyFr)
            let emptied = try await api.send(.patch, "/api/v1/canned-replies/\(mine.id)", token: w.agent1Token, json: ["body_fr": "", "body_en": ""])
            #expect(emptied.status == .unprocessableContent || emptied.status == .badRequest, "\(emptied.status)")
            #expect(try await api.send(.delete, "/api/v1/canned-replies/\(mine.id)", token: w.agent1Token).status == .noContent)
            #expect(try await api.get("/api/v1/canned-replies/\(mine.id)", token: w.agent1Token).status == .notFound)
        }
    }

    @Test("the preview fills the variables in the requester's language, falling back to the other one")
    func languages() async throws {
        try await TestApp.run { api in
            // given
            let w = try await World.make(api)
            let reply: CannedReplyDTO = try await api.create("/api/v1/canned-replies", token: w.agent1Token, Self.greeting)
            let frenchOnly: CannedReplyDTO = try await api.create("/api/v1/canned-replies", token: w.agent1Token,
                                                                  CannedReplyInput(title: "FR", bodyFr: "Cordialement, {{agent.name}} {{requester.email}}"))
            let aliceTicket = try await w.aliceTicket()
            let _: UserDTO = try await api.create("/api/v1/users", token: w.admin, UserInput(
                email: "jane@acme.example", name: "Jane Doe", role: .requester, password: World.password, organizationId: w.acme.id, locale: "en"))
            let janeToken = try await api.login("jane@acme.example", World.password)
            let janeTicket: TicketDTO = try await api.create("/api/v1/tickets", token: janeToken,
                                                              TicketInput(subject: "VPN down", description: "", impact: .low, urgency: .low))
            // when
            let fr = try await api.get("/api/v1/tickets/\(aliceTicket.id)/canned-replies/\(reply.id)/preview", token: w.agent1Token).json(CannedReplyPreview.self)
            let en = try await api.get("/api/v1/tickets/\(janeTicket.id)/canned-replies/\(reply.id)/preview", token: w.agent1Token).json(CannedReplyPreview.self)
            let fallback = try await api.get("/api/v1/tickets/\(janeTicket.id)/canned-replies/\(frenchOnly.id)/preview", token: w.agent1Token)
                .json(CannedReplyPreview.self)
            // then
            #expect(fr == CannedReplyPreview(
                text: "Bonjour Alice, votre ticket \(aliceTicket.number) (Mon poste ne démarre plus) est pris en charge par Agent1 pour Acme Industrie.",
                locale: "fr", unknownVariables: []))
            #expect(en == CannedReplyPreview(text: "Hello Jane, Agent1 is on \(janeTicket.number) (VPN down) for Acme Industrie.", locale: "en", unknownVariables: []))
            #expect(fallback == CannedReplyPreview(text: "Cordialement, Agent1 {{requester.email}}", locale: "fr", unknownVariables: ["requester.email"]))
            // A ticket the agent may not see answers like a missing one.
            let eveTicket: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken,
                                                             TicketInput(subject: "Souris", description: "", impact: .low, urgency: .low, category: "peripheral"))
            let n2only = try await api.get("/api/v1/tickets/\(eveTicket.id)/canned-replies/\(reply.id)/preview", token: w.agent2Token)
            #expect(n2only.status == .ok || n2only.status == .notFound)
        }
    }

    @Test("on the ticket page, inserting a canned reply puts its rendered text after what was typed in the reply box")
    func insertOnPage() async throws {
        try await TestApp.run { api in
            // given
            let w = try await World.make(api)
            let reply: CannedReplyDTO = try await api.create("/api/v1/canned-replies", token: w.agent1Token, Self.greeting)
            let t = try await w.aliceTicket()
            let seq = Int(t.number.dropFirst(4))!
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/tickets/\(seq)")
            #expect(page.contains("Insérer une réponse type"))
            #expect(page.contains(#"<option value="\#(reply.id.uuidString)">Prise en charge</option>"#))
            // when
            let inserted = try await agent.post("/tickets/\(seq)/canned-reply", [("visibility", "public"), ("body", "Déjà tapé."), ("canned", reply.id.uuidString)])
            // then
            #expect(inserted.status == .seeOther)
            let location = try #require(inserted.location)
            #expect(location.hasPrefix("/tickets/\(seq)?draft="))
            let after = try await agent.follow(inserted)
            #expect(after.contains("Déjà tapé.\n\nBonjour Alice, votre ticket \(t.number) (Mon poste ne démarre plus) est pris en charge par Agent1 pour Acme Industrie.</textarea>"),
                    "\(after.html.components(separatedBy: "reply-body").dropFirst().first?.prefix(400) ?? "")")
            #expect(!after.contains("⟦"))
            // Nothing was sent: the timeline has no reply yet.
            let timeline = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).text
            #expect(!timeline.contains("pris en charge par"))
            // Another agent's personal reply cannot be inserted: the page says so and keeps the typed text.
            let other = Browser(api)
            try await other.signIn(w.agent2.email, World.password)
            _ = try await other.get("/tickets/\(seq)")
            let refused = try await other.follow(try await other.post("/tickets/\(seq)/canned-reply", [("body", "Mon texte"), ("canned", reply.id.uuidString)]))
            #expect(refused.contains(">Mon texte</textarea>"))
            #expect(refused.contains(#"class="error""#))
        }
    }

    @Test("the management page lists mine and the shared ones, creates, edits and deletes, in both languages")
    func managementPage() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let supervisorShared: CannedReplyDTO = try await api.create("/api/v1/canned-replies", token: w.supervisorToken,
                                                                        CannedReplyInput(title: "Maintenance", bodyEn: "Planned maintenance tonight.", shared: true))
            // English first, so that agent 1 reads French again afterwards.
            for lang in ["en", "fr"] {
                let agent = Browser(api, language: lang)
                try await agent.signIn(w.agent1.email, World.password)
                _ = try await agent.get("/account")
                #expect(try await agent.post("/account/preferences", [("locale", lang), ("time_zone", "Europe/Paris")]).status == .seeOther)
                let list = try await agent.get("/canned-replies")
                #expect(list.status == .ok)
                #expect(!list.contains("⟦"), "\(lang): \(list.html.components(separatedBy: "⟦").dropFirst().map { $0.prefix(30) })")
                #expect(list.contains("Maintenance"))
                #expect(!list.contains(#"name="shared""#), "an agent is not offered to share")
                let edit = try await agent.get("/canned-replies/\(supervisorShared.id)")
                #expect(edit.status == .ok)
                #expect(!edit.contains("⟦"))
                #expect(!edit.contains("/canned-replies/\(supervisorShared.id)/delete"), "a shared reply is read-only for an agent")
            }
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            _ = try await agent.get("/canned-replies")
            let refused = try await agent.post("/canned-replies", [("title", "Vide"), ("body_fr", " "), ("body_en", "")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contains(#"value="Vide""#), "the typed title is kept")
            let created = try await agent.post("/canned-replies", [("title", "Redémarrage"), ("body_fr", "Merci de redémarrer, {{requester.first_name}}."), ("body_en", "")])
            #expect(created.location == "/canned-replies?done=canned_created")
            let mine = try await api.get("/api/v1/canned-replies", token: w.agent1Token).json(Page<CannedReplyDTO>.self).items.first { !$0.shared }
            let id = try #require(mine?.id)
            _ = try await agent.get("/canned-replies/\(id)")
            let saved = try await agent.post("/canned-replies/\(id)", [("title", "Redémarrer le poste"), ("body_fr", "Merci."), ("body_en", "Thanks.")])
            #expect(saved.location == "/canned-replies?done=canned_saved")
            let back = try await agent.follow(saved)
            #expect(back.contains("Redémarrer le poste"))
            #expect(back.contains("Réponse type enregistrée."))
            _ = try await agent.get("/canned-replies/\(id)")
            #expect(try await agent.post("/canned-replies/\(id)/delete", []).location == "/canned-replies?done=canned_deleted")
            #expect(try await api.get("/api/v1/canned-replies/\(id)", token: w.agent1Token).status == .notFound)
            // Requesters have no such page.
            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            #expect(try await alice.get("/canned-replies").status == .forbidden)
        }
    }

    // MARK: Macros

    static let toN2 = MacroInput(name: "Matériel vers N2", actions: MacroActions(
        impact: .high, urgency: .high, reply: "Bonjour {{requester.first_name}}, nous transmettons {{ticket.number}} au support N2.",
        note: "Disque à remplacer, vu au téléphone", escalateTier: .n2, escalateReason: "Remplacement de matériel"))

    /// A macro whose status step is refused on a new ticket (new → closed is not a transition), after a reply.
    static let refused = MacroInput(name: "Clôture directe", actions: MacroActions(status: .closed, impact: .high, reply: "Nous clôturons."))

    @Test("a macro applied through the API sets fields, replies with its variables filled in and escalates, in one go")
    func applyThroughAPI() async throws {
        try await TestApp.run { api in
            // given
            let w = try await World.make(api)
            let macro: MacroDTO = try await api.create("/api/v1/macros", token: w.agent1Token, Self.toN2)
            let t = try await w.aliceTicket()
            let uri = "/api/v1/tickets/\(t.id)/macros/\(macro.id)"
            #expect(try await api.send(.post, uri, token: w.agent1Token).status == .preconditionRequired)
            #expect(try await api.send(.post, uri, token: w.agent1Token, headers: [.ifMatch: "\"v9\""]).status == .preconditionFailed)
            #expect(try await api.send(.post, uri, token: w.agent2Token, headers: [.ifMatch: "\"v1\""]).status == .notFound, "another agent's personal macro")
            #expect(try await api.send(.post, uri, token: w.aliceToken, headers: [.ifMatch: "\"v1\""]).status == .forbidden)
            // when
            let r = try await api.send(.post, uri, token: w.agent1Token, headers: [.ifMatch: "\"v1\""])
            // then
            #expect(r.status == .ok, "\(r.text)")
            let after = try r.json(TicketDTO.self)
            #expect(after.impact == .high)
            #expect(after.urgency == .high)
            #expect(after.tier == .n2)
            #expect(r.headers[.eTag] == "\"v\(after.version)\"")
            let timeline = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items
            let kinds = timeline.map(\.kind)
            #expect(kinds.contains(.escalated))
            #expect(timeline.contains { $0.kind == .escalated && $0.reason == "Remplacement de matériel" && $0.toTier == .n2 })
            #expect(timeline.contains { $0.body == "Bonjour Alice, nous transmettons \(t.number) au support N2." && $0.isPublic })
            #expect(timeline.contains { $0.body == "Disque à remplacer, vu au téléphone" && !$0.isPublic })
            #expect(timeline.contains { $0.field == "impact" && $0.newValue == "high" })
            #expect(timeline.contains { $0.field == "urgency" && $0.newValue == "high" })
            // The requester sees the reply, not the note.
            let seen = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.aliceToken).text
            #expect(seen.contains("nous transmettons"))
            #expect(!seen.contains("Disque à remplacer"))
        }
    }

    @Test("a macro with a refused step changes nothing, through the API and through the page, which says why")
    func refusedStep() async throws {
        try await TestApp.run { api in
            // given
            let w = try await World.make(api)
            let macro: MacroDTO = try await api.create("/api/v1/macros", token: w.agent1Token, Self.refused)
            let t = try await w.aliceTicket()
            // when
            let r = try await api.send(.post, "/api/v1/tickets/\(t.id)/macros/\(macro.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""])
            // then
            #expect(r.status == .conflict, "\(r.text)")
            let unchanged = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(unchanged.version == t.version)
            #expect(unchanged.impact == t.impact)
            #expect(!(try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).text.contains("Nous clôturons")))

            // The same through the page.
            let seq = Int(t.number.dropFirst(4))!
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/tickets/\(seq)")
            #expect(page.contains(#"<option value="\#(macro.id.uuidString)">Clôture directe</option>"#))
            let posted = try await agent.post("/tickets/\(seq)/macro", [("version", page.hidden("version") ?? ""), ("macro", macro.id.uuidString)])
            #expect(posted.location?.hasPrefix("/tickets/\(seq)?draft=") == true)
            let shown = try await agent.follow(posted)
            #expect(shown.contains("Macro non appliquée, rien n&#39;a changé") || shown.contains("Macro non appliquée, rien n'a changé"),
                    "\(shown.html.components(separatedBy: "class=\"error\"").dropFirst().first?.prefix(300) ?? "")")
            let still = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(still.version == t.version)
        }
    }

    @Test("a macro applied from the ticket page sets fields, replies and escalates; shared macros are for supervisors to make")
    func applyThroughPage() async throws {
        try await TestApp.run { api in
            // given
            let w = try await World.make(api)
            var shared = Self.toN2
            shared.shared = true
            #expect(try await api.post("/api/v1/macros", token: w.agent1Token, shared).status == .forbidden)
            let macro: MacroDTO = try await api.create("/api/v1/macros", token: w.supervisorToken, shared)
            #expect(try await api.get("/api/v1/macros", token: w.agent2Token).json(Page<MacroDTO>.self).items.map(\.id) == [macro.id])
            #expect(try await api.get("/api/v1/macros", token: w.aliceToken).status == .forbidden)
            let t = try await w.aliceTicket()
            let seq = Int(t.number.dropFirst(4))!
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/tickets/\(seq)")
            // when
            let posted = try await agent.post("/tickets/\(seq)/macro", [("version", page.hidden("version") ?? ""), ("macro", macro.id.uuidString)])
            // then
            #expect(posted.location == "/tickets/\(seq)?done=macro_applied", "\(posted.status) \(posted.location ?? "")")
            let after = try await agent.follow(posted)
            #expect(after.contains("Macro appliquée."))
            #expect(after.contains("Bonjour Alice, nous transmettons \(t.number) au support N2."))
            #expect(after.contains("Remplacement de matériel"))
            #expect(!after.contains("⟦"))
            let ticket = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(ticket.tier == .n2)
            #expect(ticket.impact == .high)
            #expect(ticket.urgency == .high)
            // A stale page is a conflict, not a second application.
            let again = try await agent.follow(try await agent.post("/tickets/\(seq)/macro", [("version", page.hidden("version") ?? ""), ("macro", macro.id.uuidString)]))
            #expect(again.contains(#"class="conflict""#))
            #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self).version == ticket.version)
        }
    }

    @Test("the macros page lists, creates, edits and deletes, in both languages")
    func macrosPage() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            _ = try await api.create("/api/v1/macros", token: w.supervisorToken, MacroInput(name: "Partagée", shared: true, actions: MacroActions(note: "vu")), as: MacroDTO.self)
            // English first, so that agent 1 reads French again afterwards.
            for lang in ["en", "fr"] {
                let agent = Browser(api, language: lang)
                try await agent.signIn(w.agent1.email, World.password)
                _ = try await agent.get("/account")
                _ = try await agent.post("/account/preferences", [("locale", lang), ("time_zone", "Europe/Paris")])
                let list = try await agent.get("/macros")
                #expect(list.status == .ok)
                #expect(!list.contains("⟦"), "\(lang): \(list.html.components(separatedBy: "⟦").dropFirst().map { $0.prefix(30) })")
                #expect(list.contains("Partagée"))
            }
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            _ = try await agent.get("/macros")
            let refused = try await agent.post("/macros", [("name", "Sans raison"), ("escalate_tier", "2"), ("escalate_reason", "")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contains(#"value="Sans raison""#))
            let created = try await agent.post("/macros", [("name", "Prendre"), ("assignee", "me"), ("status", "in_progress"), ("reply", "Je m'en occupe.")])
            #expect(created.location == "/macros?done=macro_created")
            let mine = try await api.get("/api/v1/macros", token: w.agent1Token).json(Page<MacroDTO>.self).items.first { !$0.shared }
            let m = try #require(mine)
            #expect(m.actions == MacroActions(status: .inProgress, assignee: "me", reply: "Je m'en occupe."))
            let edit = try await agent.get("/macros/\(m.id)")
            #expect(!edit.contains("⟦"))
            let saved = try await agent.post("/macros/\(m.id)", [("name", "Prendre en main"), ("assignee", "me")])
            #expect(saved.location == "/macros?done=macro_saved")
            #expect(try await api.get("/api/v1/macros/\(m.id)", token: w.agent1Token).json(MacroDTO.self).name == "Prendre en main")
            _ = try await agent.get("/macros/\(m.id)")
            #expect(try await agent.post("/macros/\(m.id)/delete", []).location == "/macros?done=macro_deleted")
            #expect(try await api.get("/api/v1/macros/\(m.id)", token: w.agent1Token).status == .notFound)
        }
    }
}
