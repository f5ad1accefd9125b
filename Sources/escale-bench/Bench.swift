import ArgumentParser
import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore

/// Seeds N tickets through the bulk path, starts the real `escale serve` binary, drives it over loopback HTTP and
/// prints throughput, latency percentiles and the server's peak RSS.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "escale-bench", abstract: "Benchmark Escale on this machine.")

    @Option(help: "Tickets to seed.") var tickets = 1_000_000
    @Option(help: "PostgreSQL URL (default: SQLite in --data-dir). The database's public schema is wiped.") var databaseUrl: String?
    @Option(help: "Data directory for SQLite and attachments.") var dataDir = "bench-data"
    @Option(help: "The escale binary to run (default: next to this one).") var server: String?
    @Option(help: "Measured requests per scenario.") var requests = 10_000
    @Option(help: "Concurrent clients for the writes (create, comment).") var concurrency = 16
    @Option(help: "Concurrent clients for the reads (get, list, search).") var readConcurrency = 4
    @Option(help: "Port for the server.") var port = 18480
    @Flag(help: "Reuse the data seeded by a previous run.") var reuse = false
    @Flag(help: "Only the service-level benchmark: SLA replay of --open-tickets after a calendar change, then --timers due scheduler jobs.") var sla = false
    @Option(help: "Open tickets for --sla.") var openTickets = 100_000
    @Option(help: "Due timers for --sla.") var timers = 10_000
    @Flag(help: "Only the e-mail benchmark: inbound messages through the HTTP intake on a fresh database (--requests of them), then outbound messages handed to the SMTP server at --smtp-url.") var mail = false
    @Flag(help: "Only the inventory benchmark: a fleet's first inventories, the next ones with changes, repeats, contacts (PROLOGs), then the fleet's inventory document.") var inventory = false
    @Option(help: "Machines for --inventory.") var machines = 2_000
    @Option(help: "Contacts (PROLOGs) for --inventory.") var heartbeats = 20_000
    @Flag(help: "Only the monitoring and phone benchmark: Alertmanager deliveries repeating open problems, Events v2 repeats and CTI events on a fresh database.") var integrations = false
    @Flag(help: "Only the live-chat benchmark: --sockets open WebSockets (half visitors with a chat each, half agents' sockets), then --chat-messages visitor messages timed to the agent's socket.") var chat = false
    @Option(help: "Open WebSockets for --chat.") var sockets = 1_000
    @Option(help: "Messages for --chat.") var chatMessages = 2_000
    @Option(help: "Visitor messages per second for --chat, across all chats.") var chatRate = 50
    @Option(help: "SMTP server for the outbound part of --mail (e.g. smtp://127.0.0.1:2525; absent: skipped).") var smtpUrl: String?

    func run() async throws {
        var logger = Logger(label: "escale-bench")
        logger.logLevel = .warning
        let serverPath = server ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("escale").path
        guard FileManager.default.isExecutableFile(atPath: serverPath) else {
            throw ValidationError("no server binary at \(serverPath): run `swift build -c release` first, or pass --server")
        }
        let location: DatabaseLocation = databaseUrl.map { .postgres(url: $0) } ?? .sqlite(path: URL(fileURLWithPath: dataDir).appendingPathComponent("escale.sqlite").path)
        let backend = databaseUrl == nil ? "SQLite" : "PostgreSQL"
        if sla {
            try await SLABench.run(location: location, dataDir: dataDir, openTickets: openTickets, timers: timers, logger: logger)
            return
        }
        if mail {
            try await runMail(serverPath: serverPath, backend: backend)
            return
        }
        if inventory {
            try await runInventory(serverPath: serverPath, backend: backend)
            return
        }
        if integrations {
            try await runIntegrations(serverPath: serverPath, backend: backend)
            return
        }
        if chat {
            try await runChat(serverPath: serverPath, backend: backend)
            return
        }

        var fixture: Fixture
        if reuse, let saved = try? Fixture.load(from: dataDir) {
            fixture = saved
            print("reusing \(fixture.tickets) seeded tickets")
        } else {
            fixture = try await seed(location: location, logger: logger)
            try fixture.save(to: dataDir)
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: serverPath)
        process.arguments = ["serve", "--port", String(port)]
        var env = ProcessInfo.processInfo.environment
        env["ESCALE_DATA_DIR"] = dataDir
        env["ESCALE_LOG_LEVEL"] = "warning"
        if let databaseUrl { env["ESCALE_DATABASE_URL"] = databaseUrl } else { env["ESCALE_DATABASE_URL"] = nil }
        process.environment = env
        try process.run()
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        try await waitUntilReady()

        let admin = try await login(Fixture.adminEmail)
        let agent = try await login(fixture.agentEmail)
        let runner = LoadRunner(port: port)
        let auth: HTTPFields = [.authorization: "Bearer \(agent)", .contentType: "application/json"]
        let orgs = fixture.organizationIds, sample = fixture.sampleTicketIds, open = fixture.openTicketIds
        let group = fixture.queueGroupId
        _ = admin

        @Sendable func createRequest(_ w: Int, _ i: Int) -> TestClient.Request {
            let body = TicketInput(subject: "Bench \(w)-\(i): imprimante en panne", description: "Créé par le benchmark, client \(w).",
                                   impact: .medium, urgency: .high, organizationId: orgs[(w * 7919 + i) % orgs.count])
            return .init("/api/v1/tickets", method: .post, headers: auth, body: ByteBuffer(bytes: try! Wire.encoder().encode(body)))
        }
        @Sendable func getRequest(_ w: Int, _ i: Int) -> TestClient.Request {
            .init("/api/v1/tickets/\(sample[(w * 104_729 + i * 31) % sample.count])", method: .get, headers: auth)
        }
        @Sendable func listRequest(_ w: Int, _ i: Int) -> TestClient.Request {
            .init("/api/v1/tickets?group_id=\(group)&status=open", method: .get, headers: auth)
        }
        @Sendable func searchRequest(_ w: Int, _ i: Int) -> TestClient.Request {
            let word = TextGenerator.searchWords[(w + i) % TextGenerator.searchWords.count]
            return .init("/api/v1/search?q=\(word.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", method: .get, headers: auth)
        }
        @Sendable func commentRequest(_ w: Int, _ i: Int) -> TestClient.Request {
            let body = CommentInput(body: "Réponse \(i) : pouvez-vous redémarrer le poste ?", isPublic: true)
            return .init("/api/v1/tickets/\(open[(w * 7_753 + i * 13) % open.count])/comments", method: .post, headers: auth, body: ByteBuffer(bytes: try! Wire.encoder().encode(body)))
        }

        // Web pages, as a signed-in agent's browser asks for them: the queues, and a ticket with a 200-entry timeline.
        let cookie = try await webSession(fixture.agentEmail)
        let page: HTTPFields = [.cookie: cookie, .acceptLanguage: "fr"]
        let longTicket = try await ticketWithLongTimeline(open[0], entries: 200, token: agent)
        @Sendable func queuePage(_ w: Int, _ i: Int) -> TestClient.Request { .init("/queues/open", method: .get, headers: page) }
        @Sendable func groupQueuePage(_ w: Int, _ i: Int) -> TestClient.Request { .init("/queues/groups?sort=priority", method: .get, headers: page) }
        @Sendable func ticketPage(_ w: Int, _ i: Int) -> TestClient.Request { .init("/tickets/\(longTicket)", method: .get, headers: page) }

        let scenarios: [(String, Int, HTTPResponse.Status, LoadRunner.MakeRequest)] = [
            ("create ticket", concurrency, .created, createRequest), ("get ticket", readConcurrency, .ok, getRequest),
            ("list group queue (first page)", readConcurrency, .ok, listRequest), ("search one word", readConcurrency, .ok, searchRequest),
            ("add comment", concurrency, .created, commentRequest),
            ("page: all open tickets queue", readConcurrency, .ok, queuePage),
            ("page: my groups' queue by priority", readConcurrency, .ok, groupQueuePage),
            ("page: ticket with 200 timeline entries", readConcurrency, .ok, ticketPage),
        ]
        var results: [LoadRunner.Result] = []
        for (name, clients, status, make) in scenarios {
            _ = try await runner.run(name, concurrency: clients, requests: min(400, requests), expect: status, make)  // warm-up
            let r = try await runner.run(name, concurrency: clients, requests: requests, expect: status, make)
            results.append(r)
            print(String(format: "%@: %.0f req/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, %d errors", r.name, r.throughput, r.percentile(0.5), r.percentile(0.95), r.percentile(0.99), r.errors))
        }
        let rss = peakRSS(pid: process.processIdentifier)
        let weight = try await pageWeight("/tickets/\(longTicket)", cookie: cookie)
        print("")
        print("### \(backend), \(fixture.tickets) tickets, \(requests) requests per scenario")
        print("seeding: \(String(format: "%.1f", fixture.seedSeconds)) s (\(Int(Double(fixture.tickets) / max(fixture.seedSeconds, 0.001))) tickets/s)")
        print("")
        print("| scenario | clients | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in results {
            print(String(format: "| %@ | %d | %.0f | %.2f | %.2f | %.2f | %d |", r.name, r.concurrency, r.throughput, r.percentile(0.5), r.percentile(0.95), r.percentile(0.99), r.errors))
        }
        print("")
        print("server peak RSS: \(rss.map { "\($0 / 1024) MB" } ?? "unknown")")
        print("ticket page weight (200 entries): HTML \(weight.html / 1024) KB + CSS \(weight.css / 1024) KB + JS \(weight.js / 1024) KB = \((weight.html + weight.css + weight.js) / 1024) KB uncompressed")
        if results.contains(where: { $0.errors > 0 }) { throw ExitCode(1) }
    }

    /// `--chat`: a fresh server (127.0.0.1 a trusted proxy: each visitor from an address of its own), then live chat.
    func runChat(serverPath: String, backend: String) async throws {
        let process = try await startFreshServer(serverPath, environment: ["ESCALE_TRUSTED_PROXIES": "127.0.0.1", "ESCALE_BCRYPT_COST": "4"])
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let admin = try await login(Fixture.adminEmail)
        let o = try await ChatBench.run(port: port, adminToken: admin, sockets: sockets, messages: chatMessages, rate: chatRate)
        func p(_ q: Double) -> Double { o.latencies.isEmpty ? .nan : o.latencies[min(o.latencies.count - 1, Int(Double(o.latencies.count) * q))] }
        print("")
        print("### \(backend), live chat: \(o.sockets) open WebSockets, \(o.messages) visitor messages at \(chatRate)/s")
        print("")
        print("| delivered | messages/s | p50 (ms) | p95 (ms) | p99 (ms) | lost or failed |")
        print("|---:|---:|---:|---:|---:|---:|")
        print(String(format: "| %d | %.0f | %.2f | %.2f | %.2f | %d |", o.latencies.count, Double(o.latencies.count) / max(o.seconds, 0.001), p(0.5), p(0.95), p(0.99), o.errors))
        print("server peak RSS: \(peakRSS(pid: process.processIdentifier).map { "\($0 / 1024) MB" } ?? "unknown")")
        if o.errors > 0 { throw ExitCode(1) }
    }

    /// `escale serve` on an empty database (SQLite: the data directory removed) with the bench's administrator, once ready.
    func startFreshServer(_ serverPath: String, environment extra: [String: String] = [:]) async throws -> Process {
        if databaseUrl == nil { try? FileManager.default.removeItem(atPath: dataDir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: serverPath)
        process.arguments = ["serve", "--port", String(port)]
        var env = ProcessInfo.processInfo.environment
        env["ESCALE_DATA_DIR"] = dataDir
        env["ESCALE_LOG_LEVEL"] = "warning"
        env["ESCALE_ADMIN_EMAIL"] = Fixture.adminEmail
        env["ESCALE_ADMIN_PASSWORD"] = Fixture.password
        if let databaseUrl { env["ESCALE_DATABASE_URL"] = databaseUrl } else { env["ESCALE_DATABASE_URL"] = nil }
        env.merge(extra) { _, new in new }
        process.environment = env
        try process.run()
        do { try await waitUntilReady() } catch { process.terminate(); throw error }
        return process
    }

    /// `--inventory`: a fresh server, then a fleet of machines reporting.
    func runInventory(serverPath: String, backend: String) async throws {
        let process = try await startFreshServer(serverPath)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let admin = try await login(Fixture.adminEmail)
        let o = try await InventoryBench.run(port: port, adminToken: admin, machines: machines, concurrency: concurrency, heartbeats: heartbeats)
        print("")
        print("### \(backend), inventory: \(machines) machines, \(InventoryBench.packagesPerMachine) packages each (\(o.bodyKB) KB zlib a body), \(concurrency) agents at once")
        print("")
        print("| scenario | clients | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in o.results {
            print(String(format: "| %@ | %d | %.0f | %.2f | %.2f | %.2f | %d |", r.name, r.concurrency, r.throughput, r.percentile(0.5), r.percentile(0.95), r.percentile(0.99), r.errors))
        }
        print(String(format: "inventory document of %d machines: JSON %.2f s, HTML %.2f s", machines, o.documentJSON, o.documentHTML))
        print("server peak RSS: \(peakRSS(pid: process.processIdentifier).map { "\($0 / 1024) MB" } ?? "unknown")")
        if o.results.contains(where: { $0.errors > 0 }) { throw ExitCode(1) }
    }

    /// `--integrations`: a fresh server, then monitoring and phone intake under load.
    func runIntegrations(serverPath: String, backend: String) async throws {
        let process = try await startFreshServer(serverPath)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let admin = try await login(Fixture.adminEmail)
        let results = try await IntegrationsBench.run(port: port, adminToken: admin, requests: requests, concurrency: concurrency)
        print("")
        print("### \(backend), monitoring and phone intake, \(concurrency) concurrent senders")
        print("")
        print("| scenario | clients | requests or events/s | p50 (ms) | p95 (ms) | p99 (ms) | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in results {
            print(String(format: "| %@ | %d | %.0f | %.2f | %.2f | %.2f | %d |", r.name, r.concurrency, r.throughput, r.percentile(0.5), r.percentile(0.95), r.percentile(0.99), r.errors))
        }
        print("server peak RSS: \(peakRSS(pid: process.processIdentifier).map { "\($0 / 1024) MB" } ?? "unknown")")
        if results.contains(where: { $0.errors > 0 }) { throw ExitCode(1) }
    }

    /// `--mail`: a fresh server, the intake under load, then the outbound SMTP path.
    func runMail(serverPath: String, backend: String) async throws {
        let process = try await startFreshServer(serverPath)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let admin = try await login(Fixture.adminEmail)
        let r = try await MailBench.run(port: port, adminToken: admin, requests: requests, concurrency: concurrency)
        print(String(format: "%@: %.0f messages/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, %d errors", r.name, r.throughput, r.percentile(0.5), r.percentile(0.95), r.percentile(0.99), r.errors))
        print("")
        print("### \(backend), e-mail intake, \(r.requests) messages, \(r.concurrency) concurrent deliveries")
        print("")
        print("| scenario | clients | messages/s | p50 (ms) | p95 (ms) | p99 (ms) | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(String(format: "| %@ | %d | %.0f | %.2f | %.2f | %.2f | %d |", r.name, r.concurrency, r.throughput, r.percentile(0.5), r.percentile(0.95), r.percentile(0.99), r.errors))
        print("server peak RSS: \(peakRSS(pid: process.processIdentifier).map { "\($0 / 1024) MB" } ?? "unknown")")
        if let smtpUrl {
            var quiet = Logger(label: "escale-bench")
            quiet.logLevel = .warning
            try await OutboundMailBench.run(smtpURL: smtpUrl, messages: min(requests, 2_000), dataDir: dataDir, logger: quiet)
        }
        if r.errors > 0 { throw ExitCode(1) }
    }

    // MARK: Seeding

    func seed(location: DatabaseLocation, logger: Logger) async throws -> Fixture {
        if case .sqlite = location {
            try? FileManager.default.removeItem(atPath: dataDir)
        }
        let store = try await Store.open(location, logger: logger)
        do {
            if case .postgres = location {
                _ = try await store.sql.raw("DROP SCHEMA public CASCADE").all()
                _ = try await store.sql.raw("CREATE SCHEMA public").all()
            }
            try await store.migrate()
            let desk = try Desk(store: store, config: DeskConfiguration(attachmentsDirectory: URL(fileURLWithPath: dataDir).appendingPathComponent("attachments"), bcryptCost: 4), logger: logger)
            let fixture = try await seedDirectoryAndTickets(desk: desk, store: store)
            await store.close()
            return fixture
        } catch {
            await store.close()
            throw error
        }
    }

    func seedDirectoryAndTickets(desk: Desk, store: Store) async throws -> Fixture {
        let now = Date()
        let admin = try await store.write { db in try await desk.createUser(try await desk.prepareUser(UserInput(email: Fixture.adminEmail, name: "Bench admin", role: .admin, password: Fixture.password)), by: nil, on: db) }
        let actor = try await desk.resolveActor(userId: admin.id, on: store.database)!
        var orgs: [UUID] = []
        for i in 0..<20 {
            let org = try await store.write { db in try await desk.createOrganization(OrganizationInput(name: "Client \(i)"), by: actor, on: db) }
            _ = try await store.write { db in try await desk.createContract(organizationId: org.id, ContractInput(perimeter: "infrastructure", validFrom: Day("2020-01-01")!), by: actor, on: db) }
            orgs.append(org.id)
        }
        var groups: [(UUID, Tier)] = []
        for (name, tier) in [("Helpdesk N1", Tier.n1), ("Systèmes N2", .n2), ("Réseau N2", .n2), ("Experts N3", .n3)] {
            let g = try await store.write { db in try await desk.createGroup(GroupInput(name: name, tier: tier), by: actor, on: db) }
            groups.append((g.id, tier))
        }
        var agents: [UUID] = []
        for i in 0..<20 {
            let group = groups[i % groups.count].0
            let u = try await store.write { db in try await desk.createUser(try await desk.prepareUser(UserInput(email: "agent\(i)@bench.example", name: "Agent \(i)", role: .agent, password: Fixture.password, groupIds: [group])), by: nil, on: db) }
            agents.append(u.id)
        }
        var requesters: [(UUID, UUID)] = []
        for i in 0..<1_000 {
            let org = orgs[i % orgs.count]
            let u = try await store.write { db in try await desk.createUser(try await desk.prepareUser(UserInput(email: "user\(i)@client\(i % 20).example", name: "User \(i)", role: .requester, password: Fixture.password, organizationId: org)), by: nil, on: db) }
            requesters.append((u.id, org))
        }

        print("seeding \(tickets) tickets…")
        let started = ContinuousClock.now
        var text = TextGenerator(rng: SplitMix(state: 42))
        var rng = SplitMix(state: 7)
        let matrix = PriorityMatrix.itil
        let span: TimeInterval = 2 * 365 * 24 * 3600
        var sample: [UUID] = [], open: [UUID] = []
        let batch = 10_000
        var seq = 0
        // Pipeline: while SQLite writes one batch, the next one is generated and turned into rows.
        var writing: Task<Void, any Error>?
        while seq < tickets {
            var items: [(ticket: Ticket, created: TicketEvent)] = []
            items.reserveCapacity(batch)
            for _ in 0..<min(batch, tickets - seq) {
                seq += 1
                let (requester, org) = requesters[Int.random(in: 0..<requesters.count, using: &rng)]
                let created = now.addingTimeInterval(-span * Double(tickets - seq) / Double(tickets))
                let (subject, description) = text.ticketText()
                let draft = TicketDraft(type: Bool.random(using: &rng) ? .incident : .request, subject: subject, description: description,
                                        requesterId: requester, organizationId: org, channel: [.web, .email, .phone, .chat][Int.random(in: 0..<4, using: &rng)],
                                        impact: Level.allCases.randomElement(using: &rng)!, urgency: Level.allCases.randomElement(using: &rng)!,
                                        occurredAt: created.addingTimeInterval(-Double.random(in: 0...7200, using: &rng)))
                var (t, event) = try Ticket.open(draft, id: UUID(), seq: seq, matrix: matrix, contract: nil, by: requester, at: created)
                let (group, tier) = groups[Int.random(in: 0..<groups.count, using: &rng)]
                t.groupId = group
                t.tier = tier
                let roll = Int.random(in: 0..<100, using: &rng)
                if roll < 80 { t.status = .closed; t.resolvedAt = created.addingTimeInterval(3600); t.closedAt = created.addingTimeInterval(7200) }
                else if roll < 85 { t.status = .resolved; t.resolvedAt = created.addingTimeInterval(3600) }
                else {
                    t.status = [.new, .assigned, .inProgress, .pending][roll % 4]
                    if t.status != .new { t.assigneeId = agents[Int.random(in: 0..<agents.count, using: &rng)] }
                    if open.count < 10_000 { open.append(t.id) }
                }
                if seq % 97 == 0, sample.count < 10_000 { sample.append(t.id) }
                items.append((t, event))
            }
            let rows = BulkImport.Batch(items)
            try await writing?.value
            writing = Task { try await store.write { db in try await BulkImport.insert(rows, on: db) } }
            if seq % 100_000 == 0 { print("  \(seq)") }
        }
        try await writing?.value
        let last = seq
        try await store.write { db in try await BulkImport.reserveTicketNumbers(through: last, on: db) }
        try await BulkImport.analyze(on: store.database)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "seeded %d tickets in %.1f s", tickets, seconds))
        return Fixture(tickets: tickets, seedSeconds: seconds, agentEmail: "agent0@bench.example", organizationIds: orgs,
                       queueGroupId: groups[0].0, sampleTicketIds: sample, openTicketIds: open)
    }

    // MARK: Server

    func waitUntilReady() async throws {
        for _ in 0..<600 {
            let client = TestClient(host: "127.0.0.1", port: port)
            client.connect()
            if let r = try? await client.get("/readyz"), r.status == .ok { try? await client.shutdown(); return }
            try? await client.shutdown()
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the server did not become ready")
    }

    func login(_ email: String) async throws -> String {
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        let body = ByteBuffer(bytes: try Wire.encoder().encode(TokenRequest(email: email, password: Fixture.password)))
        let r = try await client.post("/api/v1/auth/token", headers: [.contentType: "application/json"], body: body)
        try await client.shutdown()
        guard r.status == .created, let b = r.body else { throw ValidationError("login \(email) failed: \(r.status)") }
        return try Wire.decoder().decode(TokenResponse.self, from: Data(b.readableBytesView)).token
    }

    /// Signs in through the sign-in form, as a browser does, and returns the session cookie.
    func webSession(_ email: String) async throws -> String {
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        defer { Task { try? await client.shutdown() } }
        let form = try await client.get("/login")
        let html = form.body.map { String(buffer: $0) } ?? ""
        guard let csrfCookie = form.headers[values: .setCookie].first(where: { $0.hasPrefix("escale_login_csrf=") })?.split(separator: ";").first,
              let r = html.range(of: "name=\"_csrf\" value=\"") else { throw ValidationError("no sign-in form") }
        let token = html[r.upperBound...].prefix { $0 != "\"" }
        let body = "_csrf=\(token)&email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(Fixture.password)&next="
        let signedIn = try await client.post("/login", headers: [.contentType: "application/x-www-form-urlencoded", .cookie: String(csrfCookie)], body: ByteBuffer(string: body))
        guard let session = signedIn.headers[values: .setCookie].first(where: { $0.hasPrefix("escale_session=") })?.split(separator: ";").first else {
            throw ValidationError("web sign-in of \(email) failed: \(signedIn.status)")
        }
        return String(session)
    }

    /// Gives a ticket replies and notes until its timeline has `entries` entries; returns its number.
    func ticketWithLongTimeline(_ id: UUID, entries: Int, token: String) async throws -> Int {
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        defer { Task { try? await client.shutdown() } }
        let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        let timeline = try await client.get("/api/v1/tickets/\(id)/timeline", headers: auth)
        let have = (try? JSONSerialization.jsonObject(with: Data(timeline.body!.readableBytesView)) as? [String: Any])?["items"] as? [Any]
        for i in min(have?.count ?? 0, entries)..<entries {
            let body = CommentInput(body: "Message \(i) : **diagnostic** en cours, voir [la procédure](https://intranet.example/proc/\(i)).\n\n- étape 1\n- étape 2", isPublic: i % 3 != 0)
            let r = try await client.post("/api/v1/tickets/\(id)/comments", headers: auth, body: ByteBuffer(bytes: try Wire.encoder().encode(body)))
            guard r.status == .created else { throw ValidationError("comment on \(id): \(r.status) \(r.body.map { String(buffer: $0) } ?? "")") }
        }
        let ticket = try await client.get("/api/v1/tickets/\(id)", headers: auth)
        let number = (try JSONSerialization.jsonObject(with: Data(ticket.body!.readableBytesView)) as? [String: Any])?["number"] as? String ?? ""
        guard let seq = Int(number.drop { !$0.isNumber }) else { throw ValidationError("no ticket number for \(id)") }
        return seq
    }

    /// Bytes a browser downloads to show a page: the HTML, the stylesheet and the script.
    func pageWeight(_ path: String, cookie: String) async throws -> (html: Int, css: Int, js: Int) {
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        defer { Task { try? await client.shutdown() } }
        let html = try await client.get(path, headers: [.cookie: cookie]).body?.readableBytes ?? 0
        let css = try await client.get("/static/app.css").body?.readableBytes ?? 0
        let js = try await client.get("/static/app.js").body?.readableBytes ?? 0
        return (html, css, js)
    }

    /// Peak resident set size of a process, in KiB (Linux).
    func peakRSS(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }
}

/// What a seeded database holds, saved beside it so `--reuse` can skip seeding.
struct Fixture: Codable {
    static let adminEmail = "admin@bench.example"
    static let password = "bench-password-1"
    var tickets: Int
    var seedSeconds: Double
    var agentEmail: String
    var organizationIds: [UUID]
    var queueGroupId: UUID
    var sampleTicketIds: [UUID]
    var openTicketIds: [UUID]

    static func load(from dir: String) throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent("bench-fixture.json")))
    }

    func save(to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: dir).appendingPathComponent("bench-fixture.json"))
    }
}
