import Foundation

/// Organizations a support group (or an agent, through their groups) serves.
public enum OrganizationSet: Sendable, Equatable {
    case all
    case only(Set<UUID>)

    public func contains(_ id: UUID) -> Bool {
        switch self {
        case .all: true
        case let .only(ids): ids.contains(id)
        }
    }

    public func union(_ other: OrganizationSet) -> OrganizationSet {
        switch (self, other) {
        case (.all, _), (_, .all): .all
        case let (.only(a), .only(b)): .only(a.union(b))
        }
    }
}

/// Who is acting, with everything the access rules need, resolved once per request.
public struct Actor: Sendable, Equatable {
    public let userId: UUID
    public let role: Role
    /// The client organization of a requester or client manager.
    public let organizationId: UUID?
    public let groupIds: Set<UUID>
    /// For agents, the union of what their groups serve.
    public let servedOrganizations: OrganizationSet
    /// The highest tier among the agent's groups.
    public let highestTier: Tier?
    /// A requester whose organization's active contract lets requesters see their colleagues' tickets.
    public let seesOrganizationTickets: Bool

    public init(
        userId: UUID, role: Role, organizationId: UUID? = nil, groupIds: Set<UUID> = [],
        servedOrganizations: OrganizationSet = .only([]), highestTier: Tier? = nil, seesOrganizationTickets: Bool = false
    ) {
        self.userId = userId
        self.role = role
        self.organizationId = organizationId
        self.groupIds = groupIds
        self.servedOrganizations = servedOrganizations
        self.highestTier = highestTier
        self.seesOrganizationTickets = seesOrganizationTickets
    }
}
