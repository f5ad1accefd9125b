import EscaleCore
import FluentKit
import Foundation

/// The default service categories and the ITIL priority matrix.
struct M004_SeedCatalogue: AsyncMigration {
    func prepare(on db: any Database) async throws {
        for c in ServiceCategory.defaults {
            try await CategoryModel(key: c.key, domain: c.domain.rawValue, nameEn: c.nameEn, nameFr: c.nameFr).create(on: db)
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
}
