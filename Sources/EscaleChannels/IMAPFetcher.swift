import EscaleAPI
import EscaleDesk
import EscaleIMAP
import EscaleStore
import Foundation
import Logging

/// Fetches the mail of mailboxes that are IMAP accounts and hands each message to the same intake as the MTA pipe.
///
/// At-least-once and never lost: a message is marked (`$Escale`, seen) and moved only after the intake has stored
/// it; a server that stops halfway leaves it in place, the next pass fetches it again, and the intake's
/// de-duplication (Message-ID + recipient) stores it once.
public enum IMAPFetcher {
    /// The keyword a processed message carries (kept in place with `after_fetch: flag`, or before it is moved).
    public static let keyword = "$Escale"

    static func configuration(_ a: MailboxIMAPAccount) -> IMAPConfiguration {
        let security: IMAPConfiguration.Security = switch a.security {
        case "starttls": .startTLS
        case "none": .none
        default: .tls
        }
        var c = IMAPConfiguration(host: a.host, port: a.port, security: security, username: a.username, password: a.password)
        // Tests point at a throwaway server with a self-signed certificate.
        if let roots = ProcessInfo.processInfo.environment["ESCALE_IMAP_TRUST_ROOTS"], !roots.isEmpty { c.trustRoots = roots }
        return c
    }

    /// "Test connection": signs in, opens the folder and counts what waits there.
    public static func test(_ a: MailboxIMAPAccount) async -> MailboxTestDTO {
        do {
            let connection = try await IMAPConnection.connect(configuration(a))
            defer { Task { await connection.logout() } }
            let status = try await connection.select(a.folder)
            let waiting = try await connection.uidSearch("NOT KEYWORD \(keyword)").count
            let idle = await connection.capabilities.contains("IDLE")
            return MailboxTestDTO(ok: true, detail: "signed in; \(a.folder) holds \(status.exists) message(s), \(waiting) to fetch", idle: idle)
        } catch {
            return MailboxTestDTO(ok: false, detail: "\(error)", idle: false)
        }
    }

    /// One pass over a mailbox: every message not yet processed, oldest first. Returns how many were handed over.
    @discardableResult
    public static func fetchOnce(_ a: MailboxIMAPAccount, connection: IMAPConnection, desk: Desk, limit: Int = 500) async throws -> Int {
        guard let mailbox = try await MailboxModel.find(a.mailboxId, on: desk.store.database), mailbox.active else { return 0 }
        let uids = try await connection.uidSearch("NOT KEYWORD \(keyword)").sorted().prefix(limit)
        var handed = 0
        if a.afterFetch == "move", !uids.isEmpty { try await connection.create(a.processedFolder) }
        for uid in uids {
            guard let raw = try await connection.fetchRaw(uid: uid) else { continue }
            _ = try await desk.mailIntake.receive(raw, mailbox: mailbox, envelope: MailEnvelope(recipient: mailbox.address))
            try await connection.storeFlags(uid: uid, add: [keyword, "\\Seen"])
            if a.afterFetch == "move" { try await connection.move(uid: uid, to: a.processedFolder) }
            handed += 1
        }
        return handed
    }
}

/// Keeps every IMAP mailbox fetched: one task per account, waiting in IDLE where the server offers it, else polling;
/// accounts are re-read every 15 seconds so an administrator's change applies without a restart. Errors are recorded
/// on the mailbox (`imap_status`) and retried with a growing delay.
public struct IMAPPollingService: Sendable {
    let desk: Desk
    let logger: Logger

    public init(desk: Desk, logger: Logger) {
        self.desk = desk
        self.logger = logger
    }

    public func run() async {
        var running: [UUID: (account: MailboxIMAPAccount, task: Task<Void, Never>)] = [:]
        while !Task.isCancelled {
            let accounts = (try? await desk.mailboxes.imapAccounts()) ?? running.values.map(\.account)
            let wanted = Dictionary(accounts.map { ($0.mailboxId, $0) }, uniquingKeysWith: { a, _ in a })
            for (id, entry) in running where wanted[id] != entry.account {
                entry.task.cancel()
                running[id] = nil
            }
            for (id, account) in wanted where running[id] == nil {
                running[id] = (account, Task { await watch(account) })
            }
            try? await Task.sleep(for: .seconds(15))
        }
        for entry in running.values { entry.task.cancel() }
    }

    func watch(_ account: MailboxIMAPAccount) async {
        var failures = 0
        var fetched = 0
        while !Task.isCancelled {
            do {
                let connection = try await IMAPConnection.connect(IMAPFetcher.configuration(account))
                let status = try await connection.select(account.folder)
                failures = 0
                while !Task.isCancelled {
                    fetched += try await IMAPFetcher.fetchOnce(account, connection: connection, desk: desk)
                    try? await desk.mailboxes.recordIMAP(account.mailboxId, status: MailboxIMAPStatus(checkedAt: desk.clock.now(), uidValidity: status.uidValidity, fetched: fetched))
                    if await connection.capabilities.contains("IDLE") {
                        // Servers drop IDLE after 30 minutes; a shorter wait also bounds a silently dead link.
                        _ = try await connection.idle(timeout: .seconds(max(account.pollSeconds, 60) * 5))
                    } else {
                        try await Task.sleep(for: .seconds(account.pollSeconds))
                        try await connection.noop()
                    }
                }
                await connection.logout()
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                logger.warning("IMAP fetch failed", metadata: ["mailbox": "\(account.mailboxId)", "error": "\(error)"])
                try? await desk.mailboxes.recordIMAP(account.mailboxId, status: MailboxIMAPStatus(checkedAt: desk.clock.now(), lastError: String("\(error)".prefix(500)), fetched: fetched))
                try? await Task.sleep(for: .seconds(min(600, account.pollSeconds * (1 << min(failures, 5)))))
            }
        }
    }
}
