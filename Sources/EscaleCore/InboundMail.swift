import Foundation

/// What an inbound e-mail becomes, decided from facts the intake has already read (who sent it, which ticket it
/// threads to, the mailbox's policy). Pure, so every case is a unit test; the intake only carries the decision out.
public enum InboundMail {
    /// What the mail gateway was told to do (`escale mailgate --action`, the Request Tracker convention).
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// A reply (public) or a new request.
        case correspond
        /// An internal note from staff.
        case comment
    }

    /// What to do with mail from an address the desk does not know.
    public enum UnknownSenders: String, Codable, Sendable, CaseIterable {
        /// A requester is created in the mailbox's organization, else the one whose domains match the sender's.
        case create
        /// Kept for an administrator to triage.
        case hold
        /// Refused: the MTA bounces it with the reason.
        case reject
    }

    public enum Sender: Sendable, Equatable {
        /// A client-side user (requester or client manager) of an organization.
        case client(userId: UUID, organizationId: UUID, role: Role)
        case staff(userId: UUID, role: Role)
        /// A known address whose account is deactivated.
        case inactive(userId: UUID)
        case unknown
    }

    /// The ticket a message refers to (its Message-ID references, subject tag or recipient `+extension`).
    public struct Thread: Sendable, Equatable {
        public var ticketId: UUID
        public var requesterId: UUID
        public var organizationId: UUID
        public var closed: Bool
        public var watcherIds: Set<UUID>
        public init(ticketId: UUID, requesterId: UUID, organizationId: UUID, closed: Bool, watcherIds: Set<UUID> = []) {
            self.ticketId = ticketId; self.requesterId = requesterId; self.organizationId = organizationId
            self.closed = closed; self.watcherIds = watcherIds
        }
    }

    public struct Facts: Sendable {
        public var sender: Sender
        public var thread: Thread?
        public var action: Action
        /// RFC 3834 and friends: an out-of-office, a robot, a list.
        public var automatic: Bool
        /// A delivery status notification (a bounce).
        public var deliveryReport: Bool
        public var unknownSenders: UnknownSenders
        /// The mailbox's own organization, if it serves one client.
        public var mailboxOrganizationId: UUID?
        /// The active organization whose mail domains include the sender's.
        public var domainOrganizationId: UUID?
        public init(sender: Sender, thread: Thread?, action: Action = .correspond, automatic: Bool = false, deliveryReport: Bool = false,
                    unknownSenders: UnknownSenders = .create, mailboxOrganizationId: UUID? = nil, domainOrganizationId: UUID? = nil) {
            self.sender = sender; self.thread = thread; self.action = action; self.automatic = automatic
            self.deliveryReport = deliveryReport; self.unknownSenders = unknownSenders
            self.mailboxOrganizationId = mailboxOrganizationId; self.domainOrganizationId = domainOrganizationId
        }
    }

    public enum Requester: Sendable, Equatable {
        case existing(userId: UUID, organizationId: UUID)
        /// A new requester for the sender's address, in this organization.
        case create(organizationId: UUID)
    }

    /// Why a message was held or refused (stable codes: the API and the triage page show them).
    public enum HoldReason: String, Sendable, Equatable {
        case unknownSender = "unknown_sender"
        case noOrganization = "no_organization"
        case automaticWithoutTicket = "automatic_without_ticket"
        case staffWithoutTicket = "staff_without_ticket"
        case commentFromClient = "comment_from_client"
        case inactiveSender = "inactive_sender"
    }

    public enum Decision: Sendable, Equatable {
        /// A bounce: the address is marked undeliverable and the ticket it is about, if any, told.
        case deliveryReport
        /// An automatic message about a ticket: kept as an internal note, nothing changes, nobody is answered.
        case automaticNote(ticketId: UUID)
        /// A reply on the ticket by the sender, public (`correspond`) or internal (a staff `comment`).
        case reply(ticketId: UUID, isPublic: Bool)
        /// A new ticket; `followUp` is the closed ticket the mail answered, linked to the new one.
        case newTicket(Requester, followUp: UUID?)
        case hold(HoldReason)
        case reject(HoldReason)
    }

    public static func decide(_ f: Facts) -> Decision {
        if f.deliveryReport { return .deliveryReport }
        // A thread only counts if the sender has a say on that ticket: a tag copied into mail from elsewhere must
        // not let a stranger write on someone else's ticket.
        let thread = f.thread.flatMap { t in mayWrite(f.sender, on: t) ? t : nil }
        if f.automatic {
            if let t = thread, !t.closed { return .automaticNote(ticketId: t.ticketId) }
            return .hold(.automaticWithoutTicket)
        }
        if let t = thread, !t.closed {
            switch (f.action, f.sender) {
            case (.comment, .staff): return .reply(ticketId: t.ticketId, isPublic: false)
            case (.comment, _): return .hold(.commentFromClient)
            default: return .reply(ticketId: t.ticketId, isPublic: true)
            }
        }
        let followUp = thread?.ticketId
        switch f.sender {
        case let .client(userId, organizationId, _):
            if f.action == .comment { return .hold(.commentFromClient) }
            return .newTicket(.existing(userId: userId, organizationId: organizationId), followUp: followUp)
        case .staff:
            return .hold(.staffWithoutTicket)
        case .inactive:
            return .hold(.inactiveSender)
        case .unknown:
            switch f.unknownSenders {
            case .reject: return .reject(.unknownSender)
            case .hold: return .hold(.unknownSender)
            case .create:
                guard let org = f.mailboxOrganizationId ?? f.domainOrganizationId else { return .hold(.noOrganization) }
                if f.action == .comment { return .hold(.commentFromClient) }
                return .newTicket(.create(organizationId: org), followUp: nil)
            }
        }
    }

    /// The requester, watchers, anyone of the ticket's organization and staff may write on a ticket by mail.
    public static func mayWrite(_ sender: Sender, on t: Thread) -> Bool {
        switch sender {
        case let .client(userId, organizationId, _): userId == t.requesterId || organizationId == t.organizationId || t.watcherIds.contains(userId)
        case .staff: true
        case .inactive, .unknown: false
        }
    }
}
