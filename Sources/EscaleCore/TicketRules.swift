import Foundation

/// What is needed to open a ticket, already resolved to ids by the desk.
public struct TicketDraft: Sendable {
    public var type: TicketType
    public var subject: String
    public var description: String
    public var requesterId: UUID
    public var organizationId: UUID
    public var channel: Channel
    public var category: ServiceCategory?
    public var impact: Level
    public var urgency: Level
    public var occurredAt: Date?
    public var tags: [String]

    public init(
        type: TicketType = .incident, subject: String, description: String, requesterId: UUID, organizationId: UUID,
        channel: Channel, category: ServiceCategory? = nil, impact: Level, urgency: Level, occurredAt: Date? = nil,
        tags: [String] = []
    ) {
        self.type = type; self.subject = subject; self.description = description; self.requesterId = requesterId
        self.organizationId = organizationId; self.channel = channel; self.category = category; self.impact = impact
        self.urgency = urgency; self.occurredAt = occurredAt; self.tags = tags
    }
}

/// A change requested on a ticket (PATCH). `nil` means "leave as is"; `.some(nil)` clears an optional field.
public struct TicketChange: Sendable {
    public var subject: String?
    public var description: String?
    public var type: TicketType?
    public var category: ServiceCategory??
    public var impact: Level?
    public var urgency: Level?
    public var major: Bool?
    public var status: TicketStatus?
    public var groupId: UUID??
    public var assigneeId: UUID??
    public var occurredAt: Date?
    public var estimatedMinutes: Int??
    public var tags: [String]?
    public var parentId: UUID??

    public init() {}

    /// Fields a requester or client manager may change: only the status (confirm resolution, reopen).
    public var onlyTouchesStatus: Bool {
        subject == nil && description == nil && type == nil && category == nil && impact == nil && urgency == nil
            && major == nil && groupId == nil && assigneeId == nil && occurredAt == nil && estimatedMinutes == nil
            && tags == nil && parentId == nil
    }
}

/// Limits that keep records sane.
public enum TicketLimits {
    public static let subjectLength = 1...250
    public static let descriptionMaxLength = 100_000
    public static let commentMaxLength = 100_000
    public static let reasonLength = 3...2_000
    public static let workLogMinutes = 1...1_440
    public static let maxTags = 20
    public static let tagLength = 1...40
    /// An incident may be reported late, but not dated in the future (a little clock skew is tolerated).
    public static let occurredAtFutureTolerance: TimeInterval = 300
}

extension Ticket {
    /// Opens a ticket: validates the draft, derives priority and scope, and returns the `created` event.
    public static func open(
        _ draft: TicketDraft, id: UUID, seq: Int, matrix: PriorityMatrix, contract: Contract?, by actor: UUID, at now: Date
    ) throws -> (Ticket, TicketEvent) {
        if let e = FieldProblem.error(problems(subject: draft.subject, description: draft.description, occurredAt: draft.occurredAt, tags: draft.tags, now: now)) {
            throw e
        }
        let subject = try validSubject(draft.subject)
        let description = try validText(draft.description, field: "description", max: TicketLimits.descriptionMaxLength, allowEmpty: true)
        let occurredAt = try validOccurredAt(draft.occurredAt ?? now, now: now)
        let tags = try validTags(draft.tags)
        let ticket = Ticket(
            id: id, seq: seq, type: draft.type, subject: subject, description: description,
            requesterId: draft.requesterId, organizationId: draft.organizationId, channel: draft.channel,
            category: draft.category?.key, impact: draft.impact, urgency: draft.urgency,
            priority: matrix.priority(impact: draft.impact, urgency: draft.urgency), major: false, status: .new,
            tier: .n1, groupId: nil, assigneeId: nil, occurredAt: occurredAt, createdAt: now, updatedAt: now,
            firstResponseAt: nil, resolvedAt: nil, closedAt: nil, timeSpentMinutes: 0, estimatedMinutes: nil,
            tags: tags, parentId: nil, contractId: contract?.id,
            outOfScope: Contract.isOutOfScope(category: draft.category, contract: contract), version: 1
        )
        let event = TicketEvent(kind: .created, actorId: actor, at: now, isPublic: true, body: description)
        return (ticket, event)
    }

    /// Where a ticket just opened lands: a group (whose tier becomes the ticket's) and possibly an assignee (the agent
    /// who took the call). Part of the creation, so the version stays 1; the events say who placed it.
    /// `routed`: the desk chose the group (`GroupRouting`), so the entry is the desk's, not the person's.
    public mutating func place(group: (id: UUID, tier: Tier)?, routed: Bool = false, assigneeId: UUID?, by actor: UUID, at now: Date) -> [TicketEvent] {
        precondition(version == 1 && status == .new, "only a ticket being opened is placed")
        var events: [TicketEvent] = []
        if let group {
            tier = group.tier
            groupId = group.id
            events.append(TicketEvent(kind: .assigned, actorId: routed ? nil : actor, at: now, isPublic: false, field: "group", oldValue: nil, newValue: group.id.uuidString))
        }
        if let assigneeId {
            self.assigneeId = assigneeId
            events.append(TicketEvent(kind: .assigned, actorId: actor, at: now, isPublic: false, field: "assignee", oldValue: nil, newValue: assigneeId.uuidString))
            events.append(TicketEvent(kind: .statusChanged, actorId: actor, at: now, isPublic: true, oldValue: TicketStatus.new.rawValue, newValue: TicketStatus.assigned.rawValue))
            status = .assigned
        }
        return events
    }

    /// Applies a change, returning one event per effective change (nothing changes → no events).
    /// All or nothing: a refused change leaves the ticket untouched.
    public mutating func apply(
        _ change: TicketChange, matrix: PriorityMatrix, contract: Contract?, by actor: Actor, at now: Date
    ) throws -> [TicketEvent] {
        var changed = self
        let events = try changed.applyChecked(change, matrix: matrix, contract: contract, by: actor, at: now)
        self = changed
        return events
    }

    private mutating func applyChecked(
        _ change: TicketChange, matrix: PriorityMatrix, contract: Contract?, by actor: Actor, at now: Date
    ) throws -> [TicketEvent] {
        let staff = actor.role.isStaff
        if !staff {
            guard change.onlyTouchesStatus else {
                throw DomainError.forbidden("requesters may only confirm a resolution or reopen their ticket")
            }
            if let next = change.status, !((status == .resolved) && (next == .closed || next == .inProgress)) {
                throw DomainError.forbidden("requesters may only confirm a resolved ticket (closed) or reopen it (in_progress)")
            }
        }
        var events: [TicketEvent] = []
        func fieldChange(_ field: String, _ old: String?, _ new: String?, isPublic: Bool = false) {
            guard old != new else { return }
            events.append(TicketEvent(kind: .fieldChanged, actorId: actor.userId, at: now, isPublic: isPublic, field: field, oldValue: old, newValue: new))
        }

        if let s = change.subject {
            let v = try Ticket.validSubject(s)
            fieldChange("subject", subject, v, isPublic: true); subject = v
        }
        if let d = change.description {
            let v = try Ticket.validText(d, field: "description", max: TicketLimits.descriptionMaxLength, allowEmpty: true)
            fieldChange("description", description, v); description = v
        }
        if let t = change.type { fieldChange("type", type.rawValue, t.rawValue); type = t }
        if let c = change.category {
            fieldChange("category", category, c?.key); category = c?.key
            outOfScope = Contract.isOutOfScope(category: c, contract: contract)
        }
        if let i = change.impact { fieldChange("impact", impact.rawValue, i.rawValue); impact = i }
        if let u = change.urgency { fieldChange("urgency", urgency.rawValue, u.rawValue); urgency = u }
        // Priority follows impact × urgency when they are reassessed; a later matrix change alone does not re-rate old tickets.
        if change.impact != nil || change.urgency != nil {
            let newPriority = matrix.priority(impact: impact, urgency: urgency)
            fieldChange("priority", String(priority.rawValue), String(newPriority.rawValue), isPublic: true)
            priority = newPriority
        }
        if let m = change.major { fieldChange("major", String(major), String(m)); major = m }
        if let o = change.occurredAt {
            let v = try Ticket.validOccurredAt(o, now: now)
            fieldChange("occurred_at", ISO8601DateFormatter().string(from: occurredAt), ISO8601DateFormatter().string(from: v))
            occurredAt = v
        }
        if let e = change.estimatedMinutes {
            if let m = e, m < 0 || m > 1_000_000 { throw DomainError.invalid(field: "estimated_minutes", "must be between 0 and 1000000") }
            fieldChange("estimated_minutes", estimatedMinutes.map(String.init), e.map(String.init)); estimatedMinutes = e
        }
        if let t = change.tags {
            let v = try Ticket.validTags(t)
            fieldChange("tags", tags.joined(separator: ","), v.joined(separator: ",")); tags = v
        }
        if let p = change.parentId {
            if p == id { throw DomainError.invalid(field: "parent_id", "a ticket cannot be its own parent") }
            fieldChange("parent_id", parentId?.uuidString, p?.uuidString); parentId = p
        }
        if let g = change.groupId, g != groupId {
            events.append(TicketEvent(kind: .assigned, actorId: actor.userId, at: now, isPublic: false, field: "group",
                                      oldValue: groupId?.uuidString, newValue: g?.uuidString))
            groupId = g
        }
        if let a = change.assigneeId, a != assigneeId {
            events.append(TicketEvent(kind: .assigned, actorId: actor.userId, at: now, isPublic: false, field: "assignee",
                                      oldValue: assigneeId?.uuidString, newValue: a?.uuidString))
            assigneeId = a
            // Assigning a new ticket moves it to `assigned`; unassigning an assigned one puts it back in the queue.
            if change.status == nil {
                if a != nil, status == .new { events += try move(to: .assigned, by: actor.userId, at: now) }
                if a == nil, status == .assigned { events += try move(to: .new, by: actor.userId, at: now) }
            }
        }
        if let s = change.status, s != status {
            events += try move(to: s, by: actor.userId, at: now)
        }
        if !events.isEmpty { touch(at: now) }
        return events
    }

    /// Moves along the lifecycle, stamping resolution and closure times.
    mutating func move(to next: TicketStatus, by actor: UUID, at now: Date) throws -> [TicketEvent] {
        guard status.canMove(to: next) else { throw DomainError.invalidTransition(from: status, to: next) }
        if next == .assigned, assigneeId == nil {
            throw DomainError.invalid(field: "status", "a ticket can only be 'assigned' once it has an assignee")
        }
        let event = TicketEvent(kind: .statusChanged, actorId: actor, at: now, isPublic: true, oldValue: status.rawValue, newValue: next.rawValue)
        if next == .resolved { resolvedAt = now }
        if next == .closed { closedAt = now }
        if status == .resolved && next != .closed { resolvedAt = nil }  // reopened
        status = next
        return [event]
    }

    /// A public reply or an internal note. The first public reply by staff stamps the first response.
    public mutating func comment(body: String, isPublic: Bool, by actor: Actor, at now: Date) throws -> TicketEvent {
        let text = try Ticket.validText(body, field: "body", max: TicketLimits.commentMaxLength, allowEmpty: false)
        if !isPublic && !actor.role.isStaff {
            throw DomainError.forbidden("only support staff can write internal notes")
        }
        if status == .closed {
            throw DomainError.invalid(field: "status", "the ticket is closed; open a new request instead")
        }
        if isPublic && actor.role.isStaff && firstResponseAt == nil { firstResponseAt = now }
        touch(at: now)
        return TicketEvent(kind: isPublic ? .reply : .note, actorId: actor.userId, at: now, isPublic: isPublic, body: text)
    }

    /// Moves the ticket to another tier (up or down), with a mandatory reason, optionally to a group of that tier.
    public mutating func escalate(to target: Tier, reason: String, group: (id: UUID, tier: Tier)?, by actor: Actor, at now: Date) throws -> [TicketEvent] {
        guard AccessPolicy.canEscalate(actor, from: tier) else {
            throw DomainError.forbidden("only agents working at tier \(tier.label) or above, supervisors and admins may escalate this ticket")
        }
        let why = try Ticket.validText(reason, field: "reason", max: TicketLimits.reasonLength.upperBound, allowEmpty: true)
        guard TicketLimits.reasonLength.contains(why.count) else {
            throw DomainError.invalid(field: "reason", "an escalation needs a reason (at least \(TicketLimits.reasonLength.lowerBound) characters)")
        }
        guard target != tier else { throw DomainError.invalid(field: "tier", "the ticket is already at \(tier.label)") }
        guard status.isOpen else { throw DomainError.invalid(field: "status", "a \(status.rawValue) ticket cannot be escalated; reopen it first") }
        if let group, group.tier != target {
            throw DomainError.invalid(field: "group_id", "that group works at \(group.tier.label), not \(target.label)")
        }
        var events = [TicketEvent(kind: .escalated, actorId: actor.userId, at: now, isPublic: false,
                                  newValue: group?.id.uuidString, fromTier: tier, toTier: target, reason: why)]
        tier = target
        // The receiving tier picks it up from its queue: the previous assignee and group no longer own it.
        if groupId != group?.id {
            events.append(TicketEvent(kind: .assigned, actorId: actor.userId, at: now, isPublic: false, field: "group",
                                      oldValue: groupId?.uuidString, newValue: group?.id.uuidString))
            groupId = group?.id
        }
        if assigneeId != nil {
            events.append(TicketEvent(kind: .assigned, actorId: actor.userId, at: now, isPublic: false, field: "assignee",
                                      oldValue: assigneeId?.uuidString, newValue: nil))
            assigneeId = nil
        }
        // Whatever its owner had started, the receiving tier takes it from its queue: the ticket is new there.
        if status != .new {
            events.append(TicketEvent(kind: .statusChanged, actorId: actor.userId, at: now, isPublic: true, oldValue: status.rawValue, newValue: TicketStatus.new.rawValue))
            status = .new
        }
        touch(at: now)
        return events
    }

    /// Time spent by an agent, in minutes.
    public mutating func logWork(minutes: Int, note: String?, by actor: Actor, at now: Date) throws -> TicketEvent {
        guard actor.role.isStaff else { throw DomainError.forbidden("only support staff log work") }
        guard TicketLimits.workLogMinutes.contains(minutes) else {
            throw DomainError.invalid(field: "minutes", "must be between 1 and 1440 (one entry per day at most)")
        }
        let text = try note.map { try Ticket.validText($0, field: "note", max: 10_000, allowEmpty: true) }
        timeSpentMinutes += minutes
        touch(at: now)
        return TicketEvent(kind: .workLogged, actorId: actor.userId, at: now, isPublic: false, body: text?.isEmpty == true ? nil : text, minutes: minutes)
    }

    mutating func touch(at now: Date) {
        updatedAt = max(updatedAt, now)
        version += 1
    }

    static func validSubject(_ s: String) throws -> String {
        let v = s.trimmed
        guard TicketLimits.subjectLength.contains(v.count) else {
            throw DomainError.invalid(field: "subject", v.isEmpty ? "a subject is required" : "at most \(TicketLimits.subjectLength.upperBound) characters")
        }
        return v
    }

    static func validText(_ s: String, field: String, max: Int, allowEmpty: Bool) throws -> String {
        let v = s.trimmed
        if !allowEmpty && v.isEmpty { throw DomainError.invalid(field: field, "must not be empty") }
        if v.count > max { throw DomainError.invalid(field: field, "at most \(max) characters") }
        return v
    }

    static func validOccurredAt(_ date: Date, now: Date) throws -> Date {
        guard date.timeIntervalSince(now) <= TicketLimits.occurredAtFutureTolerance else {
            throw DomainError.invalid(field: "occurred_at", "an incident cannot have happened in the future")
        }
        return date
    }

    static func validTags(_ tags: [String]) throws -> [String] {
        var seen: [String] = []
        for raw in tags {
            let t = raw.trimmed.lowercased()
            guard TicketLimits.tagLength.contains(t.count), !t.contains(",") else {
                throw DomainError.invalid(field: "tags", "each tag is 1–40 characters without commas")
            }
            if !seen.contains(t) { seen.append(t) }
        }
        guard seen.count <= TicketLimits.maxTags else { throw DomainError.invalid(field: "tags", "at most \(TicketLimits.maxTags) tags") }
        return seen
    }
}
