import ArgumentParser
import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import EscaleWeb
import Foundation
import Hummingbird
import Logging

@main
struct Escale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escale",
        abstract: "Escale — the IT support desk.",
        discussion: """
            Configuration comes from the environment: ESCALE_HOST, ESCALE_PORT, ESCALE_DATA_DIR (default ./escale-data), \
            ESCALE_DATABASE_URL (postgres://… switches from the embedded SQLite to PostgreSQL), ESCALE_ADMIN_EMAIL and \
            ESCALE_ADMIN_PASSWORD (first administrator), ESCALE_MAX_UPLOAD_BYTES, ESCALE_INVENTORY_MAX_BYTES, ESCALE_BCRYPT_COST, ESCALE_LOG_LEVEL, \
            ESCALE_PUBLIC_URL (links in pages and feeds), ESCALE_SCHEDULER (on/off), ESCALE_JOB_LEASE_SECONDS.
            """,
        subcommands: [Serve.self, Migrate.self, UserCommand.self, Mailgate.self],
        defaultSubcommand: Serve.self
    )

    /// `mailgate` is parsed by hand, before ArgumentParser: its exit statuses are the MTA's (sysexits), and a usage
    /// error there must ask the MTA to retry (75), never bounce a client's mail (ArgumentParser's 64).
    static func main() async {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.first == "mailgate" { Foundation.exit(await MailGateway.run(Array(args.dropFirst()))) }
        await Self.main(nil)
    }
}

struct Mailgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hand one raw message on stdin to the server (for an MTA alias: helpdesk: \"|escale mailgate --url URL --token TOKEN\").",
        discussion: MailGateway.usage)

    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() async throws {
        throw ExitCode(await MailGateway.run(arguments))
    }
}

/// A start-up failure, printed as one line (`Error: …`) without the usage text argument errors get.
struct StartupError: Error, CustomStringConvertible {
    let description: String
}

/// Reads the environment, failing with one line that names what is wrong.
func loadConfiguration() throws -> AppConfiguration {
    do {
        return try AppConfiguration.fromEnvironment()
    } catch let e as AppConfiguration.Invalid {
        throw StartupError(description: "invalid configuration: \(e.description)")
    }
}

func bootstrapLogging(_ level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (migrates the database first).")

    @Option(name: .long, help: "Address to listen on (overrides ESCALE_HOST; default 127.0.0.1).")
    var hostname: String?

    @Option(name: .shortAndLong, help: "Port to listen on (overrides ESCALE_PORT; default 8080).")
    var port: String?

    func run() async throws {
        var config = try loadConfiguration()
        do {
            if let hostname { config.hostname = try AppConfiguration.hostname(hostname, name: "--hostname") }
            if let port { config.port = try AppConfiguration.port(port, name: "--port") }
        } catch let e as AppConfiguration.Invalid {
            throw StartupError(description: "invalid configuration: \(e.description)")
        }
        bootstrapLogging(config.logLevel)
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(config)
        } catch {
            throw StartupError(description: "cannot start: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")

    func run() async throws {
        let config = try loadConfiguration()
        bootstrapLogging(config.logLevel)
        let store = try await Store.open(config.databaseLocation, logger: Logger(label: "escale.migrate"))
        do {
            try await store.migrate()
            await store.close()
        } catch {
            await store.close()
            throw error
        }
        print("database is up to date")
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (for example a first administrator or agent).")

        @Option(help: "E-mail address (the login).") var email: String
        @Option(help: "Display name.") var name: String
        @Option(help: "requester, client_manager, agent, supervisor or admin.") var role: String = "agent"
        @Option(help: "Password (at least 10 characters); read from ESCALE_USER_PASSWORD when omitted.") var password: String?
        @Option(help: "Organization id, for requesters and client managers.") var organization: String?
        @Option(help: "Language: fr or en.") var locale: String = "fr"

        func run() async throws {
            let config = try loadConfiguration()
            bootstrapLogging(config.logLevel)
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let password = password ?? ProcessInfo.processInfo.environment["ESCALE_USER_PASSWORD"] else {
                throw ValidationError("give --password or set ESCALE_USER_PASSWORD")
            }
            var orgId: UUID?
            if let organization {
                guard let id = UUID(uuidString: organization) else { throw ValidationError("--organization must be an organization id") }
                orgId = id
            }
            let logger = Logger(label: "escale.user")
            let store = try await Store.open(config.databaseLocation, logger: logger)
            do {
                try await store.migrate()
                let desk = try Desk(store: store, config: DeskConfiguration(attachmentsDirectory: config.dataDirectory.appendingPathComponent("attachments"), bcryptCost: config.bcryptCost), logger: logger)
                let prepared = try await desk.prepareUser(UserInput(email: email, name: name, role: role, password: password, organizationId: orgId, locale: locale))
                let user = try await store.write { db in try await desk.createUser(prepared, by: nil, on: db) }
                await store.close()
                print("created \(user.role.rawValue) \(user.email) (\(user.id.uuidString))")
            } catch let e as DomainError {
                await store.close()
                throw ValidationError(e.description)
            } catch {
                await store.close()
                throw error
            }
        }
    }
}
