import EscaleAPI
import EscaleChannels
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Logging

/// Outgoing mail at load, in-process on a fresh SQLite database: N requesters each open a ticket, so N
/// acknowledgments are rendered into the outbox and sent by the durable scheduler's `mail.send` jobs through the
/// SMTP client to a real local SMTP server. Measures the sending phase alone (the jobs already queued).
enum OutboundMailBench {
    static func run(smtpURL: String, messages: Int, dataDir: String, logger: Logger) async throws {
        let dir = dataDir + "-outbound"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try await Store.open(.sqlite(path: dir + "/escale.sqlite"), logger: logger)
        let transport = try SMTPMailTransport(url: smtpURL, envelopeFrom: "support@desk.example")
        do {
            try await store.migrate()
            let config = DeskConfiguration(attachmentsDirectory: URL(fileURLWithPath: dir).appendingPathComponent("attachments"), bcryptCost: 4,
                                           mailFrom: MailboxName(name: "Support", address: "support@desk.example"))
            // Rendering first, without a transport: messages wait in the outbox, no send job yet.
            let renderer = try Desk(store: store, config: config, logger: logger)
            try await renderer.loadSigningKey()
            let admin = try await store.write { db in
                try await renderer.createUser(try await renderer.prepareUser(UserInput(email: "admin@desk.example", name: "Admin", role: .admin, password: "bench-password-1")), by: nil, on: db)
            }
            let actor = try await renderer.resolveActor(userId: admin.id, on: store.database)!
            let org = try await store.write { db in try await renderer.createOrganization(OrganizationInput(name: "Client"), by: actor, on: db) }
            _ = try await store.write { db in
                try await renderer.createContract(organizationId: org.id, ContractInput(perimeter: "infrastructure", validFrom: Day("2020-01-01")!), by: actor, on: db)
            }
            for i in 0..<messages {
                let user = try await store.write { db in
                    try await renderer.createUser(try await renderer.prepareUser(UserInput(email: "user\(i)@client.example", name: "Utilisateur \(i)", role: .requester,
                                                                                          password: "bench-password-1", organizationId: org.id)), by: actor, on: db)
                }
                let requester = Actor(userId: user.id, role: .requester, organizationId: org.id)
                let prepared = try await renderer.prepareTicket(TicketInput(subject: "Imprimante en panne \(i)", description: "Elle affiche « Erreur 0x\(i) ».",
                                                                            impact: .medium, urgency: .medium), by: requester)
                _ = try await store.write { db in try await renderer.createTicket(prepared, by: requester, on: db) }
            }
            _ = try await renderer.drainDueJobs()
            // Then the same outbox sent by a desk that has the SMTP transport: one job per message, as in production.
            let sender = try Desk(store: store, config: config, logger: logger, mail: transport)
            let queued = try await sender.resumeQueuedMail()
            let start = ContinuousClock.now
            let sent = try await sender.drainDueJobs(concurrency: 8)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let delivered = try await sender.mailOutbox(status: "sent", limit: 1_000_000, by: actor).count
            print(String(format: "outbound mail: %d messages rendered, %d jobs run, %d sent over SMTP in %.2f s: %.0f messages/s", queued, sent, delivered, seconds, Double(delivered) / seconds))
            await transport.shutdown()
            await store.close()
        } catch {
            await transport.shutdown()
            await store.close()
            throw error
        }
    }
}
