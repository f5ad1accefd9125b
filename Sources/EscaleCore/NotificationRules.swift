import Foundation

/// What an e-mail notification is about. Each person chooses which kinds they receive (`NotificationPreferences`).
public enum NotificationKind: String, Codable, Sendable, CaseIterable {
    // The requester's.
    /// Their ticket was received, with its number.
    case ticketReceived = "ticket_received"
    /// Support answered publicly.
    case publicReply = "public_reply"
    /// Support waits for them (status `pending`).
    case waitingForYou = "waiting_for_you"
    /// Their ticket was resolved: confirm, or say it still fails.
    case resolved
    /// Their ticket was reopened by someone else.
    case reopened
    // Support staff's.
    /// A new ticket reached one of their groups.
    case newInMyGroups = "new_in_my_groups"
    case assignedToMe = "assigned_to_me"
    /// A reply (the requester's or another agent's) or a note by someone else on a ticket assigned to them.
    case replyOnMyTicket = "reply_on_my_ticket"
    /// A ticket was escalated to their group.
    case escalatedToMyGroup = "escalated_to_my_group"
    /// An SLA clock of their ticket (or of their group's unassigned ticket) reached its warning threshold.
    case slaWarning = "sla_warning"
    case slaBreach = "sla_breach"
    // Client managers'.
    /// A P1 or P2 ticket of their organization was created.
    case urgentTicketCreated = "urgent_ticket_created"

    public enum Audience: String, Sendable { case requester, staff, clientManager = "client_manager" }

    public var audience: Audience {
        switch self {
        case .ticketReceived, .publicReply, .waitingForYou, .resolved, .reopened: .requester
        case .urgentTicketCreated: .clientManager
        default: .staff
        }
    }

    /// Goes to a requester: counted by the per-address rate limit (a robot answering every mail cannot snowball).
    public var requesterFacing: Bool { audience != .staff }

    /// The installation's default before an administrator changes it.
    public var enabledByDefault: Bool { self != .newInMyGroups }

    /// The kinds a role may choose among.
    public static func kinds(for role: Role) -> [NotificationKind] {
        switch role {
        case .requester: allCases.filter { $0.audience == .requester }
        case .clientManager: allCases.filter { $0.audience != .staff }
        case .agent, .supervisor, .admin: allCases.filter { $0.audience == .staff }
        }
    }
}

/// Who gets which notification for the events of one ticket change. Pure: the caller reads the facts.
public enum NotificationRules {
    /// What the rules need to know about the ticket, as it is after the change, and the people involved.
    public struct Facts: Sendable {
        public var requesterId: UUID
        public var assigneeId: UUID?
        public var priority: Int
        /// Active staff members of the ticket's group.
        public var groupMembers: [UUID]
        /// Active client managers of the ticket's organization.
        public var clientManagers: [UUID]
        /// Roles of the active people named above and of the events' actors (an inactive or unknown person is absent).
        public var roles: [UUID: Role]

        public init(requesterId: UUID, assigneeId: UUID?, priority: Int, groupMembers: [UUID], clientManagers: [UUID], roles: [UUID: Role]) {
            self.requesterId = requesterId; self.assigneeId = assigneeId; self.priority = priority
            self.groupMembers = groupMembers; self.clientManagers = clientManagers; self.roles = roles
        }
    }

    public struct Notification: Sendable, Equatable {
        public var userId: UUID
        public var kind: NotificationKind
        /// The event (index in the input) the message is about: its body, actor and reason fill the message.
        public var eventIndex: Int
    }

    /// One message per person and change: the most telling kind wins (a reply that resolves is a resolution).
    /// Nobody is told of their own action, except a requester's acknowledgment of the ticket they opened.
    /// Requesters only ever hear of public events.
    public static func notifications(for events: [TicketEvent], facts: Facts, wants: (UUID, NotificationKind) -> Bool) -> [Notification] {
        var out: [Notification] = []
        func add(_ user: UUID?, _ kind: NotificationKind, _ index: Int, actor: UUID?, selfToo: Bool = false) {
            guard let user, let role = facts.roles[user] else { return }
            guard selfToo || user != actor else { return }
            switch kind.audience {
            case .requester: guard !role.isStaff, events[index].isPublic else { return }
            case .clientManager: guard role == .clientManager else { return }
            case .staff: guard role.isStaff else { return }
            }
            out.append(Notification(userId: user, kind: kind, eventIndex: index))
        }
        let requester = facts.requesterId
        for (i, e) in events.enumerated() {
            let actorIsStaff = e.actorId.flatMap { facts.roles[$0] }?.isStaff ?? false
            switch e.kind {
            case .created:
                add(requester, .ticketReceived, i, actor: e.actorId, selfToo: true)
                for m in facts.groupMembers where m != facts.assigneeId { add(m, .newInMyGroups, i, actor: e.actorId) }
                if facts.priority <= 2 { for m in facts.clientManagers { add(m, .urgentTicketCreated, i, actor: e.actorId) } }
            case .reply:
                // A live-chat line was read live, in the widget and in the console: it is not mailed again.
                guard e.field != Channel.chat.rawValue else { break }
                if actorIsStaff { add(requester, .publicReply, i, actor: e.actorId) }
                add(facts.assigneeId, .replyOnMyTicket, i, actor: e.actorId)
            case .note:
                add(facts.assigneeId, .replyOnMyTicket, i, actor: e.actorId)
            case .statusChanged:
                let old = e.oldValue.flatMap(TicketStatus.init(rawValue:)), new = e.newValue.flatMap(TicketStatus.init(rawValue:))
                if new == .pending { add(requester, .waitingForYou, i, actor: e.actorId) }
                if new == .resolved { add(requester, .resolved, i, actor: e.actorId) }
                if let old, let new, !old.isOpen, new.isOpen { add(requester, .reopened, i, actor: e.actorId) }
            case .assigned where e.field == "assignee":
                add(e.newValue.flatMap(UUID.init(uuidString:)), .assignedToMe, i, actor: e.actorId)
            case .escalated:
                for m in facts.groupMembers where m != facts.assigneeId { add(m, .escalatedToMyGroup, i, actor: e.actorId) }
            case .sla where e.newValue == "warning" || e.newValue == "breached":
                let kind: NotificationKind = e.newValue == "warning" ? .slaWarning : .slaBreach
                if let a = facts.assigneeId { add(a, kind, i, actor: nil) } else { for m in facts.groupMembers { add(m, kind, i, actor: nil) } }
            default:
                break
            }
        }
        var best: [UUID: Notification] = [:]
        var order: [UUID] = []
        for n in out where wants(n.userId, n.kind) {
            guard let current = best[n.userId] else { best[n.userId] = n; order.append(n.userId); continue }
            if rank(n.kind) < rank(current.kind) { best[n.userId] = n }
        }
        return order.compactMap { best[$0] }
    }

    /// Lower is more telling.
    static func rank(_ kind: NotificationKind) -> Int {
        let order: [NotificationKind] = [.slaBreach, .resolved, .reopened, .waitingForYou, .ticketReceived, .urgentTicketCreated, .escalatedToMyGroup,
                                         .assignedToMe, .slaWarning, .publicReply, .replyOnMyTicket, .newInMyGroups]
        return order.firstIndex(of: kind) ?? order.count
    }
}

/// A person's choice of notifications over the installation's defaults.
public struct NotificationPreferences: Sendable, Equatable, Codable {
    /// Kinds switched on or off explicitly; any other follows the defaults.
    public var choices: [String: Bool]

    public init(choices: [String: Bool] = [:]) { self.choices = choices }

    public func wants(_ kind: NotificationKind, defaults: NotificationPreferences) -> Bool {
        choices[kind.rawValue] ?? defaults.choices[kind.rawValue] ?? kind.enabledByDefault
    }
}
