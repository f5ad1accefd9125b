import EscaleAPI
import Foundation
import HTTPTypes
import Hummingbird

/// A documented path asked with a method it does not have answers 405 with `Allow`, not 404: the methods come from
/// the OpenAPI document, which a test keeps equal to the router.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = EscaleContext

    struct Operation: Sendable {
        let segments: [String]  // "{x}" matches one segment
        let methods: [String]
    }

    static let operations: [Operation] = {
        let bytes = OpenAPIController.document.getBytes(at: 0, length: OpenAPIController.document.readableBytes) ?? []
        guard let doc = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], let paths = doc["paths"] as? [String: Any] else { return [] }
        let known = ["get", "put", "post", "delete", "patch"]
        return paths.compactMap { path, value in
            guard let ops = value as? [String: Any] else { return nil }
            return Operation(segments: path.split(separator: "/").map(String.init), methods: known.filter { ops[$0] != nil }.map { $0.uppercased() })
        }
    }()

    /// The documented methods of `path`, if it is a documented path. When several documented paths match, the most
    /// specific wins, as in the router: `/schedules/{id}.ics` before `/schedules/{id}`.
    static func allowed(_ path: String) -> [String]? {
        let actual = path.split(separator: "/").map(String.init)
        var best: (score: Int, methods: Set<String>)?
        for op in operations where op.segments.count == actual.count {
            var score = 0
            let matches = zip(op.segments, actual).allSatisfy { pattern, segment in
                if pattern.hasPrefix("{") && pattern.hasSuffix("}") { return true }
                // "{id}.ics": a parameter with a fixed suffix.
                if pattern.hasPrefix("{"), let close = pattern.firstIndex(of: "}") {
                    score += 1
                    return segment.hasSuffix(pattern[pattern.index(after: close)...])
                }
                score += 2
                return pattern == segment
            }
            guard matches else { continue }
            if best == nil || score > best!.score { best = (score, Set(op.methods)) } else if score == best!.score { best!.methods.formUnion(op.methods) }
        }
        return best.map { $0.methods.sorted() }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as HTTPError where e.status == .notFound {
            // The router found no route; a path it knows under other methods is a 405.
            guard let methods = Self.allowed(request.uri.path), !methods.contains(request.method.rawValue) else { throw e }
            var response = try JSONBody.response(
                Problem(title: "Method not allowed", status: 405, detail: "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: ", "))",
                        instance: request.uri.path), status: .methodNotAllowed, contentType: "application/problem+json")
            response.headers[.allow] = methods.joined(separator: ", ")
            return response
        }
    }
}
