import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// The installation's settings: the default language and the default group of each tier.
extension AdminPages {
    func registerSettings(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/settings") { r, c in try await settings(r, c) }
        router.post("/admin/settings") { r, c in
            try await post(r, c, back: { try await settings(r, c, error: $0) }) { form, s in
                var groups = DeskSettingsDTO.DefaultGroups()
                for tier in Tier.allCases {
                    groups[tier] = try Self.reference(form, "default_group_n\(tier.rawValue)", field: "default_groups.n\(tier.rawValue)")
                }
                let input = DeskSettingsDTO(defaultLocale: form.text("default_locale"), defaultGroups: groups)
                _ = try await desk.store.write { db in try await desk.setDeskSettings(input, by: s.actor, on: db) }
                return "/admin/settings?done=saved"
            }
        }
    }

    struct SettingsPage {
        struct TierDefault { let field: String; let label: String; let groups: [Option] }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let languages: [Language]
        let tiers: [TierDefault]
    }

    private func settings(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let settings = try await desk.deskSettings(by: s.actor)
        let groups = try await desk.listGroups(by: s.actor)
        let b = try await base(r, s, l, title: l.t("admin_settings"), tab: Tab(settings: true), error: error)
        return views.page("admin_settings", SettingsPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            languages: Language.choices(current: settings.defaultLocale, l, automatic: "settings_language_browser"),
            tiers: Tier.allCases.map { tier in
                let chosen = settings.defaultGroups[tier]
                // Only an active group of that tier can be the default: the others are not offered.
                return .init(field: "default_group_n\(tier.rawValue)", label: l.t("settings_default_group", tier.label),
                             groups: [Option(value: "", label: l.t("settings_no_default_group"), selected: chosen == nil)]
                                 + groups.filter { $0.tier == tier && $0.active }.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == chosen) })
            }),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
