import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Administration → Outgoing mail → Templates: every mail × language, an edit form (subject, text, HTML), a preview
/// with a sample ticket, and a reset to the built-in wording.
struct MailTemplatePages {
    let desk: Desk
    let views: Views

    struct Entry { let kind: String; let label: String; let language: String; let customized: Bool; let href: String }
    struct ListPage { let frame: Frame; let t: [String: String]; let tab: AdminPages.Tab; let error: String?; let entries: [Entry] }
    struct EditPage {
        let frame: Frame; let t: [String: String]; let tab: AdminPages.Tab; let error: String?
        let label: String; let language: String; let action: String; let customized: Bool
        let subject: String; let text: String; let html: String
        let preview: Bool; let previewSubject: String; let previewText: String; let previewHtml: String
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/mail/templates") { r, c in try await list(r, c) }
        router.get("/admin/mail/templates/:kind/:language") { r, c in try await edit(r, c, draft: nil, preview: false, error: nil) }
        router.post("/admin/mail/templates/:kind/:language") { r, c -> Response in
            let s = try AdminPages(desk: desk, views: views).admin(r, c)
            let form = try await Form.read(r, context: c, desk: desk, csrf: s.csrfToken)
            let (kind, language) = Self.names(c)
            do {
                switch form["action"] {
                case "preview":
                    return try await edit(r, c, draft: Self.draft(form), preview: true, error: nil)
                case "reset":
                    try await desk.store.write { db in try await desk.resetMailTemplate(kind, language: language, by: s.actor, on: db) }
                default:
                    try await desk.store.write { db in try await desk.setMailTemplate(kind, language: language, Self.draft(form), by: s.actor, on: db) }
                }
            } catch let e as DomainError {
                guard case .invalid = e else { throw e }
                return try await edit(r, c, draft: Self.draft(form), preview: false, error: PageContext.localizer(request: r, session: s).message(for: e))
            }
            return Views.redirect("/admin/mail/templates/\(kind)/\(language)?done=saved")
        }
    }

    static func names(_ c: EscaleContext) -> (String, String) { (c.parameters.get("kind") ?? "", c.parameters.get("language") ?? "") }

    static func draft(_ form: Form) -> MailTemplate {
        MailTemplate(subject: form["subject"] ?? "", text: form["text"] ?? "", html: form["html"] ?? "")
    }

    static func label(_ kind: String, _ l: Localizer) -> String {
        l.t(kind.hasPrefix("account_") ? "mailtpl_\(kind)" : "notify_kind_\(kind)")
    }

    private func list(_ r: Request, _ c: EscaleContext) async throws -> Response {
        let admin = AdminPages(desk: desk, views: views)
        let s = try admin.admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        var tab = AdminPages.Tab()
        tab.mail = true
        let b = try await admin.base(r, s, l, title: l.t("mailtpl_title"), tab: tab, error: nil)
        let entries = try await desk.mailTemplates(by: s.actor).map {
            Entry(kind: $0.kind, label: Self.label($0.kind, l), language: $0.language, customized: $0.customized, href: "/admin/mail/templates/\($0.kind)/\($0.language)")
        }
        return views.page("admin_mail_templates", ListPage(frame: b.frame, t: b.t, tab: b.tab, error: nil, entries: entries))
    }

    private func edit(_ r: Request, _ c: EscaleContext, draft: MailTemplate?, preview: Bool, error: String?) async throws -> Response {
        let admin = AdminPages(desk: desk, views: views)
        let s = try admin.admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let (kind, language) = Self.names(c)
        let entry = try await desk.mailTemplate(kind, language: language, by: s.actor)
        let template = draft ?? entry.template
        var error = error
        var rendered: MailTemplate.Rendered?
        if preview || draft == nil {
            do { rendered = try desk.preview(template, kind: kind, language: language) } catch let e as DomainError { error = l.message(for: e) }
        }
        var tab = AdminPages.Tab()
        tab.mail = true
        let b = try await admin.base(r, s, l, title: l.t("mailtpl_title"), tab: tab, error: error)
        return views.page("admin_mail_template", EditPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, label: Self.label(kind, l), language: language,
            action: "/admin/mail/templates/\(kind)/\(language)", customized: entry.customized,
            subject: template.subject, text: template.text, html: template.html,
            preview: rendered != nil, previewSubject: rendered?.subject ?? "", previewText: rendered?.text ?? "", previewHtml: rendered?.html ?? ""),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
