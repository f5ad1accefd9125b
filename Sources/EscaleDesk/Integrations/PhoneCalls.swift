import EscaleAPI
import EscaleCTI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// The PBX-facing side of the phone channel and the call log: each CTI event updates its call (created by
/// whichever event comes first; a repeated event changes nothing), the caller is found by number, the agent who
/// answered is told live, and a call attached to a ticket leaves its talked time there.
public struct PhoneCalls: Sendable {
    let desk: Desk

    /// One PBX event, in one transaction. Answers the call as it now stands.
    /// Returns the call's id (the PBX is answered `{}`: no need to build the call's view).
    @discardableResult
    public func receive(_ event: CTIEvent, integration: IntegrationModel) async throws -> UUID {
        let now = desk.now
        let external = PhoneNumber.e164(event.externalNumber)
        let caller = try await lookup(e164: external)
        let answeredBy = event.event == .answer ? try await answeringAgent(number: event.answeringNumber, names: event.users) : nil
        let call = try await desk.store.write { db -> CallModel in
            let existing = try await CallModel.query(on: db).filter(\.$integrationId == integration.id!).filter(\.$callId == event.callId).first()
            let call = existing ?? CallModel()
            var state: PhoneCallState
            let wasAnswered = existing?.answeredAt != nil
            if let existing {
                state = PhoneCallState(status: PhoneCallState.Status(rawValue: existing.status) ?? .ringing, inbound: existing.direction == "in",
                                       startedAt: existing.startedAt, answeredAt: existing.answeredAt, endedAt: existing.endedAt, cause: existing.cause)
                state.apply(event.state, at: now)
            } else {
                state = PhoneCallState.start(event.state, inbound: event.inbound, at: now)
                call.id = UUID(); call.integrationId = integration.id!; call.callId = event.callId; call.direction = event.inbound ? "in" : "out"
                call.fromNumber = event.from; call.toNumber = event.to; call.externalE164 = external; call.timeLogged = false
                call.userId = caller.user; call.organizationId = caller.organization ?? integration.organizationId
            }
            if call.queue == nil, let q = event.queue { call.queue = q }
            if answeredBy != nil, call.answeredBy == nil { call.answeredBy = answeredBy }
            if !event.users.isEmpty, call.answeredByNames == nil, event.event == .answer || !event.inbound {
                call.answeredByNames = event.users.joined(separator: ", ")
            }
            call.status = state.status.rawValue; call.cause = state.cause; call.startedAt = state.startedAt; call.answeredAt = state.answeredAt
            call.endedAt = state.endedAt; call.durationSeconds = state.durationSeconds; call.updatedAt = now
            try await call.save(on: db)
            if state.endedAt != nil, let ticket = call.ticketId { try await self.logTime(call, ticketId: ticket, on: db) }
            try await self.desk.integrations.record(integration, outcome: "accepted", status: 200, detail: "\(event.event.rawValue) \(event.callId)",
                                                   events: 1, bodySHA: nil, tickets: [], on: db)
            if !wasAnswered, state.answeredAt != nil, let agent = call.answeredBy { try await self.desk.publishCall(call.id!, to: agent, on: db) }
            return call
        }
        return call.id!
    }

    /// The caller's account or organization by their number's E.164 form (an active user first).
    func lookup(e164: String?) async throws -> (user: UUID?, organization: UUID?) {
        guard let e164 else { return (nil, nil) }
        let db = desk.store.database
        if let u = try await UserModel.query(on: db).filter(\.$phoneE164 == e164).filter(\.$active == true).sort(\.$createdAt).first() {
            return (u.id, u.organizationId)
        }
        if let o = try await OrganizationModel.query(on: db).filter(\.$phoneE164 == e164).filter(\.$active == true).first() { return (nil, o.id) }
        return (nil, nil)
    }

    /// Who picked up: `answeringNumber` read as an extension or number, an e-mail address, a user id, then the
    /// names in `user[]` — support staff only.
    func answeringAgent(number: String?, names: [String]) async throws -> UUID? {
        let db = desk.store.database
        let staff = [Role.agent, .supervisor, .admin].map(\.rawValue)
        if let n = number?.trimmingCharacters(in: .whitespaces), !n.isEmpty {
            if let id = UUID(uuidString: n), let u = try await UserModel.find(id, on: db), staff.contains(u.role), u.active { return u.id }
            if n.contains("@"), let u = try await UserModel.query(on: db).filter(\.$email == n.lowercased()).filter(\.$role ~~ staff).filter(\.$active == true).first() {
                return u.id
            }
            if let e = PhoneNumber.e164(n), let u = try await UserModel.query(on: db).filter(\.$phoneE164 == e).filter(\.$role ~~ staff).filter(\.$active == true).first() {
                return u.id
            }
        }
        for name in names {
            if let u = try await UserModel.query(on: db).filter(\.$name == name).filter(\.$role ~~ staff).filter(\.$active == true).first() { return u.id }
        }
        return nil
    }

    // MARK: The call log

    public struct Filter: Sendable {
        public var status: String?
        public var queue: String?
        public var callbackPending: Bool
        public var limit: Int
        public init(status: String? = nil, queue: String? = nil, callbackPending: Bool = false, limit: Int = 100) {
            self.status = status; self.queue = queue; self.callbackPending = callbackPending; self.limit = limit
        }
    }

    /// Support staff read the calls of the organizations they serve, and calls nobody could place.
    public func list(_ filter: Filter, by actor: Actor) async throws -> [CallDTO] {
        try AccessPolicy.require(actor, .workTickets)
        let q = CallModel.query(on: desk.store.database).sort(\.$startedAt, .descending).limit(filter.limit)
        if let s = filter.status { q.filter(\.$status == s) }
        if let queue = filter.queue { q.filter(\.$queue == queue) }
        if filter.callbackPending { q.filter(\.$status == "missed").filter(\.$callbackDoneAt == nil) }
        if case let .only(ids) = AccessPolicy.organizationScope(of: actor) {
            q.group(.or) { g in
                g.filter(\.$organizationId == nil)
                if !ids.isEmpty { g.filter(\.$organizationId ~~ Array(ids)) }
            }
        }
        return try await dtos(try await q.all())
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> CallDTO {
        try await dto(try await visible(id, by: actor, on: desk.store.database))
    }

    /// Attaches the call to a ticket the actor may work on: an internal entry on its timeline and, once the call
    /// has ended, its talked time as time spent.
    public func attach(_ id: UUID, to ticketId: UUID, by actor: Actor) async throws -> CallDTO {
        // Names are read after the write: inside it, SQLite's pool may have no other connection.
        try await dto(try await desk.store.write { db in try await self.attach(id, to: ticketId, by: actor, on: db) })
    }

    func attach(_ id: UUID, to ticketId: UUID, by actor: Actor, on db: any Database) async throws -> CallModel {
        let call = try await visible(id, by: actor, on: db)
        let ticket = try await desk.ticket(ticketId, by: actor, forUpdate: true, on: db)
        if let current = call.ticketId, current != ticket.id {
            throw DomainError.conflict("this call is already attached to another ticket")
        }
        if call.ticketId == nil {
            call.ticketId = ticket.id; call.updatedAt = desk.now
            try await call.update(on: db)
            let event = TicketEvent(kind: .call, actorId: actor.userId, at: desk.now, isPublic: false,
                                    body: "\(call.fromNumber) → \(call.toNumber)", field: call.direction, newValue: call.id!.uuidString)
            try await TicketRepository.appendSystem([event], to: ticket.id, version: ticket.version, on: db)
            try await desk.publish(.updated, ticket, isPublic: false, on: db)
        }
        if call.endedAt != nil { try await logTime(call, ticketId: ticket.id, on: db) }
        return call
    }

    /// A new ticket from the call: its caller as requester when known, the channel `phone`, and the moment the
    /// call started as the time of the incident; then attached.
    public func openTicket(_ id: UUID, _ input: TicketInput, by actor: Actor) async throws -> (Ticket, CallDTO) {
        try AccessPolicy.require(actor, .workTickets)
        let call = try await visible(id, by: actor, on: desk.store.database)
        var input = input
        input.channel = .phone
        input.occurredAt = input.occurredAt ?? call.startedAt
        if input.requesterId == nil, input.organizationId == nil {
            if let u = call.userId { input.requesterId = u } else { input.organizationId = call.organizationId }
        }
        if input.requesterId == nil, input.organizationId == nil {
            throw DomainError.invalid(field: "organization_id", "the caller is unknown: name the organization or the requester")
        }
        if input.assigneeId == nil, call.answeredBy == actor.userId { input.assigneeId = actor.userId }
        let prepared = try await desk.prepareTicket(input, by: actor, defaultChannel: .phone)
        let (ticket, attached) = try await desk.store.write { db in
            let ticket = try await self.desk.createTicket(prepared, by: actor, on: db)
            try await TicketRepository.flushPendingCreations(on: db)
            let call = try await self.attach(id, to: ticket.id, by: actor, on: db)
            return (try await TicketRepository.find(ticket.id, scope: .all, on: db) ?? ticket, call)
        }
        return (ticket, try await dto(attached))
    }

    /// A missed call was called back (or not yet, `done: false`).
    public func markCallback(_ id: UUID, done: Bool, by actor: Actor) async throws -> CallDTO {
        let call = try await desk.store.write { db in
            let call = try await self.visible(id, by: actor, on: db)
            call.callbackDoneAt = done ? self.desk.now : nil; call.callbackDoneBy = done ? actor.userId : nil; call.updatedAt = self.desk.now
            try await call.update(on: db)
            return call
        }
        return try await dto(call)
    }

    /// The ticket's talked time, logged once, by whoever answered (else the desk's own account of the integration).
    func logTime(_ call: CallModel, ticketId: UUID, on db: any Database) async throws {
        guard !call.timeLogged, let answered = call.answeredAt, let ended = call.endedAt else { return }
        let state = PhoneCallState(status: .ended, inbound: call.direction == "in", startedAt: call.startedAt, answeredAt: answered, endedAt: ended)
        guard let minutes = state.minutesSpent, var ticket = try await TicketRepository.find(ticketId, scope: .all, forUpdate: true, on: db) else { return }
        let integration = try await IntegrationModel.find(call.integrationId, on: db)
        guard let who = call.answeredBy ?? integration?.userId else { return }
        let before = ticket
        let words = DeskWords(language: try await desk.language(ofOrganization: ticket.organizationId, on: db))
        let event = try ticket.logWork(minutes: minutes, note: words.phoneCall(call.fromNumber, call.toNumber), by: Actor(userId: who, role: .agent), at: desk.now)
        try await desk.save(ticket, before: before, events: [event], on: db)
        call.timeLogged = true
        try await call.update(on: db)
    }

    func visible(_ id: UUID, by actor: Actor, on db: any Database) async throws -> CallModel {
        try AccessPolicy.require(actor, .workTickets)
        guard let call = try await CallModel.find(id, on: db) else { throw DomainError.notFound("call") }
        if let org = call.organizationId, !AccessPolicy.organizationScope(of: actor).contains(org) { throw DomainError.notFound("call") }
        return call
    }

    func dto(_ call: CallModel) async throws -> CallDTO {
        try await dtos([call])[0]
    }

    func dtos(_ calls: [CallModel]) async throws -> [CallDTO] {
        let users = Set(calls.flatMap { [$0.userId, $0.answeredBy].compactMap { $0 } })
        let names = try await desk.names(users: users, organizations: [], groups: [])
        let tickets = try await TicketRepository.find(ids: Array(Set(calls.compactMap(\.ticketId))), scope: .all, on: desk.store.database)
        return calls.map { c in
            CallDTO(id: c.id!, integrationId: c.integrationId, callId: c.callId, direction: c.direction, from: c.fromNumber, to: c.toNumber,
                    queue: c.queue, status: c.status, cause: c.cause, userId: c.userId, userName: names.user(c.userId),
                    organizationId: c.organizationId, organizationName: names.organization(c.organizationId), answeredBy: c.answeredBy,
                    answeredByName: names.user(c.answeredBy) ?? c.answeredByNames, startedAt: c.startedAt, answeredAt: c.answeredAt,
                    endedAt: c.endedAt, durationSeconds: c.durationSeconds, ticketId: c.ticketId, ticketNumber: c.ticketId.flatMap { tickets[$0]?.number },
                    callbackDoneAt: c.callbackDoneAt, callbackDoneBy: c.callbackDoneBy)
        }
    }
}

extension CTIEvent {
    var state: PhoneCallState.Event {
        switch event {
        case .newCall: .newCall
        case .answer: .answer
        case .hangup: .hangup(cause: cause)
        }
    }

    var inbound: Bool { direction == .in }
}

extension Desk {
    /// Tells the agent who answered, on every instance, once committed.
    func publishCall(_ callId: UUID, to userId: UUID, on db: any Database) async throws {
        let call = LiveCall(callId: callId, userId: userId)
        let live = live
        try await store.notify(LiveEvent.channel, call.payload, on: db) { live.publish(payload: $0) }
    }

    /// The phone channel's use cases.
    public var phoneCalls: PhoneCalls { PhoneCalls(desk: self) }
}
