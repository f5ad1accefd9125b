import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import Hummingbird

/// The page a resolution mail's "it works / it still fails" links open, without signing in. The GET only shows the
/// question; the answer is a POST (mail scanners follow links). Its form carries a CSRF token of its own
/// (double-submit cookie), like the sign-in form.
struct ResolutionPages {
    let desk: Desk
    let views: Views
    static let csrfCookie = "escale_resolution_csrf"

    struct Page {
        let frame: Frame; let t: [String: String]; let csrf: String; let action: String
        let number: String; let subject: String; let valid: Bool; let confirm: Bool; let stillFails: Bool; let error: String?
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/resolution/:ticket/:user/:sig") { r, c in
            let answer = r.uri.queryParameters["answer"].flatMap { Desk.ResolutionAnswer(rawValue: String($0)) }
            return try await page(r, c, answer: answer, error: nil)
        }
        router.post("/resolution/:ticket/:user/:sig") { r, c -> Response in
            guard let expected = r.cookies[Self.csrfCookie]?.value, !expected.isEmpty else { throw WebError.csrf }
            let form = try await Form.read(r, context: c, desk: desk, csrf: expected)
            let answer = form["answer"].flatMap(Desk.ResolutionAnswer.init(rawValue:)) ?? .confirm
            let (ticket, user, sig) = Self.parameters(c)
            do {
                guard let ticket, let user,
                      try await desk.answerResolution(ticketId: ticket, userId: user, signature: sig, answer: answer, note: form["body"]) != nil else {
                    return try await page(r, c, answer: answer, error: nil)
                }
            } catch let e as DomainError {
                return try await page(r, c, answer: answer, error: PageContext.localizer(request: r, session: nil).message(for: e))
            }
            return Views.redirect("/resolution/done?answer=\(answer.rawValue)")
        }
        router.get("/resolution/done") { r, _ in
            let l = PageContext.localizer(request: r, session: nil)
            let frame = PageContext.frame(l, session: nil, title: l.t("notify_resolution_title"), request: r)
            let confirmed = r.uri.queryParameters["answer"] != "still_fails"
            return views.page("resolution_done", ["frame": frame, "t": frame.t, "message": l.t(confirmed ? "flash_confirmed" : "flash_reopened")] as [String: Any])
        }
    }

    static func parameters(_ c: EscaleContext) -> (UUID?, UUID?, String) {
        (c.parameters.get("ticket").flatMap(UUID.init(uuidString:)), c.parameters.get("user").flatMap(UUID.init(uuidString:)), c.parameters.get("sig") ?? "")
    }

    private func page(_ r: Request, _ c: EscaleContext, answer: Desk.ResolutionAnswer?, error: String?) async throws -> Response {
        let l = PageContext.localizer(request: r, session: nil)
        let (ticketId, userId, sig) = Self.parameters(c)
        var link: (ticket: Ticket, actor: Actor)?
        if let ticketId, let userId { link = try await desk.resolutionLink(ticketId: ticketId, userId: userId, signature: sig) }
        let csrf = r.cookies[Self.csrfCookie]?.value.nilIfEmpty ?? String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        let frame = PageContext.frame(l, session: nil, title: l.t("notify_resolution_title"), request: r)
        let model = Page(frame: frame, t: frame.t, csrf: csrf, action: r.uri.path, number: link?.ticket.number ?? "", subject: link?.ticket.subject ?? "",
                         valid: link != nil, confirm: answer != .stillFails, stillFails: answer != .confirm,
                         error: error ?? (link == nil ? l.t("notify_resolution_stale") : nil))
        var response = views.page("resolution", model, status: link == nil ? .notFound : (error == nil ? .ok : .unprocessableContent))
        response.setCookie(Cookie(name: Self.csrfCookie, value: csrf, path: "/resolution", secure: WebSessionMiddleware.overTLS(r), httpOnly: true, sameSite: .strict))
        return response
    }
}
