import FluentKit
import Foundation
import SQLKit

/// Counts of failed password proofs (`SignInThrottle` in Core decides what they mean). One row per key; the count
/// restarts from one when the previous failure is older than the window.
public enum AuthThrottleStore {
    public struct Row: Codable, Sendable, Equatable {
        public var id: UUID
        public var key: String
        public var kind: String
        public var subject: String
        public var failures: Int
        public var lastFailureAt: Date

        enum CodingKeys: String, CodingKey {
            case id, key, kind, subject, failures, lastFailureAt = "last_failure_at"
        }
    }

    public static func rows(keys: [String], on db: any Database) async throws -> [Row] {
        guard !keys.isEmpty else { return [] }
        return try await (db as! any SQLDatabase).select().columns("*").from("auth_throttles")
            .where(SQLColumn("key"), .in, SQLBind.group(keys)).all(decoding: Row.self, with: Store.rowDecoder)
    }

    /// Counts one failure under each key, in one statement per key (an upsert, so concurrent instances add up).
    public static func recordFailure(_ keys: [(kind: String, key: String, subject: String)], now: Date, window: TimeInterval, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let stale = now.addingTimeInterval(-window)
        for k in keys {
            try await sql.raw("""
                INSERT INTO auth_throttles (id, key, kind, subject, failures, last_failure_at)
                VALUES (\(bind: UUID()), \(bind: k.key), \(bind: k.kind), \(bind: k.subject), 1, \(bind: now))
                ON CONFLICT (key) DO UPDATE SET
                  failures = CASE WHEN auth_throttles.last_failure_at <= \(bind: stale) THEN 1 ELSE auth_throttles.failures + 1 END,
                  last_failure_at = excluded.last_failure_at
                """).run()
        }
    }

    public static func clear(keys: [String], on db: any Database) async throws {
        guard !keys.isEmpty else { return }
        try await (db as! any SQLDatabase).delete(from: "auth_throttles").where(SQLColumn("key"), .in, SQLBind.group(keys)).run()
    }

    /// Marks an address as known to an account (its "last failure" is then the last success).
    public static func markKnown(key: String, subject: String, now: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("""
            INSERT INTO auth_throttles (id, key, kind, subject, failures, last_failure_at)
            VALUES (\(bind: UUID()), \(bind: key), 'known', \(bind: subject), 0, \(bind: now))
            ON CONFLICT (key) DO UPDATE SET last_failure_at = excluded.last_failure_at
            """).run()
    }

    /// Keys with a failure since `since`, most failures first (known addresses left out).
    public static func recent(since: Date, limit: Int, on db: any Database) async throws -> [Row] {
        try await (db as! any SQLDatabase).select().columns("*").from("auth_throttles")
            .where("last_failure_at", .greaterThan, SQLBind(since)).where("kind", .notEqual, SQLBind("known"))
            .orderBy("failures", .descending).orderBy("last_failure_at", .descending).limit(limit)
            .all(decoding: Row.self, with: Store.rowDecoder)
    }

    /// Removes one row; returns it if it existed.
    public static func delete(id: UUID, on db: any Database) async throws -> Row? {
        let sql = db as! any SQLDatabase
        guard let row = try await sql.select().columns("*").from("auth_throttles").where("id", .equal, SQLBind(id))
            .first(decoding: Row.self, with: Store.rowDecoder) else { return nil }
        try await sql.delete(from: "auth_throttles").where("id", .equal, SQLBind(id)).run()
        return row
    }

    /// Housekeeping: counts whose last failure is older than the window, and known addresses older than theirs.
    public static func purge(olderThan cutoff: Date, knownOlderThan forgotten: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).delete(from: "auth_throttles")
            .where("kind", .notEqual, SQLBind("known")).where("last_failure_at", .lessThan, SQLBind(cutoff)).run()
        try await (db as! any SQLDatabase).delete(from: "auth_throttles")
            .where("kind", .equal, SQLBind("known")).where("last_failure_at", .lessThan, SQLBind(forgotten)).run()
    }
}
