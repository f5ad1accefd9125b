import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    static let requestId = Self("X-Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let frameOptions = Self("X-Frame-Options")!
    static let referrer = Self("Referrer-Policy")!
}

/// Gives each request an id (the caller's `X-Request-Id` when it is sane), puts it in every log line of the
/// request and echoes it in the response, so a user's report can be matched with the logs.
struct RequestIdMiddleware: RouterMiddleware {
    typealias Context = EscaleContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestId].flatMap { id in
            id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } ? id : nil
        }
        let id = incoming ?? String(UInt64.random(in: .min ... .max), radix: 36)
        context.requestId = id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestId] = id
        return response
    }
}

/// Headers that make the API safe to open in a browser: nothing is rendered, nothing is framed, nothing is sniffed.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = EscaleContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'; sandbox"
        }
        // The chat frame says who may frame it in its CSP (`frame-ancestors`); everything else is framed by no one.
        if response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'self'") != true { response.headers[.frameOptions] = "DENY" }
        response.headers[.referrer] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
