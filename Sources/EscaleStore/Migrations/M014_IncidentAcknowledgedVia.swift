import FluentKit

/// What ended a paging: an explicit acknowledgement, or the ticket being handled meanwhile (assigned, answered,
/// resolved, closed).
struct M014_IncidentAcknowledgedVia: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("oncall_incidents").field("acknowledged_via", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("oncall_incidents").deleteField("acknowledged_via").update()
    }
}
