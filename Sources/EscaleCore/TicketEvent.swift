import Foundation

public enum TicketEventKind: String, Codable, Sendable, CaseIterable {
    case created
    /// A public reply, visible to the requester.
    case reply
    /// An internal note, never visible to client-side users.
    case note
    case statusChanged = "status_changed"
    case assigned
    case fieldChanged = "field_changed"
    case escalated
    case workLogged = "work_logged"
    /// An SLA clock's transition (`field` the metric, `newValue` the transition: started, paused, resumed, warning,
    /// breached, met), at the instant it happened.
    case sla
    /// Someone was paged or notified (`field` the reason: on_call or the escalation rule, `newValue` the user).
    case paged
    /// A page was acknowledged (`actorId` who).
    case acknowledged
    /// A notification could not be delivered after every retry (`field` the channel, `reason` the last error).
    case deliveryFailed = "delivery_failed"
    /// A link to another ticket was made (`field` the link kind seen from this ticket, `newValue` the other ticket's
    /// number). Internal: the other ticket may be outside the requester's scope.
    case linked
    /// A link to another ticket was removed (`field` the link kind seen from this ticket, `oldValue` its number).
    case unlinked
    /// A merge: on the merged ticket (public) `field` is `into` and `newValue` the ticket it was merged into; on that
    /// ticket (internal) `field` is `from` and `newValue` the merged ticket's number.
    case merged
    /// Monitoring changed the problem behind the ticket (`field`: `acknowledged`, `resolved` with `newValue` the
    /// instant the source gave, `resolving` while a flapping problem's resolution is held, `fired_again`). Internal.
    case monitoring
    /// A phone call was attached (`field` the direction `in`/`out`, `newValue` the call's id, `minutes` talked). Internal.
    case call
    /// A remote action on a machine of the ticket (`field` the run's status: `queued`, then `succeeded`, `failed`,
    /// `timed_out`, `refused`, `expired`; `newValue` the exit code; `body` what and where, then the output's end).
    /// Internal.
    case remoteAction = "remote_action"
}

/// One entry of a ticket's append-only timeline. Never updated or deleted: audit, SLA and reports derive from it.
public struct TicketEvent: Sendable, Equatable {
    public var kind: TicketEventKind
    public var actorId: UUID?
    public var at: Date
    /// Visible to requesters and client managers.
    public var isPublic: Bool
    public var body: String?
    public var field: String?
    public var oldValue: String?
    public var newValue: String?
    public var fromTier: Tier?
    public var toTier: Tier?
    public var reason: String?
    public var minutes: Int?
    /// What a reply arriving by e-mail quoted (earlier messages, signature): kept, shown folded under `body`.
    public var quoted: String?

    public init(
        kind: TicketEventKind, actorId: UUID?, at: Date, isPublic: Bool, body: String? = nil, field: String? = nil,
        oldValue: String? = nil, newValue: String? = nil, fromTier: Tier? = nil, toTier: Tier? = nil,
        reason: String? = nil, minutes: Int? = nil, quoted: String? = nil
    ) {
        self.quoted = quoted
        self.kind = kind
        self.actorId = actorId
        self.at = at
        self.isPublic = isPublic
        self.body = body
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
        self.fromTier = fromTier
        self.toTier = toTier
        self.reason = reason
        self.minutes = minutes
    }
}
