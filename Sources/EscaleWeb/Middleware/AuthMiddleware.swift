import EscaleDesk
import Foundation
import HTTPTypes
import Hummingbird

/// Resolves `Authorization: Bearer <token>` to the acting user; every route behind it needs one.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = EscaleContext
    let desk: Desk

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError.unauthenticated
        }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard let actor = try await desk.authenticate(token: token) else { throw AuthError.unauthenticated }
        var context = context
        context.actor = actor
        context.logger[metadataKey: "user_id"] = .string(actor.userId.uuidString)
        return try await next(request, context)
    }
}
