import EscaleAPI
import EscaleStore
import Foundation
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// kill -9 under write load: every ticket the server acknowledged (201) is there after a restart, whole (its created
/// event too), on SQLite and on PostgreSQL.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func serve(_ kept: KeptDatabase, port: Int) throws -> Process {
        try SchedulerProcessTests.serve(kept, port: port, environment: ["ESCALE_LOG_LEVEL": "critical", "ESCALE_DATABASE_CONNECTIONS": "2"])
    }

    static func request(_ port: Int, _ method: String, _ path: String, token: String? = nil, json: [String: Any]? = nil, key: String? = nil) async -> (Int, [String: Any]) {
        var r = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        r.httpMethod = method
        r.timeoutInterval = 10
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let key { r.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
        if let json {
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
            r.httpBody = try? JSONSerialization.data(withJSONObject: json)
        }
        guard let (data, response) = try? await URLSession.shared.data(for: r), let http = response as? HTTPURLResponse else { return (0, [:]) }
        return (http.statusCode, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    static func waitReady(_ port: Int, _ process: Process) async throws {
        let deadline = Date().addingTimeInterval(60)
        while await request(port, "GET", "/readyz").0 != 200 {
            try #require(process.isRunning, "the server exited at start")
            try #require(Date() < deadline, "the server was not ready within 60 s")
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("two rounds of kill -9 under concurrent ticket creation lose no acknowledged ticket")
    func killUnderLoad() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SchedulerProcessTests.binary.path), "build escale first")
        let kept = try await KeptDatabase.make()
        defer { kept.remove() }
        let port = try Self.freePort()
        var acknowledged: [String] = []
        var organization = ""
        for round in 0..<2 {
            let server = try Self.serve(kept, port: port)
            try await Self.waitReady(port, server)
            let (status, body) = await Self.request(port, "POST", "/api/v1/auth/token", json: ["email": TestApp.adminEmail, "password": TestApp.adminPassword])
            try #require(status == 201, "sign-in: \(status)")
            let token = try #require(body["token"] as? String)
            if organization.isEmpty {
                organization = try #require(await Self.request(port, "POST", "/api/v1/organizations", token: token, json: ["name": "Crash Test"]).1["id"] as? String)
            }
            let org = organization
            // Eight writers create tickets as fast as they can; the server is killed while they do, once some tickets
            // are acknowledged (counted, not timed: a loaded CI machine is slow to start the load).
            let created = AckCounter()
            let writers = Task {
                await withTaskGroup(of: [String].self) { group in
                    for w in 0..<8 {
                        group.addTask {
                            var ids: [String] = []
                            for i in 0..<10_000 {
                                let (status, body) = await Self.request(port, "POST", "/api/v1/tickets", token: token, json: [
                                    "subject": "Crash \(round)-\(w)-\(i)", "description": "Écrit sous charge", "impact": "low", "urgency": "low",
                                    "organization_id": org,
                                ], key: "crash-\(round)-\(w)-\(i)")
                                guard status == 201, let id = body["id"] as? String else { break }
                                ids.append(id)
                                created.add()
                            }
                            return ids
                        }
                    }
                    return await group.reduce(into: []) { $0 += $1 }
                }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while created.value < 40 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(300))
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            let ids = await writers.value
            #expect(ids.count > 20, "round \(round): the load barely started (\(ids.count) tickets)")
            acknowledged += ids
        }
        // A restart recovers the database; every acknowledged ticket and its created event are there.
        let server = try Self.serve(kept, port: port)
        try await Self.waitReady(port, server)
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        let reader = try await SchedulerProcessTests.store(kept)
        do {
            let found = Set(try await reader.sql.raw("SELECT t.id AS id FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id AND e.kind = 'created'")
                .all().map { try $0.decode(column: "id", as: UUID.self).uuidString })
            let missing = acknowledged.filter { !found.contains($0.uppercased()) }
            #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged tickets lost")
            await reader.close()
        } catch {
            await reader.close()
            throw error
        }
        try await kept.drop()
    }
}

/// Tickets acknowledged so far, counted across the writer tasks.
final class AckCounter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
