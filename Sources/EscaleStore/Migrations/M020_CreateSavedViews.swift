import FluentKit
import SQLKit

/// Queues saved with their filters: personal (the owner's) or shared with every agent.
struct M020_CreateSavedViews: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("saved_views")
            .id()
            .field("owner_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("shared", .bool, .required)
            .field("name", .string, .required)
            .field("queue", .string, .required)
            .field("query", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        // Each page of the console lists the reader's views and the shared ones.
        try await (db as! any SQLDatabase).create(index: "saved_views_owner").on("saved_views").column("owner_id").run()
        try await (db as! any SQLDatabase).create(index: "saved_views_shared").on("saved_views").column("shared").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("saved_views").delete()
    }
}
