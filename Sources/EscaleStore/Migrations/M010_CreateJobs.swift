import FluentKit
import SQLKit

/// The durable scheduler's timers (`JobQueue`).
struct M010_CreateJobs: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("jobs")
            .id()
            .field("key", .string, .required)
            .field("kind", .string, .required)
            .field("run_at", .datetime, .required)
            .field("payload", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("lease_token", .uuid)
            .field("lease_until", .datetime)
            .field("failed", .bool, .required)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "key")
            .create()
        // The claim query: due, unfailed jobs in order.
        try await (db as! any SQLDatabase).create(index: "jobs_due").on("jobs").column("failed").column("run_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("jobs").delete()
    }
}
