import FluentKit
import SQLKit

/// What someone typed in a form that could not be applied (a conflict, a refusal), kept briefly so the page can be
/// shown again after a redirect (post/redirect/get) with nothing lost. Only the session that typed it reads it.
struct M016_CreateFormDrafts: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("form_drafts")
            .id()
            .field("session_id", .uuid, .required, .references("web_sessions", "id", onDelete: .cascade))
            .field("payload", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        // The hourly purge deletes by age.
        try await (db as! any SQLDatabase).create(index: "form_drafts_created").on("form_drafts").column("created_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("form_drafts").delete()
    }
}
