import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in, sign-out, the home redirect and the user's own account page.
struct AuthPages {
    let desk: Desk
    let views: Views
    static let loginCSRFCookie = "escale_login_csrf"

    struct LoginPage {
        let frame: Frame
        let t: [String: String]
        let csrf: String
        let next: String
        let email: String
        let error: String?
        let languages: [Language]
    }

    struct AccountPage {
        let frame: Frame
        let t: [String: String]
        let error: String?
        let languages: [Language]
        let timeZone: String
        let zones: [String]
        /// Where support staff are paged; nil for requesters and client managers.
        let contacts: ContactMethodsView?
        /// Which e-mail notifications they receive.
        let notifications: [MailPages.Choice]
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/") { request, context -> Response in
            guard let s = context.session else { return Views.redirect("/login") }
            return Views.redirect(s.actor.role.isStaff ? "/queues/mine" : "/requests")
        }
        router.get("/login") { request, context in try loginPage(request, context, email: "", error: nil) }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, context -> Response in
            guard let s = context.session else { return Views.redirect("/login") }
            _ = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
            if let cookie = request.cookies[WebSessionMiddleware.cookieName]?.value { try await desk.signOut(cookie: cookie) }
            var response = Views.redirect("/login")
            response.setCookie(WebSessionMiddleware.cookie("", request: request, maxAge: 0))
            return response
        }
        router.get("/account") { request, context in try await account(request, context, error: nil) }
        router.post("/account/preferences") { request, context -> Response in
            let s = try PageContext.requireSession(request, context)
            let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
            do {
                try await desk.updatePreferences(locale: form["locale"] ?? s.locale, timeZone: form.text("time_zone") ?? "", session: s)
            } catch let e as DomainError {
                return try await account(request, context, error: PageContext.localizer(request: request, session: s).message(for: e))
            }
            return Views.redirect("/account?done=saved")
        }
        router.post("/account/password") { request, context -> Response in
            let s = try PageContext.requireSession(request, context)
            let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
            let l = PageContext.localizer(request: request, session: s)
            do {
                try await desk.changePassword(current: form["current_password"] ?? "", new: form["new_password"] ?? "", session: s, clientAddress: context.clientAddress)
            } catch let DomainError.invalid(field, _) {
                return try await account(request, context, error: l.t(field == "current_password" ? "account_wrong_password" : "account_weak_password"))
            } catch let Desk.SignInError.throttled(retryAfter) {
                var response = try await account(request, context, error: Self.throttledMessage(l, retryAfter: retryAfter), status: .tooManyRequests)
                response.headers[.retryAfter] = String(retryAfter)
                return response
            }
            return Views.redirect("/account?done=password")
        }
        router.post("/account/contact-methods") { request, context -> Response in
            try await contactMethodCommand(request, context, done: "contact_added") { form, s in
                _ = try await desk.store.write { db in try await desk.addContactMethod(ContactMethodsView.input(form), userId: s.actor.userId, by: s.actor, on: db) }
            }
        }
        router.post("/account/contact-methods/:method/delete") { request, context -> Response in
            try await contactMethodCommand(request, context, done: "contact_removed") { _, s in
                let method = try context.uuid("method", "contact method")
                try await desk.store.write { db in try await desk.deleteContactMethod(method, userId: s.actor.userId, by: s.actor, on: db) }
            }
        }
    }

    /// A change to one's own contact methods; a refusal shows the account page with the reason.
    private func contactMethodCommand(_ request: Request, _ context: EscaleContext, done: String,
                                      _ command: (Form, Desk.WebSession) async throws -> Void) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let form = try await Form.read(request, context: context, desk: desk, csrf: s.csrfToken)
        do {
            try await command(form, s)
        } catch let e as DomainError {
            switch e {
            case .invalid, .conflict: return try await account(request, context, error: PageContext.localizer(request: request, session: s).message(for: e))
            default: throw e
            }
        }
        return Views.redirect("/account?done=\(done)")
    }

    /// The sign-in form carries a CSRF token of its own (double-submit cookie): there is no session yet to tie it to.
    private func loginPage(_ request: Request, _ context: EscaleContext, email: String, error: String?, status: HTTPResponse.Status = .ok) throws -> Response {
        if context.session != nil, error == nil { return Views.redirect(Self.safeNext(request.uri.queryParameters["next"].map(String.init))) }
        var l = PageContext.localizer(request: request, session: nil)
        if let lang = request.uri.queryParameters["lang"], Catalogue.languages.contains(String(lang)) { l = Localizer(lang: String(lang)) }
        let token = request.cookies[Self.loginCSRFCookie]?.value.nilIfEmpty ?? String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        let next = request.uri.queryParameters["next"].map(String.init) ?? ""
        let frame = PageContext.frame(l, session: nil, title: l.t("login_title"), request: request)
        var response = views.page("login", LoginPage(frame: frame, t: frame.t, csrf: token, next: Self.safeNext(next), email: email, error: error,
                                                     languages: Language.all(current: l.lang)), status: status)
        response.setCookie(Cookie(name: Self.loginCSRFCookie, value: token, path: "/login", secure: WebSessionMiddleware.overTLS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    private func login(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let expected = request.cookies[Self.loginCSRFCookie]?.value ?? ""
        guard !expected.isEmpty else { throw WebError.csrf }
        let form = try await Form.read(request, context: context, desk: desk, csrf: expected)
        let l = PageContext.localizer(request: request, session: nil)
        let email = form.text("email") ?? ""
        do {
            let (cookie, session) = try await desk.signIn(email: email, password: form["password"] ?? "", clientAddress: context.clientAddress,
                                                          browserLocale: request.headers[.acceptLanguage].map { Catalogue.negotiate($0) })
            var target = Self.safeNext(form["next"])
            if target == "/" { target = session.actor.role.isStaff ? "/queues/mine" : "/requests" }
            var response = Views.redirect(target)
            response.setCookie(WebSessionMiddleware.cookie(cookie, request: request, maxAge: Int(Desk.sessionLifetime)))
            return response
        } catch Desk.SignInError.invalidCredentials {
            return try loginPage(request, context, email: email, error: l.t("login_invalid"), status: .unauthorized)
        } catch let Desk.SignInError.throttled(retryAfter) {
            var response = try loginPage(request, context, email: email, error: Self.throttledMessage(l, retryAfter: retryAfter), status: .tooManyRequests)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        }
    }

    private func account(_ request: Request, _ context: EscaleContext, error: String?, status: HTTPResponse.Status = .unprocessableContent) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("account_title"), request: request)
        let contacts = s.actor.role.isStaff
            ? ContactMethodsView(try await desk.contactMethods(of: s.actor.userId, by: s.actor), action: "/account/contact-methods", l) : nil
        let notifications = MailPages.choices(try await desk.myNotifications(by: s.actor), kinds: NotificationKind.kinds(for: s.actor.role), l)
        return views.page("account", AccountPage(frame: frame, t: frame.t, error: error, languages: Language.all(current: s.locale),
                                                 timeZone: s.timeZone, zones: Self.zones, contacts: contacts, notifications: notifications),
                          status: error == nil ? .ok : status)
    }

    static let zones = ["Europe/Paris", "Europe/London", "Europe/Brussels", "Europe/Zurich", "Europe/Luxembourg", "America/New_York",
                        "America/Montreal", "America/Chicago", "America/Los_Angeles", "Africa/Casablanca", "Indian/Reunion",
                        "America/Martinique", "Pacific/Noumea", "Asia/Singapore", "UTC"]

    /// "Try again in 5 seconds" / "in 2 minutes", with the language's plural.
    static func throttledMessage(_ l: Localizer, retryAfter: Int) -> String {
        let (n, unit) = retryAfter < 120 ? (max(1, retryAfter), "seconds") : ((retryAfter + 59) / 60, "minutes")
        return l.t("login_throttled_\(unit)_\(n == 1 ? "one" : "other")", n)
    }

    /// Only a page of this site: never an open redirect to another one (`SafeRedirect`).
    static func safeNext(_ next: String?) -> String { SafeRedirect.target(next) }

}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
