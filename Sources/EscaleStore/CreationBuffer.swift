import EscaleCore
import FluentKit
import Foundation
import SQLKit
import Synchronization

/// New tickets created in one SQLite transaction, written together just before it commits: one multi-row insert per
/// table and one counter update for the whole group instead of four statements per ticket.
///
/// This is safe because nothing else in the transaction can refer to a ticket created in it: its id and number reach
/// the client only after the commit. (A failure at flush fails the transaction, and the group commit then reruns
/// each write alone.) PostgreSQL, with many writers and a sequence, writes tickets immediately.
final class CreationBuffer: Sendable {
    @TaskLocal static var current: CreationBuffer?

    private struct State {
        var items: [(ticket: Ticket, events: [TicketEvent])] = []
        var lastSeq: Int?
        var counterRead = false
    }

    private let state = Mutex(State())

    /// The next ticket number: the counter is read once per transaction and advanced in memory.
    func nextSeq(on sql: any SQLDatabase) async throws -> Int {
        if let next = state.withLock({ s -> Int? in
            guard let last = s.lastSeq else { return nil }
            s.lastSeq = last + 1
            return last + 1
        }) { return next }
        let row = try await sql.raw("SELECT value FROM counters WHERE name = 'ticket'").first()
        let current = try row!.decode(column: "value", as: Int.self)
        return state.withLock { s in
            s.lastSeq = (s.lastSeq ?? current) + 1
            s.counterRead = true
            return s.lastSeq!
        }
    }

    func add(_ ticket: Ticket, events: [TicketEvent]) {
        state.withLock { $0.items.append((ticket, events)) }
    }

    /// Writes what was buffered, inside the still-open transaction.
    func flush(on db: any Database) async throws {
        let (items, lastSeq) = state.withLock { s in
            defer { s.items.removeAll() }
            return (s.items, s.counterRead ? s.lastSeq : nil)
        }
        if !items.isEmpty { try await BulkImport.insert(BulkImport.Batch(events: items), on: db) }
        if let lastSeq {
            try await (db as! any SQLDatabase).raw("UPDATE counters SET value = \(bind: lastSeq) WHERE name = 'ticket'").run()
        }
    }
}
