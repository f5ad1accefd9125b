import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// Loads many tickets at once (imports, benchmark seeding): the same rows, events and search documents as the
/// one-by-one path, written with multi-row statements inside the caller's transaction.
public enum BulkImport {
    /// Rows per statement: 31 000 binds at most, under PostgreSQL's 65 535 and this SQLite build's 250 000.
    static let chunk = 1_000

    /// Rows ready to insert, built outside the write transaction (the CPU work: rows, normalised search text).
    public struct Batch: Sendable {
        let tickets: [TicketRow]
        let events: [EventRow]
        let documents: [(seq: Int, body: String)]

        public init(_ items: [(ticket: Ticket, created: TicketEvent)]) {
            self.init(events: items.map { ($0.ticket, [$0.created]) })
        }

        /// Tickets with their first events (`created` first, then, say, their SLA clocks starting).
        public init(events items: [(ticket: Ticket, events: [TicketEvent])]) {
            tickets = items.map { TicketRow($0.ticket) }
            events = items.flatMap { item in
                item.events.enumerated().map { EventRow(id: UUID(), ticketId: item.ticket.id, version: item.ticket.version, ordinal: $0.offset, $0.element) }
            }
            documents = items.map { ($0.ticket.seq, SearchText.document($0.ticket.subject, $0.ticket.description)) }
        }

        public var count: Int { tickets.count }
    }

    public static func insert(_ batch: Batch, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let postgres = sql.dialect.name == "postgresql"
        for start in stride(from: 0, to: batch.count, by: chunk) {
            let range = start..<min(start + chunk, batch.count)
            try await sql.insert(into: "tickets").models(Array(batch.tickets[range]), with: Store.rowEncoder).run()
            var docs = sql.insert(into: "search_docs").columns(postgres ? "id" : "rowid", "ticket_seq", "internal", "body")
            for (seq, body) in batch.documents[range] {
                docs = docs.values(SQLBind(-seq), SQLBind(seq), postgres ? SQLBind(false) : SQLBind(0), SQLBind(body))
            }
            try await docs.run()
        }
        for start in stride(from: 0, to: batch.events.count, by: chunk) {
            try await sql.insert(into: "ticket_events").models(Array(batch.events[start..<min(start + chunk, batch.events.count)]), with: Store.rowEncoder).run()
        }
    }

    /// Moves the ticket number allocator past imported numbers.
    public static func reserveTicketNumbers(through seq: Int, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            _ = try await sql.raw("SELECT setval('ticket_seq', \(bind: seq))").all()
        } else {
            try await sql.raw("UPDATE counters SET value = max(value, \(bind: seq)) WHERE name = 'ticket'").run()
        }
    }

    /// Refreshes planner statistics after a large load.
    public static func analyze(on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("ANALYZE").run()
    }
}
