import Foundation
import Testing
@testable import EscaleCore

@Suite("Changing a ticket (apply)")
struct TicketRulesTests {
    let now = Fixture.now
    let agent = Fixture.agent(tier: .n1)

    func apply(_ change: TicketChange, to ticket: inout Ticket, by actor: Actor? = nil,
               matrix: PriorityMatrix = .itil, contract: Contract? = Fixture.contract(.infrastructure)) throws -> [TicketEvent] {
        try ticket.apply(change, matrix: matrix, contract: contract, by: actor ?? agent, at: now)
    }

    // MARK: Field changes

    @Test("Changing the subject records a public field event with old and new values")
    func subjectChange() throws {
        // Given a ticket
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.subject = "  VPN coupé depuis ce matin "
        // When the subject changes
        let events = try apply(change, to: &ticket)
        // Then one public field event records it, trimmed
        #expect(ticket.subject == "VPN coupé depuis ce matin")
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.kind == .fieldChanged)
        #expect(event.field == "subject")
        #expect(event.oldValue == "VPN coupé")
        #expect(event.newValue == "VPN coupé depuis ce matin")
        #expect(event.isPublic)
        #expect(event.actorId == Fixture.agentId)
        #expect(event.at == now)
    }

    @Test("An invalid subject is refused")
    func invalidSubject() {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.subject = "  "
        let error = #expect(throws: DomainError.self) { try apply(change, to: &ticket) }
        #expect(error?.invalidField == "subject")
    }

    @Test("Changing the description records an internal field event")
    func descriptionChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.description = "Le VPN se déconnecte toutes les 5 minutes."
        let events = try apply(change, to: &ticket)
        let event = try #require(events.first(field: "description"))
        #expect(event.oldValue == "Le VPN se déconnecte.")
        #expect(event.newValue == "Le VPN se déconnecte toutes les 5 minutes.")
        #expect(!event.isPublic)
        #expect(ticket.description == "Le VPN se déconnecte toutes les 5 minutes.")
    }

    @Test("Changing the type records the raw values")
    func typeChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.type = .request
        let events = try apply(change, to: &ticket)
        #expect(ticket.type == .request)
        let event = try #require(events.first(field: "type"))
        #expect(event.oldValue == "incident")
        #expect(event.newValue == "request")
    }

    @Test("Changing the impact records it and recomputes the priority, with a public priority event")
    func impactRecomputesPriority() throws {
        // Given a medium × medium ticket (P3)
        var ticket = Fixture.ticket(impact: .medium, urgency: .medium)
        #expect(ticket.priority == .medium)
        var change = TicketChange()
        change.impact = .high
        // When the impact becomes high
        let events = try apply(change, to: &ticket)
        // Then the priority is P2 and both changes are recorded in order
        #expect(ticket.impact == .high)
        #expect(ticket.priority == .high)
        #expect(events.map(\.field) == ["impact", "priority"])
        #expect(events[0].oldValue == "medium")
        #expect(events[0].newValue == "high")
        #expect(!events[0].isPublic)
        #expect(events[1].oldValue == "3")
        #expect(events[1].newValue == "2")
        #expect(events[1].isPublic)
    }

    @Test("Changing the urgency recomputes the priority too")
    func urgencyRecomputesPriority() throws {
        var ticket = Fixture.ticket(impact: .low, urgency: .low)
        var change = TicketChange()
        change.urgency = .high
        let events = try apply(change, to: &ticket)
        #expect(ticket.priority == .medium)
        #expect(events.map(\.field) == ["urgency", "priority"])
    }

    @Test("When impact and urgency change but the priority stays the same, no priority event is recorded")
    func samePriorityNoEvent() throws {
        // Given high × medium (P2)
        var ticket = Fixture.ticket(impact: .high, urgency: .medium)
        var change = TicketChange()
        change.impact = .medium
        change.urgency = .high          // medium × high is P2 as well
        let events = try apply(change, to: &ticket)
        #expect(ticket.priority == .high)
        #expect(events.map(\.field) == ["impact", "urgency"])
    }

    @Test("The priority is recomputed with the matrix in force")
    func customMatrixPriority() throws {
        var cells = PriorityMatrix.itil.cells
        cells[.high]![.low] = .planning
        let matrix = try PriorityMatrix(cells: cells)
        var ticket = Fixture.ticket(impact: .medium, urgency: .low)
        var change = TicketChange()
        change.impact = .high
        _ = try apply(change, to: &ticket, matrix: matrix)
        #expect(ticket.priority == .planning)
    }

    @Test("Changing the category records it and re-evaluates the contract perimeter")
    func categoryChange() throws {
        // Given a printer ticket under a hardware contract (in scope)
        var ticket = Fixture.ticket(category: "printer")
        var change = TicketChange()
        change.category = .some(Fixture.network)
        // When it is recategorised as network
        let events = try apply(change, to: &ticket, contract: Fixture.contract(.hardware))
        // Then it is out of scope and the change is recorded
        #expect(ticket.category == "network")
        #expect(ticket.outOfScope)
        let event = try #require(events.first(field: "category"))
        #expect(event.oldValue == "printer")
        #expect(event.newValue == "network")
    }

    @Test("Clearing the category records it and lifts the out-of-scope flag")
    func categoryCleared() throws {
        var ticket = Fixture.ticket(category: "network")
        ticket.outOfScope = true
        var change = TicketChange()
        change.category = .some(nil)
        let events = try apply(change, to: &ticket, contract: Fixture.contract(.hardware))
        #expect(ticket.category == nil)
        #expect(!ticket.outOfScope)
        let event = try #require(events.first(field: "category"))
        #expect(event.oldValue == "network")
        #expect(event.newValue == nil)
    }

    @Test("Flagging a ticket as major records false → true")
    func majorChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.major = true
        let events = try apply(change, to: &ticket)
        #expect(ticket.major)
        let event = try #require(events.first(field: "major"))
        #expect(event.oldValue == "false")
        #expect(event.newValue == "true")
    }

    @Test("Changing occurred_at records ISO 8601 values; a future date is refused")
    func occurredAtChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        let earlier = Fixture.created.addingTimeInterval(-3_600)
        change.occurredAt = earlier
        let events = try apply(change, to: &ticket)
        #expect(ticket.occurredAt == earlier)
        let event = try #require(events.first(field: "occurred_at"))
        #expect(event.oldValue == "2026-09-20T14:13:20Z")
        #expect(event.newValue == "2026-09-20T13:13:20Z")

        change.occurredAt = now.addingTimeInterval(3_600)
        let error = #expect(throws: DomainError.self) { try apply(change, to: &ticket) }
        #expect(error?.invalidField == "occurred_at")
        #expect(ticket.occurredAt == earlier)
    }

    @Test("Setting and clearing the estimate records both; out-of-range estimates are refused")
    func estimateChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.estimatedMinutes = .some(120)
        let set = try apply(change, to: &ticket)
        #expect(ticket.estimatedMinutes == 120)
        #expect(set.first(field: "estimated_minutes")?.oldValue == nil)
        #expect(set.first(field: "estimated_minutes")?.newValue == "120")

        change.estimatedMinutes = .some(nil)
        let cleared = try apply(change, to: &ticket)
        #expect(ticket.estimatedMinutes == nil)
        #expect(cleared.first(field: "estimated_minutes")?.oldValue == "120")
        #expect(cleared.first(field: "estimated_minutes")?.newValue == nil)

        for bad in [-1, 1_000_001] {
            change.estimatedMinutes = .some(bad)
            let error = #expect(throws: DomainError.self) { try apply(change, to: &ticket) }
            #expect(error?.invalidField == "estimated_minutes")
        }
        change.estimatedMinutes = .some(0)
        _ = try apply(change, to: &ticket)
        #expect(ticket.estimatedMinutes == 0)
    }

    @Test("Changing tags normalises them and records the joined lists")
    func tagsChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.tags = ["VPN", " Télétravail ", "vpn"]
        let events = try apply(change, to: &ticket)
        #expect(ticket.tags == ["vpn", "télétravail"])
        let event = try #require(events.first(field: "tags"))
        #expect(event.oldValue == "vpn")
        #expect(event.newValue == "vpn,télétravail")
    }

    @Test("Linking a parent records it; a ticket cannot be its own parent")
    func parentChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.parentId = .some(Fixture.otherTicketId)
        let events = try apply(change, to: &ticket)
        #expect(ticket.parentId == Fixture.otherTicketId)
        #expect(events.first(field: "parent_id")?.newValue == Fixture.otherTicketId.uuidString)

        change.parentId = .some(Fixture.ticketId)
        let error = #expect(throws: DomainError.self) { try apply(change, to: &ticket) }
        #expect(error?.invalidField == "parent_id")
    }

    // MARK: Assignment

    @Test("Changing the group records an internal assigned event for the group")
    func groupChange() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.groupId = .some(Fixture.groupN1)
        let events = try apply(change, to: &ticket)
        #expect(ticket.groupId == Fixture.groupN1)
        #expect(ticket.status == .new)
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.kind == .assigned)
        #expect(event.field == "group")
        #expect(event.oldValue == nil)
        #expect(event.newValue == Fixture.groupN1.uuidString)
        #expect(!event.isPublic)
    }

    @Test("Assigning a new ticket moves it to assigned")
    func assignNewTicket() throws {
        // Given a new, unassigned ticket
        var ticket = Fixture.ticket(status: .new)
        var change = TicketChange()
        change.assigneeId = .some(Fixture.agentId)
        // When an agent is assigned
        let events = try apply(change, to: &ticket)
        // Then it is assigned, with an assignment event then a status event
        #expect(ticket.assigneeId == Fixture.agentId)
        #expect(ticket.status == .assigned)
        #expect(events.map(\.kind) == [.assigned, .statusChanged])
        #expect(events[0].field == "assignee")
        #expect(events[0].oldValue == nil)
        #expect(events[0].newValue == Fixture.agentId.uuidString)
        #expect(events[1].oldValue == "new")
        #expect(events[1].newValue == "assigned")
    }

    @Test("Reassigning an in-progress ticket keeps its status")
    func reassignInProgress() throws {
        var ticket = Fixture.ticket(status: .inProgress, assigneeId: Fixture.agentId)
        var change = TicketChange()
        change.assigneeId = .some(Fixture.otherAgentId)
        let events = try apply(change, to: &ticket)
        #expect(ticket.status == .inProgress)
        #expect(ticket.assigneeId == Fixture.otherAgentId)
        #expect(events.map(\.kind) == [.assigned])
        #expect(events[0].oldValue == Fixture.agentId.uuidString)
        #expect(events[0].newValue == Fixture.otherAgentId.uuidString)
    }

    @Test("Unassigning an assigned ticket puts it back to new")
    func unassign() throws {
        var ticket = Fixture.ticket(status: .assigned, assigneeId: Fixture.agentId)
        var change = TicketChange()
        change.assigneeId = .some(nil)
        let events = try apply(change, to: &ticket)
        #expect(ticket.assigneeId == nil)
        #expect(ticket.status == .new)
        #expect(events.map(\.kind) == [.assigned, .statusChanged])
        #expect(events[1].oldValue == "assigned")
        #expect(events[1].newValue == "new")
    }

    @Test("Assigning with an explicit status uses that status instead of assigned")
    func assignWithExplicitStatus() throws {
        var ticket = Fixture.ticket(status: .new)
        var change = TicketChange()
        change.assigneeId = .some(Fixture.agentId)
        change.status = .inProgress
        let events = try apply(change, to: &ticket)
        #expect(ticket.status == .inProgress)
        #expect(events.map(\.kind) == [.assigned, .statusChanged])
        #expect(events[1].oldValue == "new")
        #expect(events[1].newValue == "in_progress")
    }

    @Test("The assigned status without an assignee is refused")
    func assignedWithoutAssignee() {
        var ticket = Fixture.ticket(status: .new)
        var change = TicketChange()
        change.status = .assigned
        let error = #expect(throws: DomainError.self) { try apply(change, to: &ticket) }
        #expect(error?.invalidField == "status")
        #expect(ticket.status == .new)
    }

    @Test("Re-assigning the same assignee is not a change")
    func sameAssignee() throws {
        var ticket = Fixture.ticket(status: .assigned, assigneeId: Fixture.agentId)
        var change = TicketChange()
        change.assigneeId = .some(Fixture.agentId)
        change.groupId = .some(nil)
        #expect(try apply(change, to: &ticket).isEmpty)
    }

    // MARK: Status through apply

    @Test("A forbidden status change through apply throws invalidTransition")
    func forbiddenStatusChange() {
        var ticket = Fixture.ticket(status: .new)
        var change = TicketChange()
        change.status = .closed
        #expect(throws: DomainError.invalidTransition(from: .new, to: .closed)) { try apply(change, to: &ticket) }
    }

    @Test("A refused change leaves the ticket exactly as it was, even if earlier fields were valid")
    func refusedChangeIsAtomic() {
        // Given a new ticket and a change whose fields are valid but whose status move is not
        var ticket = Fixture.ticket(status: .new)
        let before = ticket
        var change = TicketChange()
        change.subject = "Un autre sujet"
        change.impact = .high
        change.assigneeId = .some(Fixture.agentId)
        change.status = .closed
        // When it is applied, then it is refused as a whole
        #expect(throws: DomainError.invalidTransition(from: .new, to: .closed)) { try apply(change, to: &ticket) }
        #expect(ticket == before)
    }

    // MARK: Requesters

    @Test("A requester may close a resolved ticket")
    func requesterCloses() throws {
        var ticket = Fixture.ticket(status: .resolved, assigneeId: Fixture.agentId)
        var change = TicketChange()
        change.status = .closed
        let events = try apply(change, to: &ticket, by: Fixture.requester)
        #expect(ticket.status == .closed)
        #expect(ticket.closedAt == now)
        #expect(events.map(\.kind) == [.statusChanged])
        #expect(events[0].actorId == Fixture.requesterId)
    }

    @Test("A requester may reopen a resolved ticket")
    func requesterReopens() throws {
        var ticket = Fixture.ticket(status: .resolved, assigneeId: Fixture.agentId)
        var change = TicketChange()
        change.status = .inProgress
        _ = try apply(change, to: &ticket, by: Fixture.requester)
        #expect(ticket.status == .inProgress)
        #expect(ticket.resolvedAt == nil)
    }

    @Test("A client manager follows the requester rules")
    func clientManagerRules() throws {
        var resolved = Fixture.ticket(status: .resolved, assigneeId: Fixture.agentId)
        var close = TicketChange()
        close.status = .closed
        _ = try apply(close, to: &resolved, by: Fixture.clientManager)
        #expect(resolved.status == .closed)

        var open = Fixture.ticket(status: .inProgress)
        var subject = TicketChange()
        subject.subject = "Plus urgent"
        let error = #expect(throws: DomainError.self) { try apply(subject, to: &open, by: Fixture.clientManager) }
        #expect(error?.isForbidden == true)
    }

    static func requesterForbiddenChanges() -> [(String, TicketChange)] {
        func make(_ f: (inout TicketChange) -> Void) -> TicketChange { var c = TicketChange(); f(&c); return c }
        return [
            ("subject", make { $0.subject = "Autre" }),
            ("description", make { $0.description = "Autre" }),
            ("type", make { $0.type = .request }),
            ("category", make { $0.category = .some(nil) }),
            ("impact", make { $0.impact = .high }),
            ("urgency", make { $0.urgency = .high }),
            ("major", make { $0.major = true }),
            ("group", make { $0.groupId = .some(Fixture.groupN1) }),
            ("assignee", make { $0.assigneeId = .some(Fixture.requesterId) }),
            ("occurred_at", make { $0.occurredAt = Fixture.created }),
            ("estimate", make { $0.estimatedMinutes = .some(5) }),
            ("tags", make { $0.tags = ["x"] }),
            ("parent", make { $0.parentId = .some(Fixture.otherTicketId) }),
            ("close + subject", make { $0.status = .closed; $0.subject = "Merci" }),
        ]
    }

    @Test("A requester may not change any field, even of a resolved ticket", arguments: requesterForbiddenChanges())
    func requesterFieldChangeForbidden(label: String, change: TicketChange) {
        var ticket = Fixture.ticket(status: .resolved, assigneeId: Fixture.agentId)
        let before = ticket
        let error = #expect(throws: DomainError.self) { try apply(change, to: &ticket, by: Fixture.requester) }
        #expect(error?.isForbidden == true, "\(label)")
        #expect(ticket == before)
    }

    @Test("A requester may not move a ticket that is not resolved, nor resolve one",
          arguments: [(TicketStatus.new, TicketStatus.resolved), (.inProgress, .resolved), (.inProgress, .pending),
                      (.pending, .inProgress), (.assigned, .new), (.resolved, .pending), (.resolved, .assigned),
                      (.new, .closed), (.inProgress, .closed)])
    func requesterStatusForbidden(from: TicketStatus, to: TicketStatus) {
        var ticket = Fixture.ticket(status: from, assigneeId: Fixture.agentId)
        var change = TicketChange()
        change.status = to
        let error = #expect(throws: DomainError.self) { try apply(change, to: &ticket, by: Fixture.requester) }
        #expect(error?.isForbidden == true)
        #expect(ticket.status == from)
    }

    @Test("Only a change touching nothing but the status counts as a requester change")
    func onlyTouchesStatus() {
        var change = TicketChange()
        #expect(change.onlyTouchesStatus)
        change.status = .closed
        #expect(change.onlyTouchesStatus)
        change.tags = []
        #expect(!change.onlyTouchesStatus)
    }

    // MARK: Version and timestamps

    @Test("The version increments once per effective change, however many fields it touches")
    func versionOncePerChange() throws {
        // Given a ticket at version 3
        var ticket = Fixture.ticket(version: 3)
        var change = TicketChange()
        change.subject = "Nouveau sujet"
        change.impact = .high
        change.major = true
        change.assigneeId = .some(Fixture.agentId)
        // When one change touching several fields is applied
        let events = try apply(change, to: &ticket)
        // Then many events are recorded but the version moves by one, and updatedAt is now
        #expect(events.count == 6)  // subject, impact, priority, major, assignee, status
        #expect(ticket.version == 4)
        #expect(ticket.updatedAt == now)

        // …and a second change moves it by one more
        var second = TicketChange()
        second.urgency = .low
        _ = try ticket.apply(second, matrix: .itil, contract: nil, by: agent, at: Fixture.later)
        #expect(ticket.version == 5)
        #expect(ticket.updatedAt == Fixture.later)
    }

    @Test("A change that changes nothing records no event and keeps version and updatedAt")
    func noOpChange() throws {
        // Given a ticket
        var ticket = Fixture.ticket(status: .assigned, impact: .medium, urgency: .low, groupId: Fixture.groupN1,
                                    assigneeId: Fixture.agentId, version: 7)
        let before = ticket
        // When every field is "changed" to its current value
        var change = TicketChange()
        change.subject = " VPN coupé "
        change.description = ticket.description
        change.type = ticket.type
        change.impact = .medium
        change.urgency = .low
        change.major = false
        change.status = .assigned
        change.groupId = .some(Fixture.groupN1)
        change.assigneeId = .some(Fixture.agentId)
        change.occurredAt = ticket.occurredAt
        change.estimatedMinutes = .some(nil)
        change.tags = ["VPN"]
        change.parentId = .some(nil)
        let events = try apply(change, to: &ticket)
        // Then nothing happened
        #expect(events.isEmpty)
        #expect(ticket == before)
        #expect(ticket.version == 7)
    }

    @Test("An empty change is a no-op, for staff and requesters alike")
    func emptyChange() throws {
        var ticket = Fixture.ticket(status: .inProgress)
        let before = ticket
        #expect(try apply(TicketChange(), to: &ticket).isEmpty)
        #expect(try apply(TicketChange(), to: &ticket, by: Fixture.requester).isEmpty)
        #expect(ticket == before)
    }

    @Test("updatedAt never goes backwards")
    func updatedAtMonotonic() throws {
        var ticket = Fixture.ticket()
        var change = TicketChange()
        change.major = true
        _ = try ticket.apply(change, matrix: .itil, contract: nil, by: agent, at: Fixture.created.addingTimeInterval(-60))
        #expect(ticket.updatedAt == Fixture.created)
        #expect(ticket.version == 4)
    }
}
