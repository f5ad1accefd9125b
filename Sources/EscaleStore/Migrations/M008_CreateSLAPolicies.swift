import FluentKit

/// SLA policies: targets per priority, pause statuses and warning threshold, kept as JSON and read whole.
struct M008_CreateSLAPolicies: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("sla_policies")
            .id()
            .field("name", .string, .required)
            .field("calendar_id", .uuid, .required, .references("calendars", "id"))
            .field("definition", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "name")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("sla_policies").delete()
    }
}
