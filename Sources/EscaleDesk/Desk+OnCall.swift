import Crypto
import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Sends JSON over HTTP for webhooks and chat hooks. The live implementation is in EscaleChannels; tests use it too,
/// against a receiver on loopback.
public protocol OutboundHTTP: Sendable {
    /// POSTs a JSON body and answers the response status.
    func post(json: Data, to url: URL, headers: [(String, String)]) async throws -> Int
}

/// On-call: schedules, escalation policies, contact methods, routing of out-of-hours tickets, paging and acknowledgement.
extension Desk {
    // MARK: Schedules

    public func createSchedule(_ input: OnCallScheduleInput, by actor: Actor, on db: any Database) async throws -> OnCallScheduleDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        var input = input
        input.name = try Self.validName(input.name, field: "name")
        try await validate(input, on: db)
        if try await OnCallScheduleModel.query(on: db).filter(\.$name == input.name).first() != nil {
            throw DomainError.conflict("an on-call schedule named '\(input.name)' already exists")
        }
        let m = OnCallScheduleModel()
        m.id = UUID(); m.name = input.name; m.timeZone = input.timeZone; m.definition = Self.payload(input)
        m.feedGeneration = 1; m.createdAt = now; m.updatedAt = now
        try await m.create(on: db)
        try await audit(actor, "create", "oncall_schedule", m.id, input.name, on: db)
        return try await dto(m)
    }

    /// Replaces a schedule (its layers and overrides); the feed URL stays the same.
    public func updateSchedule(_ id: UUID, _ input: OnCallScheduleInput, by actor: Actor, on db: any Database) async throws -> OnCallScheduleDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await OnCallScheduleModel.find(id, on: db) else { throw DomainError.notFound("on-call schedule") }
        var input = input
        input.name = try Self.validName(input.name, field: "name")
        try await validate(input, on: db)
        if let other = try await OnCallScheduleModel.query(on: db).filter(\.$name == input.name).first(), other.id != id {
            throw DomainError.conflict("an on-call schedule named '\(input.name)' already exists")
        }
        m.name = input.name; m.timeZone = input.timeZone; m.definition = Self.payload(input); m.updatedAt = now
        try await m.save(on: db)
        try await audit(actor, "update", "oncall_schedule", id, input.name, on: db)
        return try await dto(m)
    }

    private func validate(_ input: OnCallScheduleInput, on db: any Database) async throws {
        _ = try input.schedule()
        let people = Set(input.layers.flatMap(\.participants) + (input.overrides ?? []).map(\.userId))
        try await requireStaff(people, field: "participants", on: db)
    }

    func requireStaff(_ ids: Set<UUID>, field: String, on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        let found = try await UserModel.query(on: db).filter(\.$id ~~ Array(ids)).filter(\.$active == true).all()
            .filter { Role(rawValue: $0.role)?.isStaff == true }.compactMap(\.id)
        if let missing = ids.subtracting(found).sorted(by: { $0.uuidString < $1.uuidString }).first {
            throw DomainError.invalid(field: field, "\(missing) is not an active member of the support staff")
        }
    }

    public func listSchedules(by actor: Actor) async throws -> [OnCallScheduleDTO] {
        try AccessPolicy.require(actor, .readDirectory)
        var out: [OnCallScheduleDTO] = []
        for m in try await OnCallScheduleModel.query(on: store.database).sort(\.$name).all() { out.append(try await dto(m)) }
        return out
    }

    public func schedule(_ id: UUID, by actor: Actor) async throws -> OnCallScheduleDTO {
        try AccessPolicy.require(actor, .readDirectory)
        guard let m = try await OnCallScheduleModel.find(id, on: store.database) else { throw DomainError.notFound("on-call schedule") }
        return try await dto(m)
    }

    /// Who is on call on a schedule at an instant, and until when.
    public func onCall(scheduleId: UUID, at instant: Date, by actor: Actor) async throws -> OnCallNowDTO {
        try AccessPolicy.require(actor, .readDirectory)
        guard let m = try await OnCallScheduleModel.find(scheduleId, on: store.database) else { throw DomainError.notFound("on-call schedule") }
        let answer = try Self.schedule(m).onCall(at: instant)
        return OnCallNowDTO(userId: answer?.userId, until: answer?.until)
    }

    /// Who is on call on a schedule over [from, to), shift by shift — what the feed shows, for a page's week view.
    public func shifts(scheduleId: UUID, from: Date, to: Date, by actor: Actor) async throws -> [Shift] {
        try AccessPolicy.require(actor, .readDirectory)
        guard let m = try await OnCallScheduleModel.find(scheduleId, on: store.database) else { throw DomainError.notFound("on-call schedule") }
        return try Self.schedule(m).shifts(from: from, to: to)
    }

    /// The iCalendar feed of a schedule, for whoever holds its secret token: 30 days back, 180 ahead.
    public func scheduleFeed(_ id: UUID, token: String) async throws -> String {
        guard let m = try await OnCallScheduleModel.find(id, on: store.database),
              Hex.constantTimeEqual(token, try await feedToken(m)) else { throw DomainError.notFound("on-call schedule") }
        let schedule = try Self.schedule(m)
        let at = now
        let shifts = schedule.shifts(from: at.addingTimeInterval(-30 * 86_400), to: at.addingTimeInterval(180 * 86_400))
        let users = try await UserModel.query(on: store.database).filter(\.$id ~~ Array(Set(shifts.map(\.userId)))).all()
        let names = Dictionary(uniqueKeysWithValues: users.map { ($0.id!, $0.name) })
        let host = URL(string: config.publicURL)?.host ?? "escale"
        return ICalendar.onCallFeed(scheduleName: m.name, scheduleId: id, shifts: shifts, names: names, generatedAt: at, uidDomain: host)
    }

    static func schedule(_ m: OnCallScheduleModel) throws -> OnCallSchedule {
        try JSONDecoder().decode(OnCallScheduleInput.self, from: Data(m.definition.utf8)).schedule()
    }

    func dto(_ m: OnCallScheduleModel) async throws -> OnCallScheduleDTO {
        let input = try JSONDecoder().decode(OnCallScheduleInput.self, from: Data(m.definition.utf8))
        let url = "\(config.publicURL)/api/v1/oncall/schedules/\(m.id!.uuidString).ics?token=\(try await feedToken(m))"
        return OnCallScheduleDTO(id: m.id!, input: input, icsURL: url, createdAt: m.createdAt, updatedAt: m.updatedAt)
    }

    func feedToken(_ m: OnCallScheduleModel) async throws -> String {
        try await sign("ics|\(m.id!.uuidString)|\(m.feedGeneration)")
    }

    // MARK: Escalation policies

    public func createOnCallPolicy(_ input: OnCallPolicyInput, by actor: Actor, on db: any Database) async throws -> OnCallPolicyDTO {
        let input = try await validatedPolicy(input, replacing: nil, by: actor, on: db)
        let m = OnCallPolicyModel()
        m.id = UUID(); m.name = input.name; m.definition = Self.payload(input); m.createdAt = now
        try await m.create(on: db)
        try await audit(actor, "create", "oncall_policy", m.id, input.name, on: db)
        return OnCallPolicyDTO(id: m.id!, input: input, createdAt: m.createdAt)
    }

    /// Replaces a policy's steps, delays and repeats. A paging under way continues with the new steps from its
    /// current step on.
    public func updateOnCallPolicy(_ id: UUID, _ input: OnCallPolicyInput, by actor: Actor, on db: any Database) async throws -> OnCallPolicyDTO {
        guard let m = try await OnCallPolicyModel.find(id, on: db) else {
            try AccessPolicy.require(actor, .manageDirectory)
            throw DomainError.notFound("on-call policy")
        }
        let input = try await validatedPolicy(input, replacing: id, by: actor, on: db)
        m.name = input.name; m.definition = Self.payload(input)
        try await m.save(on: db)
        try await audit(actor, "update", "oncall_policy", id, input.name, on: db)
        return OnCallPolicyDTO(id: id, input: input, createdAt: m.createdAt)
    }

    /// A policy's steps name existing staff and schedules, and its name no other policy's.
    private func validatedPolicy(_ input: OnCallPolicyInput, replacing id: UUID?, by actor: Actor, on db: any Database) async throws -> OnCallPolicyInput {
        try AccessPolicy.require(actor, .manageDirectory)
        var input = input
        input.name = try Self.validName(input.name, field: "name")
        let policy = try input.policy()
        var users = Set<UUID>(), schedules = Set<UUID>()
        for step in policy.steps {
            for t in step.targets {
                switch t {
                case let .user(u): users.insert(u)
                case let .schedule(s): schedules.insert(s)
                }
            }
        }
        try await requireStaff(users, field: "targets", on: db)
        let known = Set(try await OnCallScheduleModel.query(on: db).filter(\.$id ~~ Array(schedules)).all().compactMap(\.id))
        if let missing = schedules.subtracting(known).first { throw DomainError.invalid(field: "targets", "unknown schedule \(missing)") }
        if let other = try await OnCallPolicyModel.query(on: db).filter(\.$name == input.name).first(), other.id != id {
            throw DomainError.conflict("an on-call policy named '\(input.name)' already exists")
        }
        return input
    }

    public func listOnCallPolicies(by actor: Actor) async throws -> [OnCallPolicyDTO] {
        try AccessPolicy.require(actor, .readDirectory)
        return try await OnCallPolicyModel.query(on: store.database).sort(\.$name).all().map(Self.dto)
    }

    public func onCallPolicy(_ id: UUID, by actor: Actor) async throws -> OnCallPolicyDTO {
        try AccessPolicy.require(actor, .readDirectory)
        guard let m = try await OnCallPolicyModel.find(id, on: store.database) else { throw DomainError.notFound("on-call policy") }
        return try Self.dto(m)
    }

    static func dto(_ m: OnCallPolicyModel) throws -> OnCallPolicyDTO {
        OnCallPolicyDTO(id: m.id!, input: try JSONDecoder().decode(OnCallPolicyInput.self, from: Data(m.definition.utf8)), createdAt: m.createdAt)
    }

    // MARK: Contact methods

    /// A person's own contact methods, or anyone's for those who manage users.
    public func addContactMethod(_ input: ContactMethodInput, userId: UUID, by actor: Actor, on db: any Database) async throws -> ContactMethodDTO {
        try requireSelfOrUserManager(userId, actor)
        guard try await UserModel.find(userId, on: db) != nil else { throw DomainError.notFound("user") }
        let address = input.address.trimmingCharacters(in: .whitespacesAndNewlines)
        switch input.type {
        case "email":
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard address.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !address.contains(where: \.isWhitespace) else {
                throw DomainError.invalid(field: "address", "not an e-mail address")
            }
        case "webhook", "slack":
            guard address.count <= 2_000, let url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                  url.host?.isEmpty == false else {
                throw DomainError.invalid(field: "address", "a \(input.type) address is an http(s) URL")
            }
        default:
            throw DomainError.invalid(field: "type", "must be email, webhook or slack")
        }
        if try await ContactMethodModel.query(on: db).filter(\.$userId == userId).filter(\.$type == input.type).filter(\.$address == address).first() != nil {
            throw DomainError.conflict("this contact method is already recorded")
        }
        let m = ContactMethodModel()
        m.id = UUID(); m.userId = userId; m.type = input.type; m.address = address; m.createdAt = now
        try await m.create(on: db)
        try await audit(actor, "create", "contact_method", m.id, "\(input.type) for \(userId)", on: db)
        return Self.dto(m)
    }

    public func contactMethods(of userId: UUID, by actor: Actor) async throws -> [ContactMethodDTO] {
        try requireSelfOrUserManager(userId, actor)
        return try await ContactMethodModel.query(on: store.database).filter(\.$userId == userId).sort(\.$createdAt).all().map(Self.dto)
    }

    public func deleteContactMethod(_ id: UUID, userId: UUID, by actor: Actor, on db: any Database) async throws {
        try requireSelfOrUserManager(userId, actor)
        guard let m = try await ContactMethodModel.find(id, on: db), m.userId == userId else { throw DomainError.notFound("contact method") }
        try await m.delete(on: db)
        try await audit(actor, "delete", "contact_method", id, "\(m.type) for \(userId)", on: db)
    }

    private func requireSelfOrUserManager(_ userId: UUID, _ actor: Actor) throws {
        if actor.userId != userId { try AccessPolicy.require(actor, .manageUsers) }
        guard actor.role.isStaff else { throw DomainError.forbidden("only support staff are paged") }
    }

    static func dto(_ m: ContactMethodModel) -> ContactMethodDTO {
        ContactMethodDTO(id: m.id!, userId: m.userId, type: m.type, address: m.address, createdAt: m.createdAt)
    }

    // MARK: Routing and paging

    static func onCallJobKey(_ incidentId: UUID) -> String { "oncall:\(incidentId.uuidString)" }

    /// Starts paging for a priority 1–2 ticket that arrives (or is escalated) outside its contract's support hours,
    /// when the contract has on-call, unless someone is already being paged for it.
    /// `loggedByRequester`: a requester's own priority is a claim N1 triages first, unless the contract pages before
    /// triage; a ticket logged, raised or escalated by staff pages as soon as it qualifies.
    func routeToOnCallIfNeeded(_ ticket: Ticket, loggedByRequester: Bool = false, on db: any Database) async throws {
        guard ticket.status.isOpen, let contract = try await activeContract(of: ticket.organizationId, on: db), contract.onCall,
              let policyId = contract.onCallPolicyId, ticket.priority <= .high else { return }
        if loggedByRequester && !contract.pageBeforeTriage { return }
        let calendar = try await contract.calendarId.asyncMap { try await self.calendar($0, on: db) } ?? nil
        guard contract.routesToOnCall(priority: ticket.priority, at: now, calendar: calendar) else { return }
        guard try await activeIncident(of: ticket.id, on: db) == nil else { return }
        // The incident refers to the ticket, which a grouped creation may not have written yet.
        try await TicketRepository.flushPendingCreations(on: db)
        let m = OnCallIncidentModel()
        m.id = UUID(); m.ticketId = ticket.id; m.policyId = policyId; m.state = "active"; m.step = 0; m.round = 0; m.createdAt = now
        try await m.create(on: db)
        try await JobQueue.schedule(key: Self.onCallJobKey(m.id!), kind: JobKind.onCallStep, at: now,
                                    payload: Self.payload(["incident": m.id!]), now: now, on: db)
    }

    func calendar(_ id: UUID, on db: any Database) async throws -> BusinessCalendar? {
        guard let c = try await CalendarModel.find(id, on: db) else { return nil }
        return try Self.input(c).calendar()
    }

    func activeIncident(of ticketId: UUID, on db: any Database) async throws -> OnCallIncidentModel? {
        try await OnCallIncidentModel.query(on: db).filter(\.$ticketId == ticketId).filter(\.$state == "active").first()
    }

    /// The paging of a ticket the actor may see (the latest), if any.
    public func incident(ofTicket ticket: Ticket, by actor: Actor) async throws -> OnCallIncidentDTO? {
        guard AccessPolicy.seesInternal(actor) else { return nil }
        guard let m = try await OnCallIncidentModel.query(on: store.database).filter(\.$ticketId == ticket.id).sort(\.$createdAt, .descending).first() else {
            return nil
        }
        return OnCallIncidentDTO(id: m.id!, ticketId: m.ticketId, policyId: m.policyId, state: m.state, step: m.step, round: m.round,
                                 acknowledgedBy: m.acknowledgedBy, acknowledgedAt: m.acknowledgedAt, acknowledgedVia: m.acknowledgedVia, createdAt: m.createdAt)
    }

    /// One step of a paging: page the step's people (the on-call person of each schedule, named users), then wait
    /// for the next step, a new pass, or the end.
    func runOnCallStep(_ job: Job) async throws {
        struct Payload: Decodable { let incident: UUID }
        let id = try Self.payload(Payload.self, of: job).incident
        try await complete(job) { db in
            guard let incident = try await OnCallIncidentModel.find(id, on: db), incident.state == "active",
                  let ticket = try await TicketRepository.find(incident.ticketId, scope: .all, on: db) else { return }
            guard let pm = try await OnCallPolicyModel.find(incident.policyId, on: db) else {
                incident.state = "exhausted"
                try await incident.save(on: db)
                return
            }
            let policy = try JSONDecoder().decode(OnCallPolicyInput.self, from: Data(pm.definition.utf8)).policy()
            if incident.step >= policy.steps.count {
                incident.state = "exhausted"
                try await incident.save(on: db)
                try await TicketRepository.appendSystem([TicketEvent(kind: .paged, actorId: nil, at: self.now, isPublic: false, field: "on_call",
                                                                     reason: PagingReason.exhausted(policy: pm.name).description)],
                                                        to: ticket.id, version: ticket.version, on: db)
                try await self.publish(.updated, ticket, isPublic: false, on: db)
                return
            }
            let step = policy.steps[incident.step]
            var people: [UUID] = []
            for target in step.targets {
                switch target {
                case let .user(u): people.append(u)
                case let .schedule(s):
                    if let m = try await OnCallScheduleModel.find(s, on: db), let who = try Self.schedule(m).onCall(at: self.now)?.userId { people.append(who) }
                }
            }
            var seen = Set<UUID>()
            people = people.filter { seen.insert($0).inserted }
            func why(nobody: Bool) -> String {
                PagingReason.step(policy: pm.name, step: incident.step + 1, steps: policy.steps.count, pass: incident.round + 1,
                                  passes: policy.repeats + 1, nobodyOnCall: nobody).description
            }
            let reason = why(nobody: false)
            let events = people.isEmpty
                ? [TicketEvent(kind: .paged, actorId: nil, at: self.now, isPublic: false, field: "on_call", reason: why(nobody: true))]
                : people.map { TicketEvent(kind: .paged, actorId: nil, at: self.now, isPublic: false, field: "on_call", newValue: $0.uuidString, reason: reason) }
            try await TicketRepository.appendSystem(events, to: ticket.id, version: ticket.version, on: db)
            for person in people {
                try await self.notify(person, about: ticket, event: .page, reason: reason, incidentId: incident.id, on: db)
            }
            let next = policy.next(afterStep: incident.step, round: incident.round, at: self.now)
            incident.step = next?.step ?? policy.steps.count
            incident.round = next?.round ?? incident.round
            try await incident.save(on: db)
            let at = next?.at ?? self.now.addingTimeInterval(TimeInterval(step.delayMinutes) * 60)
            try await JobQueue.schedule(key: Self.onCallJobKey(incident.id!), kind: JobKind.onCallStep, at: at,
                                        payload: Self.payload(["incident": incident.id!]), now: self.now, on: db)
            try await self.publish(.updated, ticket, isPublic: false, on: db)
        }
    }

    /// Stops the paging of a ticket and assigns it to whoever acknowledged.
    public func acknowledge(ticketId: UUID, by actor: Actor, on db: any Database) async throws -> Ticket {
        let ticket = try await self.ticket(ticketId, by: actor, forUpdate: true, on: db)
        guard actor.role.isStaff else { throw DomainError.forbidden("only support staff acknowledge pages") }
        guard let incident = try await activeIncident(of: ticket.id, on: db) else {
            throw DomainError.conflict("nothing to acknowledge: nobody is being paged for this ticket")
        }
        incident.state = "acknowledged"; incident.acknowledgedBy = actor.userId; incident.acknowledgedAt = now
        incident.acknowledgedVia = "acknowledge"
        try await incident.save(on: db)
        try await JobQueue.cancel(key: Self.onCallJobKey(incident.id!), on: db)
        var assigned = ticket
        var change = TicketChange()
        change.assigneeId = .some(actor.userId)
        let changes = try assigned.apply(change, matrix: try await priorityMatrix(on: db),
                                         contract: try await activeContract(of: ticket.organizationId, on: db), by: actor, at: now)
        let ack = TicketEvent(kind: .acknowledged, actorId: actor.userId, at: now, isPublic: false)
        if changes.isEmpty {
            try await TicketRepository.appendSystem([ack], to: ticket.id, version: ticket.version, on: db)
            try await publish(.updated, ticket, isPublic: false, on: db)
            return ticket
        }
        try await save(assigned, before: ticket, events: [ack] + changes, on: db)
        return assigned
    }

    /// A ticket handled while it is being paged — assigned to someone, answered publicly by staff, resolved or
    /// closed — ends the paging: nobody else is woken up for it. The acknowledgement records who and what ended it.
    func pagingEnded(by events: [TicketEvent], on ticket: Ticket, on db: any Database) async throws -> TicketEvent? {
        let handling = events.lazy.compactMap { e -> (via: String, actor: UUID?)? in
            switch e.kind {
            case .assigned where e.field == "assignee" && e.newValue != nil: ("assignment", e.actorId)
            case .statusChanged where e.newValue == TicketStatus.resolved.rawValue: ("resolution", e.actorId)
            case .statusChanged where e.newValue == TicketStatus.closed.rawValue: ("closure", e.actorId)
            case .reply where e.actorId != ticket.requesterId: ("reply", e.actorId)
            default: nil
            }
        }.first
        guard let handling, let incident = try await activeIncident(of: ticket.id, on: db) else { return nil }
        if handling.via == "reply" {
            // Only staff answering handles the ticket; a client manager's reply does not.
            guard let id = handling.actor, let user = try await UserModel.find(id, on: db), Role(rawValue: user.role)?.isStaff == true else { return nil }
        }
        incident.state = "acknowledged"; incident.acknowledgedBy = handling.actor; incident.acknowledgedAt = now
        incident.acknowledgedVia = handling.via
        try await incident.save(on: db)
        try await JobQueue.cancel(key: Self.onCallJobKey(incident.id!), on: db)
        return TicketEvent(kind: .acknowledged, actorId: handling.actor, at: now, isPublic: false, field: handling.via)
    }

    /// The link in a page that acknowledges without signing in: signed for this paging and this person.
    func acknowledgeURL(incidentId: UUID, userId: UUID) async throws -> String {
        let sig = try await sign("ack|\(incidentId.uuidString)|\(userId.uuidString)")
        return "\(config.publicURL)/oncall/ack/\(incidentId.uuidString)/\(userId.uuidString)/\(sig)"
    }

    /// What a signed link names, if its signature holds: the ticket it pages for.
    public func signedAcknowledgement(incidentId: UUID, userId: UUID, signature: String) async throws -> (ticketId: UUID, actor: Actor) {
        let expected = try await sign("ack|\(incidentId.uuidString)|\(userId.uuidString)")
        guard Hex.constantTimeEqual(signature, expected),
              let incident = try await OnCallIncidentModel.find(incidentId, on: store.database),
              let actor = try await resolveActor(userId: userId, on: store.database) else { throw DomainError.notFound("page") }
        return (incident.ticketId, actor)
    }

    // MARK: Notifications

    enum NotificationEvent: String, Codable {
        case page, escalation, reopened
        /// A ticket someone watches had a public reply or a status change by someone else.
        case watched

        var title: String {
            switch self {
            case .page: "Page"
            case .escalation: "Escalation"
            case .reopened: "Reopened"
            case .watched: "Update"
            }
        }
    }

    struct Delivery: Codable {
        var type: String
        var address: String
        var event: NotificationEvent
        var userId: UUID
        var userName: String
        var userEmail: String
        var ticketId: UUID
        var number: String
        var priority: Int
        var subject: String
        var organization: String
        var reason: String
        var acknowledgeURL: String?
        var ticketURL: String
    }

    /// Queues a message to every contact method of a person (each delivered, and retried, on its own).
    /// With `emailByDefault`, someone without a contact method is written to at their account's address.
    func notify(_ userId: UUID, about ticket: Ticket, event: NotificationEvent, reason: String, incidentId: UUID?,
                emailByDefault: Bool = false, on db: any Database) async throws {
        var methods = try await ContactMethodModel.query(on: db).filter(\.$userId == userId).all().map { (type: $0.type, address: $0.address) }
        guard let user = try await UserModel.find(userId, on: db) else { return }
        if methods.isEmpty, emailByDefault { methods = [("email", user.email)] }
        guard !methods.isEmpty else { return }
        let organization = try await OrganizationModel.find(ticket.organizationId, on: db)?.name ?? ""
        let ack = try await incidentId.asyncMap { try await self.acknowledgeURL(incidentId: $0, userId: userId) }
        for m in methods {
            let d = Delivery(type: m.type, address: m.address, event: event, userId: userId, userName: user.name, userEmail: user.email,
                             ticketId: ticket.id, number: ticket.number, priority: ticket.priority.rawValue, subject: ticket.subject,
                             organization: organization, reason: reason, acknowledgeURL: ack,
                             ticketURL: "\(config.publicURL)/tickets/\(ticket.number)")
            try await JobQueue.schedule(key: "deliver:\(UUID().uuidString)", kind: JobKind.deliver, at: now, payload: Self.payload(d),
                                        maxAttempts: 6, now: now, on: db)
        }
    }

    /// Delivers one message. E-mail goes to the mail outbox (sent by its own job); hooks are POSTed, and a
    /// failure is retried with backoff by the scheduler.
    func runDelivery(_ job: Job) async throws {
        let d = try Self.payload(Delivery.self, of: job)
        let title = "\(d.event.title): P\(d.priority) \(d.number) \(d.subject) (\(d.organization))"
        switch d.type {
        case "email":
            let body = [title, "", d.reason, "", "Ticket: \(d.ticketURL)", d.acknowledgeURL.map { "Acknowledge: \($0)" }].compactMap { $0 }.joined(separator: "\n")
            try await complete(job) { db in
                try await self.enqueueMail(MailDraft(kind: d.event.rawValue, ticketId: d.ticketId, ticketNumber: d.number, recipientId: d.userId, to: d.address,
                                                     subject: "[\(d.number)] \(d.event.title): P\(d.priority) \(d.subject) (\(d.organization))", text: body, html: nil, language: nil), on: db)
            }
        case "webhook", "slack":
            guard let outbound, let url = URL(string: d.address) else { throw DeliveryError.noTransport }
            let body: Data
            if d.type == "slack" {
                var text = "*\(title)*\n\(d.reason)\n<\(d.ticketURL)|Open the ticket>"
                if let ack = d.acknowledgeURL { text += " · <\(ack)|Acknowledge>" }
                body = try JSONSerialization.data(withJSONObject: ["text": text], options: [.sortedKeys])
            } else {
                var payload: [String: Any] = [
                    "event": d.event.rawValue, "delivery_id": job.id.uuidString, "reason": d.reason,
                    "ticket": ["id": d.ticketId.uuidString, "number": d.number, "priority": d.priority, "subject": d.subject,
                               "organization": d.organization, "url": d.ticketURL],
                    "on_call_user": ["id": d.userId.uuidString, "name": d.userName, "email": d.userEmail],
                ]
                if let ack = d.acknowledgeURL { payload["acknowledge_url"] = ack }
                body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
            }
            let signature = try await sign(body)
            let status = try await outbound.post(json: body, to: url, headers: [
                ("X-Escale-Delivery", job.id.uuidString), ("X-Escale-Signature", "sha256=\(signature)"),
            ])
            guard (200..<300).contains(status) else { throw DeliveryError.status(status) }
            try await complete(job) { _ in }
        default:
            throw DeliveryError.unknownType(d.type)
        }
    }

    enum DeliveryError: Error, CustomStringConvertible {
        case noTransport, status(Int), unknownType(String)
        var description: String {
            switch self {
            case .noTransport: "no outbound HTTP transport is configured"
            case let .status(s): "the receiver answered HTTP \(s)"
            case let .unknownType(t): "unknown contact method type \(t)"
            }
        }
    }

    /// A job that failed for good: a delivery's failure goes on its ticket's timeline.
    func gaveUp(_ job: Job, error: String) async {
        if job.kind == JobKind.mailSend { return await mailGaveUp(job, error: error) }
        guard job.kind == JobKind.deliver, let d = try? Self.payload(Delivery.self, of: job) else { return }
        _ = try? await store.write { db in
            guard let ticket = try await TicketRepository.find(d.ticketId, scope: .all, on: db) else { return }
            try await TicketRepository.appendSystem([TicketEvent(kind: .deliveryFailed, actorId: nil, at: self.now, isPublic: false, field: d.type,
                                                                 newValue: d.userId.uuidString, reason: String(error.prefix(500)))],
                                                    to: ticket.id, version: ticket.version, on: db)
            try await self.publish(.updated, ticket, isPublic: false, on: db)
        }
    }

    // MARK: Signatures

    /// HMAC-SHA256 with the server's key, in hex.
    func sign(_ text: String) async throws -> String { try await sign(Data(text.utf8)) }

    func sign(_ data: Data) async throws -> String {
        let key = try await signingKey()
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    /// Loads (making it on a first start) the signing key, before the instance serves: made later, inside a command's
    /// transaction, it would need a write of its own while that transaction holds SQLite's single writer.
    public func loadSigningKey() async throws {
        _ = try await signingKey()
    }

    func signingKey() async throws -> [UInt8] {
        if let key = secrets.withLock({ $0 }) { return key }
        let key = try await Settings.signingKey(store: store)
        secrets.withLock { $0 = key }
        return key
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
