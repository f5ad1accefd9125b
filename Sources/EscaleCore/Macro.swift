import Foundation

/// What a macro does to a ticket, as stored (JSON) and as sent: fields to set, a public reply (which may use
/// `ReplyVariables`), an internal note, an escalation. Every part is optional; at least one is required.
public struct MacroActions: Codable, Sendable, Equatable {
    public var status: TicketStatus?
    public var impact: Level?
    public var urgency: Level?
    public var category: String?
    public var groupId: UUID?
    /// `me` (whoever applies the macro) or a staff member's id.
    public var assignee: String?
    public var reply: String?
    public var note: String?
    public var escalateTier: Tier?
    public var escalateReason: String?

    public init(status: TicketStatus? = nil, impact: Level? = nil, urgency: Level? = nil, category: String? = nil, groupId: UUID? = nil,
                assignee: String? = nil, reply: String? = nil, note: String? = nil, escalateTier: Tier? = nil, escalateReason: String? = nil) {
        self.status = status; self.impact = impact; self.urgency = urgency; self.category = category; self.groupId = groupId
        self.assignee = assignee; self.reply = reply; self.note = note; self.escalateTier = escalateTier; self.escalateReason = escalateReason
    }

    enum CodingKeys: String, CodingKey {
        case status, impact, urgency, category, groupId = "group_id", assignee, reply, note, escalateTier = "escalate_tier",
             escalateReason = "escalate_reason"
    }
}

/// A named set of actions applied to a ticket in one go. Personal or shared, like canned replies.
public struct Macro: Sendable, Equatable {
    public enum Assignee: Sendable, Equatable {
        /// Whoever applies the macro.
        case me
        case user(UUID)
    }

    public let name: String
    public let shared: Bool
    public let actions: MacroActions
    public let assignee: Assignee?

    public static let maxName = 200

    /// Trims and checks a macro; every problem is reported at once.
    public static func validated(name: String, shared: Bool, actions a: MacroActions) throws -> Macro {
        var problems: [FieldProblem] = []
        let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if n.isEmpty { problems.append(FieldProblem(field: "name", rule: .required, message: "give the macro a name")) }
        if n.count > maxName { problems.append(FieldProblem(field: "name", rule: .tooLong(max: maxName, actual: n.count))) }
        var actions = a
        func text(_ value: String?, _ field: String, max: Int) -> String? {
            guard let value else { return nil }
            let t = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty { return nil }
            if t.count > max { problems.append(FieldProblem(field: field, rule: .tooLong(max: max, actual: t.count))) }
            return t
        }
        actions.reply = text(a.reply, "actions.reply", max: TicketLimits.commentMaxLength)
        actions.note = text(a.note, "actions.note", max: TicketLimits.commentMaxLength)
        actions.category = text(a.category, "actions.category", max: 100)
        actions.escalateReason = text(a.escalateReason, "actions.escalate_reason", max: TicketLimits.reasonLength.upperBound)
        var assignee: Assignee?
        if let raw = a.assignee?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if raw.lowercased() == "me" { assignee = .me } else if let id = UUID(uuidString: raw) { assignee = .user(id) } else {
                problems.append(FieldProblem(field: "actions.assignee", rule: .other, message: "'me' or a staff member's id"))
            }
            actions.assignee = assignee == .me ? "me" : raw
        } else {
            actions.assignee = nil
        }
        if actions.escalateTier != nil {
            let reason = actions.escalateReason ?? ""
            if !TicketLimits.reasonLength.contains(reason.count) {
                problems.append(FieldProblem(field: "actions.escalate_reason", rule: .tooShort(min: TicketLimits.reasonLength.lowerBound),
                                             message: "an escalation needs a reason (at least \(TicketLimits.reasonLength.lowerBound) characters)"))
            }
        } else if actions.escalateReason != nil {
            problems.append(FieldProblem(field: "actions.escalate_tier", rule: .required, message: "a reason without a tier to escalate to"))
        }
        if actions == MacroActions() { problems.append(FieldProblem(field: "actions", rule: .required, message: "a macro needs at least one action")) }
        if let e = FieldProblem.error(problems) { throw e }
        return Macro(name: n, shared: shared, actions: actions, assignee: assignee)
    }

    /// Whether the macro changes any of the ticket's fields (one `updateTicket`).
    public var setsFields: Bool {
        actions.status != nil || actions.impact != nil || actions.urgency != nil || actions.category != nil || actions.groupId != nil || assignee != nil
    }
}
