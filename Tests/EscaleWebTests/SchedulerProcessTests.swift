import EscaleAPI
import EscaleCore
import EscaleStore
import Foundation
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The durable scheduler across real `escale serve` processes: due jobs survive a SIGKILL and still run once after a
/// restart; two instances on one PostgreSQL database run each due job once between them.
@Suite("Scheduler across processes", .serialized)
struct SchedulerProcessTests {
    static let tickets = 1_500

    /// The `escale` binary `swift test` built beside the tests.
    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/escale")
    }

    /// Seeds, three hours in the past, a round-the-clock SLA policy and `tickets` tickets whose first-response timers
    /// (warning at 45 minutes, breach at 60) are all overdue now.
    static func seed(_ kept: KeptDatabase) async throws {
        let past = Date().addingTimeInterval(-3 * 3_600)
        try await TestApp.run(clock: .fixed(past), keeping: kept) { api in
            let w = try await World.make(api)
            var always = CalendarAPITests.office
            always.name = "24/7"
            always.hours = BusinessCalendar.Weekday.allCases.map { OpeningHours(day: $0, start: "00:00", end: "24:00") }
            let calendar = try await api.create("/api/v1/calendars", token: w.admin, always, as: CalendarDTO.self)
            let policy = try await api.create("/api/v1/sla-policies", token: w.admin, CalendarAPITests.policy(calendar: calendar.id), as: SLAPolicyDTO.self)
            _ = try await api.create("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                     ContractInput(name: "Acme 24/7", perimeter: "infrastructure", validFrom: Day(past),
                                                   calendarId: calendar.id, slaPolicyId: policy.id), as: ContractDTO.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for i in stride(from: worker, to: tickets, by: 8) {
                            _ = try await w.aliceTicket("Poste \(i)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            // The new tickets' notifications, so that only the SLA timers are due when the servers start.
            _ = try await api.desk.drainDueJobs()
        }
    }

    static func store(_ kept: KeptDatabase) async throws -> Store {
        var logger = Logger(label: "escale.test.reader")
        logger.logLevel = .error
        let location: DatabaseLocation = kept.databaseURL.map { .postgres(url: $0) } ?? .sqlite(path: kept.directory.appendingPathComponent("escale.sqlite").path)
        return try await Store.open(location, logger: logger, connectionsPerLoop: 1)
    }

    /// `escale serve` on the kept database. These tests talk to the database, not to the server: any free port will do
    /// unless one is given.
    static func serve(_ kept: KeptDatabase, port: Int = 0, environment extra: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = binary
        p.arguments = ["serve"]
        var env = ProcessInfo.processInfo.environment
        env["ESCALE_DATA_DIR"] = kept.directory.path
        env["ESCALE_PORT"] = String(port)
        env["ESCALE_LOG_LEVEL"] = "error"
        env["ESCALE_ADMIN_EMAIL"] = TestApp.adminEmail
        env["ESCALE_ADMIN_PASSWORD"] = TestApp.adminPassword
        env["ESCALE_BCRYPT_COST"] = "4"
        env["ESCALE_DATABASE_CONNECTIONS"] = "1"
        // A crashed runner's leases expire after 2 s instead of a minute.
        env["ESCALE_JOB_LEASE_SECONDS"] = "2"
        env["ESCALE_DATABASE_URL"] = kept.databaseURL
        env.merge(extra) { $1 }
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Each ticket's first-response warning and breach are on its timeline exactly once.
    static func expectOnce(_ store: Store) async throws {
        for transition in ["warning", "breached"] {
            let rows = try await store.sql.raw("""
                SELECT ticket_id, COUNT(*) AS n FROM ticket_events
                WHERE kind = 'sla' AND field = 'first_response' AND new_value = \(bind: transition) GROUP BY ticket_id
                """).all()
            let counts = try rows.map { try $0.decode(column: "n", as: Int.self) }
            #expect(counts.count == tickets, "\(transition): \(counts.count) tickets of \(tickets)")
            #expect(counts.allSatisfy { $0 == 1 }, "\(transition) recorded more than once: \(counts.filter { $0 != 1 }.count) tickets")
        }
    }

    static func waitUntilNothingDue(_ store: Store, timeout: TimeInterval = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await JobQueue.counts(now: Date(), on: store.database).due > 0 {
            try #require(Date() < deadline, "due jobs still waiting after \(Int(timeout)) s")
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("a server killed with SIGKILL in the middle of its due jobs runs the rest after a restart, each once")
    func sigkillRecovery() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build escale first: \(Self.binary.path)")
        let kept = try await KeptDatabase.make()
        defer { kept.remove() }
        try await Self.seed(kept)
        let reader = try await Self.store(kept)
        do {
            #expect(try await JobQueue.counts(now: Date(), on: reader.database).due == Self.tickets)
            let first = try Self.serve(kept)
            // Kill it once it has done part of the work, not all of it.
            let deadline = Date().addingTimeInterval(60)
            var due = Self.tickets
            while due > Self.tickets * 3 / 4 {
                try #require(Date() < deadline, "the first server ran no job")
                try await Task.sleep(for: .milliseconds(20))
                due = try await JobQueue.counts(now: Date(), on: reader.database).due
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            let left = try await JobQueue.counts(now: Date(), on: reader.database).due
            #expect(left > 0 && left < Self.tickets, "killed with \(left) of \(Self.tickets) jobs left")

            let second = try Self.serve(kept)
            defer { second.terminate(); second.waitUntilExit() }
            try await Self.waitUntilNothingDue(reader)
            try await Self.expectOnce(reader)
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
    }

    @Test("two instances on one PostgreSQL database run each due job once between them",
          .enabled(if: TestApp.usesPostgres, "needs PostgreSQL (ESCALE_TEST_DATABASE_URL)"))
    func twoInstances() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build escale first: \(Self.binary.path)")
        let kept = try await KeptDatabase.make()
        defer { kept.remove() }
        try await Self.seed(kept)
        let reader = try await Self.store(kept)
        do {
            let a = try Self.serve(kept)
            let b = try Self.serve(kept)
            defer { for p in [a, b] { p.terminate(); p.waitUntilExit() } }
            try await Self.waitUntilNothingDue(reader)
            try await Self.expectOnce(reader)
        } catch {
            await reader.close()
            try? await kept.drop()
            throw error
        }
        await reader.close()
        try await kept.drop()
    }
}

extension KeptDatabase {
    /// A fresh SQLite directory, or a fresh PostgreSQL database when the suite runs on PostgreSQL.
    static func make() async throws -> KeptDatabase {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("escale-proc-\(UUID().uuidString)")
        guard let base = ProcessInfo.processInfo.environment["ESCALE_TEST_DATABASE_URL"] else { return KeptDatabase(directory: dir, databaseURL: nil) }
        let db = try await PostgresTestDatabase.create(from: base)
        await db.admin.close()
        return KeptDatabase(directory: dir, databaseURL: db.url)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func drop() async throws {
        guard let url = databaseURL, let base = ProcessInfo.processInfo.environment["ESCALE_TEST_DATABASE_URL"] else { return }
        var logger = Logger(label: "escale.test.pg")
        logger.logLevel = .error
        let admin = try await Store.open(.postgres(url: base), logger: logger, connectionsPerLoop: 1)
        let name = URLComponents(string: url)!.path.dropFirst()
        _ = try? await admin.sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: String(name)) WITH (FORCE)").all()
        await admin.close()
    }
}
