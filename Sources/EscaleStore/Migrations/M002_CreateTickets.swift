import FluentKit
import SQLKit

/// Tickets, their append-only timeline, attachments, idempotency records and the ticket number counter.
struct M002_CreateTickets: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("tickets")
            .id()
            .field("seq", .int64, .required).unique(on: "seq")
            .field("type", .string, .required)
            .field("subject", .string, .required)
            .field("description", .string, .required)
            .field("requester_id", .uuid, .required, .references("users", "id"))
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("channel", .string, .required)
            .field("category", .string)
            .field("impact", .string, .required)
            .field("urgency", .string, .required)
            .field("priority", .int, .required)
            .field("major", .bool, .required)
            .field("status", .string, .required)
            // Derived from status; indexed with the queue keys so "open tickets of X" is a range scan.
            .field("open", .bool, .required)
            .field("tier", .int, .required)
            .field("group_id", .uuid, .references("support_groups", "id"))
            .field("assignee_id", .uuid, .references("users", "id"))
            .field("occurred_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("first_response_at", .datetime)
            .field("resolved_at", .datetime)
            .field("closed_at", .datetime)
            .field("time_spent_minutes", .int, .required)
            .field("estimated_minutes", .int)
            .field("tags", .string, .required)
            .field("parent_id", .uuid)
            .field("contract_id", .uuid)
            .field("out_of_scope", .bool, .required)
            .field("version", .int, .required)
            .create()
        try await db.schema("ticket_events")
            .id()
            .field("ticket_id", .uuid, .required, .references("tickets", "id"))
            .field("ticket_version", .int, .required)
            .field("ordinal", .int, .required)
            .field("kind", .string, .required)
            .field("actor_id", .uuid)
            .field("public", .bool, .required)
            .field("body", .string)
            .field("field", .string)
            .field("old_value", .string)
            .field("new_value", .string)
            .field("from_tier", .int)
            .field("to_tier", .int)
            .field("reason", .string)
            .field("minutes", .int)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("attachments")
            .id()
            .field("ticket_id", .uuid, .required, .references("tickets", "id"))
            .field("event_id", .uuid, .references("ticket_events", "id"))
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("public", .bool, .required)
            .field("uploaded_by", .uuid, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("idempotency_keys")
            .id()
            .field("user_id", .uuid, .required)
            .field("key", .string, .required)
            .field("method", .string, .required)
            .field("path", .string, .required)
            .field("fingerprint", .string, .required)
            .field("status", .int, .required)
            .field("body", .string, .required)
            .field("headers", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "key")
            .create()
        try await db.schema("counters")
            .field("name", .string, .identifier(auto: false))
            .field("value", .int64, .required)
            .create()

        let sql = db as! any SQLDatabase
        // Queues and filters: each list the API offers is a range scan on one of these, newest first.
        let indexes: [(table: String, name: String, columns: [String])] = [
            ("tickets", "tickets_org_seq", ["organization_id", "seq"]),
            ("tickets", "tickets_requester_seq", ["requester_id", "seq"]),
            ("tickets", "tickets_group_open_seq", ["group_id", "open", "seq"]),
            ("tickets", "tickets_assignee_open_seq", ["assignee_id", "open", "seq"]),
            ("tickets", "tickets_tier_open_seq", ["tier", "open", "seq"]),
            ("tickets", "tickets_status_seq", ["status", "seq"]),
            ("tickets", "tickets_updated_at", ["updated_at"]),
            ("ticket_events", "ticket_events_ticket", ["ticket_id", "ticket_version", "ordinal"]),
            ("attachments", "attachments_ticket", ["ticket_id"]),
            ("idempotency_keys", "idempotency_keys_created", ["created_at"]),
        ]
        for index in indexes {
            var builder = sql.create(index: index.name).on(index.table)
            for c in index.columns { builder = builder.column(c) }
            try await builder.run()
        }
        if sql.dialect.name == "postgresql" {
            // Ticket numbers come from a sequence: concurrent creates never wait on each other for a number.
            try await sql.raw("CREATE SEQUENCE ticket_seq").run()
        } else {
            try await sql.insert(into: "counters").columns("name", "value").values(SQLBind("ticket"), SQLBind(0)).run()
        }
    }

    func revert(on db: any Database) async throws {
        for table in ["counters", "idempotency_keys", "attachments", "ticket_events", "tickets"] {
            try await db.schema(table).delete()
        }
    }
}
