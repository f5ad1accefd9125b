import EscaleCore
import Foundation
import Mustache

/// What is wrong with a submitted form, for the page: every problem at once, each next to its field
/// (`{{#errors.field.subject}}`) and listed at the top (`{{#errors.summary}}`) with the field's name, in the reader's
/// language, with the real reason (too long, required, in the future…) rather than one rule per field.
struct FormErrors: MustacheParent {
    let summary: [String]
    /// Field → message, for the message under the field and its `aria-invalid`.
    let field: [String: String]
    var any: Bool { !summary.isEmpty }

    static let none = FormErrors(summary: [], field: [:])

    /// `any` is computed, which a template reaching a model through `Mirror` would not see.
    func child(named name: String) -> Any? {
        switch name {
        case "summary": summary
        case "field": field
        case "any": any
        default: nil
        }
    }

    /// Field names as the forms label them (the catalogue key of each label).
    static let labels: [String: String] = [
        "subject": "request_subject", "description": "request_description", "impact": "request_impact",
        "urgency": "request_urgency", "occurred_at": "request_occurred_at", "category": "field_category",
        "requester_id": "field_requester", "organization_id": "field_organization", "name": "field_name",
        "email": "field_email", "channel": "field_channel", "group_id": "field_group", "assignee_id": "field_assignee",
        "body": "ticket_reply_label", "reason": "ticket_reason", "minutes": "ticket_minutes", "tags": "field_tags",
    ]

    init(summary: [String], field: [String: String]) { self.summary = summary; self.field = field }

    init(_ problems: [FieldProblem], _ l: Localizer) {
        var byField: [String: String] = [:]
        var lines: [String] = []
        for p in problems where byField[p.field] == nil {
            let message = l.message(for: p)
            byField[p.field] = message
            lines.append(Self.labels[p.field].map { "\(l.t($0)) — \(message)" } ?? message)
        }
        self.init(summary: lines, field: byField)
    }
}

extension Localizer {
    /// One field's problem in the reader's words: the rule broken when it is a common one, else the field's own rule.
    func message(for problem: FieldProblem) -> String {
        switch problem.rule {
        case .required: t("problem_required")
        case let .tooLong(max, actual): t("problem_too_long", number(max), number(actual))
        case let .tooShort(min): t("problem_too_short", number(min))
        case .inFuture: t("problem_in_future")
        case .unreadable: t("problem_unreadable")
        case .other: strings["invalid_\(problem.field)"] ?? t("error_invalid_message")
        }
    }

    /// 2 000 / 2,000.
    func number(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.locale = Locale(identifier: lang == "fr" ? "fr_FR" : "en_GB")
        return f.string(from: NSNumber(value: n)) ?? String(n)
    }
}
