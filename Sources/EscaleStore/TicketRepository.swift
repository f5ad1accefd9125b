import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// Filters of the ticket list. Every query also carries the caller's `TicketScope`.
public struct TicketFilter: Sendable {
    public var statuses: [TicketStatus]?
    public var openOnly = false
    public var priority: Priority?
    public var groupId: UUID?
    public var assigneeId: UUID?
    public var organizationId: UUID?
    public var requesterId: UUID?
    public var tier: Tier?
    public var updatedSince: Date?
    public var category: String?
    /// How the tickets arrived (`monitoring`, `phone`…).
    public var channel: String?
    /// Tickets of any of these groups (an agent's groups).
    public var groupIds: [UUID]?
    /// Only tickets nobody is assigned to.
    public var unassigned = false
    /// Only tickets no group holds.
    public var ungrouped = false
    /// Returns tickets with `seq` below this (keyset pagination, newest first).
    public var beforeSeq: Int?
    public var sort: TicketSort = .newest
    /// "Due soon" at this instant: only tickets with a running SLA clock past its policy's warning threshold (at
    /// risk, or already breached), the clock due first first. A clock paused on the requester is not running.
    public var slaAtRiskAt: Date?
    /// Rows to skip (page-number pagination for sorts other than `newest`).
    public var offset = 0
    public var limit = 50
    public init() {}
}

extension TicketFilter {
    /// One group in `groupIds` (an agent's usual case) becomes an equality, which the queue indexes serve in order.
    var normalised: TicketFilter {
        guard let g = groupIds, g.count == 1, groupId == nil else { return self }
        var f = self
        f.groupId = g[0]
        f.groupIds = nil
        return f
    }
}

public enum TicketSort: String, Sendable, CaseIterable {
    case newest, oldest, priority, updated
}

/// Ticket persistence through SQLKit. Tenant isolation lives here: every read takes a `TicketScope` and
/// turns it into the WHERE clause; there is no way to read a ticket without one.
public enum TicketRepository {
    static let columns = "id, seq, type, subject, description, requester_id, organization_id, channel, category, impact, urgency, priority, major, status, open, tier, group_id, assignee_id, occurred_at, created_at, updated_at, first_response_at, resolved_at, closed_at, time_spent_minutes, estimated_minutes, tags, parent_id, contract_id, out_of_scope, version"

    /// Allocates the next ticket number inside the caller's transaction.
    public static func nextSeq(on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        if let buffer = CreationBuffer.current { return try await buffer.nextSeq(on: sql) }
        if sql.dialect.name == "postgresql" {
            let row = try await sql.raw("SELECT nextval('ticket_seq') AS value").first()
            return try row!.decode(column: "value", as: Int.self)
        }
        let row = try await sql.raw("UPDATE counters SET value = value + 1 WHERE name = 'ticket' RETURNING value").first()
        return try row!.decode(column: "value", as: Int.self)
    }

    /// Records a new ticket with its `created` event and its search document (at the end of the transaction when
    /// the store groups creations, see `CreationBuffer`).
    public static func insertNew(_ ticket: Ticket, events: [TicketEvent], on db: any Database) async throws {
        if let buffer = CreationBuffer.current {
            buffer.add(ticket, events: events)
        } else {
            try await BulkImport.insert(BulkImport.Batch(events: [(ticket, events)]), on: db)
        }
    }

    /// Writes the new state if nobody changed the ticket since `expectedVersion`; false otherwise.
    public static func update(_ ticket: Ticket, expectedVersion: Int, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        let rows = try await sql.update("tickets")
            .set(model: TicketRow(ticket), with: Store.rowEncoder)
            .where("id", .equal, SQLBind(ticket.id))
            .where("version", .equal, SQLBind(expectedVersion))
            .returning("version")
            .all()
        return !rows.isEmpty
    }

    /// The ticket, if it exists and the scope lets the caller see it. Otherwise nil: callers answer 404 either way.
    public static func find(_ id: UUID, scope: TicketScope, forUpdate: Bool = false, on db: any Database) async throws -> Ticket? {
        guard let visibility = visibility(scope) else { return nil }
        let sql = db as! any SQLDatabase
        var query = sql.select().column(SQLRaw(columns)).from("tickets").where("id", .equal, SQLBind(id))
        if let visibility { query = query.where(visibility) }
        if forUpdate, sql.dialect.name == "postgresql" { query = query.lockingClause(SQLLockingClause.update) }
        return try await query.first(decoding: TicketRow.self, with: Store.rowDecoder)?.ticket()
    }

    public static func list(_ filter: TicketFilter, scope: TicketScope, on db: any Database) async throws -> [Ticket] {
        let filter = filter.normalised
        guard let visibility = visibility(scope) else { return [] }
        let sql = db as! any SQLDatabase
        var q = sql.select().column(SQLRaw(filter.slaAtRiskAt != nil ? qualifiedColumns : columns)).from("tickets")
        if let visibility { q = q.where(visibility) }
        q = apply(filter, to: q)
        if filter.slaAtRiskAt != nil {
            // The earliest due instant among the clocks still running; finished ones count as never.
            let least = sql.dialect.name == "postgresql" ? "LEAST" : "MIN"
            let far = Date.distantFuture
            let due = SQLQueryString("""
                \(unsafeRaw: least)(\
                COALESCE(CASE WHEN ticket_sla.first_response_outcome IS NULL THEN ticket_sla.first_response_due_at END, \(bind: far)), \
                COALESCE(CASE WHEN ticket_sla.next_update_outcome IS NULL THEN ticket_sla.next_update_due_at END, \(bind: far)), \
                COALESCE(CASE WHEN ticket_sla.resolution_outcome IS NULL THEN ticket_sla.resolution_due_at END, \(bind: far)))
                """)
            q = q.orderBy(SQLOrderBy(expression: due, direction: SQLDirection.ascending)).orderBy(SQLOrderBy(expression: SQLColumn("seq", table: "tickets"), direction: SQLDirection.descending)).limit(filter.limit)
            if filter.offset > 0 { q = q.offset(filter.offset) }
            return try await q.all(decoding: TicketRow.self, with: Store.rowDecoder).map { try $0.ticket() }
        }
        switch filter.sort {
        case .newest:
            // Lead the order with the columns the filter fixes by equality (constant, so the result is unchanged), so
            // PostgreSQL's planner sees that the matching queue index yields the order. Otherwise it walks the seq index
            // backwards and filters, which degrades when the newest tickets are not in the queue.
            for column in leadingOrder(filter) { q = q.orderBy(column, .descending) }
            q = q.orderBy("seq", .descending)
        case .oldest: q = q.orderBy("seq", .ascending)
        case .priority:
            // Lead with a column the filter fixes, as above, so PostgreSQL sees the partial index yields the order.
            if filter.openOnly, filter.groupId != nil { q = q.orderBy("group_id", .ascending) }
            if filter.openOnly, filter.tier != nil { q = q.orderBy("tier", .ascending) }
            q = q.orderBy("priority", .ascending).orderBy("seq", .descending)
        case .updated: q = q.orderBy("updated_at", .descending).orderBy("seq", .descending)
        }
        q = q.limit(filter.limit)
        if filter.offset > 0 { q = q.offset(filter.offset) }
        return try await q.all(decoding: TicketRow.self, with: Store.rowDecoder).map { try $0.ticket() }
    }

    /// How many tickets match, counting no further than `cap` (navigation badges show "cap+"): the cost stays bounded
    /// however large a queue grows.
    public static func count(_ filter: TicketFilter, scope: TicketScope, cap: Int, on db: any Database) async throws -> Int {
        let filter = filter.normalised
        guard let visibility = visibility(scope) else { return 0 }
        var inner = (db as! any SQLDatabase).select().column(SQLLiteral.numeric("1")).from("tickets")
        if let visibility { inner = inner.where(visibility) }
        inner = apply(filter, to: inner).limit(cap)
        let row = try await (db as! any SQLDatabase).select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLGroupExpression(inner.query), as: SQLIdentifier("capped"))).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How "open tickets only" is written everywhere, so that the partial indexes match it.
    static let openPredicate = "open = TRUE"

    static let qualifiedColumns = columns.split(separator: ",").map { "tickets." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    static func apply(_ filter: TicketFilter, to query: SQLSelectBuilder) -> SQLSelectBuilder {
        var q = query
        if let now = filter.slaAtRiskAt {
            q = q.join("ticket_sla", on: SQLColumn("ticket_id", table: "ticket_sla"), .equal, SQLColumn("id", table: "tickets"))
                .where(SQLQueryString("""
                    ((ticket_sla.first_response_outcome IS NULL AND ticket_sla.first_response_warning_at <= \(bind: now)) \
                    OR (ticket_sla.paused = FALSE AND ticket_sla.next_update_outcome IS NULL AND ticket_sla.next_update_warning_at <= \(bind: now)) \
                    OR (ticket_sla.paused = FALSE AND ticket_sla.resolution_outcome IS NULL AND ticket_sla.resolution_warning_at <= \(bind: now)))
                    """))
        }
        if let s = filter.statuses, !s.isEmpty { q = q.where(SQLColumn("status"), .in, SQLBind.group(s.map(\.rawValue))) }
        // A literal, not a parameter: the partial queue indexes (M006) are usable only for this exact term.
        if filter.openOnly { q = q.where(SQLRaw(openPredicate)) }
        if let p = filter.priority { q = q.where("priority", .equal, SQLBind(p.rawValue)) }
        if let g = filter.groupId { q = q.where("group_id", .equal, SQLBind(g)) }
        if let a = filter.assigneeId { q = q.where("assignee_id", .equal, SQLBind(a)) }
        if let o = filter.organizationId { q = q.where("organization_id", .equal, SQLBind(o)) }
        if let r = filter.requesterId { q = q.where("requester_id", .equal, SQLBind(r)) }
        if let t = filter.tier { q = q.where("tier", .equal, SQLBind(t.rawValue)) }
        if let u = filter.updatedSince { q = q.where(SQLColumn("updated_at", table: "tickets"), .greaterThanOrEqual, SQLBind(u)) }
        if let c = filter.category { q = q.where("category", .equal, SQLBind(c)) }
        if let c = filter.channel { q = q.where("channel", .equal, SQLBind(c)) }
        if let g = filter.groupIds {
            // No group at all matches nothing (and `IN ()` is not valid SQL on PostgreSQL).
            q = g.isEmpty ? q.where(SQLRaw("1 = 0")) : q.where(SQLColumn("group_id"), .in, SQLBind.group(g))
        }
        if filter.unassigned { q = q.where(SQLColumn("assignee_id"), .is, SQLLiteral.null) }
        if filter.ungrouped { q = q.where(SQLColumn("group_id"), .is, SQLLiteral.null) }
        if let b = filter.beforeSeq { q = q.where("seq", .lessThan, SQLBind(b)) }
        return q
    }

    static func leadingOrder(_ f: TicketFilter) -> [String] {
        if f.openOnly, f.groupId != nil { return ["group_id", "open"] }
        if f.openOnly, f.assigneeId != nil { return ["assignee_id", "open"] }
        if f.openOnly, f.tier != nil { return ["tier", "open"] }
        if f.organizationId != nil { return ["organization_id"] }
        if f.requesterId != nil { return ["requester_id"] }
        if let s = f.statuses, s.count == 1 { return ["status"] }
        return []
    }

    /// Tickets by primary key, in the scope (used to hydrate search results in one query, and to open a ticket by number).
    public static func find(seqs: [Int], scope: TicketScope, on db: any Database) async throws -> [Int: Ticket] {
        guard !seqs.isEmpty, let visibility = visibility(scope) else { return [:] }
        var q = (db as! any SQLDatabase).select().column(SQLRaw(columns)).from("tickets").where(SQLColumn("seq"), .in, SQLBind.group(seqs))
        if let visibility { q = q.where(visibility) }
        let tickets = try await q.all(decoding: TicketRow.self, with: Store.rowDecoder).map { try $0.ticket() }
        return Dictionary(uniqueKeysWithValues: tickets.map { ($0.seq, $0) })
    }

    /// Tickets by id, in the scope, in one query per 500.
    public static func find(ids: [UUID], scope: TicketScope, on db: any Database) async throws -> [UUID: Ticket] {
        guard !ids.isEmpty, let visibility = visibility(scope) else { return [:] }
        var out: [UUID: Ticket] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            var q = (db as! any SQLDatabase).select().column(SQLRaw(columns)).from("tickets")
                .where(SQLColumn("id"), .in, SQLBind.group(Array(ids[start..<min(start + 500, ids.count)])))
            if let visibility { q = q.where(visibility) }
            for t in try await q.all(decoding: TicketRow.self, with: Store.rowDecoder).map({ try $0.ticket() }) { out[t.id] = t }
        }
        return out
    }

    /// The scope as SQL: `.some(nil)` means "no restriction", `nil` means "nothing is visible".
    static func visibility(_ scope: TicketScope) -> SQLExpression?? {
        switch scope {
        case .all:
            return .some(nil)
        case let .organizations(ids):
            return .some(SQLBinaryExpression(SQLColumn("organization_id", table: "tickets"), SQLBinaryOperator.in, SQLGroupExpression(ids.map { SQLBind($0) })))
        case let .organization(id):
            return .some(SQLBinaryExpression(SQLColumn("organization_id", table: "tickets"), SQLBinaryOperator.equal, SQLBind(id)))
        case let .requester(id):
            return .some(SQLBinaryExpression(SQLColumn("requester_id", table: "tickets"), SQLBinaryOperator.equal, SQLBind(id)))
        case .nothing:
            return nil
        }
    }

    /// Writes tickets buffered by this transaction now, for a command that goes on to refer to one it created.
    public static func flushPendingCreations(on db: any Database) async throws {
        try await CreationBuffer.current?.flush(on: db)
    }

    /// The id of a ticket's `created` event (its first timeline entry).
    public static func createdEventId(of ticketId: UUID, on db: any Database) async throws -> UUID? {
        try await (db as! any SQLDatabase).select().column("id").from("ticket_events")
            .where("ticket_id", .equal, SQLBind(ticketId)).where("ticket_version", .equal, SQLBind(1)).where("ordinal", .equal, SQLBind(0))
            .first()?.decode(column: "id", as: UUID.self)
    }

    // MARK: Timeline

    /// Appends events produced by one command; they share the ticket version the command produced.
    @discardableResult
    public static func append(_ events: [TicketEvent], to ticketId: UUID, version: Int, on db: any Database) async throws -> [UUID] {
        guard !events.isEmpty else { return [] }
        let rows = events.enumerated().map { EventRow(id: UUID(), ticketId: ticketId, version: version, ordinal: $0.offset, $0.element) }
        try await (db as! any SQLDatabase).insert(into: "ticket_events").models(rows, with: Store.rowEncoder).run()
        return rows.map(\.id)
    }

    /// An organization's open tickets after a ticket number, in number order (replays walk them in chunks).
    public static func openTickets(organizationId: UUID, afterSeq: Int, limit: Int, on db: any Database) async throws -> [Ticket] {
        try await (db as! any SQLDatabase).select().column(SQLRaw(columns)).from("tickets")
            .where("organization_id", .equal, SQLBind(organizationId)).where(SQLRaw(openPredicate))
            .where("seq", .greaterThan, SQLBind(afterSeq)).orderBy("seq").limit(limit)
            .all(decoding: TicketRow.self, with: Store.rowDecoder).map { try $0.ticket() }
    }

    /// The entries SLA replays read (status, field changes, replies, SLA transitions, escalations, pages) of many
    /// tickets, in one query per thousand tickets.
    public static func slaTimelines(of ticketIds: [UUID], on db: any Database) async throws -> [UUID: [TicketEvent]] {
        var out: [UUID: [TicketEvent]] = [:]
        let kinds: [TicketEventKind] = [.statusChanged, .fieldChanged, .reply, .sla, .escalated, .paged]
        for start in stride(from: 0, to: ticketIds.count, by: 1_000) {
            let ids = Array(ticketIds[start..<min(start + 1_000, ticketIds.count)])
            let rows = try await (db as! any SQLDatabase).select()
                .columns("ticket_id", "ticket_version", "ordinal", "kind", "actor_id", "public", "field", "old_value", "new_value", "created_at")
                .from("ticket_events")
                .where(SQLColumn("ticket_id"), .in, SQLBind.group(ids)).where(SQLColumn("kind"), .in, SQLBind.group(kinds.map(\.rawValue)))
                .orderBy("ticket_id").orderBy("ticket_version").orderBy("ordinal")
                .all(decoding: SLAEventRow.self, with: Store.rowDecoder)
            for r in rows {
                guard let kind = TicketEventKind(rawValue: r.kind) else { continue }
                out[r.ticketId, default: []].append(TicketEvent(kind: kind, actorId: r.actorId, at: r.createdAt, isPublic: r.public,
                                                                field: r.field, oldValue: r.oldValue, newValue: r.newValue))
            }
        }
        return out
    }

    /// Appends entries the desk itself writes (SLA transitions, pages) without a new ticket version: they change no
    /// field of the ticket, so nobody's open form becomes stale because of them. They follow the entries of that version.
    public static func appendSystem(_ events: [TicketEvent], to ticketId: UUID, version: Int, on db: any Database) async throws {
        try await appendSystem([(ticketId, version, events)], on: db)
    }

    /// `appendSystem` for many tickets at once (replays): one query per thousand tickets for where each timeline ends,
    /// one insert per thousand entries.
    public static func appendSystem(_ batch: [(ticketId: UUID, version: Int, events: [TicketEvent])], on db: any Database) async throws {
        let batch = batch.filter { !$0.events.isEmpty }
        guard !batch.isEmpty else { return }
        let sql = db as! any SQLDatabase
        struct Last: Decodable { var ticket_id: UUID; var ticket_version: Int; var m: Int }
        struct Key: Hashable { let ticket: UUID; let version: Int }
        var last: [Key: Int] = [:]
        for start in stride(from: 0, to: batch.count, by: 1_000) {
            let ids = batch[start..<min(start + 1_000, batch.count)].map(\.ticketId)
            let rows = try await sql.select().column("ticket_id").column("ticket_version").column(SQLFunction("MAX", args: SQLColumn("ordinal")), as: "m")
                .from("ticket_events").where(SQLColumn("ticket_id"), .in, SQLBind.group(ids))
                .groupBy("ticket_id").groupBy("ticket_version").all(decoding: Last.self)
            for r in rows { last[Key(ticket: r.ticket_id, version: r.ticket_version)] = r.m }
        }
        var rows: [EventRow] = []
        for item in batch {
            let base = (last[Key(ticket: item.ticketId, version: item.version)] ?? -1) + 1
            rows += item.events.enumerated().map { EventRow(id: UUID(), ticketId: item.ticketId, version: item.version, ordinal: base + $0.offset, $0.element) }
        }
        for start in stride(from: 0, to: rows.count, by: 1_000) {
            try await sql.insert(into: "ticket_events").models(Array(rows[start..<min(start + 1_000, rows.count)]), with: Store.rowEncoder).run()
        }
    }

    /// The timeline in order, internal entries included only when asked.
    public static func timeline(of ticketId: UUID, includeInternal: Bool, on db: any Database) async throws -> [(id: UUID, event: TicketEvent)] {
        var q = (db as! any SQLDatabase).select().column("*").from("ticket_events").where("ticket_id", .equal, SQLBind(ticketId))
        if !includeInternal { q = q.where("public", .equal, SQLBind(true)) }
        let rows = try await q.orderBy("ticket_version").orderBy("ordinal").all(decoding: EventRow.self, with: Store.rowDecoder)
        return try rows.map { ($0.id, try $0.event()) }
    }
}

/// The columns of `ticket_events` that SLA replays need (no bodies).
struct SLAEventRow: Decodable {
    var ticketId: UUID
    var kind: String
    var actorId: UUID?
    var `public`: Bool
    var field: String?
    var oldValue: String?
    var newValue: String?
    var createdAt: Date
    enum CodingKeys: String, CodingKey {
        case ticketId = "ticket_id", kind, actorId = "actor_id", `public`, field, oldValue = "old_value", newValue = "new_value", createdAt = "created_at"
    }
}
