import EscaleCore
import Hummingbird

/// Refuses a query parameter holding U+0000 (`%00`) with a 422 naming it, before any handler passes it to the
/// database (PostgreSQL cannot store or compare text with NUL; SQLite would silently truncate it for C readers).
struct NulGuardMiddleware: RouterMiddleware {
    typealias Context = EscaleContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let query = request.uri.query, query.contains("%00") || query.contains("\0") {
            for (key, value) in request.uri.queryParameters where key.contains("\0") || value.contains("\0") {
                throw DomainError.invalid(field: String(key).replacingOccurrences(of: "\0", with: ""), "must not contain NUL characters")
            }
        }
        return try await next(request, context)
    }
}
