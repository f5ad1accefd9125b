import Foundation

/// Which tickets an actor may see, as a predicate the store turns into SQL (the one place tenant isolation is decided).
public enum TicketScope: Sendable, Equatable {
    case all
    case organizations(Set<UUID>)
    case organization(UUID)
    case requester(UUID)
    case nothing
}

/// The facts about a ticket that visibility depends on.
public struct TicketAccessFacts: Sendable {
    public let organizationId: UUID
    public let requesterId: UUID
    public init(organizationId: UUID, requesterId: UUID) {
        self.organizationId = organizationId
        self.requesterId = requesterId
    }
}

/// Which users an actor may list.
public enum UserScope: Sendable, Equatable {
    case all
    /// Support staff, plus the users of these client organizations.
    case staffAnd(organizations: Set<UUID>)
    case organization(UUID)
    case onlySelf(UUID)
}

/// Capabilities outside ticket visibility.
public enum Permission: Sendable {
    case manageDirectory          // organizations, contracts, groups, categories, priority matrix
    case manageUsers
    case readDirectory            // list organizations, groups, users beyond oneself
    case workTickets              // assign, change fields, internal notes, work logs
    case shareWithTeam            // publish a view (and later canned replies, macros) to every agent
    case readReports              // service-level reports of the organizations one may know of
    case supervise                // the desk's load and SLA breaches across groups and agents (the supervision page)
}

/// Access rules. Pure: the actor is resolved by the desk, the scope is applied by the store.
public enum AccessPolicy {
    public static func ticketScope(of actor: Actor) -> TicketScope {
        switch actor.role {
        case .admin, .supervisor:
            return .all
        case .agent:
            switch actor.servedOrganizations {
            case .all: return .all
            case let .only(ids): return ids.isEmpty ? .nothing : .organizations(ids)
            }
        case .clientManager:
            guard let org = actor.organizationId else { return .nothing }
            return .organization(org)
        case .requester:
            if actor.seesOrganizationTickets, let org = actor.organizationId { return .organization(org) }
            return .requester(actor.userId)
        }
    }

    public static func canSee(_ ticket: TicketAccessFacts, scope: TicketScope) -> Bool {
        switch scope {
        case .all: true
        case let .organizations(ids): ids.contains(ticket.organizationId)
        case let .organization(id): ticket.organizationId == id
        case let .requester(id): ticket.requesterId == id
        case .nothing: false
        }
    }

    /// Client organizations an actor may know of: all for admins and supervisors, those their groups serve for agents,
    /// their own for client-side users.
    public static func organizationScope(of actor: Actor) -> OrganizationSet {
        switch actor.role {
        case .admin, .supervisor: .all
        case .agent: actor.servedOrganizations
        case .requester, .clientManager: .only(actor.organizationId.map { [$0] } ?? [])
        }
    }

    /// Machines an actor may see, by organization, under the same rule as tickets: staff their served organizations',
    /// a client manager their organization's. A requester lists none (the portal offers only the machines they use).
    public static func assetScope(of actor: Actor) -> OrganizationSet {
        switch actor.role {
        case .admin, .supervisor, .agent, .clientManager: organizationScope(of: actor)
        case .requester: .only([])
        }
    }

    /// Users an actor may list: everyone for admins and supervisors; staff and the served organizations' users for
    /// agents; their organization's users for client managers; themselves for requesters.
    public static func userScope(of actor: Actor) -> UserScope {
        switch actor.role {
        case .admin, .supervisor: return .all
        case .agent:
            switch actor.servedOrganizations {
            case .all: return .all
            case let .only(ids): return .staffAnd(organizations: ids)
            }
        case .clientManager:
            guard let org = actor.organizationId else { return .onlySelf(actor.userId) }
            return .organization(org)
        case .requester: return .onlySelf(actor.userId)
        }
    }

    /// Internal notes, work logs and internal events are never shown to client-side users.
    public static func seesInternal(_ actor: Actor) -> Bool { actor.role.isStaff }

    public static func allows(_ actor: Actor, _ permission: Permission) -> Bool {
        switch permission {
        case .manageDirectory, .manageUsers: actor.role == .admin
        case .readDirectory, .workTickets: actor.role.isStaff
        case .readReports: actor.role.isStaff || actor.role == .clientManager
        case .supervise: actor.role == .supervisor || actor.role == .admin
        case .shareWithTeam: actor.role == .supervisor || actor.role == .admin
        }
    }

    public static func require(_ actor: Actor, _ permission: Permission) throws {
        guard allows(actor, permission) else {
            throw DomainError.forbidden("your role (\(actor.role.rawValue)) may not do this")
        }
    }

    /// Escalation (either direction) is for agents working at the ticket's current tier or above, supervisors and admins.
    public static func canEscalate(_ actor: Actor, from tier: Tier) -> Bool {
        switch actor.role {
        case .admin, .supervisor: true
        case .agent: (actor.highestTier ?? .n1) >= tier && !actor.groupIds.isEmpty
        case .requester, .clientManager: false
        }
    }

    /// Saved views, canned replies and macros: staff see their own and the shared ones; a personal one is its owner's alone, and
    /// only supervisors and admins create, change or delete shared ones.
    public static func canSeeAgentTool(_ actor: Actor, ownerId: UUID, shared: Bool) -> Bool {
        actor.role.isStaff && (shared || ownerId == actor.userId)
    }

    public static func canManageAgentTool(_ actor: Actor, ownerId: UUID, shared: Bool) -> Bool {
        guard actor.role.isStaff else { return false }
        if shared { return allows(actor, .shareWithTeam) }
        return ownerId == actor.userId
    }
}
