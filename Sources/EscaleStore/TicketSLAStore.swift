import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// Reads and writes `ticket_sla` rows (`SLASnapshot`s) through SQLKit.
public enum TicketSLAStore {
    struct Row: Codable {
        var ticketId: UUID
        var policyId: UUID
        var firstResponseDueAt: Date?
        var firstResponseWarningAt: Date?
        var firstResponseOutcome: String?
        var hasNextUpdate: Bool
        var nextUpdateDueAt: Date?
        var nextUpdateWarningAt: Date?
        var nextUpdateOutcome: String?
        var resolutionDueAt: Date?
        var resolutionWarningAt: Date?
        var resolutionOutcome: String?
        var paused: Bool
        var elapsedMinutes: Int
        var pausedMinutes: Int
        var updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case ticketId = "ticket_id", policyId = "policy_id", firstResponseDueAt = "first_response_due_at"
            case firstResponseWarningAt = "first_response_warning_at", firstResponseOutcome = "first_response_outcome"
            case hasNextUpdate = "has_next_update", nextUpdateDueAt = "next_update_due_at", nextUpdateWarningAt = "next_update_warning_at"
            case nextUpdateOutcome = "next_update_outcome", resolutionDueAt = "resolution_due_at"
            case resolutionWarningAt = "resolution_warning_at", resolutionOutcome = "resolution_outcome", paused
            case elapsedMinutes = "elapsed_minutes", pausedMinutes = "paused_minutes", updatedAt = "updated_at"
        }

        init(ticketId: UUID, policyId: UUID, _ s: SLASnapshot, at: Date) {
            self.ticketId = ticketId; self.policyId = policyId
            firstResponseDueAt = s.firstResponse.dueAt; firstResponseWarningAt = s.firstResponse.warningAt
            firstResponseOutcome = s.firstResponse.outcome?.rawValue
            hasNextUpdate = s.nextUpdate != nil
            nextUpdateDueAt = s.nextUpdate?.dueAt; nextUpdateWarningAt = s.nextUpdate?.warningAt; nextUpdateOutcome = s.nextUpdate?.outcome?.rawValue
            resolutionDueAt = s.resolution.dueAt; resolutionWarningAt = s.resolution.warningAt; resolutionOutcome = s.resolution.outcome?.rawValue
            paused = s.paused; elapsedMinutes = s.resolutionElapsedMinutes; pausedMinutes = s.pausedMinutes; updatedAt = at
        }

        var snapshot: (policyId: UUID, SLASnapshot) {
            func clock(_ due: Date?, _ warn: Date?, _ outcome: String?) -> SLASnapshot.Clock {
                .init(dueAt: due, warningAt: warn, outcome: outcome.flatMap(SLAStatus.init(rawValue:)))
            }
            return (policyId, SLASnapshot(
                firstResponse: clock(firstResponseDueAt, firstResponseWarningAt, firstResponseOutcome),
                nextUpdate: hasNextUpdate ? clock(nextUpdateDueAt, nextUpdateWarningAt, nextUpdateOutcome) : nil,
                resolution: clock(resolutionDueAt, resolutionWarningAt, resolutionOutcome),
                paused: paused, resolutionElapsedMinutes: elapsedMinutes, pausedMinutes: pausedMinutes))
        }
    }

    /// Replaces a ticket's snapshot.
    public static func save(_ snapshot: SLASnapshot, policyId: UUID, ticketId: UUID, at: Date, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.delete(from: "ticket_sla").where("ticket_id", .equal, SQLBind(ticketId)).run()
        try await sql.insert(into: "ticket_sla").model(Row(ticketId: ticketId, policyId: policyId, snapshot, at: at), with: Store.rowEncoder).run()
    }

    /// Replaces many tickets' snapshots (replays), a thousand per statement.
    public static func save(_ snapshots: [(UUID, SLASnapshot)], policyId: UUID, at: Date, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        for start in stride(from: 0, to: snapshots.count, by: 1_000) {
            let part = snapshots[start..<min(start + 1_000, snapshots.count)]
            try await sql.delete(from: "ticket_sla").where(SQLColumn("ticket_id"), .in, SQLBind.group(part.map(\.0))).run()
            try await sql.insert(into: "ticket_sla").models(part.map { Row(ticketId: $0.0, policyId: policyId, $0.1, at: at) }, with: Store.rowEncoder).run()
        }
    }

    /// The snapshots of these tickets, in one query.
    public static func load(_ ticketIds: [UUID], on db: any Database) async throws -> [UUID: (policyId: UUID, SLASnapshot)] {
        guard !ticketIds.isEmpty else { return [:] }
        let rows = try await (db as! any SQLDatabase).select().column("*").from("ticket_sla")
            .where(SQLColumn("ticket_id"), .in, SQLBind.group(ticketIds)).all(decoding: Row.self, with: Store.rowDecoder)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.ticketId, $0.snapshot) })
    }

    /// The snapshots of an organization's tickets created in `[from, to)`, with each ticket's current priority.
    public static func load(organizationId: UUID, createdFrom from: Date, to: Date, on db: any Database) async throws -> [(priority: Priority, sla: SLASnapshot)] {
        struct Joined: Codable {
            var priority: Int
            var row: Row
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: Key.self)
                priority = try c.decode(Int.self, forKey: .priority)
                row = try Row(from: decoder)
            }
            enum Key: String, CodingKey { case priority }
        }
        let rows = try await (db as! any SQLDatabase).select().column(SQLColumn("priority", table: "tickets")).column(SQLRaw("s.*"))
            .from(SQLAlias(SQLIdentifier("ticket_sla"), as: SQLIdentifier("s")))
            .join("tickets", on: SQLColumn("id", table: "tickets"), .equal, SQLColumn("ticket_id", table: "s"))
            .where(SQLColumn("organization_id", table: "tickets"), .equal, SQLBind(organizationId))
            .where(SQLColumn("created_at", table: "tickets"), .greaterThanOrEqual, SQLBind(from))
            .where(SQLColumn("created_at", table: "tickets"), .lessThan, SQLBind(to))
            .all(decoding: Joined.self, with: Store.rowDecoder)
        return rows.compactMap { j in Priority(rawValue: j.priority).map { ($0, j.row.snapshot.1) } }
    }
}
