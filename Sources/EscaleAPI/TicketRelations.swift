import EscaleCore
import Foundation

/// POST body of `/tickets/{id}/links`: link this ticket to another.
public struct TicketLinkInput: Codable, Sendable {
    public var kind: TicketLinkKind
    public var ticketId: UUID
    public init(kind: TicketLinkKind, ticketId: UUID) { self.kind = kind; self.ticketId = ticketId }
    enum CodingKeys: String, CodingKey { case kind, ticketId = "ticket_id" }
}

/// A link seen from one ticket: what the other ticket is to it.
public struct TicketLinkDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var kind: TicketLinkKind
    public var ticketId: UUID
    public var number: String
    public var subject: String
    public var status: TicketStatus
    public var createdAt: Date
    public init(id: UUID, kind: TicketLinkKind, ticketId: UUID, number: String, subject: String, status: TicketStatus, createdAt: Date) {
        self.id = id; self.kind = kind; self.ticketId = ticketId; self.number = number; self.subject = subject; self.status = status
        self.createdAt = createdAt
    }
    enum CodingKeys: String, CodingKey { case id, kind, ticketId = "ticket_id", number, subject, status, createdAt = "created_at" }
}

/// POST body of `/tickets/{id}/merge`: the ticket this one is merged into.
public struct MergeInput: Codable, Sendable {
    public var into: UUID
    public init(into: UUID) { self.into = into }
}

/// POST body of `/tickets/{id}/watchers`: a staff member to add as a watcher.
public struct WatcherInput: Codable, Sendable {
    public var userId: UUID
    public init(userId: UUID) { self.userId = userId }
    enum CodingKeys: String, CodingKey { case userId = "user_id" }
}

/// A staff member following a ticket.
public struct WatcherDTO: Codable, Sendable, Equatable {
    public var userId: UUID
    public var name: String
    public init(userId: UUID, name: String) { self.userId = userId; self.name = name }
    enum CodingKeys: String, CodingKey { case userId = "user_id", name }
}
