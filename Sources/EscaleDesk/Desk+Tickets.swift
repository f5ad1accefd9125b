import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

extension Desk {
    /// A ticket ready to be written: validated, with everything it depends on already read.
    public struct PreparedTicket: Sendable {
        let draft: TicketDraft
        let contract: Contract?
        let matrix: PriorityMatrix
        /// Named by staff, or routed (`GroupRouting`).
        let group: (id: UUID, tier: Tier)?
        /// The desk chose the group, nobody named it.
        let routed: Bool
        let assigneeId: UUID?

        /// The same ticket for a requester of the same organization created in the writing transaction (a caller
        /// added on the spot), so the caller and their ticket are written together or not at all.
        public func forRequester(_ user: UserDTO) -> PreparedTicket {
            precondition(user.organizationId == draft.organizationId, "a caller of another organization")
            var d = draft
            d.requesterId = user.id
            return PreparedTicket(draft: d, contract: contract, matrix: matrix, group: group, routed: routed, assigneeId: assigneeId)
        }
    }

    /// Reads and checks what a new ticket depends on (requester, organization, category, contract, matrix) outside
    /// the write transaction, so the single SQLite writer is held only for writes.
    public func prepareTicket(_ input: TicketInput, by actor: Actor, defaultChannel: Channel = .api) async throws -> PreparedTicket {
        let db = store.database
        let (requesterId, organizationId) = try await resolveRequester(input, by: actor, on: db)
        if try await directory().organization(organizationId)?.active == false {
            if !actor.role.isStaff { throw DomainError.forbidden("your organization's support has ended: no new requests can be opened") }
            throw DomainError.invalid(field: "organization_id", "that organization is deactivated: reactivate it to open tickets for it")
        }
        var category: ServiceCategory?
        if let key = input.category { category = try await self.category(key, on: db) }
        let draft = TicketDraft(
            type: input.type ?? .incident, subject: input.subject, description: input.description, requesterId: requesterId,
            organizationId: organizationId, channel: input.channel ?? defaultChannel, category: category, impact: input.impact,
            urgency: input.urgency, occurredAt: input.occurredAt, tags: input.tags ?? [])
        var group: (id: UUID, tier: Tier)?
        if let g = input.groupId {
            group = try await groupServingTicket(g, organizationId: organizationId, on: db)
        } else {
            group = try await routedGroup(for: .n1, organizationId: organizationId)
        }
        if let a = input.assigneeId {
            try await assignableStaff(a, on: db)
            let tier = group?.tier ?? .n1
            group = try await groupFollowing(assignee: a, current: group?.id, explicit: input.groupId != nil, tier: tier,
                                             organizationId: organizationId, on: db).map { ($0, tier) }
        }
        let prepared = PreparedTicket(draft: draft, contract: try await activeContract(of: organizationId, on: db), matrix: try await priorityMatrix(on: db),
                                      group: group, routed: input.groupId == nil, assigneeId: input.assigneeId)
        // Validate now, so a refused ticket never takes the write lock nor burns a number.
        _ = try Ticket.open(draft, id: UUID(), seq: 1, matrix: prepared.matrix, contract: prepared.contract, by: actor.userId, at: now)
        return prepared
    }

    /// Writes a prepared ticket, its `created` event and its search document.
    public func createTicket(_ prepared: PreparedTicket, by actor: Actor, on db: any Database) async throws -> Ticket {
        let seq = try await TicketRepository.nextSeq(on: db)
        var (ticket, created) = try Ticket.open(prepared.draft, id: UUID(), seq: seq, matrix: prepared.matrix, contract: prepared.contract, by: actor.userId, at: now)
        let placed = ticket.place(group: prepared.group, routed: prepared.routed, assigneeId: prepared.assigneeId, by: actor.userId, at: now)
        let clocks = try await refreshSLA(ticket, created: true, on: db).recorded
        try await TicketRepository.insertNew(ticket, events: [created] + placed + clocks, on: db)
        // Someone took it as it arrived (a call answered): nobody needs paging.
        if ticket.assigneeId == nil { try await routeToOnCallIfNeeded(ticket, loggedByRequester: !actor.role.isStaff, on: db) }
        try await publish(.created, ticket, isPublic: true, on: db)
        return ticket
    }

    /// Tells live pages, on every instance, once the transaction has committed (never for a change that rolled back).
    func publish(_ kind: LiveEvent.Kind, _ ticket: Ticket, isPublic: Bool, notify: Bool = true, on db: any Database) async throws {
        let event = LiveEvent(kind: kind, ticketId: ticket.id, number: ticket.number, organizationId: ticket.organizationId,
                              requesterId: ticket.requesterId, isPublic: isPublic, version: ticket.version)
        let live = live
        try await store.notify(LiveEvent.channel, event.payload, on: db) { live.publish(payload: $0) }
        if notify { try await scheduleNotifications(ticket, on: db) }
    }

    private func resolveRequester(_ input: TicketInput, by actor: Actor, on db: any Database) async throws -> (UUID, UUID) {
        if !actor.role.isStaff {
            // How a ticket arrived, what kind it is, its tags and who handles it are the desk's to say; a requester
            // states the problem, its impact and urgency, and when it started.
            let set: [(String, Bool)] = [("channel", input.channel != nil), ("type", input.type != nil), ("tags", input.tags != nil),
                                         ("group_id", input.groupId != nil), ("assignee_id", input.assigneeId != nil)]
            if let field = set.first(where: \.1)?.0 { throw DomainError.forbidden("\(field) is set by support staff, not by requesters") }
        }
        switch actor.role {
        case .requester:
            guard let org = actor.organizationId else { throw DomainError.forbidden("your account has no organization") }
            if let r = input.requesterId, r != actor.userId { throw DomainError.forbidden("requesters open tickets for themselves") }
            if let o = input.organizationId, o != org { throw DomainError.invalid(field: "organization_id", "unknown organization") }
            return (actor.userId, org)
        case .clientManager:
            guard let org = actor.organizationId else { throw DomainError.forbidden("your account has no organization") }
            if let o = input.organizationId, o != org { throw DomainError.invalid(field: "organization_id", "unknown organization") }
            guard let r = input.requesterId, r != actor.userId else { return (actor.userId, org) }
            guard let user = try await UserModel.find(r, on: db), user.organizationId == org else {
                throw DomainError.invalid(field: "requester_id", "unknown requester")
            }
            return (r, org)
        case .agent, .supervisor, .admin:
            func served(_ org: UUID) -> Bool { AccessPolicy.organizationScope(of: actor).contains(org) }
            if let r = input.requesterId {
                guard let user = try await UserModel.find(r, on: db), user.active else { throw DomainError.invalid(field: "requester_id", "unknown requester") }
                guard let org = user.organizationId ?? input.organizationId else {
                    throw DomainError.invalid(field: "organization_id", "the requester belongs to no organization: name one")
                }
                if let o = input.organizationId, o != org {
                    throw DomainError.invalid(field: "organization_id", "the requester belongs to another organization")
                }
                guard served(org), try await organizationExists(org, on: db) else { throw DomainError.invalid(field: "organization_id", "unknown organization") }
                return (r, org)
            }
            guard let org = input.organizationId else {
                throw DomainError.invalid(field: "organization_id", "staff must name the requester_id or the organization_id")
            }
            guard served(org), try await organizationExists(org, on: db) else { throw DomainError.invalid(field: "organization_id", "unknown organization") }
            return (actor.userId, org)
        }
    }

    /// A ticket the actor may see, or not-found (the same answer for another tenant's ticket and a missing one).
    public func ticket(_ id: UUID, by actor: Actor, forUpdate: Bool = false, on db: (any Database)? = nil) async throws -> Ticket {
        guard let t = try await TicketRepository.find(id, scope: AccessPolicy.ticketScope(of: actor), forUpdate: forUpdate, on: db ?? store.database) else {
            throw DomainError.notFound("ticket")
        }
        return t
    }

    public func listTickets(_ filter: TicketFilter, by actor: Actor) async throws -> [Ticket] {
        try await TicketRepository.list(filter, scope: AccessPolicy.ticketScope(of: actor), on: store.database)
    }

    /// Applies a PATCH. `expectedVersion` comes from `If-Match`; a stale one is refused, never silently overwritten.
    public func updateTicket(_ id: UUID, _ patch: TicketPatch, expectedVersion: Int, by actor: Actor, on db: any Database) async throws -> Ticket {
        var ticket = try await self.ticket(id, by: actor, forUpdate: true, on: db)
        // Refused before any lookup, so a requester cannot probe which groups, agents or tickets exist.
        if !actor.role.isStaff && (patch.groupId != nil || patch.assigneeId != nil || patch.parentId != nil || patch.category != nil) {
            throw DomainError.forbidden("requesters may only confirm a resolution or reopen their ticket")
        }
        guard ticket.version == expectedVersion else { throw DomainError.versionConflict(current: ticket.version) }
        var change = TicketChange()
        change.subject = patch.subject
        change.description = patch.description
        change.type = patch.type
        change.impact = patch.impact
        change.urgency = patch.urgency
        change.major = patch.major
        change.status = patch.status
        change.occurredAt = patch.occurredAt
        change.estimatedMinutes = patch.estimatedMinutes
        change.tags = patch.tags
        if let c = patch.category {
            if let key = c { change.category = .some(try await self.category(key, on: db)) } else { change.category = .some(nil) }
        }
        if let g = patch.groupId {
            if let g {
                let group = try await groupServingTicket(g, organizationId: ticket.organizationId, on: db)
                if group.tier != ticket.tier, patch.assigneeId == nil || ticket.assigneeId != nil {
                    // Moving to another tier is an escalation, which needs a reason and resets ownership.
                    throw DomainError.invalid(field: "group_id", "that group works at \(group.tier.label), not \(ticket.tier.label): escalate the ticket to move it there")
                }
            }
            change.groupId = .some(g)
        }
        if let a = patch.assigneeId {
            if let a {
                try await assignableStaff(a, on: db)
                let explicit = patch.groupId != nil
                let current = explicit ? (patch.groupId ?? nil) : ticket.groupId
                let group = try await groupFollowing(assignee: a, current: current, explicit: explicit, tier: ticket.tier,
                                                     organizationId: ticket.organizationId, on: db)
                if group != ticket.groupId { change.groupId = .some(group) }
            }
            change.assigneeId = .some(a)
        }
        if let p = patch.parentId {
            if let p {
                _ = try await self.ticket(p, by: actor, on: db)
                try await checkParent(of: ticket.id, to: p, on: db)
            }
            change.parentId = .some(p)
        }
        let contract = try await activeContract(of: ticket.organizationId, on: db)
        let before = ticket
        let events = try ticket.apply(change, matrix: try await priorityMatrix(on: db), contract: contract, by: actor, at: now)
        try await save(ticket, before: before, events: events, on: db)
        if ticket.parentId != before.parentId { try await syncParentLink(of: ticket, by: actor, on: db) }
        // Staff raising the priority is triage: a ticket that now qualifies pages on-call.
        if ticket.priority < before.priority { try await routeToOnCallIfNeeded(ticket, on: db) }
        return ticket
    }

    /// A public reply or an internal note, optionally with attachments uploaded beforehand.
    public func comment(on id: UUID, _ input: CommentInput, files: [StoredFile] = [], by actor: Actor, on db: any Database) async throws -> (id: UUID, event: TicketEvent, attachments: [AttachmentModel]) {
        let ticket = try await self.ticket(id, by: actor, forUpdate: true, on: db)
        return try await comment(on: ticket, input, files: files, by: actor, on: db)
    }

    /// A comment on a ticket already read (`FOR UPDATE`) by whoever decided the actor may write on it: the scoped
    /// read above, or the mail intake (`InboundMail.mayWrite`). `via` and `quoted` say it came by e-mail.
    func comment(on loaded: Ticket, _ input: CommentInput, files: [StoredFile] = [], quoted: String? = nil, via: Channel? = nil,
                 by actor: Actor, on db: any Database) async throws -> (id: UUID, event: TicketEvent, attachments: [AttachmentModel]) {
        var ticket = loaded
        try await refuseIfMerged(ticket, on: db)
        let before = ticket
        var event = try ticket.comment(body: input.body, isPublic: input.isPublic, by: actor, at: now)
        if let via { event.field = via.rawValue }
        event.quoted = quoted
        var events = [event]
        // The requester writing back about a resolved ticket means it is not solved: it reopens, and whoever handled
        // it is told.
        let reopens = !actor.role.isStaff && before.status == .resolved
        if reopens {
            var reopen = TicketChange()
            reopen.status = .inProgress
            events += try ticket.apply(reopen, matrix: try await priorityMatrix(on: db),
                                       contract: try await activeContract(of: ticket.organizationId, on: db), by: actor, at: now)
        }
        let ids = try await save(ticket, before: before, events: events, on: db)
        if reopens, let assignee = ticket.assigneeId {
            try await notify(assignee, about: ticket, event: .reopened, reason: "The requester wrote back about a resolved ticket: it is open again.",
                             incidentId: nil, on: db)
        }
        try await SearchIndex.indexComment(ticketSeq: ticket.seq, body: event.body ?? "", isInternal: !event.isPublic, on: db)
        var linked: [AttachmentModel] = []
        for attachmentId in Set(input.attachmentIds ?? []) {
            guard let a = try await AttachmentModel.find(attachmentId, on: db), a.ticketId == ticket.id, a.eventId == nil, a.uploadedBy == actor.userId else {
                throw DomainError.invalid(field: "attachment_ids", "unknown attachment (upload it to this ticket first)")
            }
            a.eventId = ids[0]
            a.isPublic = event.isPublic
            try await a.save(on: db)
            linked.append(a)
        }
        for f in files { linked.append(try await attach(f, to: ticket.id, event: ids[0], isPublic: event.isPublic, by: actor, on: db)) }
        return (ids[0], event, linked)
    }

    public func escalate(_ id: UUID, _ input: EscalateInput, by actor: Actor, on db: any Database) async throws -> Ticket {
        var ticket = try await self.ticket(id, by: actor, forUpdate: true, on: db)
        guard AccessPolicy.canEscalate(actor, from: ticket.tier) else {
            throw DomainError.forbidden("only agents working at tier \(ticket.tier.label) or above, supervisors and admins may escalate this ticket")
        }
        var group: (id: UUID, tier: Tier)?
        if let g = input.groupId {
            group = try await groupServingTicket(g, organizationId: ticket.organizationId, on: db)
        } else {
            // Escalated "by tier": the organization's group of that tier takes it, when one stands out.
            group = try await routedGroup(for: input.tier, organizationId: ticket.organizationId, on: db)
        }
        let before = ticket
        let events = try ticket.escalate(to: input.tier, reason: input.reason, group: group, by: actor, at: now)
        try await save(ticket, before: before, events: events, on: db)
        try await routeToOnCallIfNeeded(ticket, on: db)
        return ticket
    }

    public func logWork(on id: UUID, _ input: WorkLogInput, by actor: Actor, on db: any Database) async throws -> (id: UUID, event: TicketEvent) {
        var ticket = try await self.ticket(id, by: actor, forUpdate: true, on: db)
        let before = ticket
        let event = try ticket.logWork(minutes: input.minutes, note: input.note, by: actor, at: now)
        let ids = try await save(ticket, before: before, events: [event], on: db)
        return (ids[0], event)
    }

    /// The timeline the actor may read: internal entries only for staff.
    public func timeline(of id: UUID, by actor: Actor) async throws -> [EventDTO] {
        try await timeline(of: try await self.ticket(id, by: actor), by: actor)
    }

    /// The timeline of a ticket the caller has already read through its scope.
    public func timeline(of ticket: Ticket, by actor: Actor) async throws -> [EventDTO] {
        let db = store.database
        let staff = AccessPolicy.seesInternal(actor)
        let events = try await TicketRepository.timeline(of: ticket.id, includeInternal: staff, on: db)
        let files = try await AttachmentModel.query(on: db).filter(\.$ticketId == ticket.id).all()
        let byEvent = Dictionary(grouping: files.filter { $0.eventId != nil && (staff || $0.isPublic) }, by: { $0.eventId! })
        return events.map { EventDTO(id: $0.id, ticketId: ticket.id, event: $0.event, attachments: (byEvent[$0.id] ?? []).map(Self.dto)) }
    }

    /// Time spent per agent, from the work-log entries of the timeline.
    public func timeSpent(on id: UUID, by actor: Actor) async throws -> [(agentId: UUID, minutes: Int)] {
        let db = store.database
        let ticket = try await self.ticket(id, by: actor, on: db)
        try AccessPolicy.require(actor, .workTickets)
        var perAgent: [UUID: Int] = [:]
        for (_, e) in try await TicketRepository.timeline(of: ticket.id, includeInternal: true, on: db) where e.kind == .workLogged {
            if let a = e.actorId { perAgent[a, default: 0] += e.minutes ?? 0 }
        }
        return perAgent.map { ($0.key, $0.value) }.sorted { $0.minutes > $1.minutes }
    }

    public func search(_ query: String, limit: Int, by actor: Actor) async throws -> [(ticket: Ticket, score: Double)] {
        guard !SearchText.terms(query).isEmpty else {
            throw DomainError.invalid(field: "q", "give at least one word to search for")
        }
        return try await SearchIndex.search(query, scope: AccessPolicy.ticketScope(of: actor), includeInternal: AccessPolicy.seesInternal(actor), limit: limit, on: store.database)
    }

    /// Persists a changed ticket and its events under optimistic concurrency; re-indexes text that changed.
    @discardableResult
    func save(_ ticket: Ticket, before: Ticket, events: [TicketEvent], on db: any Database) async throws -> [UUID] {
        guard ticket.version != before.version else { return [] }
        guard try await TicketRepository.update(ticket, expectedVersion: before.version, on: db) else {
            throw DomainError.versionConflict(current: before.version + 1)
        }
        var events = events
        if let ended = try await pagingEnded(by: events, on: ticket, on: db) { events.append(ended) }
        let ids = try await TicketRepository.append(events, to: ticket.id, version: ticket.version, on: db)
        try await notifyWatchers(ticket, events: events, on: db)
        if ticket.subject != before.subject || ticket.description != before.description {
            try await SearchIndex.reindexTicket(ticket, on: db)
        }
        try await refreshSLA(ticket, created: false, on: db)
        // Live-chat lines were read live by both sides: no mail pass for them (it would find nothing to send).
        let liveChatOnly = events.allSatisfy { $0.kind == .reply && $0.field == Channel.chat.rawValue }
        try await publish(.updated, ticket, isPublic: events.contains(where: \.isPublic), notify: !liveChatOnly, on: db)
        return ids
    }
}
