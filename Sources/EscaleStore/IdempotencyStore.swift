import FluentKit
import Foundation
import SQLKit

/// The first response to a POST carrying an `Idempotency-Key`, replayed on retries.
public struct StoredResponse: Codable, Sendable, Equatable {
    public var status: Int
    public var body: String
    public var location: String?
    public var etag: String?
    public init(status: Int, body: String, location: String?, etag: String?) {
        self.status = status; self.body = body; self.location = location; self.etag = etag
    }
}

/// Idempotency records, written in the same transaction as the command they belong to, so a command and its
/// record commit together: a retry either finds the record or finds nothing was done.
public enum IdempotencyStore {
    public struct Record: Sendable {
        public var fingerprint: String
        public var response: StoredResponse
    }

    /// Keys are kept this long; older ones are purged and may be reused.
    public static let retention: TimeInterval = 24 * 3600

    public static func find(userId: UUID, key: String, on db: any Database) async throws -> Record? {
        let sql = db as! any SQLDatabase
        guard let row = try await sql.select().columns("fingerprint", "status", "body", "headers").from("idempotency_keys")
            .where("user_id", .equal, SQLBind(userId)).where("key", .equal, SQLBind(key)).first() else { return nil }
        let headers = try JSONDecoder().decode([String: String].self, from: Data(try row.decode(column: "headers", as: String.self).utf8))
        return Record(
            fingerprint: try row.decode(column: "fingerprint", as: String.self),
            response: StoredResponse(status: try row.decode(column: "status", as: Int.self), body: try row.decode(column: "body", as: String.self),
                                     location: headers["location"], etag: headers["etag"]))
    }

    /// Saves the record; throws the database's unique-violation error if a concurrent request with the same key won.
    public static func save(userId: UUID, key: String, method: String, path: String, fingerprint: String, response: StoredResponse, at now: Date, on db: any Database) async throws {
        var headers: [String: String] = [:]
        headers["location"] = response.location
        headers["etag"] = response.etag
        let headerJSON = String(decoding: try JSONEncoder().encode(headers), as: UTF8.self)
        try await (db as! any SQLDatabase).insert(into: "idempotency_keys")
            .columns("id", "user_id", "key", "method", "path", "fingerprint", "status", "body", "headers", "created_at")
            .values(SQLBind(UUID()), SQLBind(userId), SQLBind(key), SQLBind(method), SQLBind(path), SQLBind(fingerprint),
                    SQLBind(response.status), SQLBind(response.body), SQLBind(headerJSON), SQLBind(now))
            .run()
    }

    public static func purge(olderThan date: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).delete(from: "idempotency_keys").where("created_at", .lessThan, SQLBind(date)).run()
    }
}
