import Foundation

/// Where sign-in may send the browser afterwards: only a page of this site that the router knows, judged after the
/// normalisation a browser applies (WHATWG URL parsing), so that `/\t/evil.com`, `/\evil.com` or `%2e%2e` tricks read
/// the same here as in the browser. Anything else goes home.
enum SafeRedirect {
    /// GET pages a person may land on after signing in (`:x` is one path segment).
    static let pages = [
        "/", "/account", "/admin", "/admin/calendars", "/admin/calendars/:id", "/admin/categories", "/admin/contracts/:id",
        "/admin/groups", "/admin/groups/:id", "/admin/inbound", "/admin/inbound/:id/raw", "/admin/mailboxes", "/admin/mailboxes/:id", "/admin/matrix", "/admin/oncall/policies", "/admin/oncall/policies/:id", "/admin/oncall/schedules",
        "/admin/oncall/schedules/:id", "/admin/organizations", "/admin/organizations/:id", "/admin/settings", "/admin/sla-policies",
        "/admin/sla-policies/:id", "/admin/users", "/admin/users/:id", "/admin/throttles",
        "/attachments/:id", "/canned-replies", "/canned-replies/:id", "/macros", "/macros/:id", "/oncall", "/oncall/ack/:incident/:user/:sig",
        "/queues/:queue", "/reports/sla", "/reports/sla.csv", "/requests", "/requests/new", "/search", "/supervisor", "/tickets/:seq", "/tickets/new",
        "/admin/mail", "/admin/mail/templates", "/admin/mail/templates/:kind/:language", "/password/forgot", "/password/reset",
        "/resolution/:ticket/:user/:sig", "/resolution/done",
        "/admin/integrations", "/admin/integrations/:id", "/calls", "/calls/:id", "/calls/:id/popup",
        "/chat", "/chat/frame", "/chat/widget.js", "/admin/chat-channels", "/admin/chat-channels/:id", "/assets", "/assets/:id", "/remote/:id",
    ].map { $0.split(separator: "/").map(String.init) }

    /// The normalised local target, or "/" when `raw` is not one.
    static func target(_ raw: String?) -> String {
        guard let raw, let (path, query) = normalise(raw), known(path) else { return "/" }
        return path + (query.map { "?" + $0 } ?? "")
    }

    /// What a browser would request for `raw` relative to this site, as a path and a query; nil if it would leave
    /// the site or is not a plain path.
    static func normalise(_ raw: String) -> (path: String, query: String?)? {
        // Leading and trailing C0 controls and spaces are stripped, tabs and newlines anywhere removed, and
        // backslashes read as slashes.
        var s = raw.unicodeScalars.drop { $0.value <= 0x20 }
        while let last = s.last, last.value <= 0x20 { s.removeLast() }
        let cleaned = String(String.UnicodeScalarView(s.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }))
            .replacingOccurrences(of: "\\", with: "/")
        guard cleaned.hasPrefix("/"), !cleaned.hasPrefix("//"), cleaned.count <= 2_000 else { return nil }
        guard cleaned.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0.isASCII }) else { return nil }
        var rest = Substring(cleaned)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var query: String?
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        // Dot segments, including their percent-encoded spellings, resolved as the browser does.
        var segments: [String] = []
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (i, part) in parts.enumerated() {
            let lower = part.lowercased()
            if lower == "." || lower == "%2e" {
                if i == parts.count - 1 { segments.append("") }
            } else if [".." , ".%2e", "%2e.", "%2e%2e"].contains(lower) {
                if !segments.isEmpty { segments.removeLast() }
                if i == parts.count - 1 { segments.append("") }
            } else {
                segments.append(String(part))
            }
        }
        let path = "/" + segments.joined(separator: "/")
        guard !path.hasPrefix("//") else { return nil }
        return (path, query.flatMap { $0.isEmpty ? nil : $0 })
    }

    static func known(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        let actual = segments == [""] ? [] : segments
        return pages.contains { pattern in
            pattern.count == actual.count && zip(pattern, actual).allSatisfy { p, a in
                p.hasPrefix(":") ? (!a.isEmpty && !a.contains("%")) : p == a
            }
        }
    }
}
