import FluentKit

/// An organization's default language; users that follow their browser's language until they pick one; groups,
/// categories and organizations that can be deactivated (kept for history, offered no more).
/// One column per statement: SQLite adds a single column per ALTER TABLE.
struct M015_RoutingAndLanguages: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("organizations").field("locale", .string).update()
        try await db.schema("organizations").field("active", .bool, .required, .sql(.default(true))).update()
        try await db.schema("support_groups").field("active", .bool, .required, .sql(.default(true))).update()
        try await db.schema("categories").field("active", .bool, .required, .sql(.default(true))).update()
        try await db.schema("users").field("locale_auto", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("users").deleteField("locale_auto").update()
        try await db.schema("categories").deleteField("active").update()
        try await db.schema("support_groups").deleteField("active").update()
        try await db.schema("organizations").deleteField("active").update()
        try await db.schema("organizations").deleteField("locale").update()
    }
}
