import FluentKit
import SQLKit

/// The e-mail channel's intake: mailboxes (each with its own intake token and optional IMAP account), every
/// inbound message kept raw with what became of it (the de-duplication key makes a redelivery store once), the
/// organizations' mail domains, whether a user's address still receives mail, and the quoted history of a message
/// kept beside what the person wrote. One column per ALTER TABLE (SQLite).
struct M021_CreateMailIntake: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("organizations").field("domains", .string, .required, .sql(.default("[]"))).update()
        try await db.schema("users").field("email_status", .string, .required, .sql(.default("ok"))).update()
        try await db.schema("users").field("email_status_reason", .string).update()
        try await db.schema("users").field("email_status_at", .datetime).update()
        try await db.schema("ticket_events").field("quoted", .string).update()
        try await db.schema("mailboxes")
            .id()
            .field("address", .string, .required)
            .field("name", .string, .required)
            .field("organization_id", .uuid, .references("organizations", "id"))
            .field("group_id", .uuid, .references("support_groups", "id"))
            .field("language", .string)
            .field("unknown_senders", .string, .required)
            .field("token_hash", .string, .required)
            .field("imap", .string)
            .field("imap_state", .string)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "address")
            .unique(on: "token_hash")
            .create()
        try await db.schema("inbound_messages")
            .id()
            .field("mailbox_id", .uuid, .required, .references("mailboxes", "id"))
            .field("dedupe_key", .string, .required)
            .field("message_id", .string)
            .field("from_address", .string)
            .field("subject", .string, .required)
            .field("raw_sha256", .string, .required)
            .field("size", .int, .required)
            .field("status", .string, .required)
            .field("detail", .string)
            .field("ticket_id", .uuid, .references("tickets", "id"))
            .field("event_id", .uuid)
            .field("envelope", .string, .required)
            .field("received_at", .datetime, .required)
            .field("handled_at", .datetime)
            .unique(on: "dedupe_key")
            .create()
        // Addresses copied on a ticket's mail that are not users: they get the public replies.
        try await db.schema("ticket_mail_cc")
            .field("ticket_id", .uuid, .required, .references("tickets", "id"))
            .field("address", .string, .required)
            .field("name", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "ticket_id", "address")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "inbound_messages_message_id").on("inbound_messages").column("message_id").run()
        try await sql.create(index: "inbound_messages_ticket").on("inbound_messages").column("ticket_id").run()
        try await sql.create(index: "inbound_messages_status").on("inbound_messages").column("status").column("received_at").run()
    }

    func revert(on db: any Database) async throws {
        for table in ["ticket_mail_cc", "inbound_messages", "mailboxes"] { try await db.schema(table).delete() }
        try await db.schema("ticket_events").deleteField("quoted").update()
        try await db.schema("users").deleteField("email_status_at").update()
        try await db.schema("users").deleteField("email_status_reason").update()
        try await db.schema("users").deleteField("email_status").update()
        try await db.schema("organizations").deleteField("domains").update()
    }
}
