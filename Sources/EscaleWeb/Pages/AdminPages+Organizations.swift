import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Organizations (name, domain and mail domains, language, deactivation) and their contracts: the terms, the calendar, SLA and on-call
/// policies they run on, their escalation rules, and a summary of what applies under them.
extension AdminPages {
    func registerOrganizations(on router: RouterGroup<EscaleContext>) {
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
        router.post("/admin/organizations/:id/enrollment-tokens") { r, c in
            let id = try c.uuid("id", "organization")
            return try await PageContext.answer(r, c, desk: desk, session: try admin(r, c), refusals: { e in
                switch e { case .invalid, .invalidFields, .conflict: true; default: false }
            }, redraw: { message, _ in try await organization(r, c, error: message) }) { form, s in
                let created = try await desk.store.write { db in
                    try await desk.enrollmentTokens.create(organization: id, EnrollmentTokenInput(name: form["name"] ?? ""), by: s.actor, on: db)
                }
                return try await organization(r, c, created: created)
            }
        }
        router.post("/admin/organizations/:id/enrollment-tokens/:token/revoke") { r, c in
            let id = try c.uuid("id", "organization"), token = try c.uuid("token", "enrollment token")
            return try await PageContext.post(r, c, desk: desk, session: try admin(r, c), redraw: { message, _ in try await organization(r, c, error: message) }) { _, s in
                _ = try await desk.store.write { db in try await desk.enrollmentTokens.revoke(organization: id, token, by: s.actor, on: db) }
                return "/admin/organizations/\(id)?done=saved"
            }
        }
        router.post("/admin/organizations/:id") { r, c in
            try await post(r, c, back: { try await organization(r, c, error: $0) }) { form, s in
                let id = try c.uuid("id", "organization")
                let input = OrganizationInput(name: form["name"] ?? "", domain: form.text("domain"), domains: Self.domainList(form["domains"] ?? ""),
                                              locale: form.text("locale"), active: form["active"] == "on", phone: form.text("phone"))
                _ = try await desk.store.write { db in try await desk.updateOrganization(id, input, by: s.actor, on: db) }
                return "/admin/organizations/\(id)?done=saved"
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
                let current = try await desk.contract(id, by: s.actor)
                let updated = try await desk.updateContract(id, try Self.contractInput(form, keeping: current), by: s.actor)
                return "/admin/contracts/\(updated.id)?done=saved"
            }
        }
    }

    // MARK: Organizations

    struct OrganizationsPage {
        struct Row { let id: String; let name: String; let domain: String; let language: String; let active: Bool }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let organizations: [Row]
    }

    private func organizations(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let b = try await base(r, s, l, title: l.t("admin_organizations"), tab: Tab(organizations: true), error: error)
        let orgs = try await desk.listOrganizations(by: s.actor)
        return views.page("admin_organizations", OrganizationsPage(frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            organizations: orgs.map { .init(id: $0.id.uuidString, name: $0.name, domain: $0.domain ?? "", language: Self.languageName($0.locale, l), active: $0.active) }),
            status: error == nil ? .ok : .unprocessableContent)
    }

    /// The mail domains as typed: separated by commas, spaces or line breaks.
    static func domainList(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }).map(String.init)
    }

    static func languageName(_ code: String?, _ l: Localizer) -> String {
        Language.all(current: "").first { $0.code == code }?.name ?? l.t("organization_language_default")
    }

    struct OrganizationPage {
        struct Row { let id: String; let name: String; let perimeter: String; let validity: String; let onCall: String; let state: String }
        struct Subject { let id: String; let name: String; let domain: String; let mailDomains: String; let active: Bool; let phone: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let organization: Subject
        let languages: [Language]
        let contracts: [Row]
        let hasContracts: Bool
        struct Token { let id: String; let name: String; let prefix: String; let created: String; let lastUsed: String; let revoked: Bool }
        struct NewToken { let token: String; let ocsinventory: String; let fusioninventory: String; let glpi: String }
        var tokens: [Token] = []
        var hasTokens = false
        var newToken: NewToken?
        let contract: ContractForm
        let perimeters: [Option]
        let categoryChoices: [Option]
    }

    private func organization(_ r: Request, _ c: EscaleContext, error: String? = nil, created: EnrollmentTokenDTO? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let org = try await desk.organization(try c.uuid("id", "organization"), by: s.actor)
        let contracts = try await desk.listContracts(organizationId: org.id, by: s.actor)
        let categories = try await desk.listCategories()
        let b = try await base(r, s, l, title: org.name, tab: Tab(organizations: true), error: error)
        let today = Day(desk.clock.now()).description
        let tokens = try await desk.enrollmentTokens.list(organization: org.id, by: s.actor)
        var page = OrganizationPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            organization: .init(id: org.id.uuidString, name: org.name, domain: org.domain ?? "",
                                mailDomains: org.domains.filter { $0 != org.domain }.joined(separator: "\n"), active: org.active, phone: org.phone ?? ""),
            languages: Language.choices(current: org.locale, l, automatic: "organization_language_default"),
            contracts: contracts.map { k in
                .init(id: k.id.uuidString, name: k.name, perimeter: l.t("perimeter_\(k.perimeter)"),
                      validity: "\(l.day(k.validFrom)) → \(k.validUntil.map(l.day) ?? "…")", onCall: l.t(k.onCall ? "yes" : "no"),
                      state: l.t(k.active ? "contract_active" : "contract_inactive"))
            }, hasContracts: !contracts.isEmpty,
            contract: try await contractForm(nil, validFrom: today, actor: s.actor, l),
            perimeters: Self.perimeters(l, selected: "infrastructure"), categoryChoices: Self.contractCategories(categories, covered: [], l))
        page.tokens = tokens.map { t in
            .init(id: t.id.uuidString, name: t.name, prefix: t.prefix + "…", created: l.dateTime(t.createdAt), lastUsed: t.lastUsedAt.map(l.dateTime) ?? "—",
                  revoked: t.revokedAt != nil)
        }
        page.hasTokens = !tokens.isEmpty
        // Shown once, right after its creation: only its hash is kept.
        if let created, let token = created.token, let urls = created.urls {
            page.newToken = .init(token: token, ocsinventory: urls.ocsinventory, fusioninventory: urls.fusioninventory, glpi: urls.glpi)
        }
        return views.page("admin_organization", page, status: error == nil ? .ok : .unprocessableContent)
    }

    // MARK: Contracts

    struct ContractForm {
        struct Rule { let index: Int; let number: Int; let triggers: [Option]; let percent: String; let actions: [Option]; let isNew: Bool }
        let id: String; let name: String; let validFrom: String; let validUntil: String
        let onCall: Bool; let requestersSeeOrganization: Bool; let pageBeforeTriage: Bool; let remoteControlConsent: Bool
        let calendars: [Option]; let slaPolicies: [Option]; let onCallPolicies: [Option]
        /// The contract's rules, then an empty row to add one.
        let rules: [Rule]
    }

    struct ContractPage {
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let organizationId: String
        let organizationName: String
        let contract: ContractForm
        let perimeters: [Option]
        let categoryChoices: [Option]
        let applies: Applies
    }

    private func contract(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let k = try await desk.contract(try c.uuid("id", "contract"), by: s.actor)
        let org = try await desk.organization(k.organizationId, by: s.actor)
        let categories = try await desk.listCategories()
        let b = try await base(r, s, l, title: k.name, tab: Tab(organizations: true), error: error)
        return views.page("admin_contract", ContractPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, organizationId: k.organizationId.uuidString, organizationName: org.name,
            contract: try await contractForm(k, validFrom: k.validFrom.description, actor: s.actor, l),
            perimeters: Self.perimeters(l, selected: k.perimeter),
            categoryChoices: Self.contractCategories(categories, covered: Set(k.categories), l),
            applies: try await applies(k, actor: s.actor, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    static func perimeters(_ l: Localizer, selected: String) -> [Option] {
        ["hardware", "infrastructure", "categories"].map { Option(value: $0, label: l.t("perimeter_\($0)"), selected: $0 == selected) }
    }

    /// Every category may be part of a perimeter (a deactivated one stays covered for the tickets filed under it).
    static func contractCategories(_ categories: [CategoryDTO], covered: Set<String>, _ l: Localizer) -> [Option] {
        l.categoryOptions(categories, selected: nil, all: true).map { Option(value: $0.value, label: $0.label, selected: covered.contains($0.value)) }
    }

    private func contractForm(_ k: ContractDTO?, validFrom: String, actor: Actor, _ l: Localizer) async throws -> ContractForm {
        let calendars = try await desk.listCalendars(by: actor)
        let slaPolicies = try await desk.listSLAPolicies(by: actor)
        let onCallPolicies = try await desk.listOnCallPolicies(by: actor)
        func choices(_ items: [(id: UUID, name: String)], selected: UUID?) -> [Option] {
            [Option(value: "", label: l.t("contract_none"), selected: selected == nil)]
                + items.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == selected) }
        }
        let rules = k?.escalationRules ?? []
        return ContractForm(
            id: k?.id.uuidString ?? "", name: k?.name ?? "", validFrom: validFrom, validUntil: k?.validUntil?.description ?? "",
            onCall: k?.onCall ?? false, requestersSeeOrganization: k?.requestersSeeOrganization ?? false, pageBeforeTriage: k?.pageBeforeTriage ?? false, remoteControlConsent: k?.remoteControlConsent ?? false,
            calendars: choices(calendars.map { ($0.id, $0.name) }, selected: k?.calendarId),
            slaPolicies: choices(slaPolicies.map { ($0.id, $0.name) }, selected: k?.slaPolicyId),
            onCallPolicies: choices(onCallPolicies.map { ($0.id, $0.name) }, selected: k?.onCallPolicyId),
            rules: rules.enumerated().map { Self.ruleRow($0, $1, l) } + [Self.ruleRow(rules.count, nil, l)])
    }

    static let ruleTriggers = ["first_response", "resolution", "breach", "priority1_created"]
    static let ruleActions = ["functional", "hierarchical"]

    private static func ruleRow(_ index: Int, _ rule: EscalationRuleDTO?, _ l: Localizer) -> ContractForm.Rule {
        var triggers = ruleTriggers.map { Option(value: $0, label: l.t("rule_trigger_\($0)"), selected: $0 == rule?.trigger) }
        if rule == nil { triggers.insert(Option(value: "", label: l.t("rule_none"), selected: true), at: 0) }
        let action = rule?.action ?? "functional"
        return .init(index: index, number: index + 1, triggers: triggers, percent: rule?.percent.map(String.init) ?? "",
                     actions: ruleActions.map { Option(value: $0, label: l.t("rule_action_\($0)"), selected: $0 == action) }, isNew: rule == nil)
    }

    /// The contract form as the desk takes it. A reference or the rules not sent at all (a form from before they were
    /// on it, a script) are kept from `current`; sent empty, they are removed.
    static func contractInput(_ form: Form, keeping current: ContractDTO? = nil) throws -> ContractInput {
        guard let from = form.text("valid_from").flatMap(Day.init) else { throw DomainError.invalid(field: "valid_from", "give the first day (YYYY-MM-DD)") }
        var until: Day?
        if let raw = form.text("valid_until") {
            guard let d = Day(raw) else { throw DomainError.invalid(field: "valid_until", "give a day (YYYY-MM-DD)") }
            until = d
        }
        func chosen(_ name: String, field: String, kept: UUID?) throws -> UUID? {
            form.fields[name] == nil ? kept : try reference(form, name, field: field)
        }
        return ContractInput(name: form.text("name"), perimeter: form["perimeter"] ?? "", categories: form.all("categories"), validFrom: from,
                             validUntil: until, calendarId: try chosen("calendar", field: "calendar_id", kept: current?.calendarId),
                             slaPolicyId: try chosen("sla_policy", field: "sla_policy_id", kept: current?.slaPolicyId), onCall: form["on_call"] == "on",
                             requestersSeeOrganization: form["requesters_see_organization"] == "on",
                             onCallPolicyId: try chosen("on_call_policy", field: "on_call_policy_id", kept: current?.onCallPolicyId),
                             escalationRules: form.fields["rule_trigger"] == nil ? current?.escalationRules : try escalationRules(form),
                             pageBeforeTriage: form["page_before_triage"] == "on", remoteControlConsent: form["remote_control_consent"] == "on")
    }

    /// A chosen object, or none when left empty.
    static func reference(_ form: Form, _ name: String, field: String) throws -> UUID? {
        guard let text = form.text(name) else { return nil }
        guard let id = UUID(uuidString: text) else { throw DomainError.invalid(field: field, "not an id") }
        return id
    }

    /// The rule rows; a row without a trigger is the empty one.
    static func escalationRules(_ form: Form) throws -> [EscalationRuleDTO] {
        try form.rows(["rule_trigger", "rule_percent", "rule_action"], removed: "rule_remove").compactMap { row in
            guard let trigger = row["rule_trigger"], !trigger.isEmpty else { return nil }
            var percent: Int?
            if trigger == "first_response" || trigger == "resolution" {
                guard let p = row["rule_percent"].flatMap({ Int($0) }) else {
                    throw DomainError.invalid(field: "escalation_rules", "\(trigger) needs a percent (1–100)")
                }
                percent = p
            }
            return EscalationRuleDTO(trigger: trigger, percent: percent, action: row["rule_action"] ?? "")
        }
    }

    // MARK: What applies

    /// A contract's terms in words: the support hours, the SLA targets, on-call and its steps, the escalation rules.
    struct Applies {
        struct Target { let priority: String; let firstResponse: String; let nextUpdate: String; let resolution: String }
        let calendar: String?
        let hours: [String]
        let closures: [String]
        let sla: String?
        let slaCalendar: String
        let targets: [Target]
        let slaNotes: String
        let onCall: String
        let onCallPolicy: String?
        /// On-call promised but nobody can be paged: no policy, or no calendar to be out of.
        let onCallWarning: String?
        let steps: [String]
        let rules: [String]
        let hasRules: Bool
    }

    private func applies(_ k: ContractDTO, actor: Actor, _ l: Localizer) async throws -> Applies {
        var calendar: CalendarDTO?, sla: SLAPolicyDTO?, slaCalendar: CalendarDTO?, policy: OnCallPolicyDTO?, steps: [String] = []
        if let id = k.calendarId { calendar = try await desk.calendar(id, by: actor).0 }
        if let id = k.slaPolicyId {
            sla = try await desk.slaPolicy(id, by: actor)
            slaCalendar = try await desk.calendar(sla!.calendarId, by: actor).0
        }
        if let id = k.onCallPolicyId {
            policy = try await desk.onCallPolicy(id, by: actor)
            steps = try await OnCallPages.stepLines(policy!, desk: desk, actor: actor, l)
        }
        let rules = k.escalationRules.map { r in
            l.t("rule_summary", l.t("rule_trigger_\(r.trigger)"), r.percent.map { l.t("rule_at_percent", $0) } ?? "", l.t("rule_action_\(r.action)"))
        }
        return Applies(
            calendar: calendar?.name, hours: calendar.map { WeeklyHours.lines($0.hours, l) } ?? [], closures: calendar.map { Self.closureLines($0, l) } ?? [],
            sla: sla?.name, slaCalendar: slaCalendar?.name ?? "",
            targets: sla?.targets.map { t in
                .init(priority: l.t("priority_\(t.priority)"), firstResponse: l.minutes(t.firstResponseMinutes),
                      nextUpdate: t.nextUpdateMinutes.map(l.minutes) ?? "—", resolution: l.minutes(t.resolutionMinutes))
            } ?? [],
            slaNotes: sla.map { p in
                l.t("applies_sla_notes", p.warningPercent, p.pauseStatuses.map { l.t("status_\($0.rawValue)") }.joined(separator: ", "))
            } ?? "",
            onCall: l.t(k.onCall ? "yes" : "no"), onCallPolicy: policy?.name,
            onCallWarning: !k.onCall ? nil : policy == nil ? l.t("applies_on_call_no_policy") : calendar == nil ? l.t("applies_on_call_no_calendar") : nil,
            steps: steps, rules: rules, hasRules: !rules.isEmpty)
    }
}
