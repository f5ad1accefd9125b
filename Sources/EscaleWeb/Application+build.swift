import EscaleChannels
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Builds the whole application from its configuration: database, desk, HTTP routes, background services.
/// Tests call this with a temporary database; `escale serve` calls it with the environment's configuration.
public func buildApplication(
    _ config: AppConfiguration, clock: EscaleCore.Clock = .system, logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    inspect: @Sendable (Desk) -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    _ = Telemetry.ticketsCreated  // bootstraps swift-metrics before the first request is measured
    var logger = logger ?? Logger(label: "escale")
    logger.logLevel = config.logLevel
    let store = try await Store.open(config.databaseLocation, logger: logger, connectionsPerLoop: config.databaseConnectionsPerLoop, countQueries: config.countQueries)
    do {
        if config.migrateOnStart { try await store.migrate() }
        var deskConfig = DeskConfiguration(attachmentsDirectory: config.dataDirectory.appendingPathComponent("attachments"),
                                           maxUploadBytes: config.maxUploadBytes, bcryptCost: config.bcryptCost,
                                           publicURL: config.publicURL ?? "http://\(config.hostname):\(config.port)",
                                           mailFrom: config.mailFrom, mailReplyTo: config.mailReplyTo)
        deskConfig.inventoryMaxBytes = config.inventoryMaxBytes
        deskConfig.agentHeartbeatSeconds = config.agentHeartbeatSeconds
        let desk = try Desk(store: store, clock: clock, config: deskConfig, logger: logger, outbound: HTTPOutbound(), mail: config.mailTransport)
        inspect(desk)
        try await bootstrapAdministrator(desk, config: config, logger: logger)
        try await desk.loadSigningKey()
        let resumed = try await desk.resumeQueuedMail()
        if resumed > 0 { logger.notice("\(resumed) queued message(s) handed to the mail transport") }
        let chatLimits = ChatLimits(), hub = ChatHub(desk: desk)
        let sockets = ChatSockets(desk: desk, hub: hub, limits: chatLimits).router()
        RemoteSockets(desk: desk, hub: RemoteHub()).register(on: sockets)
        let router = try await buildRouter(desk: desk, countQueries: config.countQueries, trustedProxies: config.trustedProxies, chatLimits: chatLimits)
        let limits = config.connections, counter = ConnectionCounter(), trusted = config.trustedProxies, serverLogger = logger
        // The chat's WebSockets upgrade through a router of their own (only their two paths); every other request goes
        // to `router`. The connection guard (timeouts, caps) sits on HTTP connections once the server knows the first
        // request is not an upgrade (until then `FirstHeadTimeout` bounds the first head); an upgraded socket is the
        // chat's to close (pings, the hub).
        return Application(
            router: router,
            server: GuardedUpgradeChannel.builder(
                webSocketRouter: sockets,
                configuration: .init(
                    http1: .init(additionalChannelHandlers: [
                        ConnectionGuard(limits: limits, counter: counter, exempt: { trusted.trusts($0) }, logger: serverLogger),
                    ]),
                    ws: .init(maxFrameSize: ChatSockets.maxFrame, autoPing: .enabled(timePeriod: .seconds(30)))),
                headerTimeout: limits.headerTimeout),
            // Past the caps (plus room to answer refusals) the server stops accepting: the kernel's backlog holds the
            // rest, and the process never runs out of file descriptors.
            configuration: .init(address: .hostname(config.hostname, port: config.port), serverName: "Escale", backlog: 1_024,
                                 availableConnectionsDelegate: MaximumAvailableConnections(hardConnectionCeiling(limits), logger: logger)),
            services: [StoreService(store: store), MaintenanceService(desk: desk, logger: logger), LiveRelay(desk: desk), ChatHubService(desk: desk, hub: hub)]
                + (config.runScheduler ? [SchedulerService(desk: desk, lease: config.jobLease, logger: logger),
                                          IMAPService(fetcher: IMAPPollingService(desk: desk, logger: logger))] : []),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
            logger: logger)
    } catch {
        await store.close()
        throw error
    }
}

/// First start on an empty directory: the configured administrator, or one with a generated password printed once.
func bootstrapAdministrator(_ desk: Desk, config: AppConfiguration, logger: Logger) async throws {
    if let email = config.adminEmail, let password = config.adminPassword {
        if try await desk.bootstrapAdmin(email: email, password: password) != nil {
            logger.notice("created administrator \(email)")
        }
        return
    }
    let password = "esc-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20)
    if try await desk.bootstrapAdmin(email: "admin@escale.local", password: String(password)) != nil {
        // Straight to the file descriptor: print() may sit in a buffer when stdout is not a terminal.
        FileHandle.standardOutput.write(Data("""
            Escale: first start — created the administrator account
              e-mail:   admin@escale.local
              password: \(password)
            This password is shown only once.

            """.utf8))
    }
}

func buildRouter(desk: Desk, countQueries: Bool = false, trustedProxies: TrustedProxies = .none,
                 chatLimits: ChatLimits = ChatLimits()) async throws -> Router<EscaleContext> {
    let router = Router(context: EscaleContext.self)
    if countQueries { router.add(middleware: QueryCountMiddleware(store: desk.store)) }
    router.add(middleware: UnreadBodyDrainMiddleware())
    router.add(middleware: ClientAddressMiddleware(trusted: trustedProxies))
    router.add(middleware: RequestIdMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    let views = try await Views.load()
    router.add(middleware: UnknownPageMiddleware(views: views))
    router.add(middleware: MethodNotAllowedMiddleware())

    let runner = CommandRunner(desk: desk)
    HealthController(desk: desk).register(on: router)
    let api = router.group("api/v1").add(middleware: NulGuardMiddleware())
    OpenAPIController().register(on: api)
    AuthController(desk: desk).registerPublic(on: api)
    MailController(desk: desk, runner: runner).registerPublic(on: api)
    OnCallController(desk: desk, runner: runner).registerPublic(on: api)
    IntegrationController(desk: desk, runner: runner).registerPublic(on: api)
    ChatController(desk: desk, runner: runner, limits: chatLimits).registerPublic(on: api)
    // Inventory agents post to the desk's root (their protocols' paths), not to the API.
    InventoryController(desk: desk).register(on: router)
    AgentController(desk: desk).register(on: router)

    let authenticated = api.group().add(middleware: AuthMiddleware(desk: desk))
    AuthController(desk: desk).register(on: authenticated)
    DirectoryController(desk: desk, runner: runner).register(on: authenticated)
    TicketController(desk: desk, runner: runner).register(on: authenticated)
    TicketRelationController(desk: desk, runner: runner).register(on: authenticated)
    CalendarController(desk: desk, runner: runner).register(on: authenticated)
    CannedReplyController(desk: desk, runner: runner).register(on: authenticated)
    MacroController(desk: desk, runner: runner).register(on: authenticated)
    OnCallController(desk: desk, runner: runner).register(on: authenticated)
    MailController(desk: desk, runner: runner).register(on: authenticated)
    OutgoingMailController(desk: desk, runner: runner).register(on: authenticated)
    IntegrationController(desk: desk, runner: runner).register(on: authenticated)
    ChatController(desk: desk, runner: runner, limits: chatLimits).register(on: authenticated)
    AssetController(desk: desk, runner: runner, views: views).register(on: authenticated)
    RemoteActionController(desk: desk, runner: runner).register(on: authenticated)

    // The web interface: session cookie instead of bearer token, HTML error pages.
    let assets = try StaticController.load()
    assets.register(on: router)
    VendorController().register(on: router)
    let pages = router.group().add(middleware: WebSessionMiddleware(desk: desk)).add(middleware: PageErrorMiddleware(views: views))
        .add(middleware: NulGuardMiddleware())
    AuthPages(desk: desk, views: views).register(on: pages)
    QueuePages(desk: desk, views: views).register(on: pages)
    QueueTools(desk: desk, views: views).register(on: pages)
    NewTicketPage(desk: desk, views: views).register(on: pages)
    TicketPages(desk: desk, views: views).register(on: pages)
    TicketRelationPages(desk: desk, views: views).register(on: pages)
    CannedReplyPages(desk: desk, views: views).register(on: pages)
    MacroPages(desk: desk, views: views).register(on: pages)
    SearchPage(desk: desk, views: views).register(on: pages)
    CallPages(desk: desk, views: views).register(on: pages)
    AssetPages(desk: desk, views: views).register(on: pages)
    RemotePages(desk: desk, views: views).register(on: pages)
    AdminPages(desk: desk, views: views).register(on: pages)
    MailPages(desk: desk, views: views).register(on: pages)
    MailTemplatePages(desk: desk, views: views).register(on: pages)
    PasswordPages(desk: desk, views: views).register(on: pages)
    ResolutionPages(desk: desk, views: views).register(on: pages)
    OnCallPages(desk: desk, views: views).register(on: pages)
    SupervisorPage(desk: desk, views: views).register(on: pages)
    SLAReportPages(desk: desk, views: views).register(on: pages)
    ChatPages(desk: desk, views: views, assets: assets).register(on: pages)
    LiveController(desk: desk).register(on: pages)
    return router
}


/// The most connections held open at once: the configured cap, plus room to answer refusals, within the file
/// descriptors this process may open.
func hardConnectionCeiling(_ limits: ConnectionLimits) -> Int {
    var rl = rlimit()
    let descriptors = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl) == 0 ? Int(clamping: rl.rlim_cur) : 1_024
    return max(16, min(limits.maxConnections + 256, descriptors - 256))
}

/// Closes the database when the application stops.
struct StoreService: Service {
    let store: Store
    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}

/// Feeds this instance's live pages with the changes every instance commits (PostgreSQL notifications).
struct LiveRelay: Service {
    let desk: Desk
    func run() async throws {
        let bus = desk.live
        guard desk.store.kind == .postgres else {
            // SQLite hands notifications over in-process: nothing to listen to, but a service must run until shutdown.
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown { await desk.store.listen(LiveEvent.channel) { bus.publish(payload: $0) } }
    }
}

/// The durable scheduler on this instance: runs due jobs as they come (every instance may run one; the claim
/// makes each job run once). Between jobs it polls with a read, so an idle desk takes no write lock.
struct SchedulerService: Service {
    let desk: Desk
    let lease: TimeInterval
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var ran = 0
            do {
                if try await JobQueue.hasDue(now: desk.clock.now(), on: desk.store.database) {
                    ran = try await desk.runDueJobs(lease: lease)
                    Telemetry.jobsRun.increment(by: ran)
                }
            } catch {
                logger.warning("scheduler: claiming jobs failed", metadata: ["error": "\(error)"])
            }
            if ran == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) } }
        }
    }
}

/// Periodic housekeeping: expired idempotency records and browser sessions.
struct MaintenanceService: Service {
    let desk: Desk
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let cutoff = desk.clock.now().addingTimeInterval(-IdempotencyStore.retention)
                try await desk.store.write { db in try await IdempotencyStore.purge(olderThan: cutoff, on: db) }
                try await desk.purgeExpiredSessions()
                try await desk.purgeStaleThrottles()
                try await desk.purgeExpiredDrafts()
            } catch {
                logger.warning("maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

/// Fetches IMAP mailboxes while the server runs (with the scheduler: one instance of a cluster can be the fetcher).
struct IMAPService: Service {
    let fetcher: IMAPPollingService
    func run() async throws {
        await cancelWhenGracefulShutdown { await fetcher.run() }
    }
}

/// Tests only: how many SQL statements a request ran.
struct QueryCountMiddleware: RouterMiddleware {
    typealias Context = EscaleContext
    let store: Store
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let before = store.queriesExecuted
        var response = try await next(request, context)
        response.headers[.init("X-Query-Count")!] = String(store.queriesExecuted - before)
        return response
    }
}
