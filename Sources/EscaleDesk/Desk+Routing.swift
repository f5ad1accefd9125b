import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Where tickets go when they arrive at a tier, and the installation's settings that steer it (and new users'
/// language).
extension Desk {
    public func deskSettings(by actor: Actor) async throws -> DeskSettingsDTO {
        try AccessPolicy.require(actor, .readDirectory)
        return try await directory().settings
    }

    public func setDeskSettings(_ input: DeskSettingsDTO, by actor: Actor, on db: any Database) async throws -> DeskSettingsDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        if let l = input.defaultLocale, !LanguageDefault.supported.contains(l) {
            throw DomainError.invalid(field: "default_locale", "must be fr or en (or absent: new users follow their browser)")
        }
        for tier in Tier.allCases {
            guard let id = input.defaultGroups[tier] else { continue }
            let field = "default_groups.n\(tier.rawValue)"
            guard let g = try await GroupModel.find(id, on: db) else { throw DomainError.invalid(field: field, "unknown group") }
            guard g.tier == tier.rawValue else { throw DomainError.invalid(field: field, "that group works at N\(g.tier), not \(tier.label)") }
            guard g.active else { throw DomainError.invalid(field: field, "that group is deactivated") }
        }
        try await Settings.setJSON(input, key: SettingKey.desk, on: db)
        let groups = Tier.allCases.map { t in "\(t.label): \(input.defaultGroups[t]?.uuidString ?? "-")" }.joined(separator: ", ")
        try await audit(actor, "update", "settings", nil, "language: \(input.defaultLocale ?? "browser"); default groups: \(groups)", on: db)
        return input
    }

    /// The group a ticket arriving at `tier` goes to when nobody named one (`GroupRouting`).
    func routedGroup(for tier: Tier, organizationId: UUID, on db: (any Database)? = nil) async throws -> (id: UUID, tier: Tier)? {
        let directory = try await directory(on: db)
        return GroupRouting.group(for: tier, organization: organizationId, among: directory.routingCandidates,
                                  defaults: directory.settings.defaultGroups.byTier).map { ($0, tier) }
    }

    /// A group a ticket may be given to: it exists, is active and serves the ticket's organization (a group serving
    /// only other clients could not even see the ticket). Only staff get this far, so saying which is no leak.
    func groupServingTicket(_ id: UUID, organizationId: UUID, on db: any Database) async throws -> (id: UUID, tier: Tier) {
        guard let m = try await GroupModel.find(id, on: db), let tier = Tier(rawValue: m.tier) else {
            throw DomainError.invalid(field: "group_id", "unknown group")
        }
        guard m.active else { throw DomainError.invalid(field: "group_id", "that group is deactivated") }
        if !m.servesAll, try await GroupOrganizationModel.query(on: db).filter(\.$groupId == id).filter(\.$organizationId == organizationId).first() == nil {
            throw DomainError.invalid(field: "group_id", "that group does not serve this ticket's organization")
        }
        return (id, tier)
    }

    /// An active staff member who can be given a ticket.
    func assignableStaff(_ id: UUID, on db: any Database) async throws {
        guard let user = try await UserModel.find(id, on: db), user.active, Role(rawValue: user.role)?.isStaff == true else {
            throw DomainError.invalid(field: "assignee_id", "unknown agent")
        }
    }

    /// The group a ticket goes with when it is given to `assignee`: the current group if they belong to it, else one of
    /// their groups of that tier serving the organization (the team they work in takes it), else none — an assignee
    /// outside every such group owns the ticket alone. Only when the group was named explicitly in the same request is
    /// a non-member refused, since then the two choices contradict each other.
    func groupFollowing(assignee: UUID, current: UUID?, explicit: Bool, tier: Tier, organizationId: UUID, on db: any Database) async throws -> UUID? {
        let memberships = Set(try await GroupMemberModel.query(on: db).filter(\.$userId == assignee).all().map(\.groupId))
        if let current, memberships.contains(current) { return current }
        if explicit, current != nil {
            throw DomainError.invalid(field: "assignee_id", "the assignee is not a member of the ticket's group")
        }
        let candidates = try await directory(on: db).routingCandidates.filter {
            memberships.contains($0.id) && $0.active && $0.tier == tier && $0.serves(organizationId)
        }
        return candidates.count == 1 ? candidates[0].id : nil
    }
}
