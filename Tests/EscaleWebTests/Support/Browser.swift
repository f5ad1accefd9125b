import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A minimal browser over the application: keeps cookies, reads the CSRF token from the last page, posts forms
/// (url-encoded or multipart) the way an HTML form does.
final class Browser: @unchecked Sendable {
    let api: API
    var cookies: [String: String] = [:]
    var language: String
    private(set) var lastPage = ""

    init(_ api: API, language: String = "fr") {
        self.api = api
        self.language = language
    }

    struct Page: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let html: String
        var location: String? { headers[.location] }
        var queryCount: Int? { headers[HTTPField.Name("X-Query-Count")!].flatMap(Int.init) }
        func contains(_ s: String) -> Bool { html.contains(s) }
        /// The value of the first hidden input with this name.
        func hidden(_ name: String) -> String? {
            guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(html[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    private var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

    private func remember(_ headers: HTTPFields) {
        for value in headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || value.lowercased().contains("max-age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
        }
    }

    func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> Page {
        var h = extra
        h[.acceptLanguage] = language
        if !cookies.isEmpty { h[.cookie] = cookieHeader }
        let r = try await api.client.executeRequest(uri: uri, method: .get, headers: h, body: nil)
        remember(r.headers)
        let page = Page(status: r.status, headers: r.headers, html: String(buffer: r.body))
        if r.status == .ok { lastPage = page.html }
        return page
    }

    /// Posts a form; `csrf: true` adds the token found on the last page, as the browser would.
    func post(_ uri: String, _ fields: [(String, String)], csrf: Bool = true, files: [(field: String, name: String, type: String, data: String)] = []) async throws -> Page {
        var all = fields
        if csrf, let token = Page(status: .ok, headers: [:], html: lastPage).hidden("_csrf") { all.insert(("_csrf", token), at: 0) }
        var h: HTTPFields = [.acceptLanguage: language]
        if !cookies.isEmpty { h[.cookie] = cookieHeader }
        let body: ByteBuffer
        if files.isEmpty {
            h[.contentType] = "application/x-www-form-urlencoded"
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            body = ByteBuffer(string: all.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&"))
        } else {
            let boundary = "----escale\(UUID().uuidString)"
            h[.contentType] = "multipart/form-data; boundary=\(boundary)"
            var text = ""
            for (k, v) in all { text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n" }
            for f in files {
                text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(f.field)\"; filename=\"\(f.name)\"\r\nContent-Type: \(f.type)\r\n\r\n\(f.data)\r\n"
            }
            text += "--\(boundary)--\r\n"
            body = ByteBuffer(string: text)
        }
        let r = try await api.client.executeRequest(uri: uri, method: .post, headers: h, body: body)
        remember(r.headers)
        let page = Page(status: r.status, headers: r.headers, html: String(buffer: r.body))
        if r.status != .seeOther { lastPage = page.html }
        return page
    }

    /// Signs in through the form, as a person does.
    @discardableResult
    func signIn(_ email: String, _ password: String) async throws -> Page {
        let form = try await get("/login")
        #expect(form.status == .ok)
        let r = try await post("/login", [("email", email), ("password", password), ("next", "")])
        try #require(r.status == .seeOther, "sign-in of \(email) failed: \(r.status)")
        return r
    }

    /// Follows a redirect.
    func follow(_ page: Page) async throws -> Page {
        try await get(try #require(page.location))
    }
}
