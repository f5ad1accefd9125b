import FluentKit
import SQLKit

/// The agents' everyday tools: canned replies and macros, each an agent's own or shared by supervisors with all staff.
/// Lists read "mine or shared", so both columns are indexed. A macro's actions are JSON (`MacroActions`), validated
/// into a `Macro` (Core) on the way in and again when applied.
struct M018_CreateCannedRepliesAndMacros: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("canned_replies")
            .id()
            .field("owner_id", .uuid, .required, .references("users", "id"))
            .field("shared", .bool, .required)
            .field("title", .string, .required)
            .field("body_fr", .string, .required)
            .field("body_en", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await db.schema("macros")
            .id()
            .field("owner_id", .uuid, .required, .references("users", "id"))
            .field("shared", .bool, .required)
            .field("name", .string, .required)
            .field("actions", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = db as! any SQLDatabase
        for table in ["canned_replies", "macros"] {
            try await sql.create(index: "\(table)_owner").on(table).column("owner_id").run()
            try await sql.create(index: "\(table)_shared").on(table).column("shared").run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("macros").delete()
        try await db.schema("canned_replies").delete()
    }
}
