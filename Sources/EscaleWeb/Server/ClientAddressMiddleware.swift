import Hummingbird

/// Sets `context.clientAddress`: the peer, or the client a trusted reverse proxy forwarded.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = EscaleContext
    let trusted: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = trusted.clientAddress(peer: context.remoteAddress, forwardedFor: request.headers[values: .init("X-Forwarded-For")!])
        return try await next(request, context)
    }
}
