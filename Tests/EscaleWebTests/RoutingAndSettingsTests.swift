import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

/// Where tickets go (groups on arrival and escalation), the installation's settings, new users' language, and
/// editing organizations, groups, categories and contracts through the API.
@Suite("Routing, settings and directory edits")
struct RoutingAndSettingsTests {
    static func patch(_ api: API, _ path: String, token: String, _ json: String) async throws -> API.Reply {
        try await api.send(.patch, path, token: token, headers: [.contentType: "application/merge-patch+json"], raw: ByteBuffer(string: json))
    }

    @Test("portal tickets and escalations by tier go to the organization's group of that tier, its own team first, the default when several could")
    func routing() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            // One N1 group serves everyone: it takes the portal's tickets, which then show in its members' "my groups".
            let t = try await w.aliceTicket()
            #expect(t.groupId == w.n1.id)
            // The desk routed it: the entry is the desk's, not Alice's.
            let routedBy = try await api.get("/api/v1/tickets/\(t.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items.first { $0.kind == .assigned }
            #expect(routedBy != nil && routedBy?.actorId == nil)
            let mine = try await api.get("/api/v1/tickets?group_id=\(w.n1.id)", token: w.agent1Token).json(Page<TicketDTO>.self).items
            #expect(mine.map(\.id) == [t.id])

            // A team dedicated to Acme wins for Acme; Globex still goes to the shared helpdesk.
            let acmeTeam: GroupDTO = try await api.create("/api/v1/groups", token: w.admin, GroupInput(name: "Acme N1", tier: .n1, organizationIds: [w.acme.id]))
            #expect(try await w.aliceTicket().groupId == acmeTeam.id)
            let globex: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken, TicketInput(subject: "Imprimante", description: "", impact: .low, urgency: .low))
            #expect(globex.groupId == w.n1.id)

            // Escalated "by tier": the only N2 group takes it.
            let up = try await api.post("/api/v1/tickets/\(t.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: "needs N2"))
            #expect(try up.json(TicketDTO.self).groupId == w.n2.id, "\(up.text)")

            // Two shared N2 groups: nobody guesses, until the settings name the default.
            let bis: GroupDTO = try await api.create("/api/v1/groups", token: w.admin, GroupInput(name: "Support N2 bis", tier: .n2))
            let t2 = try await w.aliceTicket("Réseau lent")
            let open = try await api.post("/api/v1/tickets/\(t2.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: "ambiguous"))
            #expect(try open.json(TicketDTO.self).groupId == nil)
            let settings = try await api.send(.put, "/api/v1/settings", token: w.admin, json: DeskSettingsDTO(defaultGroups: .init(n2: bis.id)))
            #expect(settings.status == .ok, "\(settings.text)")
            let t3 = try await w.aliceTicket("VPN")
            #expect(try await api.post("/api/v1/tickets/\(t3.id)/escalate", token: w.agent1Token, EscalateInput(tier: .n2, reason: "default")).json(TicketDTO.self).groupId == bis.id)
            // A default must work at its tier and be active.
            let wrongTier = try await api.send(.put, "/api/v1/settings", token: w.admin, json: DeskSettingsDTO(defaultGroups: .init(n1: bis.id)))
            #expect(wrongTier.status == .unprocessableContent && wrongTier.text.contains("default_groups.n1"))
            #expect(try await api.send(.put, "/api/v1/settings", token: w.agent1Token, json: DeskSettingsDTO()).status == .forbidden)
            #expect(try await api.get("/api/v1/settings", token: w.agent1Token).json(DeskSettingsDTO.self).defaultGroups.n2 == bis.id)
            // The default group cannot be deactivated from under the settings; another one can, and then receives nothing.
            let refused = try await Self.patch(api, "/api/v1/groups/\(bis.id)", token: w.admin, #"{"active": false}"#)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            let off = try await Self.patch(api, "/api/v1/groups/\(acmeTeam.id)", token: w.admin, #"{"active": false}"#)
            #expect(try off.json(GroupDTO.self).active == false)
            #expect(try await w.aliceTicket("Après").groupId == w.n1.id)
            let deactivated = try await api.post("/api/v1/tickets", token: w.agent1Token,
                                                  TicketInput(subject: "x", description: "", impact: .low, urgency: .low, organizationId: w.acme.id, groupId: acmeTeam.id))
            #expect(deactivated.status == .unprocessableContent && deactivated.text.contains("deactivated"))
        }
    }

    @Test("staff open a ticket into a group and for themselves; the group follows the assignee; requesters cannot route")
    func creationAndAssignment() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            // An agent taking a call: assigned to them at once, in their group, and nobody is paged.
            let call: TicketDTO = try await api.create("/api/v1/tickets", token: w.agent1Token, TicketInput(
                subject: "Appel : messagerie en panne", description: "", impact: .high, urgency: .high, channel: .phone,
                requesterId: w.alice.id, assigneeId: w.agent1.id))
            #expect(call.assigneeId == w.agent1.id && call.status == .assigned && call.groupId == w.n1.id && call.channel == .phone)
            let kinds = try await api.get("/api/v1/tickets/\(call.id)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items.map(\.kind)
            #expect(kinds.prefix(4) == [.created, .assigned, .assigned, .statusChanged])
            // Straight into an N2 group: the ticket starts at N2.
            let n2: TicketDTO = try await api.create("/api/v1/tickets", token: w.agent1Token, TicketInput(
                subject: "Serveur de fichiers", description: "", impact: .high, urgency: .medium, organizationId: w.acme.id, groupId: w.n2.id))
            #expect(n2.groupId == w.n2.id && n2.tier == .n2)
            // An explicit group and an assignee outside it contradict each other.
            let clash = try await api.post("/api/v1/tickets", token: w.agent1Token, TicketInput(
                subject: "x", description: "", impact: .low, urgency: .low, organizationId: w.acme.id, groupId: w.n2.id, assigneeId: w.agent1.id))
            #expect(clash.status == .unprocessableContent && clash.text.contains("assignee_id"))
            // Requesters state the problem; routing is the desk's.
            for body in [TicketInput(subject: "x", description: "", impact: .low, urgency: .low, groupId: w.n2.id),
                         TicketInput(subject: "x", description: "", impact: .low, urgency: .low, assigneeId: w.agent1.id)] {
                #expect(try await api.post("/api/v1/tickets", token: w.aliceToken, body).status == .forbidden)
            }

            // Given to someone outside the ticket's group, the ticket goes with them (to no group if they have none of that tier).
            let t = try await w.aliceTicket()
            var p = TicketPatch(); p.assigneeId = .some(w.agent2.id)
            let moved = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v\(t.version)\""], json: p)
            let after = try moved.json(TicketDTO.self)
            #expect(after.assigneeId == w.agent2.id && after.groupId == nil, "\(moved.text)")
            // A group of another tier is an escalation, not an edit.
            var g = TicketPatch(); g.groupId = .some(w.n2.id)
            let tierMove = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v\(after.version)\""], json: g)
            #expect(tierMove.status == .unprocessableContent && tierMove.text.contains("escalate"))
        }
    }

    @Test("a new user's language: their own choice, else their organization's, else the installation's, else their browser's at sign-in")
    func languages() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            func user(_ email: String, org: UUID?, locale: String? = nil) async throws -> UserDTO {
                try await api.create("/api/v1/users", token: w.admin, UserInput(email: email, name: "U", role: org == nil ? .agent : .requester,
                                                                                password: World.password, organizationId: org, locale: locale))
            }
            func pageLanguage(_ email: String, browser: String, password: String = World.password) async throws -> String? {
                let b = Browser(api, language: browser)
                try await b.signIn(email, password)
                let page = try await b.get("/account")
                return page.html.range(of: #"<html lang="(\w+)""#, options: .regularExpression).map { String(page.html[$0].dropFirst(12).dropLast()) }
            }
            // Nothing says: the browser does — the first administrator included.
            let free = try await user("free@globex.example", org: w.globex.id)
            #expect(free.localeAutomatic)
            #expect(try await pageLanguage(free.email, browser: "en") == "en")
            #expect(try await pageLanguage(free.email, browser: "fr") == "fr")
            #expect(try await pageLanguage(TestApp.adminEmail, browser: "en", password: TestApp.adminPassword) == "en")
            // The organization says French: its users read French whatever their browser.
            let org = try await Self.patch(api, "/api/v1/organizations/\(w.globex.id)", token: w.admin, #"{"locale": "fr"}"#)
            #expect(try org.json(OrganizationDTO.self).locale == "fr", "\(org.text)")
            #expect(try await pageLanguage(free.email, browser: "en") == "fr")
            // The installation says English: staff (no organization) read English.
            _ = try await api.send(.put, "/api/v1/settings", token: w.admin, json: DeskSettingsDTO(defaultLocale: "en"))
            let staff = try await user("new-agent@desk.example", org: nil)
            #expect(staff.locale == "en")
            #expect(try await pageLanguage(staff.email, browser: "fr") == "en")
            // An explicit choice wins over everything, and choosing on one's account page makes it explicit.
            let chosen = try await user("chosen@globex.example", org: w.globex.id, locale: "en")
            #expect(!chosen.localeAutomatic)
            #expect(try await pageLanguage(chosen.email, browser: "fr") == "en")
            // The new-user form no longer copies the administrator's language: "automatic" is preselected.
            let admin = Browser(api, language: "en")
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let form = try await admin.get("/admin/users")
            #expect(form.contains(#"<option value="" selected>"#), "\(form.html)")
        }
    }

    @Test("organizations, groups, categories and contracts are edited with merge patches; deactivated ones are kept but offered no more")
    func directoryEdits() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            // Rename and re-domain; a null clears an optional member, and is refused for a required one.
            let renamed = try await Self.patch(api, "/api/v1/organizations/\(w.acme.id)", token: w.admin, #"{"name": "Acme SA", "domain": null}"#)
            let acme = try renamed.json(OrganizationDTO.self)
            #expect(acme.name == "Acme SA" && acme.domain == nil && acme.active)
            let nameless = try await Self.patch(api, "/api/v1/organizations/\(w.acme.id)", token: w.admin, #"{"name": null}"#)
            #expect(nameless.status == .unprocessableContent && nameless.text.contains("name"))
            #expect(try await Self.patch(api, "/api/v1/organizations/\(w.acme.id)", token: w.admin, #"{"name": "Globex"}"#).status == .conflict)
            #expect(try await Self.patch(api, "/api/v1/organizations/\(w.acme.id)", token: w.agent1Token, #"{"name": "Mine"}"#).status == .forbidden)
            #expect(try await Self.patch(api, "/api/v1/organizations/\(w.acme.id)", token: w.admin, "[1]").status == .badRequest)

            // A contract's terms change field by field; the rest stays.
            let c = try await Self.patch(api, "/api/v1/contracts/\(w.acmeContract.id)", token: w.admin, #"{"name": "Acme 2027", "page_before_triage": true}"#)
            let contract = try c.json(ContractDTO.self)
            #expect(contract.name == "Acme 2027" && contract.pageBeforeTriage && contract.onCall && contract.perimeter == "infrastructure", "\(c.text)")
            #expect(try await Self.patch(api, "/api/v1/contracts/\(w.acmeContract.id)", token: w.admin, #"{"perimeter": "everything"}"#).status == .unprocessableContent)
            #expect(try await api.get("/api/v1/contracts/\(w.acmeContract.id)", token: w.agent1Token).status == .forbidden)

            // A category renamed in both languages, then retired: tickets keep it, new ones cannot use it.
            let cat = try await Self.patch(api, "/api/v1/categories/printer", token: w.admin, #"{"name_fr": "Impression", "name_en": "Printing"}"#)
            #expect(try cat.json(CategoryDTO.self).nameFr == "Impression")
            let filed = try await w.aliceTicket(category: "printer")
            _ = try await Self.patch(api, "/api/v1/categories/printer", token: w.admin, #"{"active": false}"#)
            #expect(try await api.get("/api/v1/tickets/\(filed.id)", token: w.agent1Token).json(TicketDTO.self).category == "printer")
            let retired = try await api.post("/api/v1/tickets", token: w.aliceToken, TicketInput(subject: "x", description: "", impact: .low, urgency: .low, category: "printer"))
            #expect(retired.status == .unprocessableContent && retired.text.contains("no longer in use"))
            #expect(try await Self.patch(api, "/api/v1/categories/printer", token: w.admin, #"{"key": "other"}"#).status == .unprocessableContent)
            #expect(try await Self.patch(api, "/api/v1/categories/nothing", token: w.admin, #"{"active": false}"#).status == .notFound)

            // Group membership is edited on the group too; only staff are members.
            let members = try await api.send(.put, "/api/v1/groups/\(w.n2.id)/members", token: w.admin, json: GroupMembersDTO(userIds: [w.agent1.id, w.agent2.id]))
            #expect(try members.json(GroupMembersDTO.self).userIds.count == 2)
            let me = try await api.get("/api/v1/me", token: w.agent1Token).json(UserDTO.self)
            #expect(Set(me.groupIds) == [w.n1.id, w.n2.id])
            #expect(try await api.send(.put, "/api/v1/groups/\(w.n2.id)/members", token: w.admin, json: GroupMembersDTO(userIds: [w.alice.id])).status == .unprocessableContent)
            #expect(try await Self.patch(api, "/api/v1/groups/\(w.n2.id)", token: w.admin, #"{"tier": 3}"#).status == .unprocessableContent)

            // A former client: history kept, no new tickets (staff get why, requesters a refusal).
            _ = try await Self.patch(api, "/api/v1/organizations/\(w.acme.id)", token: w.admin, #"{"active": false}"#)
            #expect(try await api.get("/api/v1/tickets/\(filed.id)", token: w.agent1Token).status == .ok)
            #expect(try await api.post("/api/v1/tickets", token: w.aliceToken, TicketInput(subject: "x", description: "", impact: .low, urgency: .low)).status == .forbidden)
            let staff = try await api.post("/api/v1/tickets", token: w.agent1Token, TicketInput(subject: "x", description: "", impact: .low, urgency: .low, organizationId: w.acme.id))
            #expect(staff.status == .unprocessableContent && staff.text.contains("deactivated"))
        }
    }
}
