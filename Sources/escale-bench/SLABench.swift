import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Logging

/// Service levels at scale, in-process on a fresh database: replaying the SLA of N open tickets after their calendar
/// changes, then the durable scheduler firing M due timers (each a real SLA check: timeline read, replay, snapshot,
/// transitions, next timer).
enum SLABench {
    static func run(location: DatabaseLocation, dataDir: String, openTickets: Int, timers: Int, logger: Logger) async throws {
        if case .sqlite = location { try? FileManager.default.removeItem(atPath: dataDir) }
        let store = try await Store.open(location, logger: logger)
        do {
            if case .postgres = location {
                _ = try await store.sql.raw("DROP SCHEMA public CASCADE").all()
                _ = try await store.sql.raw("CREATE SCHEMA public").all()
            }
            try await store.migrate()
            let desk = try Desk(store: store, config: DeskConfiguration(attachmentsDirectory: URL(fileURLWithPath: dataDir).appendingPathComponent("attachments"), bcryptCost: 4), logger: logger)
            try await measure(desk: desk, store: store, openTickets: openTickets, timers: timers)
            await store.close()
        } catch {
            await store.close()
            throw error
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func measure(desk: Desk, store: Store, openTickets: Int, timers: Int) async throws {
        let now = Date()
        let admin = try await store.write { db in try await desk.createUser(try await desk.prepareUser(UserInput(email: "admin@bench.example", name: "Admin", role: .admin, password: "bench-password-1")), by: nil, on: db) }
        let actor = try await desk.resolveActor(userId: admin.id, on: store.database)!
        let office = CalendarInput(name: "Office", timeZone: "Europe/Paris",
                                   hours: [BusinessCalendar.Weekday.mon, .tue, .wed, .thu, .fri].flatMap {
                                       [OpeningHours(day: $0, start: "09:00", end: "12:00"), OpeningHours(day: $0, start: "13:30", end: "18:00")]
                                   }, frenchHolidays: true)
        let calendar = try await store.write { db in try await desk.createCalendar(office, by: actor, on: db) }
        let targets = (1...5).map { SLATargetInput(priority: $0, firstResponseMinutes: 60 * $0, nextUpdateMinutes: $0 <= 2 ? 240 : nil, resolutionMinutes: 2_400 * $0) }
        let policy = try await store.write { db in try await desk.createSLAPolicy(SLAPolicyInput(name: "Standard", calendarId: calendar.id, targets: targets), by: actor, on: db) }
        let org = try await store.write { db in try await desk.createOrganization(OrganizationInput(name: "Client"), by: actor, on: db) }
        _ = try await store.write { db in
            try await desk.createContract(organizationId: org.id, ContractInput(perimeter: "infrastructure", validFrom: Day("2020-01-01")!, calendarId: calendar.id, slaPolicyId: policy.id), by: actor, on: db)
        }
        let requester = try await store.write { db in try await desk.createUser(try await desk.prepareUser(UserInput(email: "user@client.example", name: "User", role: .requester, password: "bench-password-1", organizationId: org.id)), by: nil, on: db) }

        print("seeding \(openTickets) open tickets created over the last 30 days…")
        var rng = SplitMix(state: 11)
        var items: [(ticket: Ticket, created: TicketEvent)] = []
        for seq in 1...openTickets {
            let created = now.addingTimeInterval(-30 * 86_400 * Double(openTickets - seq) / Double(openTickets))
            let draft = TicketDraft(type: .incident, subject: "Ticket \(seq)", description: "Open ticket \(seq)", requesterId: requester.id,
                                    organizationId: org.id, channel: .web, impact: Level.allCases.randomElement(using: &rng)!,
                                    urgency: Level.allCases.randomElement(using: &rng)!, occurredAt: created)
            var (t, e) = try Ticket.open(draft, id: UUID(), seq: seq, matrix: .itil, contract: nil, by: requester.id, at: created)
            t.status = [.new, .assigned, .inProgress, .pending][seq % 4]
            items.append((t, e))
            if items.count == 10_000 || seq == openTickets {
                let rows = BulkImport.Batch(items)
                try await store.write { db in try await BulkImport.insert(rows, on: db) }
                items.removeAll(keepingCapacity: true)
            }
        }
        try await store.write { db in try await BulkImport.reserveTicketNumbers(through: openTickets, on: db) }
        try await BulkImport.analyze(on: store.database)
        // Their first replay, on the office calendar.
        var start = ContinuousClock.now
        _ = try await desk.replaySLA(organizations: [org.id])
        print(String(format: "first SLA replay of %d open tickets: %.2f s", openTickets, seconds(since: start)))

        // The calendar changes (longer hours): every open ticket's SLA is replayed.
        var longer = office
        longer.hours = [BusinessCalendar.Weekday.mon, .tue, .wed, .thu, .fri, .sat].map { OpeningHours(day: $0, start: "07:00", end: "21:00") }
        let changed = longer
        _ = try await store.write { db in try await desk.updateCalendar(calendar.id, changed, by: actor, on: db) }
        start = ContinuousClock.now
        let replayed = try await desk.replaySLA(organizations: [org.id])
        let replay = seconds(since: start)
        print(String(format: "SLA replay after a calendar change: %d open tickets in %.2f s (%.0f tickets/s; target ≤ 5 s)", replayed, replay, Double(replayed) / replay))
        _ = try await store.sql.raw("DELETE FROM jobs WHERE kind = \(bind: Desk.JobKind.slaReplay)").all()

        // The scheduler: `timers` SLA timers come due at once.
        _ = try await store.sql.raw("""
            UPDATE jobs SET run_at = \(bind: now.addingTimeInterval(-1))
            WHERE id IN (SELECT id FROM jobs WHERE kind = \(bind: Desk.JobKind.slaCheck) ORDER BY run_at LIMIT \(unsafeRaw: String(timers)))
            """).all()
        start = ContinuousClock.now
        let fired = try await desk.drainDueJobs(concurrency: 8)
        let drain = seconds(since: start)
        print(String(format: "scheduler: %d due SLA timers fired in %.2f s (%.0f jobs/s; target: 10,000 within 60 s)", fired, drain, Double(fired) / drain))
    }
}
