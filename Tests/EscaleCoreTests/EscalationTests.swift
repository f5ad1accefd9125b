import Foundation
import Testing
@testable import EscaleCore

@Suite("Escalation between tiers")
struct EscalationTests {
    let now = Fixture.now
    let reason = "Needs network team"

    @Test("An N1 agent escalates an N1 ticket to N2 with a recorded reason")
    func n1AgentEscalates() throws {
        // Given an N1 ticket and an N1 agent
        var ticket = Fixture.ticket(tier: .n1, version: 3)
        let agent = Fixture.agent(tier: .n1)
        // When the agent escalates it to N2
        let events = try ticket.escalate(to: .n2, reason: "  \(reason)  ", group: nil, by: agent, at: now)
        // Then the ticket is at N2 and an internal escalation event records why
        #expect(ticket.tier == .n2)
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.kind == .escalated)
        #expect(!event.isPublic)
        #expect(event.fromTier == .n1)
        #expect(event.toTier == .n2)
        #expect(event.reason == reason)
        #expect(event.newValue == nil)
        #expect(event.actorId == Fixture.agentId)
        #expect(event.at == now)
        #expect(ticket.version == 4)
        #expect(ticket.updatedAt == now)
    }

    @Test("An N1 agent cannot act on an N3 ticket, in either direction", arguments: [Tier.n1, .n2])
    func n1AgentCannotTouchN3(target: Tier) {
        var ticket = Fixture.ticket(tier: .n3)
        let before = ticket
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: target, reason: reason, group: nil, by: Fixture.agent(tier: .n1), at: now)
        }
        #expect(error?.isForbidden == true)
        #expect(ticket == before)
    }

    @Test("An agent without any group cannot escalate, whatever their tier")
    func agentWithoutGroup() {
        var ticket = Fixture.ticket(tier: .n1)
        let loner = Actor(userId: Fixture.agentId, role: .agent, servedOrganizations: .all, highestTier: .n3)
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: .n2, reason: reason, group: nil, by: loner, at: now)
        }
        #expect(error?.isForbidden == true)
    }

    @Test("Requesters and client managers cannot escalate", arguments: [Fixture.requester, Fixture.clientManager])
    func clientsCannotEscalate(actor: Actor) {
        var ticket = Fixture.ticket(tier: .n1)
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: .n2, reason: reason, group: nil, by: actor, at: now)
        }
        #expect(error?.isForbidden == true)
        #expect(ticket.tier == .n1)
    }

    @Test("Supervisors and admins escalate any ticket, without belonging to a group",
          arguments: [Fixture.supervisor, Fixture.admin])
    func supervisorsAndAdmins(actor: Actor) throws {
        var ticket = Fixture.ticket(tier: .n3)
        _ = try ticket.escalate(to: .n1, reason: reason, group: nil, by: actor, at: now)
        #expect(ticket.tier == .n1)
        var other = Fixture.ticket(tier: .n1)
        _ = try other.escalate(to: .n3, reason: reason, group: nil, by: actor, at: now)
        #expect(other.tier == .n3)
    }

    @Test("An escalation needs a reason of at least 3 characters, after trimming",
          arguments: ["", "  ", "ok", "  ok  "])
    func reasonRequired(reason: String) {
        var ticket = Fixture.ticket(tier: .n1)
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: .n2, reason: reason, group: nil, by: Fixture.agent(tier: .n1), at: now)
        }
        #expect(error?.invalidField == "reason")
        #expect(ticket.tier == .n1)
    }

    @Test("A reason of 3 characters is enough; one over 2000 is refused")
    func reasonBounds() throws {
        var ticket = Fixture.ticket(tier: .n1)
        _ = try ticket.escalate(to: .n2, reason: "KO!", group: nil, by: Fixture.supervisor, at: now)
        #expect(ticket.tier == .n2)
        let long = String(repeating: "r", count: 2_001)
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: .n3, reason: long, group: nil, by: Fixture.supervisor, at: now)
        }
        #expect(error?.invalidField == "reason")
        _ = try ticket.escalate(to: .n3, reason: String(repeating: "r", count: 2_000), group: nil, by: Fixture.supervisor, at: now)
        #expect(ticket.tier == .n3)
    }

    @Test("Escalating to the tier the ticket is already at is refused", arguments: Tier.allCases)
    func sameTier(tier: Tier) {
        var ticket = Fixture.ticket(tier: tier)
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: tier, reason: reason, group: nil, by: Fixture.supervisor, at: now)
        }
        #expect(error?.invalidField == "tier")
    }

    @Test("The target group must work at the target tier")
    func groupTierMustMatch() {
        var ticket = Fixture.ticket(tier: .n1)
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: .n2, reason: reason, group: (Fixture.groupN3, .n3), by: Fixture.agent(tier: .n1), at: now)
        }
        #expect(error?.invalidField == "group_id")
        #expect(ticket.tier == .n1)
        #expect(ticket.groupId == nil)
    }

    @Test("Escalating to a group of the target tier hands the ticket to that group")
    func escalateToGroup() throws {
        // Given an N1 ticket owned by the N1 group
        var ticket = Fixture.ticket(tier: .n1, groupId: Fixture.groupN1)
        // When it is escalated to the N2 group
        let events = try ticket.escalate(to: .n2, reason: reason, group: (Fixture.groupN2, .n2), by: Fixture.agent(tier: .n1), at: now)
        // Then the N2 group owns it, and the timeline says so
        #expect(ticket.groupId == Fixture.groupN2)
        #expect(events.map(\.kind) == [.escalated, .assigned])
        #expect(events[0].newValue == Fixture.groupN2.uuidString)
        #expect(events[1].field == "group")
        #expect(events[1].oldValue == Fixture.groupN1.uuidString)
        #expect(events[1].newValue == Fixture.groupN2.uuidString)
        #expect(ticket.version == 4)
    }

    @Test("Escalating without a group takes the ticket out of its previous group")
    func escalateWithoutGroupClearsGroup() throws {
        var ticket = Fixture.ticket(tier: .n1, groupId: Fixture.groupN1)
        let events = try ticket.escalate(to: .n2, reason: reason, group: nil, by: Fixture.agent(tier: .n1), at: now)
        #expect(ticket.groupId == nil)
        #expect(events.first(field: "group")?.oldValue == Fixture.groupN1.uuidString)
        #expect(events.first(field: "group")?.newValue == nil)
    }

    @Test("Escalating clears the assignee and puts an assigned ticket back to new")
    func assigneeCleared() throws {
        // Given an assigned N1 ticket
        var ticket = Fixture.ticket(status: .assigned, tier: .n1, groupId: Fixture.groupN1, assigneeId: Fixture.agentId)
        // When it is escalated to N2
        let events = try ticket.escalate(to: .n2, reason: reason, group: (Fixture.groupN2, .n2), by: Fixture.agent(tier: .n1), at: now)
        // Then nobody owns it any more and it waits in the N2 queue
        #expect(ticket.assigneeId == nil)
        #expect(ticket.status == .new)
        #expect(events.map(\.kind) == [.escalated, .assigned, .assigned, .statusChanged])
        let assignee = try #require(events.first(field: "assignee"))
        #expect(assignee.oldValue == Fixture.agentId.uuidString)
        #expect(assignee.newValue == nil)
        #expect(events[3].oldValue == "assigned")
        #expect(events[3].newValue == "new")
        #expect(ticket.version == 4)
    }

    @Test("Escalating an in-progress ticket clears the assignee and puts it back in the queue as new")
    func inProgressReturnsToQueue() throws {
        var ticket = Fixture.ticket(status: .inProgress, tier: .n1, assigneeId: Fixture.agentId)
        let events = try ticket.escalate(to: .n2, reason: reason, group: nil, by: Fixture.agent(tier: .n1), at: now)
        #expect(ticket.assigneeId == nil)
        #expect(ticket.status == .new)
        #expect(events.contains { $0.kind == .statusChanged && $0.oldValue == "in_progress" && $0.newValue == "new" })
    }

    @Test("A resolved or closed ticket cannot be escalated", arguments: [TicketStatus.resolved, .closed])
    func notOpen(status: TicketStatus) {
        var ticket = Fixture.ticket(status: status, tier: .n1)
        let before = ticket
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: .n2, reason: reason, group: nil, by: Fixture.supervisor, at: now)
        }
        #expect(error?.invalidField == "status")
        #expect(ticket == before)
    }

    @Test("A pending ticket can be escalated")
    func pendingCanBeEscalated() throws {
        var ticket = Fixture.ticket(status: .pending, tier: .n1)
        _ = try ticket.escalate(to: .n2, reason: reason, group: nil, by: Fixture.agent(tier: .n1), at: now)
        #expect(ticket.tier == .n2)
        #expect(ticket.status == .new)
    }

    @Test("An N2 agent de-escalates an N2 ticket to N1")
    func deEscalation() throws {
        var ticket = Fixture.ticket(tier: .n2, groupId: Fixture.groupN2)
        let events = try ticket.escalate(to: .n1, reason: "Simple password reset", group: (Fixture.groupN1, .n1),
                                         by: Fixture.agent(tier: .n2), at: now)
        #expect(ticket.tier == .n1)
        #expect(ticket.groupId == Fixture.groupN1)
        #expect(events[0].fromTier == .n2)
        #expect(events[0].toTier == .n1)
    }

    @Test("An N1 agent cannot de-escalate an N2 ticket")
    func n1CannotDeEscalateN2() {
        var ticket = Fixture.ticket(tier: .n2)
        let error = #expect(throws: DomainError.self) {
            try ticket.escalate(to: .n1, reason: reason, group: nil, by: Fixture.agent(tier: .n1), at: now)
        }
        #expect(error?.isForbidden == true)
    }

    @Test("An N3 agent may skip a tier, escalating N1 straight to N3")
    func skipTier() throws {
        var ticket = Fixture.ticket(tier: .n1)
        let events = try ticket.escalate(to: .n3, reason: "Datacenter outage", group: (Fixture.groupN3, .n3),
                                         by: Fixture.agent(tier: .n3), at: now)
        #expect(ticket.tier == .n3)
        #expect(events[0].fromTier == .n1)
        #expect(events[0].toTier == .n3)
    }
}
