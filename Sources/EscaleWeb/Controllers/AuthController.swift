import EscaleAPI
import EscaleDesk
import Hummingbird

/// Tokens: issued for e-mail and password, listed with their last use, revocable.
struct AuthController {
    let desk: Desk

    /// `POST /auth/token` is the one API route that needs no token. It is not idempotent by key: the response holds
    /// a secret that is never stored in clear.
    func registerPublic(on api: RouterGroup<EscaleContext>) {
        api.post("auth/token") { request, context in
            let input = try await JSONBody.decode(TokenRequest.self, from: request).value
            let issued = try await desk.issueToken(email: input.email, password: input.password, name: input.name, clientAddress: context.clientAddress)
            return try JSONBody.response(TokenResponse(id: issued.id, token: issued.token, expiresAt: issued.expiresAt), status: .created)
        }
    }

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("auth/tokens") { _, context in
            let tokens = try await desk.listTokens(of: try context.requireActor())
            return try JSONBody.response(Page(items: tokens.map {
                TokenInfo(id: $0.id!, name: $0.name, createdAt: $0.createdAt, expiresAt: $0.expiresAt, lastUsedAt: $0.lastUsedAt, revokedAt: $0.revokedAt)
            }))
        }
        api.delete("auth/tokens/:id") { _, context in
            try await desk.revokeToken(try context.uuid("id", "token"), by: try context.requireActor())
            return Response(status: .noContent)
        }
        api.get("auth/throttles") { _, context in
            let entries = try await desk.throttles(by: try context.requireActor())
            return try JSONBody.response(Page(items: entries.map {
                ThrottleDTO(id: $0.id, kind: $0.kind.rawValue, subject: $0.subject, failures: $0.failures, lastFailureAt: $0.lastFailureAt,
                            retryAfterSeconds: $0.retryAfter)
            }))
        }
        api.delete("auth/throttles/:id") { _, context in
            try await desk.liftThrottle(try context.uuid("id", "throttle"), by: try context.requireActor())
            return Response(status: .noContent)
        }
        api.get("me") { _, context in
            try JSONBody.response(try await desk.me(try context.requireActor()))
        }
    }
}
