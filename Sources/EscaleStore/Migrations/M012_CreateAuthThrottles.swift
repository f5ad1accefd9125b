import FluentKit
import SQLKit

/// Failed password proofs per account, address and pair (`AuthThrottleStore`): in the database so that every
/// instance sees the same counts, and bounded by the housekeeping purge rather than by an in-memory reset.
struct M012_CreateAuthThrottles: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("auth_throttles")
            .id()
            .field("key", .string, .required)
            .field("kind", .string, .required)
            .field("subject", .string, .required)
            .field("failures", .int, .required)
            .field("last_failure_at", .datetime, .required)
            .unique(on: "key")
            .create()
        try await (db as! any SQLDatabase).create(index: "auth_throttles_last").on("auth_throttles").column("last_failure_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("auth_throttles").delete()
    }
}
