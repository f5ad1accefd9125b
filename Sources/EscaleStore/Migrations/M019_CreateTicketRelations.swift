import FluentKit
import Foundation
import SQLKit

/// Links between tickets (one row per link, from the side where it reads `related`, `parent` or `duplicate_of`) and
/// the staff who watch a ticket. Tickets that already had a `parent_id` get their `parent` link.
struct M019_CreateTicketRelations: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("ticket_links")
            .id()
            .field("ticket_id", .uuid, .required, .references("tickets", "id"))
            .field("other_id", .uuid, .required, .references("tickets", "id"))
            .field("kind", .string, .required)
            .field("created_by", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "ticket_id", "other_id")
            .create()
        try await db.schema("ticket_watchers")
            .field("ticket_id", .uuid, .required, .references("tickets", "id"))
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "ticket_id", "user_id")
            .create()
        let sql = db as! any SQLDatabase
        // A ticket's links are read from both ends; "what do I watch" reads by user.
        try await sql.create(index: "ticket_links_other").on("ticket_links").column("other_id").run()
        try await sql.create(index: "ticket_watchers_user").on("ticket_watchers").column("user_id").run()

        struct Parented: Decodable { var id: UUID; var parent_id: UUID; var updated_at: Date }
        let rows = try await sql.select().columns("id", "parent_id", "updated_at").from("tickets")
            .where(SQLColumn("parent_id"), .isNot, SQLLiteral.null).all(decoding: Parented.self)
        for r in rows {
            try await sql.insert(into: "ticket_links").columns("id", "ticket_id", "other_id", "kind", "created_at")
                .values(SQLBind(UUID()), SQLBind(r.id), SQLBind(r.parent_id), SQLBind("parent"), SQLBind(r.updated_at)).run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("ticket_watchers").delete()
        try await db.schema("ticket_links").delete()
    }
}
