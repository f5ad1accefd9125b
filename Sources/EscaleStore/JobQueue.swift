import FluentKit
import Foundation
import SQLKit

/// A timer kept in the database: survives restarts and crashes, and runs once across instances.
public struct Job: Sendable, Equatable {
    public let id: UUID
    /// At most one pending job per key: scheduling the same key again moves it (one SLA timer per ticket, say).
    public let key: String
    public let kind: String
    public let runAt: Date
    public let payload: String
    /// Claims so far, this one included.
    public let attempts: Int
    public let maxAttempts: Int
    /// Proof of this claim: only its holder may complete or retry the job.
    public let leaseToken: UUID?
}

/// The durable scheduler's table (`jobs`).
///
/// A claim leases due jobs to one runner (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent instances never claim
/// the same row; SQLite: a single writer). The runner then completes a job in the transaction that applies its
/// effects — `complete` deletes the row only if the lease is still its own — so a job's database effects commit once,
/// even if its runner dies or outlives its lease. A crashed runner's lease expires and the job is claimed again.
public enum JobQueue {
    struct Row: Codable {
        var id: UUID
        var key: String
        var kind: String
        var runAt: Date
        var payload: String
        var attempts: Int
        var maxAttempts: Int
        var leaseToken: UUID?
        var leaseUntil: Date?
        var failed: Bool
        var lastError: String?
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, key, kind, runAt = "run_at", payload, attempts, maxAttempts = "max_attempts", leaseToken = "lease_token"
            case leaseUntil = "lease_until", failed, lastError = "last_error", createdAt = "created_at"
        }

        var job: Job {
            Job(id: id, key: key, kind: kind, runAt: runAt, payload: payload, attempts: attempts, maxAttempts: maxAttempts, leaseToken: leaseToken)
        }
    }

    /// Schedules a job, or moves the pending job of the same key (a fresh start: attempts and errors cleared).
    public static func schedule(key: String, kind: String, at runAt: Date, payload: String = "{}", maxAttempts: Int = 8, now: Date, on db: any Database) async throws {
        try await schedule([(key, kind, runAt, payload)], maxAttempts: maxAttempts, now: now, on: db)
    }

    /// Schedules many jobs in one statement per thousand (SLA replays).
    public static func schedule(_ jobs: [(key: String, kind: String, runAt: Date, payload: String)], maxAttempts: Int = 8, now: Date, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        for start in stride(from: 0, to: jobs.count, by: 1_000) {
            let rows = jobs[start..<min(start + 1_000, jobs.count)].map {
                Row(id: UUID(), key: $0.key, kind: $0.kind, runAt: $0.runAt, payload: $0.payload, attempts: 0, maxAttempts: maxAttempts,
                    leaseToken: nil, leaseUntil: nil, failed: false, lastError: nil, createdAt: now)
            }
            try await sql.insert(into: "jobs").models(rows, with: Store.rowEncoder)
                .onConflict(with: ["key"]) {
                    $0.set(excludedValueOf: "kind").set(excludedValueOf: "run_at").set(excludedValueOf: "payload")
                        .set(excludedValueOf: "attempts").set(excludedValueOf: "max_attempts").set(excludedValueOf: "lease_token")
                        .set(excludedValueOf: "lease_until").set(excludedValueOf: "failed").set(excludedValueOf: "last_error")
                }
                .run()
        }
    }

    /// Cancels the pending job of a key, if any.
    public static func cancel(key: String, on db: any Database) async throws {
        try await (db as! any SQLDatabase).delete(from: "jobs").where("key", .equal, SQLBind(key)).run()
    }

    public static func cancel(keys: [String], on db: any Database) async throws {
        for start in stride(from: 0, to: keys.count, by: 1_000) {
            try await (db as! any SQLDatabase).delete(from: "jobs")
                .where(SQLColumn("key"), .in, SQLBind.group(Array(keys[start..<min(start + 1_000, keys.count)]))).run()
        }
    }

    /// Leases up to `limit` due jobs, earliest first, for `lease` seconds. Runs in its own short transaction.
    public static func claim(now: Date, limit: Int, lease: TimeInterval, store: Store) async throws -> [Job] {
        let token = UUID()
        let postgres = store.kind == .postgres
        return try await store.write { db in
            let sql = db as! any SQLDatabase
            let lock = postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let rows = try await sql.raw("""
                UPDATE jobs SET lease_token = \(bind: token), lease_until = \(bind: now.addingTimeInterval(lease)), attempts = attempts + 1
                WHERE id IN (SELECT id FROM jobs WHERE failed = \(bind: false) AND run_at <= \(bind: now)
                             AND (lease_until IS NULL OR lease_until <= \(bind: now)) ORDER BY run_at LIMIT \(unsafeRaw: String(limit))\(unsafeRaw: lock))
                RETURNING *
                """).all(decoding: Row.self, with: Store.rowDecoder)
            return rows.map(\.job).sorted { $0.runAt < $1.runAt }
        }
    }

    /// Deletes a claimed job inside the transaction that applies its effects. False if the lease was lost (the
    /// job was moved, cancelled or claimed again): the caller must then apply nothing.
    public static func complete(_ job: Job, on db: any Database) async throws -> Bool {
        guard let token = job.leaseToken else { return false }
        let rows = try await (db as! any SQLDatabase).delete(from: "jobs").where("id", .equal, SQLBind(job.id))
            .where("lease_token", .equal, SQLBind(token)).returning("id").all()
        return !rows.isEmpty
    }

    /// After a failed run: try again later with exponential backoff, or give up once attempts are spent.
    /// Returns false when the job has failed for good.
    @discardableResult
    public static func retry(_ job: Job, error: String, now: Date, baseDelay: TimeInterval = 30, on db: any Database) async throws -> Bool {
        guard let token = job.leaseToken else { return false }
        let exhausted = job.attempts >= job.maxAttempts
        let delay = min(baseDelay * pow(2, Double(max(0, job.attempts - 1))), 3_600)
        try await (db as! any SQLDatabase).update("jobs")
            .set("run_at", to: SQLBind(now.addingTimeInterval(delay)))
            .set("lease_token", to: SQLLiteral.null).set("lease_until", to: SQLLiteral.null)
            .set("failed", to: SQLBind(exhausted)).set("last_error", to: SQLBind(String(error.prefix(2_000))))
            .where("id", .equal, SQLBind(job.id)).where("lease_token", .equal, SQLBind(token)).run()
        return !exhausted
    }

    /// What the scheduler holds (operations, `/metrics`, tests).
    public struct Counts: Sendable, Equatable {
        public let pending: Int
        public let due: Int
        public let failed: Int
    }

    public static func counts(now: Date, on db: any Database) async throws -> Counts {
        let row = try await (db as! any SQLDatabase).raw("""
            SELECT COUNT(*) AS total,
                   COALESCE(SUM(CASE WHEN failed = \(bind: false) AND run_at <= \(bind: now) THEN 1 ELSE 0 END), 0) AS due,
                   COALESCE(SUM(CASE WHEN failed = \(bind: true) THEN 1 ELSE 0 END), 0) AS failed
            FROM jobs
            """).first()
        let total = try row?.decode(column: "total", as: Int.self) ?? 0
        let failed = try row?.decode(column: "failed", as: Int.self) ?? 0
        return Counts(pending: total - failed, due: try row?.decode(column: "due", as: Int.self) ?? 0, failed: failed)
    }

    /// The pending job of a key.
    public static func find(key: String, on db: any Database) async throws -> Job? {
        try await (db as! any SQLDatabase).select().column("*").from("jobs").where("key", .equal, SQLBind(key))
            .first(decoding: Row.self, with: Store.rowDecoder)?.job
    }

    /// Whether a job is due now (a cheap read before a claim, which writes).
    public static func hasDue(now: Date, on db: any Database) async throws -> Bool {
        try await (db as! any SQLDatabase).select().column(SQLLiteral.numeric("1")).from("jobs").where("failed", .equal, SQLBind(false))
            .where("run_at", .lessThanOrEqual, SQLBind(now))
            .where(SQLGroupExpression(SQLBinaryExpression(SQLColumn("lease_until"), .is, SQLLiteral.null)), .or,
                   SQLBinaryExpression(SQLColumn("lease_until"), .lessThanOrEqual, SQLBind(now)))
            .limit(1).first() != nil
    }
}
