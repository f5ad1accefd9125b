import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// Reads for supervising the desk, in the caller's scope like every ticket read: the open load per tier, group and
/// assignee, and the open tickets whose SLA is breached or at risk.
extension TicketRepository {
    /// How many open tickets share a tier, a group and an assignee (nil: none).
    public struct OpenCount: Sendable, Equatable {
        public let tier: Tier
        public let groupId: UUID?
        public let assigneeId: UUID?
        public let count: Int
    }

    /// Open tickets counted per (tier, group, assignee) in one aggregate query: one row per combination in use, so the
    /// answer's size follows the directory (groups × their members), not the number of tickets.
    public static func openCounts(scope: TicketScope, on db: any Database) async throws -> [OpenCount] {
        guard let visibility = visibility(scope) else { return [] }
        struct Row: Decodable {
            var tier: Int
            var group_id: UUID?
            var assignee_id: UUID?
            var n: Int
        }
        var q = (db as! any SQLDatabase).select().column("tier").column("group_id").column("assignee_id")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("tickets").where(SQLRaw(openPredicate))
        if let visibility { q = q.where(visibility) }
        let rows = try await q.groupBy("tier").groupBy("group_id").groupBy("assignee_id").all(decoding: Row.self)
        return rows.compactMap { r in
            Tier(rawValue: r.tier).map { OpenCount(tier: $0, groupId: r.group_id, assigneeId: r.assignee_id, count: r.n) }
        }
    }

    /// Where an open ticket's SLA stands, for the supervision lists.
    public enum SLAWatch: Sendable {
        /// A clock done late, or running past its due time.
        case breached
        /// A running clock past its warning instant and not yet due, with no clock breached.
        case atRisk
    }

    /// Open tickets whose snapshot (`ticket_sla`) puts them in `watch` at `now` — read exactly as
    /// `SLASnapshot.Clock.status(at:)` reads a clock — most urgent priority first, then oldest first.
    public static func openTickets(sla watch: SLAWatch, at now: Date, scope: TicketScope, limit: Int, on db: any Database) async throws -> [Ticket] {
        guard let visibility = visibility(scope) else { return [] }
        let clocks = ["first_response", "next_update", "resolution"]
        let breached = anyOf(clocks.map { clockBreached($0, now: now) })
        var q = (db as! any SQLDatabase).select().column(SQLRaw(qualifiedColumns)).from("tickets")
            .join("ticket_sla", on: SQLColumn("ticket_id", table: "ticket_sla"), .equal, SQLColumn("id", table: "tickets"))
            .where(SQLRaw(openPredicate))
        if let visibility { q = q.where(visibility) }
        switch watch {
        case .breached:
            q = q.where(breached)
        case .atRisk:
            q = q.where(anyOf(clocks.map { clockAtRisk($0, now: now) })).where("NOT \(breached)" as SQLQueryString)
        }
        return try await q.orderBy(SQLOrderBy(expression: SQLColumn("priority", table: "tickets"), direction: SQLDirection.ascending))
            .orderBy(SQLOrderBy(expression: SQLColumn("seq", table: "tickets"), direction: SQLDirection.ascending))
            .limit(limit).all(decoding: TicketRow.self, with: Store.rowDecoder).map { try $0.ticket() }
    }

    // Every term is true or false, never NULL (a clock a policy does not have is all NULLs), so that NOT works.
    static func clockBreached(_ clock: String, now: Date) -> SQLQueryString {
        let c = "ticket_sla." + clock
        return """
            (\(unsafeRaw: c)_outcome IS NOT NULL AND \(unsafeRaw: c)_outcome = 'breached' \
            OR \(unsafeRaw: c)_outcome IS NULL AND \(unsafeRaw: c)_due_at IS NOT NULL AND \(unsafeRaw: c)_due_at <= \(bind: now))
            """
    }

    static func clockAtRisk(_ clock: String, now: Date) -> SQLQueryString {
        let c = "ticket_sla." + clock
        return """
            (\(unsafeRaw: c)_outcome IS NULL AND \(unsafeRaw: c)_warning_at IS NOT NULL AND \(unsafeRaw: c)_warning_at <= \(bind: now) \
            AND (\(unsafeRaw: c)_due_at IS NULL OR \(unsafeRaw: c)_due_at > \(bind: now)))
            """
    }

    /// `(a OR b OR …)`.
    static func anyOf(_ terms: [SQLQueryString]) -> SQLGroupExpression {
        SQLGroupExpression(SQLList(terms, separator: SQLRaw(" OR ")))
    }
}
