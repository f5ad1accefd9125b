import Foundation
import Testing
@testable import EscaleCore

@Suite("Notification rules")
struct NotificationRulesTests {
    let roles: [UUID: Role] = [Fixture.requesterId: .requester, Fixture.managerId: .clientManager, Fixture.agentId: .agent,
                               Fixture.otherAgentId: .agent, Fixture.supervisorId: .supervisor]

    func facts(assignee: UUID? = Fixture.agentId, priority: Int = 3) -> NotificationRules.Facts {
        .init(requesterId: Fixture.requesterId, assigneeId: assignee, priority: priority, groupMembers: [Fixture.agentId, Fixture.otherAgentId],
              clientManagers: [Fixture.managerId], roles: roles)
    }

    func event(_ kind: TicketEventKind, by actor: UUID?, isPublic: Bool = true, field: String? = nil, old: String? = nil, new: String? = nil) -> TicketEvent {
        TicketEvent(kind: kind, actorId: actor, at: Fixture.now, isPublic: isPublic, field: field, oldValue: old, newValue: new)
    }

    func run(_ events: [TicketEvent], _ facts: NotificationRules.Facts, off: Set<NotificationKind> = []) -> [UUID: NotificationKind] {
        Dictionary(uniqueKeysWithValues: NotificationRules.notifications(for: events, facts: facts, wants: { !off.contains($1) }).map { ($0.userId, $0.kind) })
    }

    @Test("a new ticket: the requester is acknowledged, its group told, client managers only for P1/P2")
    func created() {
        // given a ticket the requester opened, unassigned
        let events = [event(.created, by: Fixture.requesterId)]
        // when / then
        #expect(run(events, facts(assignee: nil)) == [Fixture.requesterId: .ticketReceived, Fixture.agentId: .newInMyGroups,
                                                      Fixture.otherAgentId: .newInMyGroups])
        #expect(run(events, facts(assignee: nil, priority: 2))[Fixture.managerId] == .urgentTicketCreated)
    }

    @Test("an agent's public reply reaches the requester (and the assignee when another agent wrote), never its author; the requester's reaches the assignee")
    func replies() {
        #expect(run([event(.reply, by: Fixture.agentId)], facts()) == [Fixture.requesterId: .publicReply])
        #expect(run([event(.reply, by: Fixture.otherAgentId)], facts()) == [Fixture.requesterId: .publicReply, Fixture.agentId: .replyOnMyTicket])
        #expect(run([event(.reply, by: Fixture.requesterId)], facts()) == [Fixture.agentId: .replyOnMyTicket])
        // Live-chat lines were read live on both sides: nobody is mailed, whoever wrote them
        #expect(run([event(.reply, by: Fixture.requesterId, field: "chat")], facts()).isEmpty)
        #expect(run([event(.reply, by: Fixture.otherAgentId, field: "chat")], facts()).isEmpty)
    }

    @Test("an internal note never reaches the requester; it reaches the assignee when someone else wrote it")
    func notes() {
        #expect(run([event(.note, by: Fixture.otherAgentId, isPublic: false)], facts()) == [Fixture.agentId: .replyOnMyTicket])
        #expect(run([event(.note, by: Fixture.agentId, isPublic: false)], facts()).isEmpty)
    }

    @Test("status changes: waiting for you, resolved (which wins over the reply that came with it), reopened")
    func statuses() {
        #expect(run([event(.statusChanged, by: Fixture.agentId, old: "in_progress", new: "pending")], facts()) == [Fixture.requesterId: .waitingForYou])
        let resolving = [event(.reply, by: Fixture.agentId), event(.statusChanged, by: Fixture.agentId, old: "in_progress", new: "resolved")]
        let n = NotificationRules.notifications(for: resolving, facts: facts(), wants: { _, _ in true })
        #expect(n == [.init(userId: Fixture.requesterId, kind: .resolved, eventIndex: 1)])
        #expect(run([event(.statusChanged, by: Fixture.agentId, old: "resolved", new: "in_progress")], facts()) == [Fixture.requesterId: .reopened])
        #expect(run([event(.statusChanged, by: Fixture.requesterId, old: "resolved", new: "in_progress")], facts()).isEmpty)
    }

    @Test("assignment, escalation and SLA reach staff; SLA goes to the group when nobody is assigned")
    func staff() {
        #expect(run([event(.assigned, by: Fixture.supervisorId, isPublic: false, field: "assignee", new: Fixture.agentId.uuidString)], facts())
            == [Fixture.agentId: .assignedToMe])
        #expect(run([event(.assigned, by: Fixture.agentId, isPublic: false, field: "assignee", new: Fixture.agentId.uuidString)], facts()).isEmpty)
        #expect(run([event(.escalated, by: Fixture.supervisorId, isPublic: false)], facts(assignee: nil))
            == [Fixture.agentId: .escalatedToMyGroup, Fixture.otherAgentId: .escalatedToMyGroup])
        #expect(run([event(.sla, by: nil, isPublic: false, field: "resolution", new: "warning")], facts()) == [Fixture.agentId: .slaWarning])
        #expect(run([event(.sla, by: nil, isPublic: false, field: "resolution", new: "breached")], facts(assignee: nil))
            == [Fixture.agentId: .slaBreach, Fixture.otherAgentId: .slaBreach])
        #expect(run([event(.sla, by: nil, isPublic: false, field: "resolution", new: "paused")], facts()).isEmpty)
    }

    @Test("preferences switch a kind off; inactive people (absent from roles) get nothing")
    func preferences() {
        #expect(run([event(.reply, by: Fixture.agentId)], facts(), off: [.publicReply]).isEmpty)
        var f = facts()
        f.roles[Fixture.requesterId] = nil
        #expect(run([event(.reply, by: Fixture.agentId)], f).isEmpty)
        let defaults = NotificationPreferences(choices: ["reply_on_my_ticket": false])
        #expect(NotificationPreferences().wants(.replyOnMyTicket, defaults: defaults) == false)
        #expect(NotificationPreferences(choices: ["reply_on_my_ticket": true]).wants(.replyOnMyTicket, defaults: defaults))
        #expect(NotificationPreferences().wants(.newInMyGroups, defaults: .init()) == false)
        #expect(NotificationPreferences().wants(.ticketReceived, defaults: .init()))
    }

    @Test("mail identity: Message-IDs, subjects and bounded references use the formats inbound mail recognises")
    func identity() {
        let id = UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!
        #expect(MailIdentity.messageId(ticketNumber: "ESC-000123", id: id, domain: "desk.example") == "ESC-000123.6f9619ff-8b86-d011-b42d-00c04fc964ff@desk.example")
        #expect(MailIdentity.messageId(ticketNumber: nil, id: id, domain: "desk.example").hasPrefix("escale.6f9619ff"))
        #expect(MailIdentity.subject(number: "ESC-000123", subject: "Printer\r\ndown", reply: true) == "Re: [ESC-000123] Printer  down")
        #expect(MailIdentity.references(thread: (1...25).map(String.init)) == ["1"] + (7...25).map(String.init))
        #expect(MailIdentity.domain(of: "support@desk.example") == "desk.example")
    }
}
