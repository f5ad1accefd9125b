import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import Synchronization

/// Where the data lives.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)
}

/// The database: one code path for the embedded SQLite default and for PostgreSQL.
///
/// Writes go through `write`, which runs one transaction per command. SQLite allows a single writer per file, and its
/// busy handler spins, so writers are queued in-process instead (FIFO), which is both fairer and faster.
public final class Store: Sendable {
    public enum Kind: Sendable { case sqlite, postgres }

    public let kind: Kind
    let databases: Databases
    let logger: Logger
    private let gate: WriteGate?

    private init(kind: Kind, databases: Databases, logger: Logger) {
        self.kind = kind
        self.databases = databases
        self.logger = logger
        self.gate = kind == .sqlite ? WriteGate() : nil
    }

    /// Opens (and for SQLite creates) the database. Does not migrate: call `migrate()`.
    public static func open(_ location: DatabaseLocation, logger: Logger, connectionsPerLoop: Int = 2) async throws -> Store {
        let databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        let store: Store
        switch location {
        case let .sqlite(path):
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: connectionsPerLoop), as: .sqlite)
            store = Store(kind: .sqlite, databases: databases, logger: logger)
            // WAL is a property of the file: readers never block the writer and commits need no fsync of the main file.
            _ = try await store.sql.raw("PRAGMA journal_mode=WAL").all()
        case let .postgres(url):
            try databases.use(.postgres(url: url, maxConnectionsPerEventLoop: connectionsPerLoop * 4), as: .psql)
            store = Store(kind: .postgres, databases: databases, logger: logger)
        }
        _ = try await store.sql.raw("SELECT 1").all()
        return store
    }

    /// A database handle for reads (pooled connections).
    public var database: any Database {
        databases.database(logger: logger, on: databases.eventLoopGroup.any())!
    }

    public var sql: any SQLDatabase { database as! any SQLDatabase }

    /// Runs `body` in one transaction: everything it writes commits together or not at all. Hooks registered with
    /// `afterCommit` during the transaction run once it has committed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let hooks = CommitHooks()
        let result = try await CommitHooks.$current.withValue(hooks) { try await transaction(body) }
        hooks.run()
        return result
    }

    /// Runs `hook` after the current `write` commits (at once outside a write). For caches of committed state.
    public static func afterCommit(_ hook: @escaping @Sendable () -> Void) {
        if let hooks = CommitHooks.current { hooks.add(hook) } else { hook() }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let gate else { return try await database.transaction(body) }
        await gate.acquire()
        do {
            let result = try await database.withConnection { conn in
                // Per connection; in WAL mode NORMAL is durable against application crashes and never corrupts.
                _ = try await (conn as! any SQLDatabase).raw("PRAGMA synchronous=NORMAL").all()
                return try await conn.transaction(body)
            }
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }

    /// Applies pending migrations. On PostgreSQL an advisory lock makes concurrent starts wait for each other.
    public func migrate() async throws {
        let migrations = Migrations()
        migrations.add(M001_CreateDirectory())
        migrations.add(M002_CreateTickets())
        migrations.add(M003_CreateSearchIndex())
        migrations.add(M004_SeedCatalogue())
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: databases.eventLoopGroup.any())
        let run: @Sendable () async throws -> Void = {
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
        }
        switch kind {
        case .sqlite:
            try await run()
        case .postgres:
            try await database.withConnection { conn in
                let sql = conn as! any SQLDatabase
                _ = try await sql.raw("SELECT pg_advisory_lock(7403521)").all()
                do {
                    try await run()
                    _ = try await sql.raw("SELECT pg_advisory_unlock(7403521)").all()
                } catch {
                    _ = try? await sql.raw("SELECT pg_advisory_unlock(7403521)").all()
                    throw error
                }
            }
        }
    }

    /// True when the database answers (readiness probe).
    public func ping() async -> Bool {
        (try? await sql.raw("SELECT 1").all()) != nil
    }

    public func close() async {
        await databases.shutdownAsync()
    }
}

final class CommitHooks: Sendable {
    @TaskLocal static var current: CommitHooks?
    private let hooks = Mutex<[@Sendable () -> Void]>([])
    func add(_ hook: @escaping @Sendable () -> Void) { hooks.withLock { $0.append(hook) } }
    func run() { for hook in hooks.withLock({ $0 }) { hook() } }
}

/// A FIFO async mutex: one SQLite writer at a time.
actor WriteGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    func acquire() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            if head > 64, head * 2 > waiters.count { waiters.removeFirst(head); head = 0 }
            next.resume()
        } else {
            busy = false
        }
    }
}

extension Store {
    /// The shared SQLKit row coders. Row types spell their snake_case columns in `CodingKeys`.
    static let rowDecoder = SQLRowDecoder()
    /// NULLs are written, not skipped: clearing a field (unassigning) must reach the row, and multi-row inserts
    /// need every row to have the same columns.
    static let rowEncoder = SQLQueryEncoder(nilEncodingStrategy: .asNil)
}
