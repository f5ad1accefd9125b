import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Support groups: the list, a new group, and each group's page (name, organizations served, deactivation, members).
extension AdminPages {
    func registerGroups(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/groups") { r, c in try await groups(r, c) }
        router.post("/admin/groups") { r, c in
            try await post(r, c, back: { try await groups(r, c, error: $0) }) { form, s in
                guard let tier = form.int("tier").flatMap(Tier.init(rawValue:)) else { throw DomainError.invalid(field: "tier", "choose a tier") }
                let orgs = form.all("organizations").compactMap(UUID.init(uuidString:))
                let group = try await desk.store.write { db in
                    try await desk.createGroup(GroupInput(name: form["name"] ?? "", tier: tier, organizationIds: orgs), by: s.actor, on: db)
                }
                return "/admin/groups/\(group.id)?done=created"
            }
        }
        router.get("/admin/groups/:id") { r, c in try await group(r, c) }
        router.post("/admin/groups/:id") { r, c in
            try await post(r, c, back: { try await group(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "group")
                let current = try await desk.group(id, by: s.actor)
                let input = GroupInput(name: form["name"] ?? "", tier: current.tier, organizationIds: form.all("organizations").compactMap(UUID.init(uuidString:)),
                                       active: form["active"] == "on")
                _ = try await desk.store.write { db in try await desk.updateGroup(id, input, by: s.actor, on: db) }
                return "/admin/groups/\(id)?done=saved"
            }
        }
        router.post("/admin/groups/:id/members") { r, c in
            try await post(r, c, back: { try await group(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "group")
                let members = form.all("members").compactMap(UUID.init(uuidString:))
                _ = try await desk.store.write { db in try await desk.setGroupMembers(id, members, by: s.actor, on: db) }
                return "/admin/groups/\(id)?done=members_saved"
            }
        }
    }

    struct GroupsPage {
        struct Row { let id: String; let name: String; let tier: String; let serves: String; let members: String; let active: Bool }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let groups: [Row]
        let tiers: [Option]
        let organizations: [Option]
    }

    private func groups(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let groups = try await desk.listGroups(by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let users = try await desk.listUsers(by: s.actor).filter(\.role.isStaff)
        let orgNames = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id, $0.name) })
        let b = try await base(r, s, l, title: l.t("admin_groups"), tab: Tab(groups: true), error: error)
        return views.page("admin_groups", GroupsPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            groups: groups.map { g in
                .init(id: g.id.uuidString, name: g.name, tier: g.tier.label,
                      serves: g.servesAllOrganizations ? l.t("admin_serves_all") : g.organizationIds.compactMap { orgNames[$0] }.joined(separator: ", "),
                      members: users.filter { $0.groupIds.contains(g.id) }.map(\.name).joined(separator: ", "), active: g.active)
            },
            tiers: l.tierOptions(selected: nil), organizations: Self.organizationChoices(orgs, served: [], l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    /// Organizations a group may serve; a deactivated one says so.
    static func organizationChoices(_ orgs: [OrganizationDTO], served: Set<UUID>, _ l: Localizer) -> [Option] {
        orgs.map { Option(value: $0.id.uuidString, label: $0.active ? $0.name : l.t("deactivated_f", $0.name), selected: served.contains($0.id)) }
    }

    struct GroupPage {
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let id: String
        let name: String
        let tier: String
        let active: Bool
        let organizations: [Option]
        let members: [Option]
    }

    private func group(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let g = try await desk.group(try c.uuid("id", "group"), by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        // Active staff may join; a deactivated member is still listed so that saving does not drop them unseen.
        let staff = try await desk.listUsers(by: s.actor).filter { $0.role.isStaff && ($0.active || $0.groupIds.contains(g.id)) }
            .sorted { $0.name.localizedCompare($1.name) == .orderedAscending }
        let b = try await base(r, s, l, title: g.name, tab: Tab(groups: true), error: error)
        return views.page("admin_group", GroupPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, id: g.id.uuidString, name: g.name, tier: g.tier.label, active: g.active,
            organizations: Self.organizationChoices(orgs, served: Set(g.organizationIds), l),
            members: staff.map { u in
                Option(value: u.id.uuidString, label: u.active ? "\(u.name) (\(l.t("role_\(u.role.rawValue)")))" : l.t("deactivated_m", u.name),
                       selected: u.groupIds.contains(g.id))
            }),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
