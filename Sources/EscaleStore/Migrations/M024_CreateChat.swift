import FluentKit
import SQLKit

/// Live chat: channels (the widget's public `key`, unique; the signing secret is derived from the server's key and
/// the channel's id, like integrations' tokens, so nothing secret is stored), chats (each one a ticket), their
/// messages (`seq` per chat, `client_id` unique per chat so a resend is stored once; a file's name, type and size kept on
/// the message so a transcript reads without a join) and agents' availability.
struct M024_CreateChat: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("chat_channels")
            .id()
            .field("name", .string, .required)
            .field("key", .string, .required)
            .field("secret_generation", .int, .required)
            .field("allowed_origins", .string, .required)
            .field("organization_id", .uuid, .references("organizations", "id"))
            .field("calendar_id", .uuid, .references("calendars", "id"))
            .field("greeting_fr", .string, .required)
            .field("greeting_en", .string, .required)
            .field("offline_fr", .string, .required)
            .field("offline_en", .string, .required)
            .field("on_portal", .bool, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "key")
            .create()
        try await db.schema("chats")
            .id()
            .field("channel_id", .uuid, .required, .references("chat_channels", "id"))
            .field("ticket_id", .uuid, .required, .references("tickets", "id"))
            .field("ticket_number", .string, .required)
            .field("organization_id", .uuid, .references("organizations", "id"))
            .field("visitor_id", .uuid, .required, .references("users", "id"))
            .field("visitor_name", .string, .required)
            .field("visitor_email", .string)
            .field("verified", .bool, .required)
            .field("token_hash", .string, .required)
            .field("state", .string, .required)
            .field("agent_id", .uuid, .references("users", "id"))
            .field("tier", .int, .required)
            .field("last_seq", .int, .required)
            .field("visitor_read_seq", .int, .required)
            .field("agent_read_seq", .int, .required)
            .field("created_at", .datetime, .required)
            .field("assigned_at", .datetime)
            .field("ended_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await db.schema("chat_messages")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id"))
            .field("seq", .int, .required)
            .field("client_id", .string, .required)
            .field("author", .string, .required)
            .field("user_id", .uuid, .references("users", "id"))
            .field("author_name", .string)
            .field("body", .string, .required)
            .field("event", .string)
            .field("attachment_id", .uuid, .references("attachments", "id"))
            .field("attachment_name", .string)
            .field("attachment_type", .string)
            .field("attachment_size", .int)
            .field("created_at", .datetime, .required)
            .unique(on: "chat_id", "seq")
            .unique(on: "chat_id", "client_id")
            .create()
        try await db.schema("agent_presence")
            .field("user_id", .uuid, .identifier(auto: false), .references("users", "id"))
            .field("availability", .string, .required)
            .field("max_chats", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "chats_state").on("chats").column("state").column("created_at").run()
        try await sql.create(index: "chats_agent").on("chats").column("agent_id").column("state").run()
        try await sql.create(index: "chats_ticket").on("chats").column("ticket_id").run()
        try await sql.create(index: "agent_presence_availability").on("agent_presence").column("availability").run()
    }

    func revert(on db: any Database) async throws {
        for table in ["agent_presence", "chat_messages", "chats", "chat_channels"] { try await db.schema(table).delete() }
    }
}
