import Foundation

/// A reply template an agent inserts into a ticket's reply box: a title, a body in French and one in English (either
/// may be empty, not both). Personal (its owner's only) or shared (every member of staff).
public struct CannedReply: Sendable, Equatable {
    public var title: String
    public var bodyFr: String
    public var bodyEn: String
    public var shared: Bool

    public init(title: String, bodyFr: String, bodyEn: String, shared: Bool) {
        self.title = title; self.bodyFr = bodyFr; self.bodyEn = bodyEn; self.shared = shared
    }

    public static let maxTitle = 200
    public static let maxBody = 20_000

    /// Trims and checks a canned reply; every problem is reported at once.
    public static func validated(title: String, bodyFr: String, bodyEn: String, shared: Bool) throws -> CannedReply {
        let t = title.trimmingCharacters(in: .whitespacesAndNewlines)
        let fr = bodyFr.trimmingCharacters(in: .whitespacesAndNewlines), en = bodyEn.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [FieldProblem] = []
        if t.isEmpty { problems.append(FieldProblem(field: "title", rule: .required, message: "give the canned reply a title")) }
        if t.count > maxTitle { problems.append(FieldProblem(field: "title", rule: .tooLong(max: maxTitle, actual: t.count))) }
        if fr.isEmpty && en.isEmpty { problems.append(FieldProblem(field: "body_fr", rule: .required, message: "write the reply in French, in English or both")) }
        if fr.count > maxBody { problems.append(FieldProblem(field: "body_fr", rule: .tooLong(max: maxBody, actual: fr.count))) }
        if en.count > maxBody { problems.append(FieldProblem(field: "body_en", rule: .tooLong(max: maxBody, actual: en.count))) }
        if let e = FieldProblem.error(problems) { throw e }
        return CannedReply(title: t, bodyFr: fr, bodyEn: en, shared: shared)
    }

    /// The body in the reader's language (`fr` or `en`), or the other one when that one is empty.
    public func body(for locale: String) -> String { language(for: locale).body }

    /// The body used for a reader of `locale`, and its language (`fr` or `en`).
    public func language(for locale: String) -> (language: String, body: String) {
        let french = !locale.lowercased().hasPrefix("en")
        let preferred = french ? ("fr", bodyFr) : ("en", bodyEn), other = french ? ("en", bodyEn) : ("fr", bodyFr)
        return preferred.1.isEmpty ? other : preferred
    }
}

/// The variables a canned reply may use, and the renderer that fills them in. Pure text substitution: no expression
/// is evaluated, a value is inserted as it is (never read again as a template), and an unknown variable stays visible
/// so the agent sees it before sending.
public enum ReplyVariables {
    /// Every variable a template may use.
    public static let names = ["requester.name", "requester.first_name", "ticket.number", "ticket.subject", "agent.name", "organization.name"]

    /// What the variables stand for on one ticket.
    public struct Values: Sendable, Equatable {
        public var requesterName: String
        public var ticketNumber: String
        public var ticketSubject: String
        public var agentName: String
        public var organizationName: String

        public init(requesterName: String, ticketNumber: String, ticketSubject: String, agentName: String, organizationName: String) {
            self.requesterName = requesterName; self.ticketNumber = ticketNumber; self.ticketSubject = ticketSubject
            self.agentName = agentName; self.organizationName = organizationName
        }

        /// The first word of the requester's name.
        public var requesterFirstName: String {
            requesterName.split(whereSeparator: { $0.isWhitespace }).first.map(String.init) ?? ""
        }

        func value(of name: String) -> String? {
            switch name {
            case "requester.name": requesterName
            case "requester.first_name": requesterFirstName
            case "ticket.number": ticketNumber
            case "ticket.subject": ticketSubject
            case "agent.name": agentName
            case "organization.name": organizationName
            default: nil
            }
        }
    }

    public struct Rendered: Sendable, Equatable {
        public let text: String
        /// Variables the template names that do not exist, in order of appearance, once each.
        public let unknown: [String]
    }

    /// Replaces each `{{name}}` (spaces inside the braces allowed) by its value.
    public static func render(_ template: String, _ values: Values) -> Rendered {
        var out = "", unknown: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "}}") else { out += rest[open.lowerBound...]; rest = ""; break }
            let name = after[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let v = values.value(of: name) {
                out += v
            } else {
                out += rest[open.lowerBound..<close.upperBound]
                if !name.isEmpty, !unknown.contains(name) { unknown.append(name) }
            }
            rest = after[close.upperBound...]
        }
        out += rest
        return Rendered(text: out, unknown: unknown)
    }
}
