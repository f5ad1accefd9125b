import EscaleAPI
import EscaleCore
import EscaleStore
import Logging
import EscaleWeb
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Operations: health, metrics, logs, configuration")
struct OperationsTests {
    @Test("healthz and readyz answer; metrics count requests by route and tickets created")
    func probesAndMetrics() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            #expect(try await api.get("/healthz", token: nil).status == .ok)
            #expect(try await api.get("/readyz", token: nil).object["status"] as? String == "ready")
            _ = try await w.aliceTicket()
            let metrics = try await api.get("/metrics", token: nil)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("escale_tickets_created_total"))
            #expect(metrics.text.contains("http_route=\"/api/v1/tickets\""))
            #expect(metrics.text.contains("http_server_request_duration_bucket"))
        }
    }

    @Test("every response carries a request id, the caller's when it sent a sane one, and security headers")
    func requestIdAndHeaders() async throws {
        try await TestApp.run { api in
            let mine = try await api.send(.get, "/healthz", headers: [.requestId: "trace-abc-123"])
            #expect(mine.headers[.requestId] == "trace-abc-123")
            let hostile = try await api.send(.get, "/healthz", headers: [.requestId: "bad id\r\nwith spaces"])
            #expect(hostile.headers[.requestId] != nil)
            #expect(hostile.headers[.requestId] != "bad id\r\nwith spaces")
            #expect(mine.headers[.xContentTypeOptions] == "nosniff")
            #expect(mine.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
        }
    }

    @Test("the API is served over a real socket too")
    func liveServer() async throws {
        try await TestApp.run(.live) { api in
            #expect(api.client.port != nil)
            let token = try await api.login(TestApp.adminEmail, TestApp.adminPassword)
            let org: OrganizationDTO = try await api.create("/api/v1/organizations", token: token, OrganizationInput(name: "Live SA"))
            #expect(org.name == "Live SA")
        }
    }

    @Test("configuration comes from the environment; invalid values are named in one line")
    func configuration() throws {
        let defaults = try AppConfiguration.fromEnvironment([:])
        #expect(defaults.hostname == "127.0.0.1")
        #expect(defaults.port == 8080)
        #expect(defaults.dataDirectory.lastPathComponent == "escale-data")
        #expect(defaults.databaseURL == nil)
        let custom = try AppConfiguration.fromEnvironment([
            "ESCALE_HOST": "0.0.0.0", "ESCALE_PORT": "9000", "ESCALE_DATA_DIR": "/var/lib/escale",
            "ESCALE_DATABASE_URL": "postgres://u:p@db:5432/escale",
        ])
        #expect(custom.port == 9000)
        #expect(custom.databaseURL == "postgres://u:p@db:5432/escale")
        let bad: [([String: String], String)] = [
            (["ESCALE_PORT": "eighty"], "ESCALE_PORT"),
            (["ESCALE_PORT": "70000"], "ESCALE_PORT"),
            (["ESCALE_DATABASE_URL": "mysql://x"], "ESCALE_DATABASE_URL"),
            (["ESCALE_DATABASE_URL": "postgres://host"], "ESCALE_DATABASE_URL"),
            (["ESCALE_ADMIN_EMAIL": "a@b.c"], "ESCALE_ADMIN_PASSWORD"),
            (["ESCALE_LOG_LEVEL": "loud"], "ESCALE_LOG_LEVEL"),
            (["ESCALE_MAX_UPLOAD_BYTES": "-1"], "ESCALE_MAX_UPLOAD_BYTES"),
        ]
        for (env, name) in bad {
            #expect {
                _ = try AppConfiguration.fromEnvironment(env)
            } throws: { error in
                let text = "\(error)"
                return text.contains(name) && !text.contains("\n")
            }
        }
    }
}

@Suite("Migrations")
struct MigrationTests {
    @Test("instances starting together migrate once: the advisory lock makes the others wait", .enabled(if: TestApp.usesPostgres))
    func concurrentMigrationsOnPostgres() async throws {
        let database = try await PostgresTestDatabase.create(from: ProcessInfo.processInfo.environment["ESCALE_TEST_DATABASE_URL"]!)
        let logger: Logger = {
            var logger = Logger(label: "escale.test.migrate")
            logger.logLevel = .error
            return logger
        }()
        let stores = try await withThrowingTaskGroup(of: Store.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let store = try await Store.open(.postgres(url: database.url), logger: logger, connectionsPerLoop: 1)
                    try await store.migrate()
                    return store
                }
            }
            return try await group.reduce(into: [Store]()) { $0.append($1) }
        }
        let batches = try await stores[0].sql.raw("SELECT count(*) AS n FROM _fluent_migrations").first()!.decode(column: "n", as: Int.self)
        #expect(batches == Store.migrations.count)
        for store in stores { await store.close() }
        try await database.drop()
    }

    @Test("migrating an up-to-date database changes nothing")
    func migrateTwice() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("escale-migrate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await Store.open(.sqlite(path: dir.appendingPathComponent("db.sqlite").path), logger: Logger(label: "test"))
        try await store.migrate()
        try await store.migrate()
        let n = try await store.sql.raw("SELECT count(*) AS n FROM _fluent_migrations").first()!.decode(column: "n", as: Int.self)
        #expect(n == Store.migrations.count)
        await store.close()
    }
}
