import FluentKit
import SQLKit

/// The "due soon" queue asks which running clocks have passed their warning threshold: one index per clock.
struct M017_TicketSLAWarningIndexes: AsyncMigration {
    static let columns = ["first_response_warning_at", "next_update_warning_at", "resolution_warning_at"]

    func prepare(on db: any Database) async throws {
        for c in Self.columns { try await (db as! any SQLDatabase).create(index: "ticket_sla_\(c)").on("ticket_sla").column(c).run() }
    }

    func revert(on db: any Database) async throws {
        for c in Self.columns { try await (db as! any SQLDatabase).drop(index: "ticket_sla_\(c)").run() }
    }
}
