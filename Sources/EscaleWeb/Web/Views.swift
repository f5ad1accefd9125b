import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The HTML templates (`Resources/templates/*.mustache`), loaded once. Values are escaped by default; the only
/// unescaped values are fields named `…HTML`, produced by `SafeMarkdown` or `Highlight`.
public struct Views: Sendable {
    let library: MustacheLibrary

    public static func load() async throws -> Views {
        guard let dir = Bundle.module.url(forResource: "templates", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Resources/templates"])
        }
        return Views(library: try await MustacheLibrary(directory: dir.path))
    }

    /// Pages may only run scripts and styles served by Escale itself, talk to it, and post forms to it.
    static let pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    public func render(_ template: String, _ model: Any) -> String {
        guard let html = library.render(model, withTemplate: template) else {
            preconditionFailure("no template named \(template)")
        }
        return html
    }

    func page(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        Self.html(render(template, model), status: status)
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: pagePolicy,
            .cacheControl: "no-store",
        ], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}
