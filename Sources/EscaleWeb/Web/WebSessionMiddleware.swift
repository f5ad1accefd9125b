import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import EscaleStore

/// Resolves the session cookie to the signed-in user. Pages that need one throw `WebError.signInRequired`.
struct WebSessionMiddleware: RouterMiddleware {
    typealias Context = EscaleContext
    static let cookieName = "escale_session"
    let desk: Desk

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let cookie = request.cookies[Self.cookieName]?.value, let session = try await desk.session(cookie: cookie) {
            context.session = session
            context.actor = session.actor
            context.logger[metadataKey: "user_id"] = .string(session.actor.userId.uuidString)
        }
        return try await next(request, context)
    }

    /// `Secure` whenever the request came over TLS (directly or through a proxy that says so).
    static func cookie(_ value: String, request: Request, maxAge: Int?) -> Cookie {
        Cookie(name: cookieName, value: value, maxAge: maxAge, path: "/", secure: overTLS(request), httpOnly: true, sameSite: .lax)
    }

    static func overTLS(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}

/// Errors on pages become pages: the sign-in form, or an error page in the reader's language. Another tenant's ticket
/// and a missing one give the very same 404 page.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = EscaleContext
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let WebError.signInRequired(next) {
            return Views.redirect("/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
        } catch {
            let (status, key) = Self.classify(error)
            if status == .internalServerError {
                context.logger.error("page failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            var response = ErrorPage.response(views, request, session: context.session, key: key, status: status)
            if let wait = ProblemMiddleware.retryAfter(error) { response.headers[.retryAfter] = String(wait) }
            return response
        }
    }

    static func classify(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let e as DomainError:
            switch e {
            case .notFound: return (.notFound, "error_not_found")
            case .forbidden: return (.forbidden, "error_forbidden")
            default: return (.unprocessableContent, "error_invalid")
            }
        case let e as WebError:
            switch e {
            case .csrf: return (.forbidden, "error_csrf")
            case .formTooLarge, .tooManyFiles: return (.contentTooLarge, "error_too_large")
            default: return (.badRequest, "error_invalid")
            }
        case is AttachmentFiles.UploadTooLarge: return (.contentTooLarge, "error_too_large")
        case is StorageUnavailable: return (.serviceUnavailable, "error_unavailable")
        case is HTTPParserError: return (.badRequest, "error_invalid")
        case is NIOTooManyBytesError: return (.contentTooLarge, "error_too_large")
        case let e as HTTPError where e.status == .contentTooLarge: return (.contentTooLarge, "error_too_large")
        case let e as HTTPError where e.status == .notFound: return (.notFound, "error_not_found")
        default: return (.internalServerError, "error_internal")
        }
    }
}

/// An address outside the API that no route knows gets the HTML error page in the reader's language, not JSON: people
/// type addresses and follow old links; programs use `/api/`, which keeps answering problem+json.
struct UnknownPageMiddleware: RouterMiddleware {
    typealias Context = EscaleContext
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as HTTPError where e.status == .notFound || e.status == .methodNotAllowed {
            let path = request.uri.path
            guard !path.hasPrefix("/api/"), !["/healthz", "/readyz", "/metrics"].contains(path) else { throw e }
            return ErrorPage.response(views, request, session: nil, key: "error_not_found", status: .notFound)
        }
    }
}

struct ErrorPage {
    /// The error page for a catalogue key (`<key>_title`, `<key>_message`) in the reader's language.
    static func response(_ views: Views, _ request: Request, session: Desk.WebSession?, key: String, status: HTTPResponse.Status) -> Response {
        let l = PageContext.localizer(request: request, session: session)
        let frame = PageContext.frame(l, session: session, title: l.t(key + "_title"), request: request)
        return views.page("error", ErrorPage(frame: frame, t: frame.t, heading: l.t(key + "_title"), message: l.t(key + "_message")), status: status)
    }

    let frame: Frame
    let t: [String: String]
    let heading: String
    let message: String
}
