import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Integrations that push into the desk: monitoring (Alertmanager, Events v2) and the PBX (CTI). Each page shows the
/// secret address to give the sender, what to paste on its side, and its last deliveries with what became of them.
extension AdminPages {
    func registerIntegrations(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/integrations") { r, c in try await integrations(r, c) }
        router.post("/admin/integrations") { r, c in
            try await integrationPost(r, c, redraw: { message, _ in try await integrations(r, c, error: message) }) { form, s in
                guard let type = form["type"].flatMap(IntegrationType.init(rawValue:)) else {
                    throw DomainError.invalid(field: "type", "choose what sends: Alertmanager, Events v2 or a PBX")
                }
                let input = IntegrationInput(type: type, name: form["name"] ?? "", organizationId: try Self.reference(form, "organization", field: "organization_id"),
                                             autoResolve: form["auto_resolve"] == "on", maxAlerts: form.text("max_alerts").flatMap(Int.init))
                try await desk.integrations.warm()
                let m = try await desk.store.write { db in try await desk.integrations.create(input, by: s.actor, on: db) }
                return "/admin/integrations/\(m.id)?done=integration_created"
            }
        }
        router.get("/admin/integrations/:id") { r, c in try await integration(r, c, id: try c.uuid("id", "integration")) }
        router.post("/admin/integrations/:id") { r, c in
            let id = try c.uuid("id", "integration")
            return try await integrationPost(r, c, redraw: { message, _ in try await integration(r, c, id: id, error: message) }) { form, s in
                let current = try await desk.integrations.get(id, by: s.actor)
                var input = current.input
                input.name = form["name"] ?? ""
                input.organizationId = try Self.reference(form, "organization", field: "organization_id")
                input.autoResolve = form["auto_resolve"] == "on"
                input.maxAlerts = form.text("max_alerts").flatMap(Int.init) ?? current.maxAlerts
                input.active = form["active"] == "on"
                try await desk.integrations.warm()
                let changed = input
                _ = try await desk.store.write { db in try await desk.integrations.update(id, changed, by: s.actor, on: db) }
                return "/admin/integrations/\(id)?done=saved"
            }
        }
        router.post("/admin/integrations/:id/token") { r, c in
            let id = try c.uuid("id", "integration")
            return try await integrationPost(r, c, redraw: { message, _ in try await integration(r, c, id: id, error: message) }) { _, s in
                try await desk.integrations.warm()
                _ = try await desk.store.write { db in try await desk.integrations.rotateToken(id, by: s.actor, on: db) }
                return "/admin/integrations/\(id)?done=integration_rotated"
            }
        }
    }

    private func integrationPost(_ r: Request, _ c: EscaleContext, redraw: @escaping (String, Form) async throws -> Response,
                                 _ body: @escaping (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        try await PageContext.post(r, c, desk: desk, session: try admin(r, c), refusals: { e in
            switch e { case .invalid, .invalidFields, .conflict: true; default: false }
        }, redraw: redraw, body)
    }

    struct IntegrationsPage {
        struct Row { let id: String; let name: String; let type: String; let organization: String; let last: String?; let lastISO: String?; let active: Bool }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let integrations: [Row]
        let hasIntegrations: Bool
        let types: [Option]
        let organizations: [Option]
    }

    private func integrations(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let list = try await desk.integrations.list(by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let names = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id, $0.name) })
        let b = try await base(r, s, l, title: l.t("admin_integrations"), tab: Tab(integrations: true), error: error)
        return views.page("admin_integrations", IntegrationsPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            integrations: list.map { i in
                .init(id: i.id.uuidString, name: i.name, type: l.t("integration_type_\(i.type.rawValue)"),
                      organization: i.organizationId.map { names[$0] ?? "—" } ?? "—", last: i.lastDeliveryAt.map(l.dateTime),
                      lastISO: i.lastDeliveryAt.map(l.iso), active: i.active)
            },
            hasIntegrations: !list.isEmpty,
            types: IntegrationType.allCases.filter { $0 != .escaleAgent }.map { Option(value: $0.rawValue, label: l.t("integration_type_\($0.rawValue)"), selected: $0 == .alertmanager) },
            organizations: [Option(value: "", label: "—", selected: true)] + orgs.filter(\.active).map { Option(value: $0.id.uuidString, label: $0.name, selected: false) }),
            status: error == nil ? .ok : .unprocessableContent)
    }

    struct IntegrationPage {
        struct Subject {
            let id: String; let name: String; let type: String; let url: String; let routingKey: String?; let autoResolve: Bool
            let maxAlerts: Int; let active: Bool; let monitoring: Bool; let alertmanager: Bool; let eventsV2: Bool; let cti: Bool
        }
        struct Delivery { let at: String; let atISO: String; let outcome: String; let refused: Bool; let status: Int; let detail: String; let events: Int }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let notice: String?
        let integration: Subject
        let organizations: [Option]
        let snippet: String
        let deliveries: [Delivery]
        let hasDeliveries: Bool
    }

    private func integration(_ r: Request, _ c: EscaleContext, id: UUID, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let i = try await desk.integrations.get(id, by: s.actor)
        let deliveries = try await desk.integrations.deliveries(of: id, by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let b = try await base(r, s, l, title: i.name, tab: Tab(integrations: true), error: error)
        let snippet = switch i.type {
        case .alertmanager:
            "receivers:\n- name: escale\n  webhook_configs:\n  - url: '\(i.url)'\n    send_resolved: true\n    max_alerts: \(i.maxAlerts)"
        case .eventsV2:
            "POST \(i.url)\n{\"routing_key\": \"\(i.routingKey ?? "")\", \"event_action\": \"trigger\", \"dedup_key\": \"…\",\n \"payload\": {\"summary\": \"…\", \"source\": \"…\", \"severity\": \"critical\"}}"
        case .cti:
            "curl -X POST --data \"event=newCall&from=0123456789&to=3000&direction=in&callId=1&user[]=Agent\" \(i.url)"
        case .escaleAgent:
            "escale-agent enroll --server \(desk.config.publicURL) --token <enrollment token>"
        }
        return views.page("admin_integration", IntegrationPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            notice: nil,
            integration: .init(id: i.id.uuidString, name: i.name, type: l.t("integration_type_\(i.type.rawValue)"), url: i.url, routingKey: i.routingKey,
                               autoResolve: i.autoResolve, maxAlerts: i.maxAlerts, active: i.active, monitoring: i.type.isMonitoring,
                               alertmanager: i.type == .alertmanager, eventsV2: i.type == .eventsV2, cti: i.type == .cti),
            organizations: [Option(value: "", label: "—", selected: i.organizationId == nil)]
                + orgs.filter { $0.active || $0.id == i.organizationId }.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == i.organizationId) },
            snippet: snippet,
            deliveries: deliveries.map { d in
                .init(at: l.dateTime(d.receivedAt), atISO: l.iso(d.receivedAt), outcome: l.t("delivery_\(d.outcome)"), refused: d.outcome == "refused",
                      status: d.httpStatus, detail: d.detail ?? "", events: d.events)
            },
            hasDeliveries: !deliveries.isEmpty),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
