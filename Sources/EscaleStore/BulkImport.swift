import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// Loads many tickets at once (imports, benchmark seeding): the same rows, events and search documents as the
/// one-by-one path, written with multi-row statements inside the caller's transaction.
public enum BulkImport {
    /// Rows per statement: well under SQLite's and PostgreSQL's bind limits.
    static let chunk = 400

    public static func tickets(_ items: [(ticket: Ticket, created: TicketEvent)], on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let postgres = sql.dialect.name == "postgresql"
        for start in stride(from: 0, to: items.count, by: chunk) {
            let slice = items[start..<min(start + chunk, items.count)]
            try await sql.insert(into: "tickets").models(slice.map { TicketRow($0.ticket) }, with: Store.rowEncoder).run()
            try await sql.insert(into: "ticket_events")
                .models(slice.map { EventRow(id: UUID(), ticketId: $0.ticket.id, version: $0.ticket.version, ordinal: 0, $0.created) }, with: Store.rowEncoder)
                .run()
            var docs = sql.insert(into: "search_docs").columns(postgres ? "id" : "rowid", "ticket_seq", "internal", "body")
            for item in slice {
                let t = item.ticket
                docs = docs.values(SQLBind(-t.seq), SQLBind(t.seq), postgres ? SQLBind(false) : SQLBind(0), SQLBind(SearchText.document(t.subject, t.description)))
            }
            try await docs.run()
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
