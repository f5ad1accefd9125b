import FluentKit
import SQLKit

/// A machine's software rows found by name and version, not only by machine: an inventory with changes deletes the
/// rows of the packages that went or moved, and with an index on the machine alone each of those deletes read all of
/// the machine's thousand rows from the table. The new index starts with the machine, so it serves every lookup by
/// machine the old one did.
struct M027_AssetSoftwareByName: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.create(index: "asset_software_asset_name").on("asset_software").column("asset_id").column("name").column("version").run()
        try await sql.drop(index: "asset_software_asset").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.create(index: "asset_software_asset").on("asset_software").column("asset_id").run()
        try await sql.drop(index: "asset_software_asset_name").run()
    }
}
