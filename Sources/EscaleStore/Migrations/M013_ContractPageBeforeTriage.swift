import FluentKit
import SQLKit

/// Whether a requester's priority 1–2 ticket pages on-call before N1 triage (off: N1 sees it first).
struct M013_ContractPageBeforeTriage: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("contracts").field("page_before_triage", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("contracts").deleteField("page_before_triage").update()
    }
}
