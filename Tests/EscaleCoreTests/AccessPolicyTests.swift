import Foundation
import Testing
@testable import EscaleCore

@Suite("Access policy")
struct AccessPolicyTests {
    let orgA = Fixture.orgA
    let orgB = Fixture.orgB
    let orgC = UUID(uuidString: "00000000-0000-0000-0000-0000000000C3")!

    // MARK: Ticket scope per role

    @Test("Admins and supervisors see every ticket", arguments: [Role.admin, .supervisor])
    func adminsSeeAll(role: Role) {
        let actor = Actor(userId: Fixture.adminId, role: role)
        #expect(AccessPolicy.ticketScope(of: actor) == .all)
    }

    @Test("An agent whose groups serve all organizations sees every ticket")
    func agentServingAll() {
        let agent = Actor(userId: Fixture.agentId, role: .agent, groupIds: [Fixture.groupN1], servedOrganizations: .all, highestTier: .n1)
        #expect(AccessPolicy.ticketScope(of: agent) == .all)
    }

    @Test("An agent whose groups serve specific organizations sees those organizations")
    func agentServingSome() {
        let agent = Actor(userId: Fixture.agentId, role: .agent, groupIds: [Fixture.groupN1],
                          servedOrganizations: .only([orgA, orgB]), highestTier: .n1)
        #expect(AccessPolicy.ticketScope(of: agent) == .organizations([orgA, orgB]))
    }

    @Test("An agent with no groups (nothing served) sees nothing")
    func agentWithoutGroups() {
        let agent = Actor(userId: Fixture.agentId, role: .agent)
        #expect(AccessPolicy.ticketScope(of: agent) == .nothing)
        let servingNobody = Actor(userId: Fixture.agentId, role: .agent, groupIds: [Fixture.groupN1], servedOrganizations: .only([]))
        #expect(AccessPolicy.ticketScope(of: servingNobody) == .nothing)
    }

    @Test("A client manager sees their organization")
    func clientManager() {
        #expect(AccessPolicy.ticketScope(of: Fixture.clientManager) == .organization(orgA))
    }

    @Test("A client manager without an organization sees nothing")
    func clientManagerWithoutOrganization() {
        let manager = Actor(userId: Fixture.managerId, role: .clientManager)
        #expect(AccessPolicy.ticketScope(of: manager) == .nothing)
    }

    @Test("A requester sees their own tickets")
    func requester() {
        #expect(AccessPolicy.ticketScope(of: Fixture.requester) == .requester(Fixture.requesterId))
    }

    @Test("A requester whose contract shares tickets sees their organization")
    func requesterSharing() {
        let requester = Actor(userId: Fixture.requesterId, role: .requester, organizationId: orgA, seesOrganizationTickets: true)
        #expect(AccessPolicy.ticketScope(of: requester) == .organization(orgA))
    }

    @Test("A sharing requester without an organization falls back to their own tickets")
    func requesterSharingWithoutOrganization() {
        let requester = Actor(userId: Fixture.requesterId, role: .requester, seesOrganizationTickets: true)
        #expect(AccessPolicy.ticketScope(of: requester) == .requester(Fixture.requesterId))
    }

    // MARK: canSee per scope

    var mine: TicketAccessFacts { TicketAccessFacts(organizationId: orgA, requesterId: Fixture.requesterId) }
    var colleagues: TicketAccessFacts { TicketAccessFacts(organizationId: orgA, requesterId: Fixture.colleagueId) }
    var otherCompany: TicketAccessFacts { TicketAccessFacts(organizationId: orgB, requesterId: UUID()) }
    var thirdCompany: TicketAccessFacts { TicketAccessFacts(organizationId: orgC, requesterId: UUID()) }

    @Test("Scope all sees every ticket")
    func canSeeAll() {
        for t in [mine, colleagues, otherCompany, thirdCompany] { #expect(AccessPolicy.canSee(t, scope: .all)) }
    }

    @Test("Scope organizations sees exactly the tickets of the listed organizations")
    func canSeeOrganizations() {
        let scope = TicketScope.organizations([orgA, orgB])
        #expect(AccessPolicy.canSee(mine, scope: scope))
        #expect(AccessPolicy.canSee(colleagues, scope: scope))
        #expect(AccessPolicy.canSee(otherCompany, scope: scope))
        #expect(!AccessPolicy.canSee(thirdCompany, scope: scope))
        #expect(!AccessPolicy.canSee(mine, scope: .organizations([])))
    }

    @Test("Scope organization sees exactly its organization's tickets")
    func canSeeOrganization() {
        let scope = TicketScope.organization(orgA)
        #expect(AccessPolicy.canSee(mine, scope: scope))
        #expect(AccessPolicy.canSee(colleagues, scope: scope))
        #expect(!AccessPolicy.canSee(otherCompany, scope: scope))
    }

    @Test("Scope requester sees only that requester's tickets")
    func canSeeRequester() {
        let scope = TicketScope.requester(Fixture.requesterId)
        #expect(AccessPolicy.canSee(mine, scope: scope))
        #expect(!AccessPolicy.canSee(colleagues, scope: scope))
        #expect(!AccessPolicy.canSee(otherCompany, scope: scope))
    }

    @Test("Scope nothing sees nothing")
    func canSeeNothing() {
        for t in [mine, colleagues, otherCompany] { #expect(!AccessPolicy.canSee(t, scope: .nothing)) }
    }

    @Test("Tenant isolation end to end: a requester of A never sees a ticket of B, even when sharing")
    func tenantIsolation() {
        let sharing = Actor(userId: Fixture.requesterId, role: .requester, organizationId: orgA, seesOrganizationTickets: true)
        for actor in [Fixture.requester, sharing, Fixture.clientManager] {
            #expect(!AccessPolicy.canSee(otherCompany, scope: AccessPolicy.ticketScope(of: actor)))
        }
        #expect(AccessPolicy.canSee(colleagues, scope: AccessPolicy.ticketScope(of: sharing)))
        #expect(!AccessPolicy.canSee(colleagues, scope: AccessPolicy.ticketScope(of: Fixture.requester)))
    }

    @Test("A ticket's access facts drive visibility")
    func ticketAccessFacts() {
        let ticket = Fixture.ticket()
        #expect(AccessPolicy.canSee(ticket.accessFacts, scope: AccessPolicy.ticketScope(of: Fixture.requester)))
        let colleague = Actor(userId: Fixture.colleagueId, role: .requester, organizationId: orgA)
        #expect(!AccessPolicy.canSee(ticket.accessFacts, scope: AccessPolicy.ticketScope(of: colleague)))
    }

    // MARK: Permissions

    @Test("Only staff see internal entries", arguments: Role.allCases)
    func seesInternal(role: Role) {
        let actor = Actor(userId: UUID(), role: role)
        #expect(AccessPolicy.seesInternal(actor) == [.agent, .supervisor, .admin].contains(role))
    }

    @Test("Directory and user management are for admins; reading the directory and working tickets for staff",
          arguments: Role.allCases)
    func permissions(role: Role) {
        let actor = Actor(userId: UUID(), role: role)
        let staff = [Role.agent, .supervisor, .admin].contains(role)
        #expect(AccessPolicy.allows(actor, .manageDirectory) == (role == .admin))
        #expect(AccessPolicy.allows(actor, .manageUsers) == (role == .admin))
        #expect(AccessPolicy.allows(actor, .readDirectory) == staff)
        #expect(AccessPolicy.allows(actor, .workTickets) == staff)
    }

    @Test("Supervising the desk (load and SLA breaches of every group and agent) is for supervisors and admins, not agents",
          arguments: Role.allCases)
    func supervise(role: Role) {
        let actor = Actor(userId: UUID(), role: role, servedOrganizations: .all)
        #expect(AccessPolicy.allows(actor, .supervise) == (role == .supervisor || role == .admin))
        #expect(AccessPolicy.allows(actor, .readReports) == (role != .requester), "whoever supervises also reads reports")
    }

    @Test("require throws forbidden exactly when a permission is missing")
    func requirePermission() throws {
        try AccessPolicy.require(Fixture.admin, .manageUsers)
        try AccessPolicy.require(Fixture.agent(tier: .n1), .workTickets)
        let error = #expect(throws: DomainError.self) { try AccessPolicy.require(Fixture.supervisor, .manageDirectory) }
        #expect(error?.isForbidden == true)
        #expect(throws: DomainError.forbidden("your role (requester) may not do this")) {
            try AccessPolicy.require(Fixture.requester, .readDirectory)
        }
    }

    @Test("Escalation rights: agents at or above the ticket's tier (with a group), supervisors and admins")
    func canEscalate() {
        for tier in Tier.allCases {
            #expect(AccessPolicy.canEscalate(Fixture.admin, from: tier))
            #expect(AccessPolicy.canEscalate(Fixture.supervisor, from: tier))
            #expect(!AccessPolicy.canEscalate(Fixture.requester, from: tier))
            #expect(!AccessPolicy.canEscalate(Fixture.clientManager, from: tier))
            for agentTier in Tier.allCases {
                #expect(AccessPolicy.canEscalate(Fixture.agent(tier: agentTier), from: tier) == (agentTier >= tier))
            }
        }
        // An agent in a group with no tier recorded counts as N1
        let untiered = Actor(userId: Fixture.agentId, role: .agent, groupIds: [Fixture.groupN1], servedOrganizations: .all)
        #expect(AccessPolicy.canEscalate(untiered, from: .n1))
        #expect(!AccessPolicy.canEscalate(untiered, from: .n2))
    }
}

@Suite("Directory visibility")
struct DirectoryVisibilityTests {
    let org = UUID(), other = UUID(), me = UUID()

    @Test("organizations: all for admins and supervisors, served ones for agents, their own for client-side users")
    func organizations() {
        #expect(AccessPolicy.organizationScope(of: Actor(userId: me, role: .admin)) == .all)
        #expect(AccessPolicy.organizationScope(of: Actor(userId: me, role: .supervisor)) == .all)
        #expect(AccessPolicy.organizationScope(of: Actor(userId: me, role: .agent, servedOrganizations: .only([org]))) == .only([org]))
        #expect(AccessPolicy.organizationScope(of: Actor(userId: me, role: .agent)) == .only([]))
        #expect(AccessPolicy.organizationScope(of: Actor(userId: me, role: .requester, organizationId: org)) == .only([org]))
        #expect(!AccessPolicy.organizationScope(of: Actor(userId: me, role: .clientManager, organizationId: org)).contains(other))
    }

    @Test("users: agents see staff and the served organizations, client managers their organization, requesters themselves")
    func users() {
        #expect(AccessPolicy.userScope(of: Actor(userId: me, role: .admin)) == .all)
        #expect(AccessPolicy.userScope(of: Actor(userId: me, role: .agent, servedOrganizations: .all)) == .all)
        #expect(AccessPolicy.userScope(of: Actor(userId: me, role: .agent, servedOrganizations: .only([org]))) == .staffAnd(organizations: [org]))
        #expect(AccessPolicy.userScope(of: Actor(userId: me, role: .clientManager, organizationId: org)) == .organization(org))
        #expect(AccessPolicy.userScope(of: Actor(userId: me, role: .requester, organizationId: org)) == .onlySelf(me))
    }
}
