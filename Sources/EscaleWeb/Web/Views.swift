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
    static let pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    public func render(_ template: String, _ model: Any) -> String {
        #if DEBUG
        Self.checkLookups(model)
        #endif
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

#if DEBUG
extension Views {
    /// Models that answer lookups themselves (`MustacheParent`) must answer for every property they have, or a field
    /// added later would render blank without a word. Checked on every render in debug builds, so the page tests
    /// cover every model they render.
    static func checkLookups(_ value: Any, depth: Int = 0) {
        guard depth < 6 else { return }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            if let wrapped = mirror.children.first { checkLookups(wrapped.value, depth: depth + 1) }
            return
        }
        if let parent = value as? MustacheParent, !(value is [String: Any]), !(value is [String: String]) {
            for child in mirror.children {
                guard let label = child.label else { continue }
                let present = Mirror(reflecting: child.value).displayStyle != .optional || Mirror(reflecting: child.value).children.first != nil
                if present, parent.child(named: label) == nil {
                    preconditionFailure("\(type(of: value)).child(named:) does not answer '\(label)'")
                }
            }
        }
        guard mirror.displayStyle == .struct || mirror.displayStyle == .collection else { return }
        for child in mirror.children where !(child.value is [String: String]) {
            checkLookups(child.value, depth: depth + 1)
        }
    }
}
#endif
