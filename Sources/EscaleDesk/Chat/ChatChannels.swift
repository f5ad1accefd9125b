import Crypto
import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Administration of live-chat channels (administrators), and what the widget reads before a chat starts (public).
///
/// A channel's secret (host applications sign visitors' e-mails with it) is derived from the server's key, the
/// channel's id and a generation, like integrations' tokens: nothing secret is stored, an administrator can read it again.
public struct ChatChannels: Sendable {
    let desk: Desk

    public static let textLimit = 1_000

    public func warm() async throws { _ = try await desk.signingKey() }

    public func list(by actor: Actor) async throws -> [ChatChannelDTO] {
        try AccessPolicy.require(actor, .manageDirectory)
        var out: [ChatChannelDTO] = []
        for m in try await ChatChannelModel.query(on: desk.store.database).sort(\.$name).all() { out.append(try await dto(m)) }
        return out
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> ChatChannelDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        return try await dto(try await find(id, on: desk.store.database))
    }

    public func create(_ input: ChatChannelInput, by actor: Actor, on db: any Database) async throws -> ChatChannelDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = ChatChannelModel()
        m.id = UUID(); m.createdAt = desk.now; m.secretGeneration = 1
        m.key = "chat_" + String(Desk.randomToken().prefix(24))
        try await apply(input, to: m, on: db)
        try await m.create(on: db)
        try await desk.audit(actor, "create", "chat_channel", m.id, m.name, on: db)
        return try await dto(m)
    }

    public func update(_ id: UUID, _ input: ChatChannelInput, by actor: Actor, on db: any Database) async throws -> ChatChannelDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = try await find(id, on: db)
        try await apply(input, to: m, on: db)
        try await m.update(on: db)
        try await desk.audit(actor, "update", "chat_channel", id, "\(m.name) (active: \(m.active))", on: db)
        return try await dto(m)
    }

    /// A new secret: signatures made with the previous one are refused from now on.
    public func rotateSecret(_ id: UUID, by actor: Actor, on db: any Database) async throws -> ChatChannelDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = try await find(id, on: db)
        m.secretGeneration += 1; m.updatedAt = desk.now
        try await m.update(on: db)
        try await desk.audit(actor, "rotate_secret", "chat_channel", id, m.name, on: db)
        return try await dto(m)
    }

    /// The active channel a widget key opens, or nil (answered 404).
    public func channel(key: String) async throws -> ChatChannelModel? {
        guard !key.isEmpty, key.count <= 100 else { return nil }
        guard let m = try await ChatChannelModel.query(on: desk.store.database).filter(\.$key == key).first(), m.active else { return nil }
        return m
    }

    /// The channel the portal shows to signed-in requesters.
    public func portalChannel() async throws -> ChatChannelModel? {
        try await ChatChannelModel.query(on: desk.store.database).filter(\.$onPortal == true).filter(\.$active == true).sort(\.$name).first()
    }

    /// Whether the origin may embed the channel's widget: one of its allowed origins, or the desk's own.
    public func allows(origin: String, on m: ChatChannelModel) -> Bool {
        let o = Self.normalized(origin)
        return o == Self.normalized(desk.config.publicURL) || m.origins.map(Self.normalized).contains(o)
    }

    static func normalized(_ origin: String) -> String {
        guard let u = URL(string: origin.trimmingCharacters(in: .whitespaces)), let scheme = u.scheme?.lowercased(), let host = u.host?.lowercased() else {
            return origin.lowercased()
        }
        let port = u.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)"
    }

    /// Inside opening hours (no calendar: always).
    public func isOpen(_ m: ChatChannelModel) async throws -> Bool {
        guard let c = m.calendarId, let cal = try await CalendarModel.find(c, on: desk.store.database) else { return true }
        return try Desk.input(cal).calendar().isOpen(at: desk.now)
    }

    /// What the widget shows: a chat can start only when open and somebody is available.
    public func widget(_ m: ChatChannelModel, language: String) async throws -> ChatWidgetDTO {
        let fr = language == "fr"
        var online = try await isOpen(m)
        if online { online = try await desk.chats.someoneAvailable(for: m.organizationId) }
        return ChatWidgetDTO(key: m.key, name: m.name, online: online, greeting: fr ? m.greetingFr : m.greetingEn,
                             offline: fr ? m.offlineFr : m.offlineEn, language: fr ? "fr" : "en")
    }

    /// The signature a host application sends for a visitor's e-mail (HMAC-SHA-256 hex with the channel's secret).
    public func signature(email: String, channel m: ChatChannelModel) async throws -> String {
        let key = SymmetricKey(data: Data(try await secret(for: m).utf8))
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(ChatIdentity.signedMessage(email: email).utf8), using: key))
    }

    // MARK: Internals

    func find(_ id: UUID, on db: any Database) async throws -> ChatChannelModel {
        guard let m = try await ChatChannelModel.find(id, on: db) else { throw DomainError.notFound("chat channel") }
        return m
    }

    private func apply(_ input: ChatChannelInput, to m: ChatChannelModel, on db: any Database) async throws {
        var problems: [FieldProblem] = []
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { problems.append(FieldProblem(field: "name", rule: .required, message: "name the channel")) }
        if name.count > 200 { problems.append(FieldProblem(field: "name", rule: .other, message: "at most 200 characters")) }
        var origins: [String] = []
        for o in input.allowedOrigins.map({ $0.trimmingCharacters(in: .whitespaces) }).filter({ !$0.isEmpty }) {
            guard let u = URL(string: o), let scheme = u.scheme, ["http", "https"].contains(scheme.lowercased()), u.host != nil,
                  u.path.isEmpty || u.path == "/", u.query == nil, !o.contains("*") else {
                problems.append(FieldProblem(field: "allowed_origins", rule: .other, message: "an origin is scheme://host[:port], like https://intranet.example (not '\(o.prefix(100))')"))
                continue
            }
            origins.append(Self.normalized(o))
        }
        if origins.count > 50 { problems.append(FieldProblem(field: "allowed_origins", rule: .other, message: "at most 50 origins")) }
        if let org = input.organizationId, try await OrganizationModel.find(org, on: db) == nil {
            problems.append(FieldProblem(field: "organization_id", rule: .other, message: "unknown organization"))
        }
        if let cal = input.calendarId, try await CalendarModel.find(cal, on: db) == nil {
            problems.append(FieldProblem(field: "calendar_id", rule: .other, message: "unknown calendar"))
        }
        for (field, text) in [("greeting_fr", input.greetingFr), ("greeting_en", input.greetingEn), ("offline_fr", input.offlineFr), ("offline_en", input.offlineEn)]
        where (text?.count ?? 0) > Self.textLimit {
            problems.append(FieldProblem(field: field, rule: .other, message: "at most \(Self.textLimit) characters"))
        }
        if let error = FieldProblem.error(problems) { throw error }
        m.name = name
        m.allowedOrigins = String(decoding: try JSONEncoder().encode(Array(Set(origins)).sorted()), as: UTF8.self)
        m.organizationId = input.organizationId; m.calendarId = input.calendarId
        m.greetingFr = input.greetingFr ?? "Bonjour ! Comment pouvons-nous vous aider ?"
        m.greetingEn = input.greetingEn ?? "Hello! How can we help?"
        m.offlineFr = input.offlineFr ?? "Personne n'est disponible pour le moment : laissez-nous votre demande, nous vous répondrons par e-mail."
        m.offlineEn = input.offlineEn ?? "Nobody is available right now: leave us your request and we will answer by e-mail."
        m.onPortal = input.onPortal ?? false; m.active = input.active ?? true; m.updatedAt = desk.now
    }

    func secret(for m: ChatChannelModel) async throws -> String {
        let key = SymmetricKey(data: try await desk.signingKey())
        let mac = HMAC<SHA256>.authenticationCode(for: Data("chat-channel:\(m.id!.uuidString):\(m.secretGeneration)".utf8), using: key)
        return Hex.encode(mac)
    }

    func dto(_ m: ChatChannelModel) async throws -> ChatChannelDTO {
        let base = desk.config.publicURL
        let snippet = "<script src=\"\(base)/chat/widget.js\" data-escale-chat=\"\(m.key)\" async></script>"
        return ChatChannelDTO(id: m.id!, name: m.name, key: m.key, secret: try await secret(for: m), allowedOrigins: m.origins,
                              organizationId: m.organizationId, calendarId: m.calendarId, greetingFr: m.greetingFr, greetingEn: m.greetingEn,
                              offlineFr: m.offlineFr, offlineEn: m.offlineEn, onPortal: m.onPortal, active: m.active, snippet: snippet,
                              createdAt: m.createdAt)
    }
}

extension Desk {
    /// Live-chat channels.
    public var chatChannels: ChatChannels { ChatChannels(desk: self) }
}
