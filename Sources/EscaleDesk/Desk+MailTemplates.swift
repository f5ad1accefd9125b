import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import Mustache

/// Administrators reword any mail in either language; the built-in wording stays one "reset" away. A message is
/// rendered when its event happens, so a later edit never changes what was already sent.
extension Desk {
    /// Every mail that has a template: the notification kinds, then account mail.
    public static let mailTemplateKinds = NotificationKind.allCases.map(\.rawValue) + ["account_welcome", "account_password_reset"]

    public struct MailTemplateEntry: Sendable {
        public let kind: String
        public let language: String
        public let template: MailTemplate
        public let customized: Bool
    }

    /// The template an administrator set, else the built-in one.
    func mailTemplate(_ kind: String, language: String, on db: any Database) async throws -> MailTemplate? {
        if let m = try await MailTemplateModel.query(on: db).filter(\.$kind == kind).filter(\.$language == language).first() {
            return MailTemplate(subject: m.subject, text: m.textBody, html: m.htmlBody)
        }
        return MailTemplates.builtIn(kind, language: language)
    }

    public func mailTemplates(by actor: Actor) async throws -> [MailTemplateEntry] {
        try AccessPolicy.require(actor, .manageDirectory)
        let custom = try await MailTemplateModel.query(on: store.database).all()
        var out: [MailTemplateEntry] = []
        for kind in Self.mailTemplateKinds {
            for language in MailTemplates.languages {
                if let m = custom.first(where: { $0.kind == kind && $0.language == language }) {
                    out.append(.init(kind: kind, language: language, template: MailTemplate(subject: m.subject, text: m.textBody, html: m.htmlBody), customized: true))
                } else if let t = MailTemplates.builtIn(kind, language: language) {
                    out.append(.init(kind: kind, language: language, template: t, customized: false))
                }
            }
        }
        return out
    }

    public func mailTemplate(_ kind: String, language: String, by actor: Actor) async throws -> MailTemplateEntry {
        guard let entry = try await mailTemplates(by: actor).first(where: { $0.kind == kind && $0.language == language }) else {
            throw DomainError.notFound("mail template")
        }
        return entry
    }

    public func setMailTemplate(_ kind: String, language: String, _ template: MailTemplate, by actor: Actor, on db: any Database) async throws {
        try AccessPolicy.require(actor, .manageDirectory)
        guard Self.mailTemplateKinds.contains(kind), MailTemplates.languages.contains(language) else { throw DomainError.notFound("mail template") }
        _ = try preview(template, kind: kind, language: language)
        let m = try await MailTemplateModel.query(on: db).filter(\.$kind == kind).filter(\.$language == language).first() ?? {
            let m = MailTemplateModel()
            m.id = UUID(); m.kind = kind; m.language = language
            return m
        }()
        m.subject = template.subject; m.textBody = template.text; m.htmlBody = template.html; m.updatedAt = now
        try await m.save(on: db)
        try await audit(actor, "update", "mail_template", m.id, "\(kind).\(language)", on: db)
    }

    public func resetMailTemplate(_ kind: String, language: String, by actor: Actor, on db: any Database) async throws {
        try AccessPolicy.require(actor, .manageDirectory)
        try await MailTemplateModel.query(on: db).filter(\.$kind == kind).filter(\.$language == language).delete()
        try await audit(actor, "reset", "mail_template", nil, "\(kind).\(language)", on: db)
    }

    /// Renders a template with a sample ticket; a template that does not parse is refused, naming the part.
    public func preview(_ template: MailTemplate, kind: String, language: String) throws -> MailTemplate.Rendered {
        for (part, text) in [("subject", template.subject), ("text", template.text), ("html", template.html)] {
            guard text.count <= 100_000 else { throw DomainError.invalid(field: part, "at most 100000 characters") }
            do { _ = try MustacheTemplate(string: text) } catch {
                throw DomainError.invalid(field: part, "this is not a valid template: \(error)")
            }
        }
        let fr = language == "fr"
        return try template.render([
            "recipient_name": "Alice Martin", "number": "ESC-000123",
            "subject": fr ? "L'imprimante du 2e étage n'imprime plus" : "The 2nd floor printer does not print",
            "subject_line": MailIdentity.subject(number: "ESC-000123", subject: fr ? "L'imprimante du 2e étage n'imprime plus" : "The 2nd floor printer does not print",
                                                 reply: kind != NotificationKind.ticketReceived.rawValue),
            "priority": 3, "organization": "Acme", "ticket_url": "\(config.publicURL)/tickets/ESC-000123",
            "actor_name": "Bruno Agent", "body": fr ? "Pouvez-vous redémarrer le spooler <d'impression> ?" : "Could you restart the <print> spooler?",
            "reason": fr ? "Panne matérielle" : "Hardware fault",
            "confirm_url": "\(config.publicURL)/resolution/…?answer=confirm", "still_fails_url": "\(config.publicURL)/resolution/…?answer=still_fails",
            "email": "alice@acme.example", "link": "\(config.publicURL)/password/reset?token=…", "sign_in_url": "\(config.publicURL)/login",
        ])
    }
}
