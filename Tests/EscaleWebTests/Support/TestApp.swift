import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import EscaleWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// The real application on a database of its own: a fresh SQLite file, or a fresh PostgreSQL database when
/// `ESCALE_TEST_DATABASE_URL` is set (that is how `.ci/run` runs the same suite on PostgreSQL).
enum TestApp {
    static let adminEmail = "admin@escale.test"
    static let adminPassword = "admin-password-1"
    static let now = Date(timeIntervalSince1970: 1_796_112_000)  // 2026-12-01T08:00:00Z

    static var usesPostgres: Bool { ProcessInfo.processInfo.environment["ESCALE_TEST_DATABASE_URL"] != nil }

    static func run<T: Sendable>(
        _ setup: TestingSetup = .router, maxUploadBytes: Int = 25 * 1024 * 1024, clock: EscaleCore.Clock? = nil,
        keeping kept: KeptDatabase? = nil, configure: (inout AppConfiguration) -> Void = { _ in },
        _ test: @Sendable (API) async throws -> T
    ) async throws -> T {
        let dir = kept?.directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("escale-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if kept == nil { try? FileManager.default.removeItem(at: dir) } }
        var config = AppConfiguration()
        config.port = 0
        config.dataDirectory = dir
        config.bcryptCost = 4
        config.maxUploadBytes = maxUploadBytes
        config.adminEmail = adminEmail
        config.adminPassword = adminPassword
        config.logLevel = .error
        config.countQueries = true
        // Tests drive the scheduler themselves (`api.desk.drainDueJobs()`) under a fake clock.
        config.runScheduler = false
        // Tests run in parallel against one PostgreSQL server: keep each application's pool small.
        config.databaseConnectionsPerLoop = 1
        configure(&config)
        var database: PostgresTestDatabase?
        if let kept {
            config.databaseURL = kept.databaseURL
        } else if let base = ProcessInfo.processInfo.environment["ESCALE_TEST_DATABASE_URL"] {
            // Every application holds a few connections (pool, notification listener): bound how many run at once so
            // the suite stays under the server's connection limit.
            await postgresSlots.wait()
            do {
                database = try await PostgresTestDatabase.create(from: base)
            } catch {
                await postgresSlots.signal()
                throw error
            }
            config.databaseURL = database!.url
        }
        defer { if database != nil { Task { await postgresSlots.signal() } } }
        // On SQLite too, a bounded number of applications at once: ninety suites migrating and hashing passwords
        // together on two cores starved each other's connection requests past the pool's timeout.
        let sqlite = database == nil && config.databaseURL == nil
        if sqlite { await sqliteSlots.wait() }
        defer { if sqlite { Task { await sqliteSlots.signal() } } }
        let outcome: Result<T, any Error>
        do {
            var logger = Logger(label: "escale.test")
            logger.logLevel = .error
            let box = DeskBox()
            let app = try await buildApplication(config, clock: clock ?? .fixed(now), logger: logger, inspect: { box.desk = $0 })
            let desk = box.desk!
            outcome = .success(try await app.test(setup) { client in try await test(API(client: client, desk: desk)) })
        } catch {
            outcome = .failure(error)
        }
        // Exactly once, whatever happened: the database's admin connection is closed by `drop`.
        try await database?.drop()
        return try outcome.get()
    }
}

/// A database that outlives one application: seeded in-process, then served by `escale` processes.
struct KeptDatabase: Sendable {
    let directory: URL
    /// PostgreSQL (a database of its own), else SQLite in `directory`.
    let databaseURL: String?
}

/// A counting semaphore for async code.
actor AsyncSemaphore {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []
    init(_ count: Int) { available = count }
    func wait() async {
        if available > 0 { available -= 1; return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func signal() {
        if waiters.isEmpty { available += 1 } else { waiters.removeFirst().resume() }
    }
}

/// Each application holds its pool (up to 4 connections per event loop) and a listening connection per notification
/// channel (live pages, chat): 16 at once stay under the test server's 200 connections.
let postgresSlots = AsyncSemaphore(16)

/// SQLite applications running at once (each migrates a fresh database and has two connections).
let sqliteSlots = AsyncSemaphore(12)

/// A throwaway PostgreSQL database per test, created from the CI database URL.
struct PostgresTestDatabase {
    let url: String
    let name: String
    let admin: Store

    static func create(from base: String) async throws -> PostgresTestDatabase {
        var logger = Logger(label: "escale.test.pg")
        logger.logLevel = .error
        let admin = try await Store.open(.postgres(url: base), logger: logger, connectionsPerLoop: 1)
        let name = "escale_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        _ = try await admin.sql.raw("CREATE DATABASE \(unsafeRaw: name)").all()
        var components = URLComponents(string: base)!
        components.path = "/" + name
        return PostgresTestDatabase(url: components.string!, name: name, admin: admin)
    }

    /// Drops the database (a few attempts: the server may be busy ending the application's connections), then
    /// closes the admin pool, which must be closed before it goes away or the driver traps.
    func drop() async throws {
        var failure: (any Error)?
        for attempt in 0..<3 {
            do {
                _ = try await admin.sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").all()
                failure = nil
                break
            } catch {
                failure = error
                try? await Task.sleep(for: .milliseconds(200 * (attempt + 1)))
            }
        }
        await admin.close()
        if let failure { throw failure }
    }
}

/// A thin JSON client over the application (in-process router or a live socket).
struct API: Sendable {
    let client: any TestClientProtocol
    /// The application's desk: tests run its scheduler (`drainDueJobs`) after moving a `MutableClock`.
    let desk: Desk

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer

        var text: String { String(buffer: body) }
        func json<T: Decodable>(_ type: T.Type = T.self) throws -> T {
            try Wire.decoder().decode(T.self, from: Data(body.readableBytesView))
        }
        var problem: Problem? { try? json(Problem.self) }
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:] }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, headers: HTTPFields = [:], raw: ByteBuffer? = nil) async throws -> Reply {
        var h = headers
        if let token { h[.authorization] = "Bearer \(token)" }
        if raw != nil, h[.contentType] == nil { h[.contentType] = "application/json" }
        let r = try await client.executeRequest(uri: uri, method: method, headers: h, body: raw)
        return Reply(status: r.status, headers: r.headers, body: r.body)
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, headers: HTTPFields = [:], json: some Encodable) async throws -> Reply {
        try await send(method, uri, token: token, headers: headers, raw: ByteBuffer(bytes: try Wire.encoder().encode(json)))
    }

    func get(_ uri: String, token: String?) async throws -> Reply { try await send(.get, uri, token: token) }
    func post(_ uri: String, token: String?, _ body: some Encodable, headers: HTTPFields = [:]) async throws -> Reply {
        try await send(.post, uri, token: token, headers: headers, json: body)
    }

    func login(_ email: String, _ password: String) async throws -> String {
        let r = try await post("/api/v1/auth/token", token: nil, TokenRequest(email: email, password: password))
        try #require(r.status == .created, "login \(email): \(r.text)")
        return try r.json(TokenResponse.self).token
    }

    /// Creates something and returns it decoded, failing the test with the server's explanation otherwise.
    func create<T: Decodable>(_ uri: String, token: String, _ body: some Encodable, as type: T.Type = T.self) async throws -> T {
        let r = try await post(uri, token: token, body)
        try #require(r.status == .created, "POST \(uri): \(r.status) \(r.text)")
        return try r.json(T.self)
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let requestId = Self("X-Request-Id")!
}

final class DeskBox: @unchecked Sendable {
    var desk: Desk?
}

/// A clock tests move by hand: the scheduler's timers fire when the test says time has passed.
final class MutableClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = TestApp.now) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(minutes: Double) { current.withLock { $0 = $0.addingTimeInterval(minutes * 60) } }
    func set(_ date: Date) { current.withLock { $0 = date } }
    var clock: EscaleCore.Clock { Clock { [self] in self.now } }
}
