import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import Hummingbird

/// "Forgot my password" and the page a welcome or reset link opens, without a session. Their forms carry a CSRF token
/// of their own (double-submit cookie, as the sign-in form). The link's token is never acted on by a GET: a mail
/// scanner following it only sees the form.
struct PasswordPages {
    let desk: Desk
    let views: Views
    static let csrfCookie = "escale_password_csrf"

    struct ForgotPage { let frame: Frame; let t: [String: String]; let csrf: String; let sent: Bool }
    struct ResetPage { let frame: Frame; let t: [String: String]; let csrf: String; let token: String; let valid: Bool; let error: String? }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/password/forgot") { r, _ in page(r, "password_forgot") { l, frame, csrf in
            ForgotPage(frame: frame, t: frame.t, csrf: csrf, sent: r.uri.queryParameters["sent"] != nil)
        } }
        router.post("/password/forgot") { r, c -> Response in
            let form = try await Form.read(r, context: c, desk: desk, csrf: try expectedCSRF(r))
            // The same answer whether the address is known or not.
            try await desk.requestPasswordReset(email: form.text("email") ?? "")
            return Views.redirect("/password/forgot?sent=1")
        }
        router.get("/password/reset") { r, _ in
            let token = r.uri.queryParameters["token"].map(String.init) ?? ""
            let valid = try await desk.accountLinkIsValid(token)
            return page(r, "password_reset", status: valid ? .ok : .notFound) { l, frame, csrf in
                ResetPage(frame: frame, t: frame.t, csrf: csrf, token: token, valid: valid, error: valid ? nil : l.t("account_link_invalid"))
            }
        }
        router.post("/password/reset") { r, c -> Response in
            let form = try await Form.read(r, context: c, desk: desk, csrf: try expectedCSRF(r))
            let token = form["token"] ?? ""
            do {
                try await desk.completeAccountLink(token: token, newPassword: form["new_password"] ?? "")
            } catch let e as DomainError {
                return page(r, "password_reset", status: .unprocessableContent) { l, frame, csrf in
                    let invalid = { if case .invalid(field: "token", _) = e { return true }; return false }()
                    return ResetPage(frame: frame, t: frame.t, csrf: csrf, token: token, valid: !invalid,
                                     error: invalid ? l.t("account_link_invalid") : l.t("account_weak_password"))
                }
            }
            return Views.redirect("/login?done=password_set")
        }
    }

    private func expectedCSRF(_ r: Request) throws -> String {
        guard let token = r.cookies[Self.csrfCookie]?.value, !token.isEmpty else { throw WebError.csrf }
        return token
    }

    private func page(_ r: Request, _ template: String, status: HTTPResponse.Status = .ok,
                      _ model: (Localizer, Frame, String) -> Any) -> Response {
        let l = PageContext.localizer(request: r, session: nil)
        let csrf = r.cookies[Self.csrfCookie]?.value.nilIfEmpty ?? String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        let frame = PageContext.frame(l, session: nil, title: l.t("account_password_title"), request: r)
        var response = views.page(template, model(l, frame, csrf), status: status)
        response.setCookie(Cookie(name: Self.csrfCookie, value: csrf, path: "/password", secure: WebSessionMiddleware.overTLS(r), httpOnly: true, sameSite: .strict))
        return response
    }
}
