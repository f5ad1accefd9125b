import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import FluentKit
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import NIOCore
import Testing

/// SLA timers, automatic escalation and on-call paging, end to end through the durable scheduler, with a clock the
/// test moves and a webhook receiver on loopback.
@Suite("Escalation and on-call")
struct EscalationAndOnCallTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// Acme's contract from 1 December: office-hours calendar, the standard SLA policy, these rules, on-call if given.
    static func acmeTerms(_ w: World, rules: [EscalationRuleDTO] = [], onCallPolicy: UUID? = nil, pageBeforeTriage: Bool = false) async throws -> (calendar: CalendarDTO, policy: SLAPolicyDTO) {
        let calendar = try await w.api.create("/api/v1/calendars", token: w.admin, CalendarAPITests.office, as: CalendarDTO.self)
        let policy = try await w.api.create("/api/v1/sla-policies", token: w.admin, CalendarAPITests.policy(calendar: calendar.id), as: SLAPolicyDTO.self)
        let contract = try await w.api.post("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                            ContractInput(name: "Acme SLA", perimeter: "infrastructure", validFrom: Day("2026-12-01")!,
                                                          calendarId: calendar.id, slaPolicyId: policy.id, onCall: onCallPolicy != nil,
                                                          onCallPolicyId: onCallPolicy, escalationRules: rules, pageBeforeTriage: pageBeforeTriage))
        #expect(contract.status == .created, "\(contract.text)")
        return (calendar, policy)
    }

    static func timeline(_ w: World, _ ticket: UUID) async throws -> [EventDTO] {
        try await w.api.get("/api/v1/tickets/\(ticket)/timeline", token: w.agent1Token).json(Page<EventDTO>.self).items
    }

    static func slaEvents(_ events: [EventDTO]) -> [String] {
        events.filter { $0.kind == .sla }.map { "\($0.field ?? "")/\($0.newValue ?? "")" }
    }

    @Test("SLA transitions go on the timeline once each, when their timer fires, at the instant they happened")
    func transitionsOnTimeline() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            _ = try await Self.acmeTerms(w)
            // Tuesday 09:00 Paris, priority 3: first response within 60 business minutes, warning at 45.
            let t = try await w.aliceTicket()
            #expect(Self.slaEvents(try await Self.timeline(w, t.id)) == ["first_response/started", "resolution/started"])
            let timer = try #require(try await JobQueue.find(key: "sla:\(t.id.uuidString)", on: api.desk.store.database))
            #expect(timer.runAt == Self.at("2026-12-01T08:45:00Z"))
            _ = try await api.desk.drainDueJobs()  // the new ticket's notifications

            // Nothing is due before its time.
            clock.advance(minutes: 44)
            #expect(try await api.desk.drainDueJobs() == 0)
            clock.advance(minutes: 6)
            #expect(try await api.desk.drainDueJobs() == 2, "the SLA check, then the notifications of its warning")
            var events = try await Self.timeline(w, t.id)
            #expect(Self.slaEvents(events).last == "first_response/warning")
            #expect(events.last { $0.kind == .sla }?.createdAt == Self.at("2026-12-01T08:45:00Z"), "recorded at the instant it happened")
            // The next timer waits for the breach.
            #expect(try await JobQueue.find(key: "sla:\(t.id.uuidString)", on: api.desk.store.database)?.runAt == Self.at("2026-12-01T09:00:00Z"))

            // Late (the server was down): the breach is still recorded once, at its own instant.
            clock.advance(minutes: 120)
            _ = try await api.desk.drainDueJobs()
            _ = try await api.desk.drainDueJobs()
            events = try await Self.timeline(w, t.id)
            #expect(Self.slaEvents(events) == ["first_response/started", "resolution/started", "first_response/warning", "first_response/breached"])
            #expect(events.last { $0.kind == .sla }?.createdAt == Self.at("2026-12-01T09:00:00Z"))

            // A later write replays the clocks but records nothing twice; the page tells the story in French.
            _ = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "On regarde.", isPublic: true))
            #expect(Self.slaEvents(try await Self.timeline(w, t.id)).filter { $0.hasPrefix("first_response/") }.count == 3)
            let page = Browser(api)
            try await page.signIn(w.agent1.email, World.password)
            let html = try await page.get("/tickets/\(Int(t.number.dropFirst(4))!)")
            #expect(html.contains("SLA — Première réponse : dépassé"), "\(html.html.prefix(300))")
        }
    }

    @Test("escalation rules: functional at a share of the target moves the ticket up a tier with its reason; hierarchical notifies supervisors; each fires once")
    func escalationRules() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let receiver = try await HookReceiver.start()
            defer { receiver.stop() }
            let chief = try await api.get("/api/v1/me", token: w.supervisorToken).json(UserDTO.self)
            _ = try await api.create("/api/v1/users/\(chief.id)/contact-methods", token: w.supervisorToken,
                                     ContactMethodInput(type: "webhook", address: receiver.url("/chief")), as: ContactMethodDTO.self)
            _ = try await Self.acmeTerms(w, rules: [
                EscalationRuleDTO(trigger: "first_response", percent: 50, action: "functional"),
                EscalationRuleDTO(trigger: "breach", action: "hierarchical"),
            ])
            let t = try await w.aliceTicket()
            #expect(t.tier == .n1)

            // 30 business minutes without a first response: half the target, to N2's group.
            clock.advance(minutes: 31)
            _ = try await api.desk.drainDueJobs()
            let up = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent2Token).json(TicketDTO.self)
            #expect(up.tier == .n2 && up.groupId == w.n2.id)
            let escalated = try #require(try await Self.timeline(w, t.id).first { $0.kind == .escalated })
            #expect(escalated.actorId == nil && escalated.field == "rule:first_response:50:functional")
            #expect(escalated.reason?.contains("no first response at 50 % of its target") == true)

            // The breach notifies the supervisors, through their contact methods.
            clock.advance(minutes: 40)
            _ = try await api.desk.drainDueJobs()
            let paged = try await Self.timeline(w, t.id).filter { $0.kind == .paged }
            #expect(paged.map(\.newValue) == [chief.id.uuidString] && paged[0].field == "rule:breach:hierarchical")
            let hook = try #require(await receiver.received.first)
            #expect(hook.path == "/chief" && hook.json["event"] as? String == "escalation")
            #expect((hook.json["ticket"] as? [String: Any])?["number"] as? String == t.number)

            // Nothing fires twice, however often the timers run.
            clock.advance(minutes: 600)
            _ = try await api.desk.drainDueJobs()
            let after = try await Self.timeline(w, t.id)
            #expect(after.filter { $0.kind == .escalated }.count == 1 && after.filter { $0.kind == .paged }.count == 1)
            #expect(await receiver.received.count == 1)

            // The page shows the reason in the reader's language.
            let page = Browser(api)
            try await page.signIn(w.agent2.email, World.password)
            let html = try await page.get("/tickets/\(Int(up.number.dropFirst(4))!)")
            #expect(html.contains("Automatique : pas de première réponse à 50 % de l&#39;objectif") || html.contains("Automatique : pas de première réponse à 50 % de l'objectif"),
                    "\(html.html.prefix(200))")
        }
    }

    /// agent1 is on call (the schedule), agent2 is the second step.
    static func onCallSetup(_ w: World, receiver: HookReceiver) async throws -> (schedule: OnCallScheduleDTO, policy: OnCallPolicyDTO) {
        _ = try await w.api.create("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token,
                                   ContactMethodInput(type: "webhook", address: receiver.url("/agent1")), as: ContactMethodDTO.self)
        _ = try await w.api.create("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token,
                                   ContactMethodInput(type: "email", address: "agent1@desk.example"), as: ContactMethodDTO.self)
        _ = try await w.api.create("/api/v1/users/\(w.agent2.id)/contact-methods", token: w.admin,
                                   ContactMethodInput(type: "slack", address: receiver.url("/agent2")), as: ContactMethodDTO.self)
        let schedule = try await w.api.create("/api/v1/oncall/schedules", token: w.admin, OnCallScheduleInput(
            name: "Astreinte N2", timeZone: "Europe/Paris",
            layers: [OnCallLayerInput(rotation: .weekly, handoff: "2026-11-30T09:00", participants: [w.agent1.id])]), as: OnCallScheduleDTO.self)
        let policy = try await w.api.create("/api/v1/oncall/policies", token: w.admin, OnCallPolicyInput(
            name: "Nuits et week-ends", steps: [
                OnCallStepInput(targets: [OnCallTargetInput(scheduleId: schedule.id)], delayMinutes: 10),
                OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent2.id)], delayMinutes: 10),
            ], repeat: 0), as: OnCallPolicyDTO.self)
        return (schedule, policy)
    }

    /// Saturday night at Acme (on-call hours), with agent1 on call and agent2 as the second step, hooks on `receiver`.
    static func onSaturdayNight(pageBeforeTriage: Bool,
                                _ body: @Sendable (API, World, HookReceiver, MutableClock) async throws -> Void) async throws {
        let clock = MutableClock(at("2026-12-05T22:00:00Z"))
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let receiver = try await HookReceiver.start()
            defer { receiver.stop() }
            let (_, policy) = try await onCallSetup(w, receiver: receiver)
            _ = try await acmeTerms(w, onCallPolicy: policy.id, pageBeforeTriage: pageBeforeTriage)
            try await body(api, w, receiver, clock)
        }
    }

    @Test("on-call: an out-of-hours P1 pages the on-call person, then the next step; acknowledging stops it and assigns the ticket")
    func paging() async throws {
        try await Self.onSaturdayNight(pageBeforeTriage: true) { api, w, receiver, clock in

            let t = try await w.aliceTicket("Usine à l'arrêt", description: "Plus rien ne marche", impact: .high, urgency: .high)
            #expect(t.priority == .critical)
            _ = try await api.desk.drainDueJobs()
            var events = try await Self.timeline(w, t.id)
            #expect(events.filter { $0.kind == .paged }.map(\.newValue) == [w.agent1.id.uuidString])
            let hook = try #require(await receiver.received.first { $0.path == "/agent1" })
            #expect(hook.json["event"] as? String == "page")
            let ticketJSON = try #require(hook.json["ticket"] as? [String: Any])
            #expect(ticketJSON["number"] as? String == t.number && ticketJSON["priority"] as? Int == 1 && ticketJSON["organization"] as? String == "Acme Industrie")
            #expect((hook.json["on_call_user"] as? [String: Any])?["id"] as? String == w.agent1.id.uuidString)
            let ackURL = try #require(hook.json["acknowledge_url"] as? String)
            #expect(ackURL.contains("/oncall/ack/"))
            #expect(hook.headers["X-Escale-Signature"]?.hasPrefix("sha256=") == true)
            // E-mail waits in the outbox for the mail channel.
            let mails = try await MailOutboxModel.query(on: api.desk.store.database).filter(\.$kind == "page").all()
            #expect(mails.map(\.toAddress) == ["agent1@desk.example"] && mails[0].textBody.contains(t.number))
            let paging = try await api.get("/api/v1/tickets/\(t.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self)
            #expect(paging.state == "active" && paging.step == 1)
            #expect(try await api.get("/api/v1/tickets/\(t.id)/paging", token: w.aliceToken).status == .notFound, "requesters do not see paging")

            // Nobody acknowledges within 10 minutes: the second step pages agent2, on Slack.
            clock.advance(minutes: 9)
            _ = try await api.desk.drainDueJobs()
            #expect(await receiver.received.count { $0.path == "/agent2" } == 0)
            clock.advance(minutes: 2)
            _ = try await api.desk.drainDueJobs()
            let slack = try #require(await receiver.received.first { $0.path == "/agent2" })
            #expect((slack.json["text"] as? String)?.contains(t.number) == true)

            // agent2 acknowledges: paging stops, the ticket is theirs.
            let ack = try await api.send(.post, "/api/v1/tickets/\(t.id)/acknowledge", token: w.agent2Token)
            #expect(ack.status == .ok, "\(ack.text)")
            #expect(try ack.json(TicketDTO.self).assigneeId == w.agent2.id)
            #expect(try await api.send(.post, "/api/v1/tickets/\(t.id)/acknowledge", token: w.agent2Token).status == .conflict)
            clock.advance(minutes: 60)
            _ = try await api.desk.drainDueJobs()
            events = try await Self.timeline(w, t.id)
            #expect(events.filter { $0.kind == .paged }.count == 2)
            #expect(events.contains { $0.kind == .acknowledged && $0.actorId == w.agent2.id })
            #expect(try await api.get("/api/v1/tickets/\(t.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self).state == "acknowledged")
            // The paging reasons read in the reader's language (the API keeps the desk's English).
            #expect(events.first { $0.kind == .paged }?.reason?.contains(": step 1 of 2, pass 1 of") == true)
            let console = Browser(api)
            try await console.signIn(w.agent2.email, World.password)
            let french = try await console.get("/tickets/\(Int(t.number.dropFirst(4))!)")
            #expect(french.contains(": étape 1 sur 2, passage 1 sur") && french.contains(": étape 2 sur 2") && !french.contains("step 1 of"), "\(french.html)")

            // During support hours nobody is paged.
            clock.set(Self.at("2026-12-07T10:00:00Z"))  // Monday 11:00 Paris
            let day = try await w.aliceTicket("Serveur en panne", impact: .high, urgency: .high)
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/tickets/\(day.id)/paging", token: w.agent1Token).status == .notFound)
        }
    }

    @Test("a paged ticket handled meanwhile — assigned, answered by staff, resolved — ends its paging, which records what ended it")
    func handlingEndsPaging() async throws {
        try await Self.onSaturdayNight(pageBeforeTriage: false) { api, w, receiver, clock in
            func pagedTicket(_ subject: String) async throws -> TicketDTO {
                var input = TicketInput(subject: subject, description: "Appel de Bob", impact: .high, urgency: .high)
                input.requesterId = w.bob.id
                let t = try await api.create("/api/v1/tickets", token: w.agent1Token, input, as: TicketDTO.self)
                _ = try await api.desk.drainDueJobs()
                #expect(try await api.get("/api/v1/tickets/\(t.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self).state == "active")
                return t
            }
            func paging(_ t: TicketDTO) async throws -> OnCallIncidentDTO {
                try await api.get("/api/v1/tickets/\(t.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self)
            }

            // Assigned to someone: paging ends, and step 2 never pages agent2.
            let assigned = try await pagedTicket("Serveur arrêté")
            var assign = TicketPatch(); assign.assigneeId = .some(w.agent1.id)
            #expect(try await api.send(.patch, "/api/v1/tickets/\(assigned.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: assign).status == .ok)
            let ended = try await paging(assigned)
            #expect(ended.state == "acknowledged" && ended.acknowledgedVia == "assignment" && ended.acknowledgedBy == w.agent1.id)
            clock.advance(minutes: 30)
            _ = try await api.desk.drainDueJobs()
            #expect(await receiver.received.count { $0.path == "/agent2" } == 0, "nobody else is woken up for a handled ticket")
            let events = try await Self.timeline(w, assigned.id)
            #expect(events.contains { $0.kind == .acknowledged && $0.field == "assignment" && $0.actorId == w.agent1.id })

            // The requester writing does not end it; staff answering does.
            let answered = try await pagedTicket("Messagerie en panne")
            _ = try await api.create("/api/v1/tickets/\(answered.id)/comments", token: w.bobToken, CommentInput(body: "Toujours rien", isPublic: true), as: EventDTO.self)
            #expect(try await paging(answered).state == "active")
            _ = try await api.create("/api/v1/tickets/\(answered.id)/comments", token: w.agent2Token, CommentInput(body: "Nous regardons", isPublic: true), as: EventDTO.self)
            #expect(try await paging(answered).acknowledgedVia == "reply")

            // Resolved straight away (a reboot did it): paging ends too.
            let resolved = try await pagedTicket("Réseau coupé")
            var resolve = TicketPatch(); resolve.status = .resolved
            #expect(try await api.send(.patch, "/api/v1/tickets/\(resolved.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: resolve).status == .ok)
            #expect(try await paging(resolved).acknowledgedVia == "resolution")
        }
    }

    @Test("a requester writing back about a resolved ticket reopens it, and its agent is told")
    func requesterReplyReopens() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let receiver = try await HookReceiver.start()
            defer { receiver.stop() }
            _ = try await api.create("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token,
                                     ContactMethodInput(type: "webhook", address: receiver.url("/agent1")), as: ContactMethodDTO.self)
            let t = try await w.aliceTicket()
            var handle = TicketPatch(); handle.groupId = .some(w.n1.id); handle.assigneeId = .some(w.agent1.id); handle.status = .resolved
            #expect(try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: handle).status == .ok)
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.aliceToken, CommentInput(body: "Ça recommence", isPublic: true), as: EventDTO.self)
            let after = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(after.status == .inProgress && after.assigneeId == w.agent1.id)
            let events = try await Self.timeline(w, t.id)
            #expect(events.contains { $0.kind == .statusChanged && $0.oldValue == "resolved" && $0.newValue == "in_progress" && $0.actorId == w.alice.id })
            _ = try await api.desk.drainDueJobs()
            let told = try #require(await receiver.received.first { $0.path == "/agent1" })
            #expect(told.json["event"] as? String == "reopened")
            // A staff note on a resolved ticket does not reopen it.
            var resolve = TicketPatch(); resolve.status = .resolved
            let v = after.version
            #expect(try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v\(v)\""], json: resolve).status == .ok)
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Clos côté N1", isPublic: false), as: EventDTO.self)
            #expect(try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self).status == .resolved)
        }
    }

    @Test("a requester's P1 at night waits for N1 triage unless the contract pages before triage; staff's P1, or staff raising the priority, pages")
    func requesterPriorityOneWaitsForTriage() async throws {
        try await Self.onSaturdayNight(pageBeforeTriage: false) { api, w, receiver, clock in

            // The requester says P1: N1 sees it in its queue, nobody is woken up.
            let claimed = try await w.aliceTicket("Tout est en panne", impact: .high, urgency: .high)
            #expect(claimed.priority == .critical)
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/tickets/\(claimed.id)/paging", token: w.agent1Token).status == .notFound)
            #expect(await receiver.received.isEmpty)

            // N1 confirms it by raising what the requester under-stated: now it pages.
            let modest = try await w.aliceTicket("Imprimante lente", impact: .medium, urgency: .medium)
            var raise = TicketPatch(); raise.impact = .high; raise.urgency = .high
            let raised = try await api.send(.patch, "/api/v1/tickets/\(modest.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: raise)
            #expect(raised.status == .ok, "\(raised.text)")
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/tickets/\(modest.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self).state == "active")

            // A P1 logged by staff (a phone call) pages at once.
            var byPhone = TicketInput(subject: "Serveur de fichiers arrêté", description: "Appel de Bob", impact: .high, urgency: .high)
            byPhone.requesterId = w.bob.id
            let staffP1 = try await api.create("/api/v1/tickets", token: w.agent1Token, byPhone, as: TicketDTO.self)
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/tickets/\(staffP1.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self).state == "active")

            // A contract that pages before triage: the requester's P1 pages too.
            let current = try #require(try await api.get("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin).json(Page<ContractDTO>.self).items.first)
            #expect(current.pageBeforeTriage == false, "off by default")
            let newer = try await api.create("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin, ContractInput(
                name: "Acme SLA, pages before triage", perimeter: "infrastructure", validFrom: Day("2026-12-02")!, calendarId: current.calendarId,
                slaPolicyId: current.slaPolicyId, onCall: true, onCallPolicyId: current.onCallPolicyId, pageBeforeTriage: true), as: ContractDTO.self)
            #expect(newer.pageBeforeTriage && newer.active)
            let urgent = try await w.aliceTicket("Usine à l'arrêt", impact: .high, urgency: .high)
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/tickets/\(urgent.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self).state == "active")
        }
    }

    @Test("a critical monitoring alert at night pages the person on call; a warning waits for the day")
    func alertPages() async throws {
        try await Self.onSaturdayNight(pageBeforeTriage: false) { api, w, receiver, _ in
            let am: IntegrationDTO = try await api.create("/api/v1/integrations", token: w.admin,
                                                         IntegrationInput(type: .alertmanager, name: "Prometheus", organizationId: w.acme.id))
            func fire(_ severity: String, _ fingerprint: String) async throws -> TicketDTO {
                let body = #"{"version":"4","status":"firing","receiver":"escale","groupKey":"{}:{alertname=\"Down\"}","alerts":[{"status":"firing","labels":{"alertname":"Down","instance":"srv-\#(fingerprint):9100","severity":"\#(severity)"},"annotations":{"summary":"Serveur injoignable"},"startsAt":"2026-12-05T21:59:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"\#(fingerprint)"}]}"#
                let r = try await api.send(.post, URL(string: am.url)!.path, raw: ByteBuffer(string: body))
                try #require(r.status == .ok, "\(r.text)")
                let id = try #require(try r.json(AlertReceiptDTO.self).ticketIds.first)
                return try await api.get("/api/v1/tickets/\(id)", token: w.admin).json(TicketDTO.self)
            }
            let critical = try await fire("critical", "00000000000000c1")
            #expect(critical.priority == .critical)
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/tickets/\(critical.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self).state == "active",
                    "monitoring is not a requester waiting for triage: a P1 alert pages")
            #expect(await receiver.received.contains { $0.path == "/agent1" })
            let warning = try await fire("warning", "00000000000000c2")
            _ = try await api.desk.drainDueJobs()
            #expect(try await api.get("/api/v1/tickets/\(warning.id)/paging", token: w.agent1Token).status == .notFound)
        }
    }

    @Test("the signed link in a page acknowledges without signing in (only on POST); a forged one is a 404")
    func signedLink() async throws {
        try await Self.onSaturdayNight(pageBeforeTriage: true) { api, w, receiver, clock in
            let t = try await w.aliceTicket("Usine à l'arrêt", impact: .high, urgency: .high)
            _ = try await api.desk.drainDueJobs()
            let link = try #require(await receiver.received.first?.json["acknowledge_url"] as? String)
            let path = String(link.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })

            let preview = try await api.send(.get, path)
            #expect(preview.status == .ok && preview.text.contains(t.number))
            #expect(try await api.get("/api/v1/tickets/\(t.id)/paging", token: w.agent1Token).json(OnCallIncidentDTO.self).state == "active",
                    "fetching the link changes nothing")
            let forged = String(path.dropLast(4)) + "0000"
            #expect(try await api.send(.post, forged).status == .notFound)
            let done = try await api.send(.post, path)
            #expect(done.status == .ok && (done.text.contains("Pris en compte") || done.text.contains("Acknowledged")), "\(done.text.prefix(300))")
            let ticket = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(ticket.assigneeId == w.agent1.id)
        }
    }

    @Test("a failing webhook is retried with backoff until it answers; one that never does is reported on the timeline")
    func retries() async throws {
        let clock = MutableClock(Self.at("2026-12-05T22:00:00Z"))
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let receiver = try await HookReceiver.start()
            defer { receiver.stop() }
            await receiver.fail(path: "/flaky", times: 2)
            await receiver.fail(path: "/down", times: 1_000)
            _ = try await api.create("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token,
                                     ContactMethodInput(type: "webhook", address: receiver.url("/flaky")), as: ContactMethodDTO.self)
            _ = try await api.create("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token,
                                     ContactMethodInput(type: "webhook", address: receiver.url("/down")), as: ContactMethodDTO.self)
            let policy = try await api.create("/api/v1/oncall/policies", token: w.admin, OnCallPolicyInput(
                name: "Direct", steps: [OnCallStepInput(targets: [OnCallTargetInput(userId: w.agent1.id)], delayMinutes: 600)]), as: OnCallPolicyDTO.self)
            _ = try await Self.acmeTerms(w, onCallPolicy: policy.id, pageBeforeTriage: true)
            let t = try await w.aliceTicket("Usine à l'arrêt", impact: .high, urgency: .high)
            _ = try await api.desk.drainDueJobs()
            #expect(await receiver.received.count { $0.path == "/flaky" } == 1)
            // Backoff: 30 s, then 60 s. Not before.
            clock.advance(minutes: 0.4)
            _ = try await api.desk.drainDueJobs()
            #expect(await receiver.received.count { $0.path == "/flaky" } == 1)
            clock.advance(minutes: 0.2)
            _ = try await api.desk.drainDueJobs()
            #expect(await receiver.received.count { $0.path == "/flaky" } == 2)
            for _ in 0..<20 {
                clock.advance(minutes: 5)
                _ = try await api.desk.drainDueJobs()
            }
            #expect(await receiver.received.count { $0.path == "/flaky" } == 3, "delivered once it answered, then never again")
            #expect(await receiver.received.count { $0.path == "/down" } == 6, "six attempts in all")
            let failed = try await Self.timeline(w, t.id).filter { $0.kind == .deliveryFailed }
            #expect(failed.count == 1 && failed[0].field == "webhook" && failed[0].reason?.contains("HTTP 500") == true)
            let counts = try await JobQueue.counts(now: clock.now, on: api.desk.store.database)
            #expect(counts.failed == 1)
        }
    }

    @Test("on-call schedules and policies through the API: who is on call, overrides, the calendar feed behind its token")
    func schedulesAPI() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let input = OnCallScheduleInput(name: "Astreinte", timeZone: "Europe/Paris", layers: [
                OnCallLayerInput(rotation: .weekly, handoff: "2026-11-30T09:00", participants: [w.agent1.id, w.agent2.id]),
            ])
            let created = try await api.post("/api/v1/oncall/schedules", token: w.admin, input)
            #expect(created.status == .created, "\(created.text)")
            let schedule = try created.json(OnCallScheduleDTO.self)
            #expect(schedule.icsURL.contains("/api/v1/oncall/schedules/\(schedule.id.uuidString).ics?token="))

            let now = try await api.get("/api/v1/oncall/schedules/\(schedule.id)/on-call?at=2026-12-01T12:00:00Z", token: w.agent1Token).json(OnCallNowDTO.self)
            #expect(now.userId == w.agent1.id && now.until == Self.at("2026-12-07T08:00:00Z"))
            let next = try await api.get("/api/v1/oncall/schedules/\(schedule.id)/on-call?at=2026-12-07T08:00:00Z", token: w.agent1Token).json(OnCallNowDTO.self)
            #expect(next.userId == w.agent2.id)

            // An override: agent2 covers Wednesday.
            var replaced = input
            replaced.overrides = [OnCallOverrideInput(userId: w.agent2.id, from: Self.at("2026-12-02T08:00:00Z"), to: Self.at("2026-12-03T08:00:00Z"))]
            let put = try await api.send(.put, "/api/v1/oncall/schedules/\(schedule.id)", token: w.admin, json: replaced)
            #expect(put.status == .ok, "\(put.text)")
            let covered = try await api.get("/api/v1/oncall/schedules/\(schedule.id)/on-call?at=2026-12-02T12:00:00Z", token: w.agent1Token).json(OnCallNowDTO.self)
            #expect(covered.userId == w.agent2.id && covered.until == Self.at("2026-12-03T08:00:00Z"))

            // The feed: text/calendar behind its token; any other token is a 404.
            let path = String(schedule.icsURL.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            let feed = try await api.send(.get, path)
            #expect(feed.status == .ok && feed.headers[.contentType] == "text/calendar; charset=utf-8")
            #expect(feed.text.hasPrefix("BEGIN:VCALENDAR\r\n") && feed.text.contains("SUMMARY:On call: Agent1") && feed.text.contains("SUMMARY:On call: Agent2"))
            #expect(try await api.send(.get, "/api/v1/oncall/schedules/\(schedule.id).ics?token=nope").status == .notFound)
            #expect(try await api.send(.get, "/api/v1/oncall/schedules/\(schedule.id).ics").status == .notFound)

            // Refusals: bad input is a 422 naming the field, requesters may not read schedules.
            var bad = input
            bad.timeZone = "Mars/Olympus"
            #expect(try await api.post("/api/v1/oncall/schedules", token: w.admin, bad).problem?.detail.contains("time_zone") == true)
            bad = input
            bad.name = "Autre"
            bad.layers[0].participants = [w.alice.id]
            #expect(try await api.post("/api/v1/oncall/schedules", token: w.admin, bad).status == .unprocessableContent)
            bad.layers[0].participants = []
            #expect(try await api.post("/api/v1/oncall/schedules", token: w.admin, bad).status == .unprocessableContent)
            #expect(try await api.get("/api/v1/oncall/schedules", token: w.aliceToken).status == .forbidden)
            #expect(try await api.post("/api/v1/oncall/schedules", token: w.agent1Token, input).status == .forbidden)

            // Policies name existing schedules and staff.
            let unknown = OnCallPolicyInput(name: "P", steps: [OnCallStepInput(targets: [OnCallTargetInput(scheduleId: UUID())], delayMinutes: 5)])
            #expect(try await api.post("/api/v1/oncall/policies", token: w.admin, unknown).status == .unprocessableContent)
            let both = OnCallPolicyInput(name: "P", steps: [OnCallStepInput(targets: [OnCallTargetInput(scheduleId: schedule.id, userId: w.agent1.id)], delayMinutes: 5)])
            #expect(try await api.post("/api/v1/oncall/policies", token: w.admin, both).status == .unprocessableContent)
            let good = OnCallPolicyInput(name: "P", steps: [OnCallStepInput(targets: [OnCallTargetInput(scheduleId: schedule.id)], delayMinutes: 5)], repeat: 2)
            let policy = try await api.create("/api/v1/oncall/policies", token: w.admin, good, as: OnCallPolicyDTO.self)
            #expect(try await api.get("/api/v1/oncall/policies/\(policy.id)", token: w.agent1Token).json(OnCallPolicyDTO.self).repeat == 2)

            // Contact methods: one's own or, for administrators, anyone's; only sensible addresses.
            #expect(try await api.post("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token, ContactMethodInput(type: "sms", address: "+33")).status == .unprocessableContent)
            #expect(try await api.post("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token, ContactMethodInput(type: "webhook", address: "ftp://x")).status == .unprocessableContent)
            #expect(try await api.post("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent2Token, ContactMethodInput(type: "email", address: "a@b.fr")).status == .forbidden)
            #expect(try await api.post("/api/v1/users/\(w.alice.id)/contact-methods", token: w.aliceToken, ContactMethodInput(type: "email", address: "a@b.fr")).status == .forbidden)
            let m = try await api.create("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token, ContactMethodInput(type: "email", address: "a@b.fr"), as: ContactMethodDTO.self)
            #expect(try await api.post("/api/v1/users/\(w.agent1.id)/contact-methods", token: w.agent1Token, ContactMethodInput(type: "email", address: "a@b.fr")).status == .conflict)
            #expect(try await api.send(.delete, "/api/v1/users/\(w.agent1.id)/contact-methods/\(m.id)", token: w.agent1Token).status == .noContent)

            // Staff see it on the on-call page, in their language.
            let page = Browser(api)
            try await page.signIn(w.agent1.email, World.password)
            let html = try await page.get("/oncall")
            #expect(html.contains("Astreinte") && (html.contains("D&#39;astreinte maintenant") || html.contains("D'astreinte maintenant")))
        }
    }

    @Test("a calendar change replays the SLA of open tickets in the background")
    func replayAfterCalendarChange() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let (calendar, _) = try await Self.acmeTerms(w)
            let t = try await w.aliceTicket()
            #expect(t.sla?.resolutionDueAt == Self.at("2026-12-04T09:30:00Z"))
            var always = CalendarAPITests.office
            always.hours = BusinessCalendar.Weekday.allCases.map { OpeningHours(day: $0, start: "00:00", end: "24:00") }
            always.holidays = []; always.yearlyHolidays = []; always.frenchHolidays = false
            let put = try await api.send(.put, "/api/v1/calendars/\(calendar.id)", token: w.admin, json: always)
            #expect(put.status == .ok, "\(put.text)")
            #expect(try await api.desk.drainDueJobs() >= 1)
            // 1,440 minutes of round-the-clock time: a day after creation.
            let replayed = try await api.get("/api/v1/tickets/\(t.id)", token: w.agent1Token).json(TicketDTO.self)
            #expect(replayed.sla?.resolutionDueAt == Self.at("2026-12-02T08:00:00Z"))
            #expect(try await JobQueue.find(key: "sla:\(t.id.uuidString)", on: api.desk.store.database)?.runAt == Self.at("2026-12-01T08:45:00Z"))

            // Renaming the contract in the administration pages keeps what only the API sets.
            let contracts = try await api.get("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin).json(Page<ContractDTO>.self).items
            let terms = try #require(contracts.first { $0.name == "Acme SLA" })
            let admin = Browser(api)
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            _ = try await admin.get("/admin/contracts/\(terms.id)")
            let saved = try await admin.post("/admin/contracts/\(terms.id)", [("name", "Acme SLA 2027"), ("perimeter", "infrastructure"), ("valid_from", "2026-12-01"), ("valid_until", "")])
            #expect(saved.status == .seeOther, "\(saved.html.prefix(300))")
            let after = try await api.get("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin).json(Page<ContractDTO>.self).items.first { $0.id == terms.id }
            #expect(after?.name == "Acme SLA 2027" && after?.calendarId == terms.calendarId && after?.slaPolicyId == terms.slaPolicyId)
        }
    }
}

/// A webhook receiver on loopback: records what it is sent, answers 500 to the paths told to fail.
final class HookReceiver: Sendable {
    struct Hit: Sendable {
        let path: String
        let headers: [String: String]
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    actor Log {
        var hits: [Hit] = []
        var failures: [String: Int] = [:]
        func record(_ hit: Hit) -> Bool {
            hits.append(hit)
            guard let left = failures[hit.path], left > 0 else { return true }
            failures[hit.path] = left - 1
            return false
        }
        func fail(_ path: String, _ times: Int) { failures[path] = times }
    }

    private let log: Log
    let port: Int
    let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>, log: Log) { self.port = port; self.task = task; self.log = log }

    static func start() async throws -> HookReceiver {
        let log = Log()
        let router = Router()
        router.post("/**") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-")] = field.value }
            let ok = await log.record(Hit(path: request.uri.path, headers: headers, body: Data(buffer: body)))
            return Response(status: ok ? .ok : .internalServerError)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await app.run() }
        var port = 0
        for await p in stream { port = p; break }
        return HookReceiver(port: port, task: task, log: log)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
    var received: [Hit] { get async { await log.hits } }
    func fail(path: String, times: Int) async { await log.fail(path, times) }
    func stop() { task.cancel() }
}
