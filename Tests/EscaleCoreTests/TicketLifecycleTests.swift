import Foundation
import Testing
@testable import EscaleCore

@Suite("Ticket lifecycle")
struct TicketLifecycleTests {
    let now = Fixture.now
    let agent = Fixture.agent(tier: .n1)

    func change(status: TicketStatus) -> TicketChange {
        var c = TicketChange()
        c.status = status
        return c
    }

    @Test("Moving along every allowed transition records a public status event", arguments: TicketStatusTests.allowed)
    func moveAllowed(from: TicketStatus, to: TicketStatus) throws {
        // Given a ticket in `from`, with an assignee so that `assigned` is reachable
        var ticket = Fixture.ticket(status: from, assigneeId: Fixture.agentId)
        // When it moves to `to`
        let events = try ticket.move(to: to, by: Fixture.agentId, at: now)
        // Then the status changed and one public event says so
        #expect(ticket.status == to)
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.kind == .statusChanged)
        #expect(event.isPublic)
        #expect(event.actorId == Fixture.agentId)
        #expect(event.at == now)
        #expect(event.oldValue == from.rawValue)
        #expect(event.newValue == to.rawValue)
    }

    @Test("Moving along a forbidden transition throws invalidTransition and changes nothing",
          arguments: TicketStatusTests.forbiddenSample)
    func moveForbidden(from: TicketStatus, to: TicketStatus) {
        var ticket = Fixture.ticket(status: from, assigneeId: Fixture.agentId)
        let before = ticket
        #expect(throws: DomainError.invalidTransition(from: from, to: to)) {
            try ticket.move(to: to, by: Fixture.agentId, at: now)
        }
        #expect(ticket == before)
    }

    @Test("A closed ticket cannot be reopened or changed in status, even by an admin", arguments: TicketStatus.allCases)
    func closedIsFinal(target: TicketStatus) {
        var ticket = Fixture.ticket(status: .closed, assigneeId: Fixture.agentId)
        guard target != .closed else { return }
        #expect(throws: DomainError.invalidTransition(from: .closed, to: target)) {
            _ = try ticket.apply(change(status: target), matrix: .itil, contract: nil, by: Fixture.admin, at: now)
        }
        #expect(ticket.status == .closed)
    }

    @Test("Resolving stamps resolvedAt")
    func resolveStamps() throws {
        var ticket = Fixture.ticket(status: .inProgress, assigneeId: Fixture.agentId)
        _ = try ticket.move(to: .resolved, by: Fixture.agentId, at: now)
        #expect(ticket.resolvedAt == now)
        #expect(ticket.closedAt == nil)
    }

    @Test("Reopening (resolved → in_progress) clears resolvedAt")
    func reopenClearsResolvedAt() throws {
        // Given a resolved ticket
        var ticket = Fixture.ticket(status: .resolved, assigneeId: Fixture.agentId, resolvedAt: Fixture.created)
        // When it is reopened
        let events = try ticket.apply(change(status: .inProgress), matrix: .itil, contract: nil, by: agent, at: now)
        // Then it is in progress again and no longer resolved
        #expect(ticket.status == .inProgress)
        #expect(ticket.resolvedAt == nil)
        #expect(ticket.closedAt == nil)
        #expect(events.map(\.kind) == [.statusChanged])
    }

    @Test("Closing a resolved ticket stamps closedAt and keeps resolvedAt")
    func closeKeepsResolvedAt() throws {
        var ticket = Fixture.ticket(status: .resolved, assigneeId: Fixture.agentId, resolvedAt: Fixture.created)
        _ = try ticket.apply(change(status: .closed), matrix: .itil, contract: nil, by: agent, at: now)
        #expect(ticket.status == .closed)
        #expect(ticket.closedAt == now)
        #expect(ticket.resolvedAt == Fixture.created)
    }

    @Test("A ticket walks the whole lifecycle: new → assigned → in_progress → pending → resolved → reopened → resolved → closed")
    func fullLifecycle() throws {
        // Given a freshly opened ticket
        var (ticket, _) = try Ticket.open(Fixture.draft(), id: Fixture.ticketId, seq: 7, matrix: .itil,
                                          contract: Fixture.contract(.infrastructure), by: Fixture.requesterId, at: Fixture.created)
        #expect(ticket.status == .new)
        var t = Fixture.created

        func step(_ c: TicketChange, by actor: Actor = agent) throws -> [TicketEvent] {
            t = t.addingTimeInterval(600)
            return try ticket.apply(c, matrix: .itil, contract: nil, by: actor, at: t)
        }

        // When an agent takes it
        var assign = TicketChange()
        assign.assigneeId = .some(Fixture.agentId)
        _ = try step(assign)
        #expect(ticket.status == .assigned)

        // …works it, waits for the user, works it again and resolves it
        for s in [TicketStatus.inProgress, .pending, .inProgress, .resolved] {
            _ = try step(change(status: s))
            #expect(ticket.status == s)
        }
        let firstResolution = try #require(ticket.resolvedAt)
        #expect(firstResolution == t)

        // …the requester reopens it, the agent resolves it again, the requester confirms
        _ = try step(change(status: .inProgress), by: Fixture.requester)
        #expect(ticket.resolvedAt == nil)
        _ = try step(change(status: .resolved))
        let secondResolution = try #require(ticket.resolvedAt)
        #expect(secondResolution > firstResolution)
        _ = try step(change(status: .closed), by: Fixture.requester)

        // Then it is closed for good, and every effective change bumped the version once
        #expect(ticket.status == .closed)
        #expect(ticket.closedAt == t)
        #expect(ticket.resolvedAt == secondResolution)
        #expect(ticket.version == 1 + 8)
        #expect(ticket.updatedAt == t)
        #expect(throws: DomainError.invalidTransition(from: .closed, to: .inProgress)) {
            _ = try step(change(status: .inProgress))
        }
    }
}
