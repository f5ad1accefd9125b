import Foundation
import Testing
@testable import EscaleCore

@Suite("Links between tickets and merges")
struct TicketLinkTests {
    let a = UUID(), b = UUID(), c = UUID()

    @Test("a link reads the other way from the other ticket; only three kinds are stored")
    func inverse() {
        #expect(TicketLinkKind.allCases.allSatisfy { $0.inverse.inverse == $0 })
        #expect(TicketLinkKind.parent.inverse == .child && TicketLinkKind.duplicateOf.inverse == .duplicatedBy)
        #expect(TicketLinkKind.allCases.filter(\.isStored) == [.related, .parent, .duplicateOf])
    }

    @Test("no self-link, no second link, no second parent, no parent cycle")
    func refusals() throws {
        #expect(throws: DomainError.self) { try TicketLinkRules.check(.related, from: a, to: a, linked: [], hasParent: false, ancestorsOfParent: []) }
        #expect(throws: DomainError.self) { try TicketLinkRules.check(.related, from: a, to: b, linked: [b], hasParent: false, ancestorsOfParent: []) }
        #expect(throws: DomainError.self) { try TicketLinkRules.check(.parent, from: a, to: b, linked: [], hasParent: true, ancestorsOfParent: []) }
        // B's parent is A: A cannot become B's child.
        #expect(throws: DomainError.self) { try TicketLinkRules.check(.parent, from: a, to: b, linked: [], hasParent: false, ancestorsOfParent: [a]) }
        #expect(throws: DomainError.self) { try TicketLinkRules.check(.child, from: b, to: a, linked: [], hasParent: false, ancestorsOfParent: [c, a]) }
        #expect(throws: DomainError.self) { try TicketLinkRules.check(.duplicatedBy, from: a, to: b, linked: [], hasParent: false, ancestorsOfParent: []) }
        try TicketLinkRules.check(.parent, from: a, to: b, linked: [c], hasParent: false, ancestorsOfParent: [c])
        try TicketLinkRules.check(.duplicateOf, from: a, to: b, linked: [], hasParent: true, ancestorsOfParent: [a])
    }

    @Test("a merge closes the ticket with a public pointer to the target, staff only, within one organization")
    func merge() throws {
        var source = Fixture.ticket(status: .inProgress)
        var target = Fixture.ticket()
        target.id = Fixture.otherTicketId
        target.seq = 43

        #expect(throws: DomainError.self) { try source.closeAsMerged(into: target, by: Fixture.requester, at: Fixture.now) }
        var elsewhere = target
        elsewhere.organizationId = Fixture.orgB
        #expect(throws: DomainError.self) { try source.closeAsMerged(into: elsewhere, by: Fixture.agent(tier: .n1), at: Fixture.now) }
        #expect(throws: DomainError.self) { try source.closeAsMerged(into: source, by: Fixture.agent(tier: .n1), at: Fixture.now) }
        #expect(source.status == .inProgress)

        let events = try source.closeAsMerged(into: target, by: Fixture.agent(tier: .n1), at: Fixture.now)
        #expect(source.status == .closed && source.closedAt == Fixture.now)
        #expect(events.map(\.kind) == [.merged, .statusChanged] && events.allSatisfy(\.isPublic))
        #expect(events[0].newValue == "ESC-000043" && events[0].field == "into")
        #expect(throws: DomainError.self) { try source.closeAsMerged(into: target, by: Fixture.agent(tier: .n1), at: Fixture.now) }
    }
}
