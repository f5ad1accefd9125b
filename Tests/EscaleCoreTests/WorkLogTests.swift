import Foundation
import Testing
@testable import EscaleCore

@Suite("Work logs")
struct WorkLogTests {
    let now = Fixture.now
    let agent = Fixture.agent(tier: .n1)

    @Test("Logging work records an internal event and adds the minutes", arguments: [1, 45, 1_440])
    func logsWork(minutes: Int) throws {
        // Given a ticket with 30 minutes already spent
        var ticket = Fixture.ticket(timeSpentMinutes: 30, version: 3)
        // When an agent logs work
        let event = try ticket.logWork(minutes: minutes, note: " Diagnostic ", by: agent, at: now)
        // Then the time accumulates and an internal event records it
        #expect(ticket.timeSpentMinutes == 30 + minutes)
        #expect(event.kind == .workLogged)
        #expect(!event.isPublic)
        #expect(event.minutes == minutes)
        #expect(event.body == "Diagnostic")
        #expect(event.actorId == Fixture.agentId)
        #expect(event.at == now)
        #expect(ticket.version == 4)
        #expect(ticket.updatedAt == now)
    }

    @Test("Minutes outside 1…1440 are refused", arguments: [Int.min, -30, 0, 1_441, 10_000])
    func bounds(minutes: Int) {
        var ticket = Fixture.ticket(timeSpentMinutes: 30)
        let before = ticket
        let error = #expect(throws: DomainError.self) {
            try ticket.logWork(minutes: minutes, note: nil, by: agent, at: now)
        }
        #expect(error?.invalidField == "minutes")
        #expect(ticket == before)
    }

    @Test("Only staff log work", arguments: [Fixture.requester, Fixture.clientManager])
    func staffOnly(actor: Actor) {
        var ticket = Fixture.ticket()
        let error = #expect(throws: DomainError.self) {
            try ticket.logWork(minutes: 10, note: nil, by: actor, at: now)
        }
        #expect(error?.isForbidden == true)
        #expect(ticket.timeSpentMinutes == 0)
    }

    @Test("Supervisors and admins may log work too", arguments: [Fixture.supervisor, Fixture.admin])
    func supervisorsAndAdmins(actor: Actor) throws {
        var ticket = Fixture.ticket()
        _ = try ticket.logWork(minutes: 15, note: nil, by: actor, at: now)
        #expect(ticket.timeSpentMinutes == 15)
    }

    @Test("Time accumulates over several entries")
    func accumulates() throws {
        var ticket = Fixture.ticket()
        for (i, minutes) in [30, 45, 5].enumerated() {
            _ = try ticket.logWork(minutes: minutes, note: nil, by: agent, at: now.addingTimeInterval(Double(i) * 60))
        }
        #expect(ticket.timeSpentMinutes == 80)
        #expect(ticket.version == 3 + 3)
    }

    @Test("A missing or blank note leaves the event body empty")
    func blankNote() throws {
        var ticket = Fixture.ticket()
        #expect(try ticket.logWork(minutes: 5, note: nil, by: agent, at: now).body == nil)
        #expect(try ticket.logWork(minutes: 5, note: "   ", by: agent, at: now).body == nil)
    }

    @Test("A note over 10000 characters is refused and nothing is logged")
    func longNote() {
        var ticket = Fixture.ticket()
        let error = #expect(throws: DomainError.self) {
            try ticket.logWork(minutes: 5, note: String(repeating: "n", count: 10_001), by: agent, at: now)
        }
        #expect(error?.invalidField == "note")
        #expect(ticket.timeSpentMinutes == 0)
    }
}
