import EscaleAPI
import EscaleCore
import EscaleDesk
import FluentKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import EscaleStore
import NIOCore
import NIOHTTP1

/// Errors that only exist at the HTTP edge.
public enum APIError: Error, Sendable {
    case malformedBody(String)
    case invalidField(String, String)
    case payloadTooLarge(Int)
    case unsupportedMediaType(String)
    case preconditionRequired
    case idempotencyKeyReused
    case idempotencyKeyInvalid
    case unauthenticated
    /// The mail intake's token names no active mailbox.
    case mailboxTokenRefused
    /// The mailbox refuses this message (its policy for unknown senders): the MTA bounces it.
    case mailRejected(String)
    /// No active integration of that kind has this token: nothing was stored.
    case integrationNotFound
    /// A monitoring or PBX payload the desk cannot take (`status` 400 or 413), with why.
    case payloadRefused(status: Int, String)
    /// A concurrent delivery changed the same problems: send it again (monitoring senders retry a 5xx).
    case retryLater
    /// No active chat channel has this widget key.
    case chatChannelNotFound
    /// A plain GET where a WebSocket upgrade was expected.
    case upgradeRequired
    /// An inventory agent without an enrollment token in force.
    case enrollmentRequired
    /// An escale-agent call without a credential in force.
    case agentUnknown
    /// A Debian package the remote-control pages need is not installed on the server.
    case vendorMissing(String)
    /// A PDF was asked for and no headless Chromium could print it.
    case pdfUnavailable
}

/// Maps every error to RFC 9457 problem+json. Domain and store errors become 4xx; anything unexpected is a 500 with
/// a request id to quote, logged with its details (which never reach the client).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = EscaleContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, instance: request.uri.path)
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            } else {
                context.logger.debug("request refused", metadata: ["status": "\(problem.status)", "detail": "\(problem.detail)"])
            }
            var response = try JSONBody.response(problem, status: .init(code: problem.status), contentType: "application/problem+json")
            if problem.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
            if let wait = Self.retryAfter(error) { response.headers[.retryAfter] = String(wait) }
            return response
        }
    }

    /// Seconds a client should wait before trying again, for refusals that pass.
    static func retryAfter(_ error: any Error) -> Int? {
        switch error {
        case let Desk.SignInError.throttled(wait): wait
        case is StorageUnavailable: 30
        case APIError.retryLater: 1
        case let ChatError.rateLimited(wait): wait
        default: nil
        }
    }

    static func problem(for error: any Error, instance: String) -> Problem {
        func p(_ status: Int, _ title: String, _ detail: String, field: String? = nil) -> Problem {
            Problem(title: title, status: status, detail: detail, instance: instance, field: field)
        }
        switch error {
        case let e as DomainError:
            switch e {
            case let .invalid(field, _): return p(422, "Invalid input", e.description, field: field)
            case let .invalidFields(problems):
                var problem = p(422, "Invalid input", e.description, field: problems.first?.field)
                problem.errors = problems.map { Problem.FieldError(field: $0.field, detail: $0.message) }
                return problem
            case .invalidTransition: return p(409, "Not allowed in this state", e.description, field: "status")
            case .forbidden: return p(403, "Forbidden", e.description)
            case .notFound: return p(404, "Not found", e.description)
            case .versionConflict: return p(412, "Changed by someone else", e.description)
            case .conflict: return p(409, "Conflict", e.description)
            }
        case let e as APIError:
            switch e {
            case let .malformedBody(detail): return p(400, "Malformed request body", detail)
            case let .invalidField(field, detail): return p(422, "Invalid input", "\(field): \(detail)", field: field)
            case let .payloadTooLarge(limit): return p(413, "Request body too large", "the body exceeds the limit of \(limit) bytes")
            case let .unsupportedMediaType(type): return p(415, "Unsupported media type", "send application/json (got '\(type)')")
            case .preconditionRequired: return p(428, "Precondition required", "send If-Match with the ticket's ETag, so that concurrent changes are detected")
            case .idempotencyKeyReused: return p(422, "Idempotency key reused", "this Idempotency-Key was already used for a different request")
            case .idempotencyKeyInvalid: return p(400, "Invalid Idempotency-Key", "an Idempotency-Key is 1 to 255 visible ASCII characters")
            case .unauthenticated: return p(401, "Authentication required", "send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token")
            case .mailboxTokenRefused: return p(401, "Unknown mailbox token", "send 'Authorization: Bearer <mailbox token>' with the intake token of an active mailbox (GET /api/v1/mailboxes, POST …/token)")
            case let .mailRejected(reason): return p(422, "Message refused", "this mailbox refuses the message: \(reason)")
            case .integrationNotFound: return p(404, "Unknown integration", "no active integration has this token (see GET /api/v1/integrations)")
            case let .payloadRefused(status, detail): return p(status, status == 413 ? "Payload too large" : "Payload refused", detail)
            case .retryLater: return p(503, "Try again", "a concurrent delivery changed the same problems; nothing was stored, send it again")
            case .chatChannelNotFound: return p(404, "Unknown chat channel", "no active chat channel has this key (see GET /api/v1/chat/channels)")
            case .upgradeRequired: return p(426, "Upgrade required", "this address is a WebSocket: connect with 'Upgrade: websocket'")
            case .pdfUnavailable: return p(501, "PDF unavailable", "printing to PDF needs Chromium on this server (apt-get install chromium, or ESCALE_CHROMIUM): ask for format=html and print it")
            case let .vendorMissing(package): return p(404, "Not installed", "remote control needs Debian's \(package) package on this server: apt-get install \(package)")
            case .agentUnknown: return p(401, "Unknown agent", "send 'Authorization: Bearer <credential>' of an enrolled agent; a revoked or replaced agent enrolls again: escale-agent enroll --server URL --token TOKEN")
            case .enrollmentRequired: return p(401, "Unknown enrollment token", "give the agent the server address of an enrollment token in force: …/enroll/<token>/ocsinventory (POST /api/v1/organizations/{id}/enrollment-tokens)")
            }
        case let e as ChatError:
            switch e {
            case let .originRefused(origin): return p(403, "Origin not allowed", "the chat channel does not allow pages of \(origin.prefix(200)) (add it to allowed_origins)")
            case .signatureRefused: return p(401, "Identity not proven", "the signature does not match the e-mail: sign the lowercased e-mail with the channel's secret (HMAC-SHA-256, hex)")
            case let .tooLong(max): return p(413, "Message too long", "a chat message is at most \(max) characters")
            case let .rateLimited(wait): return p(429, "Too many messages", "slow down: retry in \(wait) seconds")
            case .unknownToken: return p(401, "Unknown chat", "send the chat's token (given when it started)")
            }
        case let e as AuthError:
            switch e {
            case .invalidCredentials: return p(401, "Invalid credentials", "unknown e-mail address or wrong password")
            case .unauthenticated: return p(401, "Authentication required", "the token is invalid, expired or revoked")
            }
        case let e as Desk.SignInError:
            switch e {
            case .invalidCredentials: return p(401, "Invalid credentials", "unknown e-mail address or wrong password")
            case let .throttled(wait): return p(429, "Too many failed attempts", "too many failed password attempts; retry in \(wait) seconds")
            }
        case let e as StorageUnavailable:
            return p(503, "Storage unavailable", "the desk cannot store changes right now (\(e.fault.rawValue)); nothing was changed, retry later")
        case let e as NIOTooManyBytesError:
            return p(413, "Request body too large", "the body exceeds the limit of \(e.maxBytes ?? JSONBody.limit) bytes")
        case is HTTPParserError:
            return p(400, "Malformed request", "the request could not be parsed as HTTP/1.1 (a bad chunk size or header)")
        case let e as AttachmentFiles.UploadTooLarge:
            return p(413, "Upload too large", "attachments are limited to \(e.limit) bytes")
        case let e as HTTPError:
            let status = Int(e.status.code)
            if e.status == .contentTooLarge { return p(413, "Request body too large", "the body exceeds the limit of \(JSONBody.limit) bytes") }
            if e.status == .notFound { return p(404, "Not found", e.body ?? "no such resource") }
            return p(status, e.status.reasonPhrase, e.body ?? e.status.reasonPhrase)
        case let e as any DatabaseError where e.isConstraintFailure:
            return p(409, "Conflict", "the change conflicts with existing data (a duplicate or a missing reference)")
        default:
            return p(500, "Internal error", "something went wrong on our side; the error was logged")
        }
    }
}
