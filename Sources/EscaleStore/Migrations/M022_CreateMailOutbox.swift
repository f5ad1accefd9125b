import FluentKit
import SQLKit

/// Outgoing mail, rendered when its event happened (a later template edit never changes what was sent), each
/// message sent by its own job; how far each ticket's timeline has been turned into notifications; each person's
/// choice of notifications; the single-use links of account mail (welcome, password reset); the templates
/// administrators changed (the built-in ones are resource files).
struct M022_CreateMailOutbox: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("mail_outbox")
            .id()
            .field("message_id", .string, .required).unique(on: "message_id")
            .field("ticket_id", .uuid)
            .field("kind", .string, .required)
            .field("recipient_id", .uuid)
            .field("to_address", .string, .required)
            .field("cc", .string, .required)
            .field("subject", .string, .required)
            .field("text_body", .string, .required)
            .field("html_body", .string)
            .field("in_reply_to", .string)
            .field("references", .string, .required)
            .field("auto_submitted", .bool, .required)
            .field("language", .string)
            .field("attachment_ids", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        let sql = db as! any SQLDatabase
        // A ticket's thread (In-Reply-To, References); the per-address rate limit; the administrators' list by status.
        try await sql.create(index: "mail_outbox_ticket").on("mail_outbox").column("ticket_id").column("created_at").run()
        try await sql.create(index: "mail_outbox_address").on("mail_outbox").column("to_address").column("created_at").run()
        try await sql.create(index: "mail_outbox_status").on("mail_outbox").column("status").column("created_at").run()
        try await db.schema("mail_notify_cursors")
            .field("id", .uuid, .identifier(auto: false))
            .field("ticket_version", .int, .required)
            .field("ordinal", .int, .required)
            .create()
        try await db.schema("notification_preferences")
            .field("id", .uuid, .identifier(auto: false), .references("users", "id", onDelete: .cascade))
            .field("choices", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await db.schema("account_tokens")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("token_hash", .string, .required).unique(on: "token_hash")
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .create()
        // The per-address limit on reset mails counts an account's recent links.
        try await sql.create(index: "account_tokens_user").on("account_tokens").column("user_id").column("created_at").run()
        try await db.schema("mail_templates")
            .id()
            .field("kind", .string, .required)
            .field("language", .string, .required)
            .field("subject", .string, .required)
            .field("text_body", .string, .required)
            .field("html_body", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "kind", "language")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("mail_templates").delete()
        try await db.schema("account_tokens").delete()
        try await db.schema("notification_preferences").delete()
        try await db.schema("mail_notify_cursors").delete()
        try await db.schema("mail_outbox").delete()
    }
}
