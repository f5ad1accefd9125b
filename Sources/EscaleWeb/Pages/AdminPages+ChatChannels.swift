import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Live-chat channels: the tag to paste on intranet pages, the pages allowed to show it, whose chats they are, opening
/// hours, the words the widget says in both languages, and the secret host applications sign their users with.
extension AdminPages {
    func registerChatChannels(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/chat-channels") { r, c in try await chatChannels(r, c) }
        router.post("/admin/chat-channels") { r, c in
            try await chatChannelPost(r, c, redraw: { message, _ in try await chatChannels(r, c, error: message) }) { form, s in
                let input = try Self.chatChannelInput(form, base: ChatChannelInput(name: ""))
                try await desk.chatChannels.warm()
                let m = try await desk.store.write { db in try await desk.chatChannels.create(input, by: s.actor, on: db) }
                return "/admin/chat-channels/\(m.id)?done=chat_channel_created"
            }
        }
        router.get("/admin/chat-channels/:id") { r, c in try await chatChannel(r, c, id: try c.uuid("id", "chat channel")) }
        router.post("/admin/chat-channels/:id") { r, c in
            let id = try c.uuid("id", "chat channel")
            return try await chatChannelPost(r, c, redraw: { message, _ in try await chatChannel(r, c, id: id, error: message) }) { form, s in
                var input = try Self.chatChannelInput(form, base: try await desk.chatChannels.get(id, by: s.actor).input)
                input.active = form["active"] == "on"
                try await desk.chatChannels.warm()
                let changed = input
                _ = try await desk.store.write { db in try await desk.chatChannels.update(id, changed, by: s.actor, on: db) }
                return "/admin/chat-channels/\(id)?done=saved"
            }
        }
        router.post("/admin/chat-channels/:id/secret") { r, c in
            let id = try c.uuid("id", "chat channel")
            return try await chatChannelPost(r, c, redraw: { message, _ in try await chatChannel(r, c, id: id, error: message) }) { _, s in
                try await desk.chatChannels.warm()
                _ = try await desk.store.write { db in try await desk.chatChannels.rotateSecret(id, by: s.actor, on: db) }
                return "/admin/chat-channels/\(id)?done=chat_channel_rotated"
            }
        }
    }

    /// The form's fields over `base` (what the API would keep): origins one per line or separated by spaces.
    static func chatChannelInput(_ form: Form, base: ChatChannelInput) throws -> ChatChannelInput {
        var input = base
        input.name = form["name"] ?? ""
        input.allowedOrigins = (form["allowed_origins"] ?? "").split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == " " || $0 == "," }).map(String.init)
        input.organizationId = try reference(form, "organization", field: "organization_id")
        input.calendarId = try reference(form, "calendar", field: "calendar_id")
        input.greetingFr = form.text("greeting_fr"); input.greetingEn = form.text("greeting_en")
        input.offlineFr = form.text("offline_fr"); input.offlineEn = form.text("offline_en")
        input.onPortal = form["on_portal"] == "on"
        return input
    }

    private func chatChannelPost(_ r: Request, _ c: EscaleContext, redraw: @escaping (String, Form) async throws -> Response,
                                 _ body: @escaping (Form, Desk.WebSession) async throws -> String) async throws -> Response {
        try await PageContext.post(r, c, desk: desk, session: try admin(r, c), refusals: { e in
            switch e { case .invalid, .invalidFields, .conflict: true; default: false }
        }, redraw: redraw, body)
    }

    struct ChatChannelsPage {
        struct Row { let id: String; let name: String; let origins: String; let organization: String; let onPortal: Bool; let active: Bool }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let channels: [Row]
        let hasChannels: Bool
        let organizations: [Option]
        let calendars: [Option]
    }

    private func chatChannels(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let list = try await desk.chatChannels.list(by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let names = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id, $0.name) })
        let b = try await base(r, s, l, title: l.t("chat_channels_title"), tab: Tab(chatChannels: true), error: error)
        return views.page("admin_chat_channels", ChatChannelsPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            channels: list.map { ch in
                .init(id: ch.id.uuidString, name: ch.name, origins: ch.allowedOrigins.joined(separator: " "),
                      organization: ch.organizationId.map { names[$0] ?? "—" } ?? l.t("chat_channel_from_visitor"), onPortal: ch.onPortal, active: ch.active)
            },
            hasChannels: !list.isEmpty,
            organizations: [Option(value: "", label: l.t("chat_channel_from_visitor"), selected: true)]
                + orgs.filter(\.active).map { Option(value: $0.id.uuidString, label: $0.name, selected: false) },
            calendars: try await calendarOptions(s, l, selected: nil)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    private func calendarOptions(_ s: Desk.WebSession, _ l: Localizer, selected: UUID?) async throws -> [Option] {
        [Option(value: "", label: l.t("chat_channel_always_open"), selected: selected == nil)]
            + (try await desk.listCalendars(by: s.actor)).map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == selected) }
    }

    struct ChatChannelPage {
        struct Subject {
            let id: String; let name: String; let key: String; let secret: String; let snippet: String; let origins: String
            let greetingFr: String; let greetingEn: String; let offlineFr: String; let offlineEn: String; let onPortal: Bool; let active: Bool
        }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let channel: Subject
        let organizations: [Option]
        let calendars: [Option]
    }

    private func chatChannel(_ r: Request, _ c: EscaleContext, id: UUID, error: String? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let ch = try await desk.chatChannels.get(id, by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let b = try await base(r, s, l, title: ch.name, tab: Tab(chatChannels: true), error: error)
        return views.page("admin_chat_channel", ChatChannelPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            channel: .init(id: ch.id.uuidString, name: ch.name, key: ch.key, secret: ch.secret, snippet: ch.snippet,
                           origins: ch.allowedOrigins.joined(separator: "\n"), greetingFr: ch.greetingFr, greetingEn: ch.greetingEn,
                           offlineFr: ch.offlineFr, offlineEn: ch.offlineEn, onPortal: ch.onPortal, active: ch.active),
            organizations: [Option(value: "", label: l.t("chat_channel_from_visitor"), selected: ch.organizationId == nil)]
                + orgs.filter { $0.active || $0.id == ch.organizationId }.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id == ch.organizationId) },
            calendars: try await calendarOptions(s, l, selected: ch.calendarId)),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
