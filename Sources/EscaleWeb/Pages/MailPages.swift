import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Outgoing mail in the web interface: the administrators' "Outgoing mail" page (the outbox with a status filter and a
/// retry button for failed messages, and the installation's default notifications), and one's own choice of
/// notifications (a form of the account page).
struct MailPages {
    let desk: Desk
    let views: Views

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/mail") { r, c in try await outbox(r, c) }
        router.post("/admin/mail/:id/retry") { r, c in
            let admin = AdminPages(desk: desk, views: views)
            return try await admin.post(r, c, back: { try await outbox(r, c, error: $0) }) { _, s in
                guard let id = c.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("message") }
                _ = try await desk.store.write { db in try await desk.retryMail(id, by: s.actor, on: db) }
                return "/admin/mail?status=queued"
            }
        }
        router.post("/admin/mail/defaults") { r, c in
            let admin = AdminPages(desk: desk, views: views)
            return try await admin.post(r, c, back: { try await outbox(r, c, error: $0) }) { form, s in
                let input = Self.choices(form, kinds: NotificationKind.allCases)
                _ = try await desk.store.write { db in try await desk.setNotificationSettings(input, by: s.actor, on: db) }
                return "/admin/mail?done=saved"
            }
        }
        router.post("/account/notifications") { r, c in
            let s = try PageContext.requireSession(r, c)
            return try await PageContext.post(r, c, desk: desk, session: s, redraw: { message, _ in throw DomainError.invalid(field: "notifications", message) }) { form, s in
                let input = Self.choices(form, kinds: NotificationKind.kinds(for: s.actor.role))
                _ = try await desk.store.write { db in try await desk.setMyNotifications(input, by: s.actor, on: db) }
                return "/account?done=saved"
            }
        }
    }

    /// Checkboxes `notify_<kind>`: a box left unticked is not sent, so every offered kind is set.
    static func choices(_ form: Form, kinds: [NotificationKind]) -> NotificationSettingsDTO {
        NotificationSettingsDTO(notifications: Dictionary(uniqueKeysWithValues: kinds.map { ($0.rawValue, form["notify_\($0.rawValue)"] == "on") }))
    }

    struct Choice { let kind: String; let label: String; let on: Bool }

    /// The account page's choices, in the order the kinds are declared.
    static func choices(_ settings: NotificationSettingsDTO, kinds: [NotificationKind], _ l: Localizer) -> [Choice] {
        kinds.compactMap { k in settings.notifications[k.rawValue].map { Choice(kind: k.rawValue, label: l.t("notify_kind_\(k.rawValue)"), on: $0) } }
    }

    struct Row { let id: String; let created: String; let to: String; let subject: String; let kind: String; let status: String; let attempts: Int
        let error: String?; let failed: Bool }
    struct Filter { let href: String; let label: String; let current: Bool }
    struct OutboxPage {
        let frame: Frame; let t: [String: String]; let tab: AdminPages.Tab; let error: String?
        let filters: [Filter]; let rows: [Row]; let empty: Bool; let defaults: [Choice]
    }

    private func outbox(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let admin = AdminPages(desk: desk, views: views)
        let s = try admin.admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let statuses = Desk.mailStatuses
        let status = r.uri.queryParameters.get("status").flatMap { statuses.contains($0) ? $0 : nil }
        let messages = try await desk.mailOutbox(status: status, by: s.actor)
        let defaults = try await desk.notificationSettings(by: s.actor)
        var tab = AdminPages.Tab()
        tab.mail = true
        let b = try await admin.base(r, s, l, title: l.t("outmail_title"), tab: tab, error: error)
        let format = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: s.timeZone) ?? .gmt).year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)
        let filters = [Filter(href: "/admin/mail", label: l.t("outmail_all"), current: status == nil)]
            + statuses.map { (s: String) in Filter(href: "/admin/mail?status=\(s)", label: l.t("outmail_status_\(s)"), current: status == s) }
        return views.page("admin_mail", OutboxPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, filters: filters,
            rows: messages.map { m in
                Row(id: m.id.uuidString, created: m.createdAt.formatted(format), to: m.to, subject: m.subject, kind: m.kind,
                    status: l.t("outmail_status_\(m.status)"), attempts: m.attempts, error: m.lastError, failed: m.status == "failed")
            },
            empty: messages.isEmpty, defaults: Self.choices(defaults, kinds: NotificationKind.allCases, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
