import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// One stored link between two tickets, read from either end.
public struct TicketLinkRow: Sendable, Decodable, Equatable {
    public var id: UUID
    public var ticketId: UUID
    public var otherId: UUID
    /// `related`, `parent` or `duplicate_of`, read from `ticketId`.
    public var kind: String
    public var createdBy: UUID?
    public var createdAt: Date
    enum CodingKeys: String, CodingKey {
        case id, ticketId = "ticket_id", otherId = "other_id", kind, createdBy = "created_by", createdAt = "created_at"
    }

    public init(id: UUID, ticketId: UUID, otherId: UUID, kind: String, createdBy: UUID?, createdAt: Date) {
        self.id = id; self.ticketId = ticketId; self.otherId = otherId; self.kind = kind; self.createdBy = createdBy; self.createdAt = createdAt
    }

    /// The link seen from `ticket`: the kind and the ticket at the other end.
    public func seen(from ticket: UUID) -> (kind: TicketLinkKind, other: UUID)? {
        guard let stored = TicketLinkKind(rawValue: kind) else { return nil }
        return ticket == ticketId ? (stored, otherId) : (stored.inverse, ticketId)
    }
}

/// Links between tickets and the staff watching them. Callers have read the tickets through their scope first.
public enum TicketLinkStore {
    /// Every link touching a ticket, oldest first.
    public static func links(of ticketId: UUID, on db: any Database) async throws -> [TicketLinkRow] {
        try await (db as! any SQLDatabase).select().columns("id", "ticket_id", "other_id", "kind", "created_by", "created_at").from("ticket_links")
            .where("ticket_id", .equal, SQLBind(ticketId)).orWhere("other_id", .equal, SQLBind(ticketId))
            .orderBy("created_at").orderBy("id").all(decoding: TicketLinkRow.self, with: Store.rowDecoder)
    }

    public static func link(_ id: UUID, on db: any Database) async throws -> TicketLinkRow? {
        try await (db as! any SQLDatabase).select().columns("id", "ticket_id", "other_id", "kind", "created_by", "created_at").from("ticket_links")
            .where("id", .equal, SQLBind(id)).first(decoding: TicketLinkRow.self, with: Store.rowDecoder)
    }

    /// The stored parent of a ticket, if any.
    public static func parent(of ticketId: UUID, on db: any Database) async throws -> UUID? {
        try await (db as! any SQLDatabase).select().column("other_id").from("ticket_links")
            .where("ticket_id", .equal, SQLBind(ticketId)).where("kind", .equal, SQLBind(TicketLinkKind.parent.rawValue))
            .first()?.decode(column: "other_id", as: UUID.self)
    }

    /// The parent chain above a ticket, nearest first (stops at a repeat, so a damaged chain cannot loop).
    public static func ancestors(of ticketId: UUID, on db: any Database) async throws -> [UUID] {
        var chain: [UUID] = []
        var current = ticketId
        while let p = try await parent(of: current, on: db), !chain.contains(p), p != ticketId {
            chain.append(p)
            current = p
        }
        return chain
    }

    public static func insert(_ row: TicketLinkRow, on db: any Database) async throws {
        try await (db as! any SQLDatabase).insert(into: "ticket_links").columns("id", "ticket_id", "other_id", "kind", "created_by", "created_at")
            .values(SQLBind(row.id), SQLBind(row.ticketId), SQLBind(row.otherId), SQLBind(row.kind), SQLBind(row.createdBy), SQLBind(row.createdAt)).run()
    }

    public static func delete(_ id: UUID, on db: any Database) async throws {
        try await (db as! any SQLDatabase).delete(from: "ticket_links").where("id", .equal, SQLBind(id)).run()
    }

    /// The number of the ticket a ticket was merged into, from its timeline's `merged` entry.
    public static func mergedInto(_ ticketId: UUID, on db: any Database) async throws -> String? {
        try await (db as! any SQLDatabase).select().column("new_value").from("ticket_events")
            .where("ticket_id", .equal, SQLBind(ticketId)).where("kind", .equal, SQLBind(TicketEventKind.merged.rawValue))
            .where("field", .equal, SQLBind("into")).first()?.decode(column: "new_value", as: String.self)
    }

    // MARK: Watchers

    public static func watchers(of ticketId: UUID, on db: any Database) async throws -> [UUID] {
        try await (db as! any SQLDatabase).select().column("user_id").from("ticket_watchers").where("ticket_id", .equal, SQLBind(ticketId))
            .orderBy("created_at").all().map { try $0.decode(column: "user_id", as: UUID.self) }
    }

    /// False when the person already watched the ticket.
    @discardableResult
    public static func watch(_ ticketId: UUID, userId: UUID, at: Date, on db: any Database) async throws -> Bool {
        if try await watchers(of: ticketId, on: db).contains(userId) { return false }
        try await (db as! any SQLDatabase).insert(into: "ticket_watchers").columns("ticket_id", "user_id", "created_at")
            .values(SQLBind(ticketId), SQLBind(userId), SQLBind(at)).run()
        return true
    }

    public static func unwatch(_ ticketId: UUID, userId: UUID, on db: any Database) async throws {
        try await (db as! any SQLDatabase).delete(from: "ticket_watchers").where("ticket_id", .equal, SQLBind(ticketId))
            .where("user_id", .equal, SQLBind(userId)).run()
    }
}
