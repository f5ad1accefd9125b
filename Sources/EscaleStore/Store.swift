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
/// busy handler spins, so writers are queued in-process instead and committed in groups (`GroupCommitter`).
public final class Store: Sendable {
    public enum Kind: Sendable { case sqlite, postgres }

    public let kind: Kind
    public let location: DatabaseLocation
    let databases: Databases
    let logger: Logger
    private let committer: GroupCommitter?
    /// The storage fault the last write met, until one succeeds (`/readyz`).
    let health = StorageHealth()

    /// Statements executed so far, when opened with `countQueries` (tests assert pages make no N+1 queries).
    public var queriesExecuted: Int { queryCounter?.value.load(ordering: .relaxed) ?? 0 }
    private let queryCounter: QueryCounter?

    private init(location: DatabaseLocation, databases: Databases, logger: Logger, countQueries: Bool = false) {
        self.location = location
        switch location {
        case .sqlite: kind = .sqlite
        case .postgres: kind = .postgres
        }
        self.databases = databases
        let counter = countQueries ? QueryCounter() : nil
        self.queryCounter = counter
        if let counter {
            let inner = logger
            var counting = Logger(label: logger.label) { _ in QueryCountingHandler(inner: inner.handler, counter: counter) }
            counting.logLevel = .debug
            self.logger = counting
        } else {
            self.logger = logger
        }
        self.committer = kind == .sqlite ? GroupCommitter(databases: databases, logger: logger) : nil
    }

    /// SQLite's calls block a thread each: with only NIO's shared pool (one thread a core), the single writer's
    /// statements queued behind readers decoding machines' inventories. Process-wide, like NIO's own singletons.
    static let sqliteThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(4, System.coreCount * 2))
        pool.start()
        return pool
    }()

    /// Opens (and for SQLite creates) the database. Does not migrate: call `migrate()`.
    public static func open(_ location: DatabaseLocation, logger: Logger, connectionsPerLoop: Int = 2, countQueries: Bool = false) async throws -> Store {
        let threads: NIOThreadPool
        if case .sqlite = location { threads = sqliteThreads } else { threads = .singleton }
        let databases = Databases(threadPool: threads, on: MultiThreadedEventLoopGroup.singleton)
        let store: Store
        switch location {
        case let .sqlite(path):
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            // SQLite would take an empty file for a new database: a truncated desk must not silently become a new one.
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64, size == 0 {
                throw OpenError(description: "\(path) is an empty file (0 bytes), not an Escale database: restore it from a backup, or remove it to start a new desk")
            }
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw OpenError(description: "cannot create the data directory: " + FileSystemCheck.describe(error, path: dir))
            }
            databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: connectionsPerLoop), as: .sqlite)
            // The single writer's own connection (one, on one event loop): it never waits for a reader to give a pooled
            // connection back.
            databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: 1), as: .sqliteWriter, isDefault: false)
            store = Store(location: location, databases: databases, logger: logger, countQueries: countQueries)
            do {
                // WAL is a property of the file: readers never block the writer and commits need no fsync of the main file.
                _ = try await store.sql.raw("PRAGMA journal_mode=WAL").all()
            } catch {
                await store.close()
                if let problem = FileSystemCheck.problem(at: dir) { throw OpenError(description: "cannot open \(path): \(problem.detail)") }
                if !FileManager.default.isWritableFile(atPath: dir) { throw OpenError(description: "cannot open \(path): \(dir) is not writable by uid \(getuid())") }
                throw OpenError(description: "cannot open \(path): \(error)")
            }
        case let .postgres(url):
            try databases.use(.postgres(url: url, maxConnectionsPerEventLoop: connectionsPerLoop * 4), as: .psql)
            store = Store(location: location, databases: databases, logger: logger, countQueries: countQueries)
        }
        do {
            _ = try await store.sql.raw("SELECT 1").all()
        } catch {
            // A pool must be shut down before it goes away (the server refusing connections is a clear error, not a crash).
            await store.close()
            throw error
        }
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
        let result: T
        do {
            result = try await CommitHooks.$current.withValue(hooks) { try await transaction(body) }
        } catch {
            // A full disk or read-only storage is the operator's problem: callers get `StorageUnavailable`.
            throw health.record(error)
        }
        health.cleared()
        hooks.run()
        return result
    }

    /// A start-up failure described plainly (an empty database file, a read-only or full file system).
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether the database can take writes now: the last write's fault, confirmed by a probe write (a fault may have
    /// been fixed meanwhile), or the SQLite file system's state.
    public func storageProblem() async -> String? {
        if case let .sqlite(path) = location, let p = FileSystemCheck.problem(at: URL(fileURLWithPath: path).deletingLastPathComponent().path) {
            return p.fault.rawValue + ": " + p.detail
        }
        guard let fault = health.current else { return nil }
        // Rewriting the settings row needs a page (SQLite) or a tuple (PostgreSQL): it fails while the fault lasts.
        do {
            try await write { db in try await (db as! any SQLDatabase).raw("UPDATE settings SET value = value WHERE key = 'signing_key'").run() }
            return nil
        } catch {
            return fault.fault.rawValue + ": " + fault.detail
        }
    }

    /// Runs `hook` after the current `write` commits (at once outside a write). For caches of committed state.
    public static func afterCommit(_ hook: @escaping @Sendable () -> Void) {
        if let hooks = CommitHooks.current { hooks.add(hook) } else { hook() }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let committer else {
            // A write started as the server shuts down (a deferred flush) fails like an unavailable disk, never crashes.
            guard let db = databases.database(logger: logger, on: databases.eventLoopGroup.any()) else {
                throw StorageUnavailable(fault: .ioError, detail: "the database is closed: the server is shutting down")
            }
            return try await db.transaction(body)
        }
        return try await committer.submit { db in try await body(db) } as! T
    }

    /// Every migration, in order. A new one goes at the end, in a file of its own.
    public static var migrations: [any Migration] {
        [M001_CreateDirectory(), M002_CreateTickets(), M003_CreateSearchIndex(), M004_SeedCatalogue(), M005_CreateWebSessions(),
         M006_QueueSortIndexes(), M007_CreateCalendars(), M008_CreateSLAPolicies(),
         M009_CreateTicketSLA(), M010_CreateJobs(), M011_CreateOnCall(), M012_CreateAuthThrottles(),
         M013_ContractPageBeforeTriage(), M014_IncidentAcknowledgedVia(), M015_RoutingAndLanguages(), M016_CreateFormDrafts(), M017_TicketSLAWarningIndexes(),
         M018_CreateCannedRepliesAndMacros(), M019_CreateTicketRelations(), M020_CreateSavedViews(),
         M021_CreateMailIntake(), M022_CreateMailOutbox(), M023_CreateIntegrations(), M024_CreateChat(), M025_CreateAssets(), M026_CreateAgents(),
         M027_AssetSoftwareByName()]
    }

    /// Applies pending migrations. On PostgreSQL an advisory lock makes concurrent starts wait for each other.
    public func migrate() async throws {
        let migrations = Migrations()
        migrations.add(Self.migrations)
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

/// SQLite's single writer, with group commit: the writes that queue up while one transaction runs are run together
/// in the next one, in arrival order, so BEGIN/COMMIT are paid once per group. If any of them fails, the group is
/// rolled back and each write is run again in a transaction of its own, so one write's failure never touches another.
actor GroupCommitter {
    typealias Body = @Sendable (any Database) async throws -> any Sendable

    private struct Job {
        let body: Body
        let hooks: CommitHooks?
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private let databases: Databases
    private let logger: Logger
    private let writerLoop: any EventLoop
    private var pending: [Job] = []
    private var draining = false
    static let maxGroup = 64

    init(databases: Databases, logger: Logger) {
        self.databases = databases
        self.logger = logger
        self.writerLoop = databases.eventLoopGroup.next()
    }

    func submit(_ body: @escaping Body) async throws -> any Sendable {
        let hooks = CommitHooks.current
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Job(body: body, hooks: hooks, continuation: continuation))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let group = Array(pending.prefix(Self.maxGroup))
            pending.removeFirst(group.count)
            await run(group)
        }
        draining = false
    }

    private func run(_ group: [Job]) async {
        if group.count > 1 {
            do {
                let results = try await transaction { db in
                    var results: [any Sendable] = []
                    for job in group { results.append(try await CommitHooks.$current.withValue(job.hooks) { try await job.body(db) }) }
                    return results
                }
                for (job, result) in zip(group, results) { job.continuation.resume(returning: result) }
                return
            } catch {
                // Someone in the group failed: nothing was committed; give each write its own transaction.
            }
        }
        for job in group {
            do {
                let result = try await transaction { db in try await CommitHooks.$current.withValue(job.hooks) { try await job.body(db) } }
                job.continuation.resume(returning: result)
            } catch {
                job.continuation.resume(throwing: error)
            }
        }
    }

    private func transaction<R: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> R) async throws -> R {
        // A write still queued when the server shuts down (its databases gone) fails like an unavailable disk, never
        // with a crash.
        guard let database = databases.database(.sqliteWriter, logger: logger, on: writerLoop) else {
            throw StorageUnavailable(fault: .ioError, detail: "the database is closed: the server is shutting down")
        }
        return try await database.withConnection { conn in
            // Per connection; in WAL mode NORMAL is durable against application crashes and never corrupts. The
            // writer touches index pages all over a large file: a 64 MB page cache keeps them out of read() calls.
            _ = try await (conn as! any SQLDatabase).raw("PRAGMA synchronous=NORMAL").all()
            _ = try await (conn as! any SQLDatabase).raw("PRAGMA cache_size=-65536").all()
            // The WAL is copied back into the database every 32 MB instead of 4: pages written again meanwhile (the
            // same index pages, over and over) are copied once, and the writer stops for it an eighth as often.
            _ = try await (conn as! any SQLDatabase).raw("PRAGMA wal_autocheckpoint=8192").all()
            return try await conn.transaction { tx in
                let buffer = CreationBuffer()
                let result = try await CreationBuffer.$current.withValue(buffer) { try await body(tx) }
                try await buffer.flush(on: tx)
                return result
            }
        }
    }
}

extension Store {
    /// The shared SQLKit row coders. Row types spell their snake_case columns in `CodingKeys`.
    public static let rowDecoder = SQLRowDecoder()
    /// NULLs are written, not skipped: clearing a field (unassigning) must reach the row, and multi-row inserts
    /// need every row to have the same columns.
    static let rowEncoder = SQLQueryEncoder(nilEncodingStrategy: .asNil)
}

final class QueryCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// Counts the drivers' "Executing query" debug messages, and passes on what the wrapped handler's level lets through.
struct QueryCountingHandler: LogHandler {
    var inner: any LogHandler
    let counter: QueryCounter

    /// Always `.debug`, so the drivers' query messages reach `log`; the wrapped handler keeps its own level.
    var logLevel: Logger.Level {
        get { .debug }
        set {}
    }
    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        if event.message.description == "Executing query" { counter.value.add(1, ordering: .relaxed) }
        if event.level >= inner.logLevel { inner.log(event: event) }
    }
}

extension DatabaseID {
    /// The SQLite writer's connection (see `GroupCommitter`).
    static let sqliteWriter = DatabaseID(string: "sqlite-writer")
}
