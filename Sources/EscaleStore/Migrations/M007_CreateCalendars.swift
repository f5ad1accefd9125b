import FluentKit

/// Business calendars: a time zone and a definition (weekly hours, holidays) kept as JSON, read whole.
struct M007_CreateCalendars: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("calendars")
            .id()
            .field("name", .string, .required)
            .field("time_zone", .string, .required)
            .field("definition", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "name")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("calendars").delete()
    }
}
