import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The live chat's pages: the widget's frame (`/chat/frame`, framed by the channel's allowed origins only), the agents'
/// console (`/chat`); channels are administered in `AdminPages+ChatChannels`. The frame and the console run
/// `static/chat.js`; `/chat/widget.js` is the tag host pages include. Everything they do goes through the chat API.
struct ChatPages {
    let desk: Desk
    let views: Views
    let assets: StaticController

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/chat/widget.js") { request, _ in
            guard let asset = assets.assets["widget.js"] else { throw HTTPError(.notFound) }
            // Any page may load it (the frame, not the script, is what allowed origins restrict).
            return Response(status: .ok, headers: [
                .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=300, must-revalidate",
                .init("Cross-Origin-Resource-Policy")!: "cross-origin",
            ], body: .init(byteBuffer: asset.bytes))
        }
        router.get("/chat/frame") { r, c in try await frame(r, c) }
        router.get("/chat") { r, c in try await console(r, c) }
    }

    struct FrameModel {
        let t: [String: String]; let lang: String; let key: String; let pageOrigin: String
        let name: String; let email: String; let signature: String; let known: Bool
    }

    /// The frame's CSP: the page policy, framed only by the desk itself and the channel's allowed origins; pictures
    /// may come from `blob:` (the visitor's files are fetched with their token, never named by a URL carrying it).
    static func framePolicy(_ origins: [String]) -> String {
        Views.pagePolicy.replacingOccurrences(of: "frame-ancestors 'none'", with: "frame-ancestors 'self'" + origins.map { " " + $0 }.joined())
            .replacingOccurrences(of: "img-src 'self' data:", with: "img-src 'self' data: blob:")
    }

    private func frame(_ r: Request, _ c: EscaleContext) async throws -> Response {
        let q = r.uri.queryParameters
        guard let channel = try await desk.chatChannels.channel(key: q["key"].map(String.init) ?? "") else { throw DomainError.notFound("chat channel") }
        let origin = q["origin"].map(String.init) ?? ""
        if !origin.isEmpty, !desk.chatChannels.allows(origin: origin, on: channel) {
            throw DomainError.forbidden("this chat channel does not allow pages of \(origin.prefix(200))")
        }
        let lang = q["lang"] == "fr" ? "fr" : (q["lang"] == "en" ? "en" : Catalogue.negotiate(r.headers[.acceptLanguage]))
        let l = Localizer(lang: lang)
        // A signed-in requester (the portal) is known: the frame carries their signed identity, like a host application would.
        var name = "", email = "", signature = ""
        if let s = c.session, !s.actor.role.isStaff {
            name = s.name; email = s.email
            signature = try await desk.chatChannels.signature(email: s.email, channel: channel)
        }
        let html = views.render("chat_frame", FrameModel(t: l.strings, lang: lang, key: channel.key, pageOrigin: origin, name: name, email: email,
                                                          signature: signature, known: !signature.isEmpty))
        return Response(status: .ok, headers: [
            .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: Self.framePolicy(channel.origins), .cacheControl: "no-store",
        ], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    struct ConsoleModel {
        struct Agent { let id: String; let name: String; let availability: String }
        let frame: Frame; let t: [String: String]; let agents: [Agent]
    }

    private func console(_ r: Request, _ c: EscaleContext) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("chat_console_title"), request: r)
        let agents = try await desk.chats.handOverCandidates(by: s.actor).map {
            ConsoleModel.Agent(id: $0.id.uuidString, name: $0.name, availability: l.t("chat_\($0.availability.rawValue)"))
        }
        return views.page("chat_console", ConsoleModel(frame: frame, t: frame.t, agents: agents))
    }
}
