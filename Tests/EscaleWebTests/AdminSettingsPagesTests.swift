import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import Testing

/// Every setting of the desk through the administration pages, the way an administrator runs the first day without
/// the API: calendars, SLA policies, on-call, contracts, contact methods, groups, organizations, categories, settings.
@Suite("Administration pages")
struct AdminSettingsPagesTests {
    /// The id at the end of a redirect to a page of the created thing (`/admin/calendars/<id>?done=created`).
    static func createdId(_ page: Browser.Page) throws -> String {
        let location = try #require(page.location, "no redirect: \(page.status) \(page.html.prefix(400))")
        return try #require(location.components(separatedBy: "?")[0].components(separatedBy: "/").last)
    }

    /// The text of each cell of the on-call week (one per day, Monday first).
    static func weekCells(_ page: Browser.Page) -> [String] {
        guard let table = page.html.components(separatedBy: "<table class=\"week\">").dropFirst().first?.components(separatedBy: "</table>").first,
              let body = table.components(separatedBy: "<tbody>").dropFirst().first else { return [] }
        return body.components(separatedBy: "<td>").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
    }

    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// The calendar form: office hours on weekdays, Christmas Eve closed this year, Christmas every year, French holidays.
    static func officeCalendar(name: String = "Office hours", monday: String = "09:00-12:00, 14:00-18:00") -> [(String, String)] {
        [("name", name), ("time_zone", "Europe/Paris")]
            + weekdays.map { ("hours_\($0)", $0 == "mon" ? monday : ["sat", "sun"].contains($0) ? "" : "09:00-12:00, 14:00-18:00") }
            + [("holidays", "2026-12-24"), ("yearly_holidays", "12-25"), ("french_holidays", "on")]
    }

    static func slaPolicy(name: String, calendar: String, skipping: String? = nil) -> [(String, String)] {
        var fields = [("name", name), ("calendar", calendar), ("pause", "pending"), ("warning_percent", "80")]
        for p in 1...5 {
            fields += [("first_response_\(p)", String(p * 30)), ("next_update_\(p)", ""), ("resolution_\(p)", String(p * 240))]
        }
        return fields.filter { $0.0 != skipping }
    }

    static func schedule(name: String, timeZone: String = "Europe/Paris", first: UUID, second: UUID, override: (UUID, String, String)) -> [(String, String)] {
        [("name", name), ("time_zone", timeZone), ("layer0_new", "1"), ("layer0_rotation", "weekly"), ("layer0_hours", ""),
         ("layer0_handoff", "2026-11-30T09:00"), ("layer0_participant", first.uuidString), ("layer0_participant", second.uuidString),
         ("layer0_participant", "")]
            + weekdays.map { ("layer0_restrict_\($0)", "") }
            + [("override_user", override.0.uuidString), ("override_from", override.1), ("override_to", override.2)]
    }

    @Test("an administrator's first day without the API: calendar and due preview, SLA policy, on-call schedule and week, escalation policy, contract terms and what applies")
    func firstDay() async throws {
        try await TestApp.run { api in
            // Given a seeded desk and an administrator reading English
            let w = try await World.make(api)
            let admin = Browser(api, language: "en")
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)

            // When they create a calendar with office hours and holidays
            _ = try await admin.get("/admin/calendars")
            let created = try await admin.post("/admin/calendars", Self.officeCalendar())
            #expect(created.status == .seeOther, "\(created.html.prefix(600))")
            let calendarId = try Self.createdId(created)
            let calendarPage = try await admin.follow(created)
            // Then its page sums it up
            #expect(calendarPage.contains("Created."))
            #expect(calendarPage.contains("Monday–Friday: 09:00–12:00, 14:00–18:00"), "\(calendarPage.html)")
            #expect(calendarPage.contains("Closed on French public holidays") && calendarPage.contains("Closed on: 2026-12-24"))
            // and previews a due time: Wednesday 23 Dec 17:00 + 120 business minutes skips Christmas Eve, Christmas and the
            // weekend, to Monday 28 Dec 10:00 in Paris.
            let preview = try await admin.get("/admin/calendars/\(calendarId)?from=2026-12-23T17:00&minutes=120")
            #expect(preview.status == .ok)
            #expect(preview.contains("datetime=\"2026-12-28T09:00:00Z\""), "\(preview.html)")
            let badPreview = try await admin.get("/admin/calendars/\(calendarId)?from=2026-12-23T17:00&minutes=lots")
            #expect(badPreview.status == .unprocessableContent)
            #expect(badPreview.contains("Give a number of business minutes between 0 and 5,256,000."))

            // A calendar whose hours cannot be read, or overlap, is refused with the reason, and what was typed stays.
            _ = try await admin.get("/admin/calendars")
            let unreadable = try await admin.post("/admin/calendars", Self.officeCalendar(name: "Broken", monday: "9 to 5"))
            #expect(unreadable.status == .unprocessableContent)
            #expect(unreadable.contains("Unreadable opening hours"), "\(unreadable.html.prefix(2000))")
            #expect(unreadable.contains("value=\"9 to 5\""))
            let overlapping = try await admin.post("/admin/calendars", Self.officeCalendar(name: "Broken", monday: "09:00-12:00, 11:00-13:00"))
            #expect(overlapping.status == .unprocessableContent)
            #expect(overlapping.contains("not overlapping within a day"))

            // When they create an SLA policy on that calendar
            _ = try await admin.get("/admin/sla-policies")
            let missing = try await admin.post("/admin/sla-policies", Self.slaPolicy(name: "Standard", calendar: calendarId, skipping: "resolution_3"))
            #expect(missing.status == .unprocessableContent)
            #expect(missing.contains("Each priority needs a resolution target"))
            let sla = try await admin.post("/admin/sla-policies", Self.slaPolicy(name: "Standard", calendar: calendarId))
            #expect(sla.status == .seeOther, "\(sla.html.prefix(600))")
            let slaId = try Self.createdId(sla)
            let stored = try await api.get("/api/v1/sla-policies/\(slaId)", token: w.admin).json(SLAPolicyDTO.self)
            #expect(stored.calendarId.uuidString == calendarId && stored.warningPercent == 80 && stored.targets.count == 5)
            #expect(stored.targets.first { $0.priority == 1 }?.resolutionMinutes == 240)

            // When they create an on-call schedule: weekly turns from Monday 30 Nov 09:00, Agent1 then Agent2, and Agent2
            // covering all of Wednesday 2 Dec
            _ = try await admin.get("/admin/oncall/schedules")
            let badZone = try await admin.post("/admin/oncall/schedules", Self.schedule(
                name: "Nights", timeZone: "Mars/Olympus", first: w.agent1.id, second: w.agent2.id, override: (w.agent2.id, "2026-12-02T00:00", "2026-12-03T00:00")))
            #expect(badZone.status == .unprocessableContent)
            #expect(badZone.contains("Unknown time zone"))
            let backwards = try await admin.post("/admin/oncall/schedules", Self.schedule(
                name: "Nights", first: w.agent1.id, second: w.agent2.id, override: (w.agent2.id, "2026-12-03T00:00", "2026-12-02T00:00")))
            #expect(backwards.status == .unprocessableContent)
            #expect(backwards.contains("Each override needs a person, a start, and an end after the start."))
            let schedule = try await admin.post("/admin/oncall/schedules", Self.schedule(
                name: "Nights", first: w.agent1.id, second: w.agent2.id, override: (w.agent2.id, "2026-12-02T00:00", "2026-12-03T00:00")))
            #expect(schedule.status == .seeOther, "\(schedule.html.prefix(600))")
            let scheduleId = try Self.createdId(schedule)
            // Then the week view names who is on call, day by day (now is Tuesday 1 Dec, 09:00 in Paris)
            let week = try await admin.follow(schedule)
            #expect(week.contains("<strong id=\"on-call-now\">Agent1</strong>"), "\(week.html)")
            let days = Self.weekCells(week)
            #expect(days.count == 7, "\(days)")
            if days.count == 7 {
                #expect(days[0].contains("09:00–24:00 Agent1"), "before the first handoff nobody is on call: \(days[0])")
                #expect(days[1].contains("00:00–24:00 Agent1"))
                #expect(days[2].contains("00:00–24:00 Agent2"), "the override: \(days[2])")
                #expect(days[3].contains("00:00–24:00 Agent1"))
            }
            // and the following week is Agent2's turn
            let next = try await admin.get("/admin/oncall/schedules/\(scheduleId)?week=2026-12-07")
            let nextDays = Self.weekCells(next)
            #expect(nextDays.first?.contains("00:00–09:00 Agent1") == true && nextDays.first?.contains("09:00–24:00 Agent2") == true, "\(nextDays)")
            // The API agrees with the page.
            let now = try await api.get("/api/v1/oncall/schedules/\(scheduleId)/on-call?at=2026-12-02T12:00:00Z", token: w.admin).json(OnCallNowDTO.self)
            #expect(now.userId == w.agent2.id)
            // Edited: the override removed, a second layer added for weekday evenings.
            let evenings = Self.schedule(name: "Nights", first: w.agent1.id, second: w.agent2.id, override: (w.agent2.id, "2026-12-02T00:00", "2026-12-03T00:00"))
                .filter { $0.0 != "layer0_new" }
                + [("override_remove", "0"), ("layer1_new", "1"), ("layer1_rotation", "daily"), ("layer1_hours", ""), ("layer1_handoff", "2026-12-01T18:00"),
                   ("layer1_participant", w.agent2.id.uuidString), ("layer1_participant", "")]
                + Self.weekdays.map { ("layer1_restrict_\($0)", ["sat", "sun"].contains($0) ? "" : "18:00-24:00") }
            let edited = try await admin.post("/admin/oncall/schedules/\(scheduleId)", evenings)
            #expect(edited.location == "/admin/oncall/schedules/\(scheduleId)?done=saved", "\(edited.html.prefix(600))")
            let layers = try await api.get("/api/v1/oncall/schedules/\(scheduleId)", token: w.admin).json(OnCallScheduleDTO.self)
            #expect(layers.layers.count == 2 && layers.overrides.isEmpty)
            #expect(layers.layers.last?.participants == [w.agent2.id] && layers.layers.last?.restrictions?.count == 5)
            #expect(Self.weekCells(try await admin.follow(edited))[1].contains("18:00–24:00 Agent2"))

            // When they create an escalation policy: the schedule, then Agent2, once more if nobody acknowledges
            _ = try await admin.get("/admin/oncall/policies")
            let empty = try await admin.post("/admin/oncall/policies", [("name", "Night escalation"), ("step0_delay", "10"), ("repeat", "1")])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.contains("Give 1 to 20 steps, each with at least one target."))
            let policy = try await admin.post("/admin/oncall/policies", [
                ("name", "Night escalation"), ("step0_target", "schedule:\(scheduleId)"), ("step0_delay", "10"),
                ("step1_target", "user:\(w.agent2.id)"), ("step1_delay", "15"), ("step2_delay", "15"), ("repeat", "1"),
            ])
            #expect(policy.status == .seeOther, "\(policy.html.prefix(600))")
            let policies = try await admin.follow(policy)
            #expect(policies.contains("Step 1: Nights, then wait 10 min") && policies.contains("Step 2: Agent2, then wait 15 min"), "\(policies.html)")
            let policyId = try #require(try await api.get("/api/v1/oncall/policies", token: w.admin).json(Page<OnCallPolicyDTO>.self).items.first?.id)

            // When they give Acme's contract the calendar, the SLA policy, the on-call policy and an escalation rule
            let contractPath = "/admin/contracts/\(w.acmeContract.id)"
            _ = try await admin.get(contractPath)
            var terms = [("name", "Acme 2026"), ("perimeter", "infrastructure"), ("valid_from", "2026-01-01"), ("valid_until", ""),
                         ("calendar", calendarId), ("sla_policy", slaId), ("on_call", "on"), ("on_call_policy", policyId.uuidString),
                         ("rule_trigger", "first_response"), ("rule_percent", "75"), ("rule_action", "functional")]
            let noPercent = try await admin.post(contractPath, terms.map { $0.0 == "rule_trigger" ? ($0.0, "resolution") : $0 }.filter { $0.0 != "rule_percent" })
            #expect(noPercent.status == .unprocessableContent)
            #expect(noPercent.contains("Incorrect escalation rule"))
            terms += [("rule_trigger", ""), ("rule_percent", ""), ("rule_action", "functional")]
            let saved = try await admin.post(contractPath, terms)
            #expect(saved.location == "\(contractPath)?done=saved", "\(saved.html.prefix(600))")
            // Then the contract page says what applies
            let contract = try await admin.follow(saved)
            #expect(contract.contains("What applies"))
            #expect(contract.contains("<p>Office hours</p>") && contract.contains("Monday–Friday: 09:00–12:00, 14:00–18:00"))
            #expect(contract.contains("Standard") && contract.contains("<td>30 min</td><td>—</td><td>4 h</td>"), "P1: 30 min, no next update, 4 h")
            #expect(contract.contains("Step 1: Nights, then wait 10 min"))
            #expect(contract.contains("No first response at 75 %: functional escalation (next tier)"), "\(contract.html)")
            let terms2 = try await api.get("/api/v1/contracts/\(w.acmeContract.id)", token: w.admin).json(ContractDTO.self)
            #expect(terms2.calendarId?.uuidString == calendarId && terms2.slaPolicyId?.uuidString == slaId && terms2.onCallPolicyId == policyId)
            #expect(terms2.escalationRules == [EscalationRuleDTO(trigger: "first_response", percent: 75, action: "functional")])
            // and a rule row ticked for removal goes; the calendar left empty is removed.
            let removed = try await admin.post(contractPath, terms.map { $0.0 == "calendar" ? ($0.0, "") : $0 } + [("rule_remove", "0")])
            #expect(removed.status == .seeOther)
            let terms3 = try await api.get("/api/v1/contracts/\(w.acmeContract.id)", token: w.admin).json(ContractDTO.self)
            #expect(terms3.escalationRules.isEmpty && terms3.calendarId == nil && terms3.slaPolicyId?.uuidString == slaId)
            #expect(try await admin.follow(removed).contains("On-call is promised but there is no calendar"))
        }
    }

    @Test("contact methods on an administrator's user page and on one's own account; group members on the group's page; organizations, categories and installation settings")
    func directoryAndSettings() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let admin = Browser(api, language: "en")
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)

            // Contact methods of a staff member, on their user page
            let userPath = "/admin/users/\(w.agent1.id)"
            #expect(try await admin.get(userPath).contains("Contact methods (on-call)"))
            let badAddress = try await admin.post(userPath + "/contact-methods", [("type", "webhook"), ("address", "not a url")])
            #expect(badAddress.status == .unprocessableContent)
            #expect(badAddress.contains("Incorrect address"))
            let added = try await admin.post(userPath + "/contact-methods", [("type", "email"), ("address", "agent1-pager@desk.example")])
            #expect(added.location == userPath + "?done=contact_added")
            #expect(try await admin.follow(added).contains("agent1-pager@desk.example"))
            let methods = try await api.get("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.admin).json(Page<ContactMethodDTO>.self).items
            #expect(methods.map(\.address) == ["agent1-pager@desk.example"])
            _ = try await admin.get(userPath)
            #expect(try await admin.post(userPath + "/contact-methods/\(methods[0].id)/delete", []).status == .seeOther)
            #expect(try await api.get("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.admin).json(Page<ContactMethodDTO>.self).items.isEmpty)
            // A requester is not paged: no contact methods on their page.
            #expect(!(try await admin.get("/admin/users/\(w.alice.id)").contains("Contact methods (on-call)")))

            // and on one's own account page
            let agent = Browser(api, language: "en")
            try await agent.signIn(w.agent2.email, World.password)
            _ = try await agent.get("/account")
            let own = try await agent.post("/account/contact-methods", [("type", "slack"), ("address", "https://hooks.slack.example/T1/B2")])
            #expect(own.location == "/account?done=contact_added")
            let account = try await agent.follow(own)
            #expect(account.contains("Contact method added.") && account.contains("https://hooks.slack.example/T1/B2"))
            let refused = try await agent.post("/account/contact-methods", [("type", "pigeon"), ("address", "roof")])
            #expect(refused.status == .unprocessableContent && refused.contains("The type is e-mail, webhook or Slack."))
            let alice = Browser(api, language: "en")
            try await alice.signIn(w.alice.email, World.password)
            #expect(!(try await alice.get("/account").contains("Contact methods")))

            // Group members are edited on the group's page
            let groupPath = "/admin/groups/\(w.n1.id)"
            _ = try await admin.get(groupPath)
            let notStaff = try await admin.post(groupPath + "/members", [("members", w.agent1.id.uuidString), ("members", w.alice.id.uuidString)])
            #expect(notStaff.status == .unprocessableContent && notStaff.contains("Only support staff can be members of a group."))
            let members = try await admin.post(groupPath + "/members", [("members", w.agent1.id.uuidString), ("members", w.agent2.id.uuidString)])
            #expect(members.location == groupPath + "?done=members_saved")
            let agent2 = try await api.get("/api/v1/users", token: w.admin).json(Page<UserDTO>.self).items.first { $0.id == w.agent2.id }
            #expect(agent2?.groupIds.contains(w.n1.id) == true)
            #expect(try await admin.follow(members).contains("Group members saved."))
            // renamed, and another deactivated: shown as such, and no more offered as a tier's default.
            _ = try await admin.get("/admin/groups/\(w.n3.id)")
            #expect(try await admin.post("/admin/groups/\(w.n3.id)", [("name", "Experts (old)")]).status == .seeOther)
            let groups = try await admin.get("/admin/groups")
            #expect(groups.contains("Experts (old)") && groups.contains("Deactivated"))

            // Installation settings
            let settings = try await admin.get("/admin/settings")
            #expect(settings.contains(w.n1.id.uuidString) && !settings.contains(w.n3.id.uuidString), "a deactivated group is not offered")
            let wrongTier = try await admin.post("/admin/settings", [("default_locale", "fr"), ("default_group_n1", ""), ("default_group_n2", w.n1.id.uuidString), ("default_group_n3", "")])
            #expect(wrongTier.status == .unprocessableContent)
            #expect(wrongTier.contains("The default N2 group must be an active N2 group."))
            let set = try await admin.post("/admin/settings", [("default_locale", "fr"), ("default_group_n1", w.n1.id.uuidString), ("default_group_n2", ""), ("default_group_n3", "")])
            #expect(set.location == "/admin/settings?done=saved")
            let stored = try await api.get("/api/v1/settings", token: w.admin).json(DeskSettingsDTO.self)
            #expect(stored == DeskSettingsDTO(defaultLocale: "fr", defaultGroups: .init(n1: w.n1.id)))
            // The default group cannot be deactivated: the reason is given.
            _ = try await admin.get(groupPath)
            let defaultGroup = try await admin.post(groupPath, [("name", w.n1.name)])
            #expect(defaultGroup.status == .unprocessableContent && defaultGroup.contains("choose another default in the settings first"))

            // An organization renamed, given a language, deactivated: shown as such, and not offered for new users
            let orgPath = "/admin/organizations/\(w.globex.id)"
            _ = try await admin.get(orgPath)
            let org = try await admin.post(orgPath, [("name", "Globex Corp"), ("domain", "globex.example"), ("locale", "en")])
            #expect(org.location == orgPath + "?done=saved")
            let orgs = try await admin.get("/admin/organizations")
            #expect(orgs.contains("Globex Corp") && orgs.contains("Deactivated") && orgs.contains("English"))
            #expect(!(try await admin.get("/admin/users").contains("value=\"\(w.globex.id)\"")))
            let badDomain = try await admin.post(orgPath, [("name", "Globex Corp"), ("domain", "not a domain"), ("locale", ""), ("active", "on")])
            #expect(badDomain.status == .unprocessableContent && badDomain.contains("Incorrect domain name"))

            // A category renamed in both languages and deactivated: no more offered for new requests
            _ = try await admin.get("/admin/categories")
            let category = try await admin.post("/admin/categories/peripheral", [("name_fr", "Périphériques anciens"), ("name_en", "Old peripherals")])
            #expect(category.location == "/admin/categories?done=saved")
            #expect(try await admin.get("/admin/categories").contains("Old peripherals"))
            #expect(try await alice.get("/requests/new").status == .ok)
            #expect(!(try await alice.get("/requests/new").contains("value=\"peripheral\"")))
        }
    }

    @Test("every administration page renders in French and in English with no missing string; other roles are refused")
    func bothLanguages() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let calendar = try await api.create("/api/v1/calendars", token: w.admin, CalendarAPITests.office, as: CalendarDTO.self)
            let sla = try await api.create("/api/v1/sla-policies", token: w.admin, CalendarAPITests.policy(calendar: calendar.id), as: SLAPolicyDTO.self)
            let schedule = try await api.create("/api/v1/oncall/schedules", token: w.admin, OnCallScheduleInput(
                name: "Nuits", timeZone: "Europe/Paris",
                layers: [OnCallLayerInput(rotation: .daily, handoff: "2026-11-30T18:00", participants: [w.agent1.id, w.agent2.id],
                                          restrictions: [OpeningHours(day: .mon, start: "18:00", end: "24:00")])],
                overrides: [OnCallOverrideInput(userId: w.agent2.id, from: TestApp.now, to: TestApp.now.addingTimeInterval(3600))]), as: OnCallScheduleDTO.self)
            let policy = try await api.create("/api/v1/oncall/policies", token: w.admin, OnCallPolicyInput(
                name: "Escalade", steps: [OnCallStepInput(targets: [OnCallTargetInput(scheduleId: schedule.id)], delayMinutes: 5)]), as: OnCallPolicyDTO.self)
            var terms = w.acmeContract.input
            terms.calendarId = calendar.id; terms.slaPolicyId = sla.id; terms.onCallPolicyId = policy.id
            terms.escalationRules = [EscalationRuleDTO(trigger: "breach", action: "hierarchical"), EscalationRuleDTO(trigger: "resolution", percent: 50, action: "functional")]
            #expect(try await api.send(.patch, "/api/v1/contracts/\(w.acmeContract.id)", token: w.admin, json: terms).status == .ok)
            _ = try await api.post("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token, ContactMethodInput(type: "email", address: "a1@desk.example"))
            let paths = ["/admin/calendars", "/admin/calendars/\(calendar.id)", "/admin/calendars/\(calendar.id)?from=2026-12-01T09:00&minutes=90",
                         "/admin/sla-policies", "/admin/sla-policies/\(sla.id)", "/admin/oncall/schedules", "/admin/oncall/schedules/\(schedule.id)",
                         "/admin/oncall/policies", "/admin/contracts/\(w.acmeContract.id)", "/admin/organizations", "/admin/organizations/\(w.acme.id)",
                         "/admin/groups", "/admin/groups/\(w.n1.id)", "/admin/categories", "/admin/settings", "/admin/users", "/admin/users/\(w.agent1.id)",
                         "/account", "/oncall"]
            for lang in ["fr", "en"] {
                let admin = Browser(api)
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
                let agent = Browser(api, language: lang)
                try await agent.signIn(w.agent1.email, World.password)
                let account = try await agent.get("/account")
                #expect(account.contains("a1@desk.example") && !account.contains("⟦"), "\(lang)")
            }
            // Only administrators
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            for path in ["/admin/calendars", "/admin/sla-policies/\(sla.id)", "/admin/oncall/schedules/\(schedule.id)", "/admin/oncall/policies", "/admin/settings", "/admin/groups/\(w.n1.id)"] {
                #expect(try await agent.get(path).status == .forbidden, "\(path)")
            }
        }
    }

    @Test("an escalation policy is edited through the API and its page; a name taken or an unknown person is refused")
    func editEscalationPolicy() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let policy = try await api.create("/api/v1/oncall/policies", token: w.admin, OnCallPolicyInput(
                name: "Nuits", steps: [OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent1.id)], delayMinutes: 10)], repeat: 0), as: OnCallPolicyDTO.self)
            _ = try await api.create("/api/v1/oncall/policies", token: w.admin, OnCallPolicyInput(
                name: "Week-ends", steps: [OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent2.id)], delayMinutes: 5)], repeat: 0), as: OnCallPolicyDTO.self)
            // Through the API: a second step added.
            let updated = try await api.send(.put, "/api/v1/oncall/policies/\(policy.id)", token: w.admin, json: OnCallPolicyInput(
                name: "Nuits", steps: [OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent1.id)], delayMinutes: 10),
                                       OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent2.id)], delayMinutes: 15)], repeat: 1))
            #expect(updated.status == .ok, "\(updated.text)")
            #expect(try updated.json(OnCallPolicyDTO.self).steps.count == 2)
            #expect(try await api.send(.put, "/api/v1/oncall/policies/\(policy.id)", token: w.admin, json: OnCallPolicyInput(
                name: "Week-ends", steps: [OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent1.id)], delayMinutes: 10)], repeat: 0)).status == .conflict)
            #expect(try await api.send(.put, "/api/v1/oncall/policies/\(policy.id)", token: w.agent1Token, json: OnCallPolicyInput(
                name: "Nuits", steps: [OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent1.id)], delayMinutes: 10)], repeat: 0)).status == .forbidden)
            #expect(try await api.send(.put, "/api/v1/oncall/policies/\(UUID())", token: w.admin, json: OnCallPolicyInput(
                name: "X", steps: [OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent1.id)], delayMinutes: 10)], repeat: 0)).status == .notFound)

            // Through its page: the form shows the steps as stored; the first step's delay is changed.
            let admin = Browser(api)
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            let list = try await admin.get("/admin/oncall/policies")
            #expect(list.contains(#"href="/admin/oncall/policies/\#(policy.id.uuidString)""#))
            let page = try await admin.get("/admin/oncall/policies/\(policy.id)")
            #expect(page.contains(#"name="step1_delay" type="number" min="1" max="1440" inputmode="numeric" value="15""#), "\(page.html)")
            #expect(page.contains(#"value="user:\#(w.agent2.id.uuidString)" checked"#) && !page.contains("⟦"))
            let saved = try await admin.post("/admin/oncall/policies/\(policy.id)", [
                ("name", "Nuits"), ("step0_target", "user:\(w.agent1.id.uuidString)"), ("step0_delay", "20"),
                ("step1_target", "user:\(w.agent2.id.uuidString)"), ("step1_delay", "15"), ("step2_delay", "15"), ("repeat", "1"),
            ])
            #expect(saved.location == "/admin/oncall/policies?done=saved", "\(saved.html.prefix(600))")
            #expect(try await api.get("/api/v1/oncall/policies/\(policy.id)", token: w.admin).json(OnCallPolicyDTO.self).steps.first?.delayMinutes == 20)
            let refused = try await admin.post("/admin/oncall/policies/\(policy.id)", [("name", "Nuits"), ("step0_target", "user:\(UUID().uuidString)"), ("step0_delay", "20")])
            #expect(refused.status == .unprocessableContent)
        }
    }
}
