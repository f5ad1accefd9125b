import EscaleAPI
import EscaleCore
import Foundation
import Testing

/// A small desk to test against: two client companies, three tiers of support, people in each role.
struct World: Sendable {
    let api: API
    let admin: String
    let acme: OrganizationDTO
    let globex: OrganizationDTO
    /// Acme's contract: infrastructure, with on-call.
    let acmeContract: ContractDTO
    let n1: GroupDTO, n2: GroupDTO, n3: GroupDTO
    let agent1: UserDTO, agent1Token: String
    let agent2: UserDTO, agent2Token: String
    let supervisorToken: String
    /// Acme's requester and client manager; Globex's requester.
    let alice: UserDTO, aliceToken: String
    let bob: UserDTO, bobToken: String
    let manager: UserDTO, managerToken: String
    let eve: UserDTO, eveToken: String

    static let password = "correct-horse-battery"

    static func make(_ api: API) async throws -> World {
        let admin = try await api.login(TestApp.adminEmail, TestApp.adminPassword)
        let acme: OrganizationDTO = try await api.create("/api/v1/organizations", token: admin, OrganizationInput(name: "Acme Industrie", domain: "acme.example"))
        let globex: OrganizationDTO = try await api.create("/api/v1/organizations", token: admin, OrganizationInput(name: "Globex"))
        let acmeContract = try await api.create("/api/v1/organizations/\(acme.id)/contracts", token: admin,
                                 ContractInput(name: "Acme 2026", perimeter: "infrastructure", validFrom: Day("2026-01-01")!, onCall: true), as: ContractDTO.self)
        _ = try await api.create("/api/v1/organizations/\(globex.id)/contracts", token: admin,
                                 ContractInput(name: "Globex hardware", perimeter: "hardware", validFrom: Day("2026-01-01")!), as: ContractDTO.self)
        let n1: GroupDTO = try await api.create("/api/v1/groups", token: admin, GroupInput(name: "Helpdesk N1", tier: .n1))
        let n2: GroupDTO = try await api.create("/api/v1/groups", token: admin, GroupInput(name: "Support N2", tier: .n2))
        let n3: GroupDTO = try await api.create("/api/v1/groups", token: admin, GroupInput(name: "Experts N3", tier: .n3))
        func user(_ email: String, _ role: Role, org: UUID? = nil, groups: [UUID] = []) async throws -> (UserDTO, String) {
            let u: UserDTO = try await api.create("/api/v1/users", token: admin,
                                                  UserInput(email: email, name: email.components(separatedBy: "@")[0].capitalized, role: role, password: password, organizationId: org, groupIds: groups))
            return (u, try await api.login(email, password))
        }
        let (agent1, agent1Token) = try await user("agent1@desk.example", .agent, groups: [n1.id])
        let (agent2, agent2Token) = try await user("agent2@desk.example", .agent, groups: [n2.id])
        let (_, supervisorToken) = try await user("chief@desk.example", .supervisor)
        let (alice, aliceToken) = try await user("alice@acme.example", .requester, org: acme.id)
        let (bob, bobToken) = try await user("bob@acme.example", .requester, org: acme.id)
        let (manager, managerToken) = try await user("manager@acme.example", .clientManager, org: acme.id)
        let (eve, eveToken) = try await user("eve@globex.example", .requester, org: globex.id)
        return World(api: api, admin: admin, acme: acme, globex: globex, acmeContract: acmeContract, n1: n1, n2: n2, n3: n3, agent1: agent1,
                     agent1Token: agent1Token, agent2: agent2, agent2Token: agent2Token, supervisorToken: supervisorToken,
                     alice: alice, aliceToken: aliceToken, bob: bob, bobToken: bobToken, manager: manager,
                     managerToken: managerToken, eve: eve, eveToken: eveToken)
    }

    /// A ticket opened by Alice (Acme) through the API.
    func aliceTicket(_ subject: String = "Mon poste ne démarre plus", description: String = "Écran noir depuis ce matin", impact: Level = .medium, urgency: Level = .medium, category: String? = nil) async throws -> TicketDTO {
        try await api.create("/api/v1/tickets", token: aliceToken, TicketInput(subject: subject, description: description, impact: impact, urgency: urgency, category: category))
    }
}
