import Foundation
import Mustache

/// A notification's wording in one language: subject and text bodies are plain text, the HTML body escapes every value.
public struct MailTemplate: Codable, Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject; self.text = text; self.html = html
    }

    public struct Rendered: Sendable, Equatable {
        public var subject: String
        public var text: String
        public var html: String
    }

    /// Renders with Mustache. Values are escaped in the HTML body only (the plain-text parts are not HTML).
    public func render(_ context: [String: Any]) throws -> Rendered {
        let plain = "{{% CONTENT_TYPE: TEXT}}"
        let subject = try MustacheTemplate(string: plain + self.subject).render(context)
        return Rendered(subject: subject.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " "),
                        text: try MustacheTemplate(string: plain + text).render(context),
                        html: try MustacheTemplate(string: html).render(context))
    }
}

/// The built-in wording of every notification, in French and English (`Resources/mail/<language>.json`).
public enum MailTemplates {
    public static let languages = ["en", "fr"]

    /// language → kind → template.
    public static let defaults: [String: [String: MailTemplate]] = {
        var out: [String: [String: MailTemplate]] = [:]
        for language in languages {
            guard let url = Bundle.module.url(forResource: language, withExtension: "json", subdirectory: "mail"),
                  let data = try? Data(contentsOf: url),
                  let templates = try? JSONDecoder().decode([String: MailTemplate].self, from: data) else {
                preconditionFailure("the built-in mail templates for \(language) are missing or invalid")
            }
            out[language] = templates
        }
        return out
    }()

    /// The built-in template of a kind in a language (English when the language has none).
    public static func builtIn(_ kind: String, language: String) -> MailTemplate? {
        defaults[language]?[kind] ?? defaults["en"]?[kind]
    }
}
