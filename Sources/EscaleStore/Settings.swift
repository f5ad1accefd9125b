import EscaleCore
import Foundation
import FluentKit
import SQLKit

/// The server's own settings, shared by every instance through the database.
public enum Settings {
    /// A random key for the server's signatures (acknowledge links, calendar feed tokens): made once, on first use,
    /// by whichever instance gets there first.
    public static func signingKey(store: Store) async throws -> [UInt8] {
        try await secret("signing_key", store: store)
    }

    /// 32 random bytes kept under `name`, made on first use by whichever instance gets there first (the agents'
    /// Ed25519 key is `agent_signing_key`).
    public static func secret(_ name: String, store: Store) async throws -> [UInt8] {
        if let key = try await read(name, on: store.sql) { return key }
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let hex = Hex.encode(bytes)
        try await store.write { db in
            try await (db as! any SQLDatabase).insert(into: "settings").columns("key", "value").values(SQLBind(name), SQLBind(hex))
                .ignoringConflicts(with: ["key"]).run()
        }
        return try await read(name, on: store.sql)!
    }

    private static func read(_ key: String, on sql: any SQLDatabase) async throws -> [UInt8]? {
        guard let hex = try await sql.select().column("value").from("settings").where("key", .equal, SQLBind(key)).first()?
            .decode(column: "value", as: String.self) else { return nil }
        return Hex.decode(hex)
    }
}

extension Settings {
    /// A JSON setting (`SettingKey`), or nil if never set.
    public static func json<T: Decodable>(_ type: T.Type, key: String, on db: any Database) async throws -> T? {
        guard let s = try await SettingModel.find(key, on: db) else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(s.value.utf8))
    }

    public static func setJSON(_ value: some Encodable, key: String, on db: any Database) async throws {
        let text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        let s = try await SettingModel.find(key, on: db) ?? SettingModel(key: key, value: text)
        s.value = text
        try await s.save(on: db)
    }
}
