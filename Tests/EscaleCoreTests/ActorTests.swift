import Foundation
import Testing
@testable import EscaleCore

@Suite("Actors, roles and served organizations")
struct ActorTests {
    let a = Fixture.orgA
    let b = Fixture.orgB

    @Test("Only agents, supervisors and admins are staff")
    func staffRoles() {
        #expect(Role.allCases.filter(\.isStaff) == [.agent, .supervisor, .admin])
        #expect(Role.clientManager.rawValue == "client_manager")
    }

    @Test("'all' contains every organization; 'only' contains just its members")
    func contains() {
        #expect(OrganizationSet.all.contains(a))
        #expect(OrganizationSet.only([a]).contains(a))
        #expect(!OrganizationSet.only([a]).contains(b))
        #expect(!OrganizationSet.only([]).contains(a))
    }

    @Test("The union of served organizations is 'all' as soon as one side is 'all'")
    func union() {
        #expect(OrganizationSet.only([a]).union(.only([b])) == .only([a, b]))
        #expect(OrganizationSet.only([a]).union(.all) == .all)
        #expect(OrganizationSet.all.union(.only([b])) == .all)
        #expect(OrganizationSet.only([]).union(.only([])) == .only([]))
    }

    @Test("An actor's defaults: no organization, no group, nothing served, no tier, no sharing")
    func defaults() {
        let actor = Actor(userId: Fixture.agentId, role: .agent)
        #expect(actor.organizationId == nil)
        #expect(actor.groupIds.isEmpty)
        #expect(actor.servedOrganizations == .only([]))
        #expect(actor.highestTier == nil)
        #expect(!actor.seesOrganizationTickets)
    }
}
