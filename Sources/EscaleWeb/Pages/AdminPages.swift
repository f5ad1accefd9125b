import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Administration: organizations and contracts, users and roles, support groups, categories, the priority matrix.
/// The desk checks permissions; these pages only refuse early so non-admins never see the forms.
struct AdminPages {
    let desk: Desk
    let views: Views

    struct Tab { var organizations = false, users = false, groups = false, categories = false, matrix = false, throttles = false }

    struct Base {
        let frame: Frame
        let t: [String: String]
        let tab: Tab
        let error: String?
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/admin") { _, _ in Views.redirect("/admin/organizations") }
        router.get("/admin/organizations") { r, c in try await organizations(r, c) }
        router.post("/admin/organizations") { r, c in
            try await post(r, c, back: { try await organizations(r, c, error: $0) }) { form, s in
                let org = try await desk.store.write { db in
                    try await desk.createOrganization(OrganizationInput(name: form["name"] ?? "", domain: form.text("domain")), by: s.actor, on: db)
                }
                return "/admin/organizations/\(org.id)?done=created"
            }
        }
        router.get("/admin/organizations/:id") { r, c in try await organization(r, c) }
        router.get("/admin/throttles") { r, c in try await throttles(r, c) }
        router.post("/admin/throttles/:id/lift") { r, c in
            try await post(r, c, back: { try await throttles(r, c, error: $0) }) { _, s in
                try await desk.liftThrottle(try c.uuid("id", "throttle"), by: s.actor)
                return "/admin/throttles?done=lifted"
            }
        }
        router.post("/admin/organizations/:id/contracts") { r, c in
            try await post(r, c, back: { try await organization(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "organization")
                let input = try Self.contractInput(form)
                _ = try await desk.store.write { db in try await desk.createContract(organizationId: id, input, by: s.actor, on: db) }
                return "/admin/organizations/\(id)?done=created"
            }
        }
        router.get("/admin/contracts/:id") { r, c in try await contract(r, c) }
        router.post("/admin/contracts/:id") { r, c in
            try await post(r, c, back: { try await contract(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "contract")
                var input = try Self.contractInput(form)
                // What the form does not edit (set through the API) is kept, not wiped.
                let current = try await desk.contract(id, by: s.actor)
                input.calendarId = current.calendarId; input.slaPolicyId = current.slaPolicyId
                input.onCallPolicyId = current.onCallPolicyId; input.escalationRules = current.escalationRules
                let updated = try await desk.updateContract(id, input, by: s.actor)
                return "/admin/organizations/\(updated.organizationId)?done=saved"
            }
        }
        router.get("/admin/users") { r, c in try await users(r, c) }
        router.post("/admin/users") { r, c in
            try await post(r, c, back: { try await users(r, c, error: $0) }) { form, s in
                guard let role = form["role"].flatMap(Role.init(rawValue:)) else { throw DomainError.invalid(field: "role", "choose a role") }
                let prepared = try await desk.prepareUser(UserInput(
                    email: form["email"] ?? "", name: form["name"] ?? "", role: role, password: form["password"] ?? "",
                    organizationId: form.uuid("organization"), locale: form["locale"]))
                let user = try await desk.store.write { db in try await desk.createUser(prepared, by: s.actor, on: db) }
                return "/admin/users/\(user.id)?done=created"
            }
        }
        router.get("/admin/users/:id") { r, c in try await user(r, c) }
        router.post("/admin/users/:id") { r, c in
            try await post(r, c, back: { try await user(r, c, error: $0) }) { form, s in
                guard let role = form["role"].flatMap(Role.init(rawValue:)) else { throw DomainError.invalid(field: "role", "choose a role") }
                let id = try c.uuid("id", "user")
                _ = try await desk.updateUser(id, .init(
                    name: form["name"] ?? "", role: role, organizationId: form.uuid("organization"),
                    groupIds: form.all("groups").compactMap(UUID.init(uuidString:)), active: form["active"] == "on",
                    locale: form.text("locale"), timeZone: form.text("time_zone") ?? ""), by: s.actor)
                return "/admin/users/\(id)?done=saved"
            }
        }
        router.post("/admin/users/:id/password") { r, c in
            try await post(r, c, back: { try await user(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "user")
                try await desk.resetPassword(of: id, to: form["password"] ?? "", by: s.actor)
                return "/admin/users/\(id)?done=password_reset"
            }
        }
        router.get("/admin/groups") { r, c in try await groups(r, c) }
        router.post("/admin/groups") { r, c in
            try await post(r, c, back: { try await groups(r, c, error: $0) }) { form, s in
                guard let tier = form.int("tier").flatMap(Tier.init(rawValue:)) else { throw DomainError.invalid(field: "tier", "choose a tier") }
                let orgs = form.all("organizations").compactMap(UUID.init(uuidString:))
                _ = try await desk.store.write { db in
                    try await desk.createGroup(GroupInput(name: form["name"] ?? "", tier: tier, organizationIds: orgs), by: s.actor, on: db)
                }
                return "/admin/groups?done=created"
            }
        }
        router.get("/admin/categories") { r, c in try await categories(r, c) }
        router.post("/admin/categories") { r, c in
            try await post(r, c, back: { try await categories(r, c, error: $0) }) { form, s in
                guard let domain = form["domain"].flatMap(CategoryDomain.init(rawValue:)) else { throw DomainError.invalid(field: "domain", "choose a domain") }
                let input = CategoryDTO(key: form.text("key") ?? "", domain: domain, nameEn: form["name_en"] ?? "", nameFr: form["name_fr"] ?? "")
                _ = try await desk.store.write { db in try await desk.createCategory(input, by: s.actor, on: db) }
                return "/admin/categories?done=created"
            }
        }
        router.get("/admin/matrix") { r, c in try await matrix(r, c) }
        router.post("/admin/matrix") { r, c in
            try await post(r, c, back: { try await matrix(r, c, error: $0) }) { form, s in
                var cells: [Level: [Level: Priority]] = [:]
                for i in Level.allCases {
                    for u in Level.allCases {
                        guard let p = form.int("cell_\(i.rawValue)_\(u.rawValue)").flatMap(Priority.init(rawValue:)) else {
                            throw DomainError.invalid(field: "priority", "every cell needs a priority from 1 to 5")
                        }
                        cells[i, default: [:]][u] = p
                    }
                }
                _ = try await desk.setPriorityMatrix(try PriorityMatrix(cells: cells), by: s.actor)
                return "/admin/matrix?done=saved"
            }
        }
    }

    // MARK: Plumbing

    private func admin(_ r: Request, _ c: EscaleContext) throws -> Desk.WebSession {
        let s = try PageContext.requireSession(r, c)
        guard s.actor.role == .admin else { throw DomainError.forbidden("administrators only") }
        return s
    }

    private func base(_ r: Request, _ s: Desk.WebSession, _ l: Localizer, title: String, tab: Tab, error: String?) async throws -> Base {
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: title, request: r)
        return Base(frame: frame, t: frame.t, tab: tab, error: error)
    }

    /// Runs a form's command; a refusal (invalid input, conflict) shows the page again with the reason.
    private func post(_ r: Request, _ c: EscaleContext, back: @escaping (String) async throws -> Response,
                      _ body: @escaping (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        let s = try admin(r, c)
        let form = try await Form.read(r, context: c, desk: desk, csrf: s.csrfToken)
        let l = PageContext.localizer(request: r, session: s)
        do {
            return Views.redirect(try await body(form, s))
        } catch let e as DomainError {
            switch e {
            case .invalid, .conflict: return try await back(l.message(for: e))
            default: throw e
            }
        }
    }

    static func contractInput(_ form: Form) throws -> ContractInput {
        guard let from = form.text("valid_from").flatMap(Day.init) else { throw DomainError.invalid(field: "valid_from", "give the first day (YYYY-MM-DD)") }
        var until: Day?
        if let raw = form.text("valid_until") {
            guard let d = Day(raw) else { throw DomainError.invalid(field: "valid_until", "give a day (YYYY-MM-DD)") }
            until = d
        }
        return ContractInput(name: form.text("name"), perimeter: form["perimeter"] ?? "", categories: form.all("categories"), validFrom: from,
                             validUntil: until, onCall: form["on_call"] == "on", requestersSeeOrganization: form["requesters_see_organization"] == "on",
                             pageBeforeTriage: form["page_before_triage"] == "on")
    }

    // MARK: Pages

    struct OrganizationsPage {
        struct Row { let id: String; let name: String; let domain: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let organizations: [Row]
    }

    private func organizations(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let b = try await base(r, s, l, title: l.t("admin_organizations"), tab: Tab(organizations: true), error: error)
        let orgs = try await desk.listOrganizations(by: s.actor)
        return views.page("admin_organizations", OrganizationsPage(frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            organizations: orgs.map { .init(id: $0.id.uuidString, name: $0.name, domain: $0.domain ?? "") }), status: error == nil ? .ok : .unprocessableContent)
    }

    struct ContractForm {
        let id: String; let name: String; let validFrom: String; let validUntil: String; let onCall: Bool; let requestersSeeOrganization: Bool
        var pageBeforeTriage = false
    }

    struct OrganizationPage {
        struct Row { let id: String; let name: String; let perimeter: String; let validity: String; let onCall: String; let state: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let organization: OrganizationsPage.Row
        let contracts: [Row]
        let hasContracts: Bool
        let contract: ContractForm
        let perimeters: [Option]
        let categoryChoices: [Option]
    }

    private func organization(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let id = try c.uuid("id", "organization")
        guard let org = try await desk.listOrganizations(by: s.actor).first(where: { $0.id == id }) else { throw DomainError.notFound("organization") }
        let contracts = try await desk.listContracts(organizationId: id, by: s.actor)
        let categories = try await desk.listCategories()
        let b = try await base(r, s, l, title: org.name, tab: Tab(organizations: true), error: error)
        let today = Day(desk.clock.now()).description
        return views.page("admin_organization", OrganizationPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, organization: .init(id: org.id.uuidString, name: org.name, domain: org.domain ?? ""),
            contracts: contracts.map { k in
                .init(id: k.id.uuidString, name: k.name, perimeter: l.t("perimeter_\(k.perimeter)"),
                      validity: "\(k.validFrom) → \(k.validUntil?.description ?? "…")", onCall: l.t(k.onCall ? "yes" : "no"),
                      state: l.t(k.active ? "contract_active" : "contract_inactive"))
            }, hasContracts: !contracts.isEmpty,
            contract: ContractForm(id: "", name: "", validFrom: today, validUntil: "", onCall: false, requestersSeeOrganization: false),
            perimeters: Self.perimeters(l, selected: "infrastructure"), categoryChoices: l.categoryOptions(categories, selected: nil)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    static func perimeters(_ l: Localizer, selected: String) -> [Option] {
        ["hardware", "infrastructure", "categories"].map { Option(value: $0, label: l.t("perimeter_\($0)"), selected: $0 == selected) }
    }

    struct ContractPage {
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let organizationId: String
        let contract: ContractForm
        let perimeters: [Option]
        let categoryChoices: [Option]
    }

    private func contract(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let k = try await desk.contract(try c.uuid("id", "contract"), by: s.actor)
        let categories = try await desk.listCategories()
        let b = try await base(r, s, l, title: k.name, tab: Tab(organizations: true), error: error)
        return views.page("admin_contract", ContractPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, organizationId: k.organizationId.uuidString,
            contract: ContractForm(id: k.id.uuidString, name: k.name, validFrom: k.validFrom.description, validUntil: k.validUntil?.description ?? "",
                                   onCall: k.onCall, requestersSeeOrganization: k.requestersSeeOrganization, pageBeforeTriage: k.pageBeforeTriage),
            perimeters: Self.perimeters(l, selected: k.perimeter),
            categoryChoices: l.categoryOptions(categories, selected: nil).map { Option(value: $0.value, label: $0.label, selected: k.categories.contains($0.value)) }),
            status: error == nil ? .ok : .unprocessableContent)
    }

    struct UsersPage {
        struct Row { let id: String; let name: String; let email: String; let role: String; let organization: String; let active: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let users: [Row]
        let roles: [Option]
        let organizations: [Option]
        let languages: [Language]
    }

    private func users(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let users = try await desk.listUsers(by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let orgNames = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id, $0.name) })
        let b = try await base(r, s, l, title: l.t("admin_users"), tab: Tab(users: true), error: error)
        return views.page("admin_users", UsersPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            users: users.map { .init(id: $0.id.uuidString, name: $0.name, email: $0.email, role: l.t("role_\($0.role.rawValue)"),
                                     organization: $0.organizationId.flatMap { orgNames[$0] } ?? "—", active: l.t($0.active ? "yes" : "no")) },
            roles: Role.allCases.map { Option(value: $0.rawValue, label: l.t("role_\($0.rawValue)"), selected: false) },
            organizations: orgs.map { Option(value: $0.id.uuidString, label: $0.name, selected: false) },
            languages: Language.choices(current: nil, l)), status: error == nil ? .ok : .unprocessableContent)
    }

    struct UserPage {
        struct Subject { let id: String; let name: String; let email: String; let active: Bool }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let user: Subject
        let roles, organizations, groups: [Option]
        let languages: [Language]
        let timeZone: String
    }

    private func user(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let (u, tz) = try await desk.user(try c.uuid("id", "user"), by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let groups = try await desk.listGroups(by: s.actor)
        let b = try await base(r, s, l, title: u.name, tab: Tab(users: true), error: error)
        return views.page("admin_user", UserPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, user: .init(id: u.id.uuidString, name: u.name, email: u.email, active: u.active),
            roles: Role.allCases.map { Option(value: $0.rawValue, label: l.t("role_\($0.rawValue)"), selected: $0 == u.role) },
            organizations: orgs.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == u.organizationId) },
            groups: groups.map { Option(value: $0.id.uuidString, label: "\($0.name) (\($0.tier.label))", selected: u.groupIds.contains($0.id)) },
            languages: Language.choices(current: u.localeAutomatic ? nil : u.locale, l), timeZone: tz), status: error == nil ? .ok : .unprocessableContent)
    }

    struct GroupsPage {
        struct Row { let name: String; let tier: String; let serves: String; let members: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let groups: [Row]
        let tiers: [Option]
        let organizations: [Option]
    }

    struct ThrottlesPage {
        struct Row { let id: String; let kind: String; let subject: String; let failures: Int; let last: String; let wait: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let throttles: [Row]
        let any: Bool
    }

    /// Sign-in throttles now counting failures, with a button to lift each (a user locked out by someone else's
    /// guesses, an office behind one address).
    private func throttles(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let entries = try await desk.throttles(by: s.actor)
        let b = try await base(r, s, l, title: l.t("admin_throttles"), tab: Tab(throttles: true), error: error)
        return views.page("admin_throttles", ThrottlesPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, throttles: entries.map {
                .init(id: $0.id.uuidString, kind: l.t("throttle_kind_" + $0.kind.rawValue), subject: $0.subject, failures: $0.failures,
                      last: l.dateTime($0.lastFailureAt), wait: $0.retryAfter > 0 ? AuthPages.throttledMessage(l, retryAfter: $0.retryAfter) : l.t("throttle_allowed"))
            }, any: !entries.isEmpty), status: error == nil ? .ok : .unprocessableContent)
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
                .init(name: g.name, tier: g.tier.label,
                      serves: g.servesAllOrganizations ? l.t("admin_serves_all") : g.organizationIds.compactMap { orgNames[$0] }.joined(separator: ", "),
                      members: users.filter { $0.groupIds.contains(g.id) }.map(\.name).joined(separator: ", "))
            },
            tiers: l.tierOptions(selected: nil), organizations: orgs.map { Option(value: $0.id.uuidString, label: $0.name, selected: false) }),
            status: error == nil ? .ok : .unprocessableContent)
    }

    struct CategoriesPage {
        struct Row { let key: String; let domain: String; let nameFr: String; let nameEn: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let categories: [Row]
        let domains: [Option]
    }

    private func categories(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let categories = try await desk.listCategories()
        let b = try await base(r, s, l, title: l.t("admin_categories"), tab: Tab(categories: true), error: error)
        return views.page("admin_categories", CategoriesPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            categories: categories.map { .init(key: $0.key, domain: l.t("domain_\($0.domain.rawValue)"), nameFr: $0.nameFr, nameEn: $0.nameEn) },
            domains: CategoryDomain.allCases.map { Option(value: $0.rawValue, label: l.t("domain_\($0.rawValue)"), selected: false) }),
            status: error == nil ? .ok : .unprocessableContent)
    }

    struct MatrixPage {
        struct Cell { let name: String; let cellLabel: String; let options: [Option] }
        struct Row { let label: String; let cells: [Cell] }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let columns: [String]
        let rows: [Row]
    }

    private func matrix(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let m = try await desk.priorityMatrix()
        let b = try await base(r, s, l, title: l.t("admin_matrix"), tab: Tab(matrix: true), error: error)
        return views.page("admin_matrix", MatrixPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            columns: Level.allCases.map { l.t("urgency_level_\($0.rawValue)") },
            rows: Level.allCases.map { i in
                .init(label: l.t("level_\(i.rawValue)"), cells: Level.allCases.map { u in
                    .init(name: "cell_\(i.rawValue)_\(u.rawValue)",
                          cellLabel: "\(l.t("field_impact")) \(l.t("level_\(i.rawValue)")), \(l.t("field_urgency")) \(l.t("urgency_level_\(u.rawValue)"))",
                          options: l.priorityOptions(selected: m.priority(impact: i, urgency: u)))
                })
            }), status: error == nil ? .ok : .unprocessableContent)
    }
}
