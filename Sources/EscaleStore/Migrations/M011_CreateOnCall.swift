import FluentKit
import SQLKit

/// On-call: schedules and escalation policies (definitions kept as JSON and read whole), people's contact methods,
/// paging incidents, and what contracts add: their on-call policy and their automatic escalation rules.
struct M011_CreateOnCall: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("oncall_schedules")
            .id()
            .field("name", .string, .required)
            .field("time_zone", .string, .required)
            .field("definition", .string, .required)
            .field("feed_generation", .int, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "name")
            .create()
        try await db.schema("oncall_policies")
            .id()
            .field("name", .string, .required)
            .field("definition", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "name")
            .create()
        try await db.schema("contact_methods")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("type", .string, .required)
            .field("address", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "type", "address")
            .create()
        try await db.schema("oncall_incidents")
            .id()
            .field("ticket_id", .uuid, .required, .references("tickets", "id"))
            .field("policy_id", .uuid, .required)
            .field("state", .string, .required)
            .field("step", .int, .required)
            .field("round", .int, .required)
            .field("acknowledged_by", .uuid)
            .field("acknowledged_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        // E-mail waiting for the mail channel (a later issue sends what is here; until then pages by e-mail are recorded).
        try await db.schema("outbox")
            .id()
            .field("to_address", .string, .required)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "oncall_incidents_ticket").on("oncall_incidents").column("ticket_id").run()
        try await sql.create(index: "contact_methods_user").on("contact_methods").column("user_id").run()
        try await db.schema("contracts").field("on_call_policy_id", .uuid).update()
        try await db.schema("contracts").field("escalation_rules", .string, .required, .sql(.default("[]"))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("contracts").deleteField("escalation_rules").update()
        try await db.schema("contracts").deleteField("on_call_policy_id").update()
        for table in ["outbox", "oncall_incidents", "contact_methods", "oncall_policies", "oncall_schedules"] {
            try await db.schema(table).delete()
        }
    }
}
