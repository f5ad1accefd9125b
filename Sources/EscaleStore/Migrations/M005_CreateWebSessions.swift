import FluentKit
import SQLKit

/// Browser sessions for the web interface, and each user's time zone (pages show times in it).
struct M005_CreateWebSessions: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("web_sessions")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id"))
            // SHA-256 of the cookie value: a leaked database does not yield usable sessions.
            .field("token_hash", .string, .required)
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await db.schema("users").field("time_zone", .string, .required, .sql(.default("Europe/Paris"))).update()
        try await (db as! any SQLDatabase).create(index: "web_sessions_user").on("web_sessions").column("user_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("web_sessions").delete()
        try await db.schema("users").deleteField("time_zone").update()
    }
}
