import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// The default service categories and the ITIL priority matrix.
struct M004_SeedCatalogue: AsyncMigration {
    func prepare(on db: any Database) async throws {
        // Plain SQL, not the model: the model carries columns later migrations add.
        for c in ServiceCategory.defaults {
            try await (db as! any SQLDatabase).insert(into: "categories").columns("key", "domain", "name_en", "name_fr")
                .values(SQLBind(c.key), SQLBind(c.domain.rawValue), SQLBind(c.nameEn), SQLBind(c.nameFr)).run()
        }
        let matrix = String(decoding: try JSONEncoder().encode(PriorityMatrix.itil), as: UTF8.self)
        try await SettingModel(key: SettingKey.priorityMatrix, value: matrix).create(on: db)
    }

    func revert(on db: any Database) async throws {
        try await CategoryModel.query(on: db).delete()
        try await SettingModel.query(on: db).delete()
    }
}

public enum SettingKey {
    public static let priorityMatrix = "priority_matrix"
    /// The installation's desk settings (`DeskSettings`, JSON).
    public static let desk = "desk"
}
