import Foundation
import Testing
@testable import EscaleCore

@Suite("Comments: public replies and internal notes")
struct CommentTests {
    let now = Fixture.now
    let agent = Fixture.agent(tier: .n1)

    @Test("A requester's public reply is recorded but is not a first response")
    func requesterReply() throws {
        // Given a new ticket
        var ticket = Fixture.ticket(version: 2)
        // When the requester replies
        let event = try ticket.comment(body: "  Toujours en panne.  ", isPublic: true, by: Fixture.requester, at: now)
        // Then a public reply is recorded, trimmed, and the SLA's first response is still pending
        #expect(event.kind == .reply)
        #expect(event.isPublic)
        #expect(event.body == "Toujours en panne.")
        #expect(event.actorId == Fixture.requesterId)
        #expect(event.at == now)
        #expect(ticket.firstResponseAt == nil)
        #expect(ticket.version == 3)
        #expect(ticket.updatedAt == now)
    }

    @Test("Requesters and client managers cannot write internal notes", arguments: [Fixture.requester, Fixture.clientManager])
    func internalNoteForbidden(actor: Actor) {
        var ticket = Fixture.ticket()
        let before = ticket
        let error = #expect(throws: DomainError.self) {
            try ticket.comment(body: "note", isPublic: false, by: actor, at: now)
        }
        #expect(error?.isForbidden == true)
        #expect(ticket == before)
    }

    @Test("Staff write internal notes, which do not count as a first response",
          arguments: [Fixture.agent(tier: .n1), Fixture.supervisor, Fixture.admin])
    func staffNote(actor: Actor) throws {
        var ticket = Fixture.ticket()
        let event = try ticket.comment(body: "Vérifier le concentrateur VPN", isPublic: false, by: actor, at: now)
        #expect(event.kind == .note)
        #expect(!event.isPublic)
        #expect(event.body == "Vérifier le concentrateur VPN")
        #expect(ticket.firstResponseAt == nil)
    }

    @Test("The first public staff reply stamps firstResponseAt; later replies do not move it")
    func firstResponse() throws {
        // Given a ticket nobody on the desk has answered
        var ticket = Fixture.ticket()
        // When an agent replies publicly
        _ = try ticket.comment(body: "Nous regardons.", isPublic: true, by: agent, at: now)
        // Then the first response is stamped
        #expect(ticket.firstResponseAt == now)
        // …and a later reply keeps the first stamp
        _ = try ticket.comment(body: "C'est réparé ?", isPublic: true, by: Fixture.supervisor, at: Fixture.later)
        #expect(ticket.firstResponseAt == now)
        #expect(ticket.updatedAt == Fixture.later)
    }

    @Test("A requester reply after staff answered does not change firstResponseAt")
    func requesterAfterStaff() throws {
        var ticket = Fixture.ticket(firstResponseAt: Fixture.created)
        _ = try ticket.comment(body: "Merci", isPublic: true, by: Fixture.requester, at: now)
        #expect(ticket.firstResponseAt == Fixture.created)
    }

    @Test("A closed ticket refuses comments from anyone", arguments: [Fixture.requester, Fixture.agent(tier: .n1), Fixture.admin])
    func closedRefuses(actor: Actor) {
        var ticket = Fixture.ticket(status: .closed)
        let before = ticket
        let error = #expect(throws: DomainError.self) {
            try ticket.comment(body: "Encore une question", isPublic: true, by: actor, at: now)
        }
        #expect(error?.invalidField == "status")
        #expect(ticket == before)
    }

    @Test("A resolved ticket still accepts comments")
    func resolvedAccepts() throws {
        var ticket = Fixture.ticket(status: .resolved)
        let event = try ticket.comment(body: "Ça remarche, merci", isPublic: true, by: Fixture.requester, at: now)
        #expect(event.kind == .reply)
        #expect(ticket.status == .resolved)
    }

    @Test("An empty, blank or oversized comment is refused", arguments: ["", "  \n ", String(repeating: "a", count: TicketLimits.commentMaxLength + 1)])
    func invalidBody(body: String) {
        var ticket = Fixture.ticket()
        let error = #expect(throws: DomainError.self) {
            try ticket.comment(body: body, isPublic: true, by: agent, at: now)
        }
        #expect(error?.invalidField == "body")
        #expect(ticket.firstResponseAt == nil)
    }

    @Test("A comment of exactly the maximum length is accepted")
    func maxLengthBody() throws {
        var ticket = Fixture.ticket()
        let body = String(repeating: "a", count: TicketLimits.commentMaxLength)
        let event = try ticket.comment(body: body, isPublic: true, by: agent, at: now)
        #expect(event.body?.count == TicketLimits.commentMaxLength)
    }
}
