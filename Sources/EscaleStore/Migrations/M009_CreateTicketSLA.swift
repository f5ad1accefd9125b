import FluentKit
import SQLKit

/// Each ticket's SLA as of its last change (`SLASnapshot`): due and warning instants, or outcomes, per clock. Kept
/// beside `tickets` so the ticket hot paths do not change; lists read it in one query for their page.
struct M009_CreateTicketSLA: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("ticket_sla")
            .field("ticket_id", .uuid, .identifier(auto: false))
            .field("policy_id", .uuid, .required)
            .field("first_response_due_at", .datetime)
            .field("first_response_warning_at", .datetime)
            .field("first_response_outcome", .string)
            .field("has_next_update", .bool, .required)
            .field("next_update_due_at", .datetime)
            .field("next_update_warning_at", .datetime)
            .field("next_update_outcome", .string)
            .field("resolution_due_at", .datetime)
            .field("resolution_warning_at", .datetime)
            .field("resolution_outcome", .string)
            .field("paused", .bool, .required)
            .field("elapsed_minutes", .int, .required)
            .field("paused_minutes", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        // "Breaching soon": running resolution clocks by due time.
        try await (db as! any SQLDatabase).create(index: "ticket_sla_resolution_due").on("ticket_sla").column("resolution_due_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("ticket_sla").delete()
    }
}
