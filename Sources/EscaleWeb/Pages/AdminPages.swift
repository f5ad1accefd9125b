import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Administration: users and roles, categories, the priority matrix, sign-in throttles here; organizations and
/// contracts, groups, calendars and SLA policies, on-call, mailboxes and incoming mail, and the installation's settings
/// in `AdminPages+…`.
/// The desk checks permissions; these pages only refuse early so non-admins never see the forms.
struct AdminPages {
    let desk: Desk
    let views: Views

    struct Tab {
        var organizations = false, users = false, groups = false, categories = false, matrix = false, throttles = false
        var calendars = false, slaPolicies = false, schedules = false, onCallPolicies = false, settings = false
        var mail = false
        var mailboxes = false, inbound = false
        var integrations = false, chatChannels = false
    }

    struct Base {
        let frame: Frame
        let t: [String: String]
        let tab: Tab
        let error: String?
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/admin") { _, _ in Views.redirect("/admin/organizations") }
        registerOrganizations(on: router)
        registerGroups(on: router)
        registerCalendars(on: router)
        registerOnCall(on: router)
        registerSettings(on: router)
        registerMail(on: router)
        registerIntegrations(on: router)
        registerChatChannels(on: router)
        router.get("/admin/throttles") { r, c in try await throttles(r, c) }
        router.post("/admin/throttles/:id/lift") { r, c in
            try await post(r, c, back: { try await throttles(r, c, error: $0) }) { _, s in
                try await desk.liftThrottle(try c.uuid("id", "throttle"), by: s.actor)
                return "/admin/throttles?done=lifted"
            }
        }
        router.get("/admin/users") { r, c in try await users(r, c) }
        router.post("/admin/users") { r, c in
            try await post(r, c, back: { try await users(r, c, error: $0) }) { form, s in
                guard let role = form["role"].flatMap(Role.init(rawValue:)) else { throw DomainError.invalid(field: "role", "choose a role") }
                let prepared = try await desk.prepareUser(UserInput(
                    email: form["email"] ?? "", name: form["name"] ?? "", role: role, password: form["password"] ?? "",
                    organizationId: form.uuid("organization"), locale: form["locale"], phone: form.text("phone")))
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
                    locale: form.text("locale"), timeZone: form.text("time_zone") ?? "", phone: form.text("phone")), by: s.actor)
                return "/admin/users/\(id)?done=saved"
            }
        }
        router.post("/admin/users/:id/contact-methods") { r, c in
            try await post(r, c, back: { try await user(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "user")
                _ = try await desk.store.write { db in try await desk.addContactMethod(ContactMethodsView.input(form), userId: id, by: s.actor, on: db) }
                return "/admin/users/\(id)?done=contact_added"
            }
        }
        router.post("/admin/users/:id/contact-methods/:method/delete") { r, c in
            try await post(r, c, back: { try await user(r, c, error: $0) }) { _, s in
                let id = try c.uuid("id", "user"), method = try c.uuid("method", "contact method")
                try await desk.store.write { db in try await desk.deleteContactMethod(method, userId: id, by: s.actor, on: db) }
                return "/admin/users/\(id)?done=contact_removed"
            }
        }
        router.post("/admin/users/:id/password") { r, c in
            try await post(r, c, back: { try await user(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "user")
                try await desk.resetPassword(of: id, to: form["password"] ?? "", by: s.actor)
                return "/admin/users/\(id)?done=password_reset"
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
        router.post("/admin/categories/:key") { r, c in
            try await post(r, c, back: { try await categories(r, c, error: $0) }) { form, s in
                let key = c.parameters.get("key") ?? ""
                guard let current = try await desk.listCategories().first(where: { $0.key == key }) else { throw DomainError.notFound("category") }
                let input = CategoryDTO(key: key, domain: current.domain, nameEn: form["name_en"] ?? "", nameFr: form["name_fr"] ?? "", active: form["active"] == "on")
                _ = try await desk.store.write { db in try await desk.updateCategory(key, input, by: s.actor, on: db) }
                return "/admin/categories?done=saved"
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

    func admin(_ r: Request, _ c: EscaleContext) throws -> Desk.WebSession {
        let s = try PageContext.requireSession(r, c)
        guard s.actor.role == .admin else { throw DomainError.forbidden("administrators only") }
        return s
    }

    func base(_ r: Request, _ s: Desk.WebSession, _ l: Localizer, title: String, tab: Tab, error: String?) async throws -> Base {
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: title, request: r)
        return Base(frame: frame, t: frame.t, tab: tab, error: error)
    }

    /// Runs a form's command; a refusal (invalid input, conflict) shows the page again with the reason.
    func post(_ r: Request, _ c: EscaleContext, back: @escaping (String) async throws -> Response,
              _ body: @escaping (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        try await post(r, c, redraw: { message, _ in try await back(message) }, body)
    }

    /// The same, for pages that show the refused form again as it was typed.
    func post(_ r: Request, _ c: EscaleContext, redraw: @escaping (String, Form) async throws -> Response,
              _ body: @escaping (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        try await PageContext.post(r, c, desk: desk, session: try admin(r, c), refusals: { e in
            switch e { case .invalid, .conflict: true; default: false }
        }, redraw: redraw, body)
    }

    // MARK: Pages

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
            // A deactivated organization takes no new users: it is not offered.
            organizations: orgs.filter(\.active).map { Option(value: $0.id.uuidString, label: $0.name, selected: false) },
            languages: Language.choices(current: nil, l)), status: error == nil ? .ok : .unprocessableContent)
    }

    struct UserPage {
        struct Subject {
            let id: String; let name: String; let email: String; let active: Bool; let phone: String
            /// Mail to them bounced for good (a delivery report): the reason the receiving server gave.
            let undeliverable: Bool; let emailStatusReason: String
        }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let user: Subject
        let roles, organizations, groups: [Option]
        let languages: [Language]
        let timeZone: String
        /// Only support staff are paged: nil for others.
        let contacts: ContactMethodsView?
    }

    private func user(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let (u, tz) = try await desk.user(try c.uuid("id", "user"), by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let groups = try await desk.listGroups(by: s.actor)
        let contacts = u.role.isStaff ? ContactMethodsView(try await desk.contactMethods(of: u.id, by: s.actor), action: "/admin/users/\(u.id)/contact-methods", l) : nil
        let b = try await base(r, s, l, title: u.name, tab: Tab(users: true), error: error)
        return views.page("admin_user", UserPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, user: .init(id: u.id.uuidString, name: u.name, email: u.email, active: u.active, phone: u.phone ?? "",
                                                                                  undeliverable: u.emailStatus == "undeliverable", emailStatusReason: u.emailStatusReason ?? ""),
            roles: Role.allCases.map { Option(value: $0.rawValue, label: l.t("role_\($0.rawValue)"), selected: $0 == u.role) },
            // Deactivated organizations and groups are offered only to whoever already belongs to them.
            organizations: orgs.filter { $0.active || $0.id == u.organizationId }.map {
                Option(value: $0.id.uuidString, label: $0.active ? $0.name : l.t("deactivated_f", $0.name), selected: $0.id == u.organizationId)
            },
            groups: groups.filter { $0.active || u.groupIds.contains($0.id) }.map {
                let name = "\($0.name) (\($0.tier.label))"
                return Option(value: $0.id.uuidString, label: $0.active ? name : l.t("deactivated_m", name), selected: u.groupIds.contains($0.id))
            },
            languages: Language.choices(current: u.localeAutomatic ? nil : u.locale, l), timeZone: tz, contacts: contacts),
            status: error == nil ? .ok : .unprocessableContent)
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

    struct CategoriesPage {
        struct Row { let key: String; let domain: String; let nameFr: String; let nameEn: String; let active: Bool }
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
            categories: categories.map { .init(key: $0.key, domain: l.t("domain_\($0.domain.rawValue)"), nameFr: $0.nameFr, nameEn: $0.nameEn, active: $0.isActive) },
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
