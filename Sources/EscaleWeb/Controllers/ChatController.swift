import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import FluentKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// Live chat over HTTP: channels (administrators), the widget's public calls (authenticated by the channel's key, then
/// by the visitor's per-chat bearer token), and the agents' console calls. The WebSockets are in `ChatSockets`.
struct ChatController {
    let desk: Desk
    let runner: CommandRunner
    let limits: ChatLimits

    // MARK: Public: the widget

    func registerPublic(on api: RouterGroup<EscaleContext>) {
        let chats = desk.chats, channels = desk.chatChannels, limits = limits
        api.get("chat/widget/:key") { request, context in
            let channel = try await channel(context)
            let lang = Query(request).string("lang") == "fr" ? "fr" : "en"
            return try JSONBody.response(try await channels.widget(channel, language: lang), headers: [.cacheControl: "no-store"])
        }
        api.post("chat/widget/:key/chats") { request, context in
            let channel = try await channel(context)
            try limits.start(context)
            let input = try await JSONBody.decode(ChatStartInput.self, from: request).value
            let started = try await chats.start(input, channel: channel, requestOrigin: request.headers[.origin])
            return try JSONBody.response(started, status: .created, headers: [.cacheControl: "no-store"])
        }
        api.post("chat/widget/:key/requests") { request, context in
            let channel = try await channel(context)
            try limits.start(context)
            let input = try await JSONBody.decode(ChatStartInput.self, from: request).value
            return try JSONBody.response(try await chats.request(input, channel: channel, requestOrigin: request.headers[.origin]), status: .created)
        }
        api.get("chat/visitor") { request, _ in
            let chat = try await visitorChat(request)
            let after = try Query(request).int("after", in: 0...Int.max) ?? 0
            return try JSONBody.response(ChatTranscriptDTO(chat: try await chats.dto(chat), messages: try await chats.messages(of: chat.id!, after: after)),
                                         headers: [.cacheControl: "no-store"])
        }
        api.post("chat/visitor/messages") { request, _ in
            let chat = try await visitorChat(request)
            try limits.message(chat.id!)
            let input = try await JSONBody.decode(ChatMessageInput.self, from: request).value
            let (message, new) = try await desk.store.write { db in try await chats.post(chat.id!, text: input.text, clientId: input.clientId, from: .visitor, on: db) }
            return try JSONBody.response(message, status: new ? .created : .ok)
        }
        // A file or picture from the visitor: the body is the file (?filename=…, optional &client_id= and &text=).
        api.post("chat/visitor/files") { request, _ in
            let chat = try await visitorChat(request)
            try limits.message(chat.id!)
            let q = Query(request)
            let file = try await Upload.receive(request, filename: try Self.filename(q), desk: desk)
            let (message, new) = try await desk.store.write { db in
                try await chats.post(chat.id!, text: q.string("text") ?? "", clientId: q.string("client_id"), file: file, from: .visitor, on: db)
            }
            return try JSONBody.response(message, status: new ? .created : .ok)
        }
        api.get("chat/visitor/files/:id") { request, context in
            let chat = try await visitorChat(request)
            let (a, url) = try await chats.attachment(try context.uuid("id", "attachment"), of: chat)
            return try await AttachmentResponse.make(a, url: url, context: context, inline: Query(request).string("inline") == "1")
        }
        api.post("chat/visitor/end") { request, _ in
            let chat = try await visitorChat(request)
            try await chats.leave(chat.id!)
            return try JSONBody.response(try await chats.dto(chat.id!))
        }
        // The visitor's WebSocket: a plain GET (no upgrade) is told why it cannot be served, after the same checks.
        api.get("chat/socket") { request, _ -> Response in
            _ = try await ChatSockets.visitorChat(request, desk: desk)
            throw APIError.upgradeRequired
        }
    }

    func channel(_ context: EscaleContext) async throws -> ChatChannelModel {
        guard let c = try await desk.chatChannels.channel(key: context.parameters.get("key") ?? "") else { throw APIError.chatChannelNotFound }
        return c
    }

    static func filename(_ q: Query) throws -> String {
        guard let name = q.string("filename") else { throw APIError.invalidField("filename", "name the file: ?filename=…") }
        guard name.count <= 255 else { throw APIError.invalidField("filename", "at most 255 characters") }
        return name
    }

    func visitorChat(_ request: Request) async throws -> ChatModel {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { throw ChatError.unknownToken }
        return try await desk.chats.chat(token: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }

    // MARK: Administration and the agents' console

    func register(on api: RouterGroup<EscaleContext>) {
        let channels = desk.chatChannels, chats = desk.chats
        api.get("chat/channels") { _, context in
            try JSONBody.response(Page(items: try await channels.list(by: try context.requireActor())))
        }
        api.post("chat/channels") { request, context in
            let input = try await JSONBody.decode(ChatChannelInput.self, from: request)
            try await channels.warm()
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let m = try await channels.create(input.value, by: actor, on: db)
                return try CommandRunner.output(m, location: "/api/v1/chat/channels/\(m.id.uuidString)")
            }
        }
        api.get("chat/channels/:id") { _, context in
            try JSONBody.response(try await channels.get(try context.uuid("id", "chat channel"), by: try context.requireActor()))
        }
        api.patch("chat/channels/:id") { request, context in
            let id = try context.uuid("id", "chat channel")
            let actor = try context.requireActor()
            let patch = try await JSONBody.mergePatch(try await channels.get(id, by: actor).input, from: request)
            try await channels.warm()
            return try JSONBody.response(try await desk.store.write { db in try await channels.update(id, patch.value, by: actor, on: db) })
        }
        api.post("chat/channels/:id/secret") { _, context in
            let id = try context.uuid("id", "chat channel")
            let actor = try context.requireActor()
            try await channels.warm()
            return try JSONBody.response(try await desk.store.write { db in try await channels.rotateSecret(id, by: actor, on: db) })
        }
        api.get("chat/console") { _, context in
            try JSONBody.response(try await chats.console(by: try context.requireActor()))
        }
        api.put("chat/availability") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.require(actor, .workTickets)
            let input = try await JSONBody.decode(AgentAvailabilityInput.self, from: request).value
            try await desk.store.write { db in try await chats.setAvailability(input, by: actor, on: db) }
            return try JSONBody.response(try await chats.availability(of: actor))
        }
        api.get("chat/chats/:id/messages") { request, context in
            let actor = try context.requireActor()
            let chat = try await chats.chat(try context.uuid("id", "chat"), by: actor)
            let after = try Query(request).int("after", in: 0...Int.max) ?? 0
            return try JSONBody.response(ChatTranscriptDTO(chat: try await chats.dto(chat), messages: try await chats.messages(of: chat.id!, after: after)))
        }
        api.post("chat/chats/:id/messages") { request, context in
            let actor = try context.requireActor()
            let id = try context.uuid("id", "chat")
            _ = try await chats.chat(id, by: actor)
            let input = try await JSONBody.decode(ChatMessageInput.self, from: request).value
            let (message, new) = try await desk.store.write { db in try await chats.post(id, text: input.text, clientId: input.clientId, from: .agent(actor), on: db) }
            return try JSONBody.response(message, status: new ? .created : .ok)
        }
        api.post("chat/chats/:id/files") { request, context in
            let actor = try context.requireActor()
            let id = try context.uuid("id", "chat")
            // The chat must be the caller's before any byte is stored.
            let chat = try await chats.chat(id, by: actor)
            guard chat.agentId == actor.userId else { throw DomainError.forbidden("this chat is not yours: take it first") }
            let q = Query(request)
            let file = try await Upload.receive(request, filename: try ChatController.filename(q), desk: desk)
            let (message, new) = try await desk.store.write { db in
                try await chats.post(id, text: q.string("text") ?? "", clientId: q.string("client_id"), file: file, from: .agent(actor), on: db)
            }
            return try JSONBody.response(message, status: new ? .created : .ok)
        }
        api.post("chat/chats/:id/take") { _, context in
            let actor = try context.requireActor(), id = try context.uuid("id", "chat")
            return try JSONBody.response(try await desk.store.write { db in try await chats.take(id, by: actor, on: db) })
        }
        api.post("chat/chats/:id/handover") { request, context in
            let actor = try context.requireActor(), id = try context.uuid("id", "chat")
            _ = try await chats.chat(id, by: actor)
            let input = try await JSONBody.decode(ChatHandoverInput.self, from: request).value
            return try JSONBody.response(try await desk.store.write { db in try await chats.handOver(id, to: input.agentId, by: actor, on: db) })
        }
        api.post("chat/chats/:id/escalate") { request, context in
            let actor = try context.requireActor(), id = try context.uuid("id", "chat")
            _ = try await chats.chat(id, by: actor)
            let input = try await JSONBody.decode(ChatEscalateInput.self, from: request).value
            return try JSONBody.response(try await desk.store.write { db in try await chats.escalate(id, reason: input.reason, by: actor, on: db) })
        }
        api.post("chat/chats/:id/end") { request, context in
            let actor = try context.requireActor(), id = try context.uuid("id", "chat")
            _ = try await chats.chat(id, by: actor)
            let input = try await JSONBody.decode(ChatEndInput.self, from: request).value
            return try JSONBody.response(try await desk.store.write { db in try await chats.end(id, status: input.status, by: actor, on: db) })
        }
    }
}

/// A chat and its messages after a `seq`.
struct ChatTranscriptDTO: Codable, Sendable {
    var chat: ChatDTO
    var messages: [ChatMessageDTO]
}

/// Floods refused: chats started per client address, messages per chat.
struct ChatLimits: Sendable {
    let starts = ChatLimiter(capacity: 5, perSecond: 1.0 / 12)
    let messages = ChatLimiter(capacity: 10, perSecond: 1)

    func start(_ context: EscaleContext) throws {
        if let wait = starts.take(context.clientAddress ?? "?") { throw ChatError.rateLimited(wait) }
    }

    func message(_ chat: UUID) throws {
        if let wait = messages.take(chat.uuidString) { throw ChatError.rateLimited(wait) }
    }
}

/// The request context of the WebSocket router (upgrades only).
struct ChatSocketContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<ChatSocketContext>
    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
    }
}

/// The chat WebSockets: the visitor's (`/api/v1/chat/socket?token=…`) and the agent's (`/api/v1/chat/agent/socket`, with
/// the session cookie or a bearer token). Frames are `ChatFrame` JSON.
struct ChatSockets {
    let desk: Desk
    let hub: ChatHub
    let limits: ChatLimits

    /// Largest frame taken.
    static let maxFrame = 16 << 10

    static func visitorChat(_ request: Request, desk: Desk) async throws -> ChatModel {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let chat = try await desk.chats.chat(token: token)
        let origins = browserOrigins(request)
        if !origins.isEmpty, let channel = try await ChatChannelModel.find(chat.channelId, on: desk.store.database) {
            for origin in origins where !desk.chatChannels.allows(origin: origin, on: channel) { throw ChatError.originRefused(origin) }
        }
        return chat
    }

    /// The `Origin`s a browser could have sent (http or https): non-browser clients may add one of their own (`ws://…`).
    static func browserOrigins(_ request: Request) -> [String] {
        request.headers[values: .origin].filter { $0.lowercased().hasPrefix("http://") || $0.lowercased().hasPrefix("https://") }
    }

    func router() -> Router<ChatSocketContext> {
        let router = Router(context: ChatSocketContext.self)
        let desk = desk, hub = hub, limits = limits
        router.ws("/api/v1/chat/socket", shouldUpgrade: { request, _ in
            _ = try await Self.visitorChat(request, desk: desk)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            guard let chat = try? await Self.visitorChat(context.request, desk: desk) else { return }
            let chatId = chat.id!
            try await Self.serve(inbound, outbound, hub: hub, role: .visitor(chatId: chatId)) { socket, frame in
                switch frame.type {
                case "resume":
                    await hub.resume(socket.id, chatId: chatId, after: frame.seq ?? 0)
                case "message":
                    if let wait = limits.messages.take(chatId.uuidString) {
                        socket.send(ChatFrame(type: "error", clientId: frame.clientId, status: 429, detail: "too many messages: wait \(wait) s"))
                        return
                    }
                    await Self.post(socket, frame, desk: desk) { db in try await desk.chats.post(chatId, text: frame.text ?? "", clientId: frame.clientId, from: .visitor, on: db) }
                case "typing":
                    await desk.chats.typing(chatId, author: .visitor, typing: frame.typing ?? true)
                case "read":
                    try? await desk.chats.markRead(chatId, seq: frame.seq ?? 0, by: .visitor)
                default:
                    socket.send(ChatFrame(type: "error", status: 400, detail: "unknown frame type"))
                }
            } welcome: { socket in
                await hub.welcome(visitor: socket.id, chatId: chatId)
            }
        })
        router.ws("/api/v1/chat/agent/socket", shouldUpgrade: { request, _ in
            _ = try await agent(request)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            guard let actor = try? await agent(context.request) else { return }
            try await Self.serve(inbound, outbound, hub: hub, role: .agent(actor)) { socket, frame in
                guard let chatId = frame.chatId else {
                    socket.send(ChatFrame(type: "error", status: 400, detail: "name the chat (chat_id)"))
                    return
                }
                switch frame.type {
                case "resume":
                    guard (try? await desk.chats.chat(chatId, by: actor)) != nil else { return }
                    await hub.resume(socket.id, chatId: chatId, after: frame.seq ?? 0)
                case "message":
                    await Self.post(socket, frame, desk: desk) { db in try await desk.chats.post(chatId, text: frame.text ?? "", clientId: frame.clientId, from: .agent(actor), on: db) }
                case "typing":
                    guard let chat = try? await desk.chats.chat(chatId, by: actor), chat.agentId == actor.userId else { return }
                    await desk.chats.typing(chatId, author: .agent, typing: frame.typing ?? true)
                case "read":
                    try? await desk.chats.markRead(chatId, seq: frame.seq ?? 0, by: .agent(actor))
                // The console's commands, the same use cases as the REST calls.
                case "take", "handover", "escalate", "end", "availability":
                    do {
                        try await desk.store.write { db in
                            let text = frame.text ?? ""
                            switch frame.type {
                            case "take": _ = try await desk.chats.take(chatId, by: actor, on: db)
                            case "handover":
                                guard let to = UUID(uuidString: text) else { throw DomainError.invalid(field: "agent_id", "give the agent's id") }
                                _ = try await desk.chats.handOver(chatId, to: to, by: actor, on: db)
                            case "escalate": _ = try await desk.chats.escalate(chatId, reason: text, by: actor, on: db)
                            case "end": _ = try await desk.chats.end(chatId, status: text, by: actor, on: db)
                            default:
                                guard let a = ChatAvailability(rawValue: text) else { throw DomainError.invalid(field: "availability", "available, away or offline") }
                                try await desk.chats.setAvailability(AgentAvailabilityInput(availability: a, maxChats: frame.seq), by: actor, on: db)
                            }
                        }
                    } catch {
                        let problem = ProblemMiddleware.problem(for: error, instance: "")
                        socket.send(ChatFrame(type: "error", chatId: chatId, status: problem.status, detail: problem.detail))
                    }
                default:
                    socket.send(ChatFrame(type: "error", status: 400, detail: "unknown frame type"))
                }
            } welcome: { socket in
                await hub.welcome(agent: socket.id)
            }
        })
        return router
    }

    func agent(_ request: Request) async throws -> Actor {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
           let actor = try await desk.authenticate(token: String(header.dropFirst(7))) {
            try AccessPolicy.require(actor, .workTickets)
            return actor
        }
        if let cookie = request.cookies[WebSessionMiddleware.cookieName]?.value, let session = try await desk.session(cookie: cookie) {
            // A cross-site page cannot open an agent's socket with their cookie.
            if let origin = Self.browserOrigins(request).first, let host = request.head.authority,
               origin != "http://\(host)", origin != "https://\(host)" {
                throw ChatError.originRefused(origin)
            }
            try AccessPolicy.require(session.actor, .workTickets)
            return session.actor
        }
        throw ChatError.unknownToken
    }

    /// Runs one socket: a writer draining the hub's frames, and the client's frames handed to `handle`.
    static func serve(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, hub: ChatHub, role: ChatHub.Role,
                      handle: @escaping @Sendable (ChatHub.Socket, ChatFrame) async -> Void,
                      welcome: @escaping @Sendable (ChatHub.Socket) async -> Void) async throws {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(5_000))
        let socket = ChatHub.Socket(role: role, out: continuation)
        await hub.add(socket)
        let writer = Task {
            for await text in stream { try await outbound.write(.text(text)) }
        }
        await welcome(socket)
        do {
            for try await message in inbound.messages(maxSize: maxFrame) {
                guard case let .text(text) = message, let frame = try? JSONBody.decoder.decode(ChatFrame.self, from: Data(text.utf8)) else {
                    socket.send(ChatFrame(type: "error", status: 400, detail: "send JSON text frames"))
                    continue
                }
                await handle(socket, frame)
            }
        } catch {
            // An oversized frame or a broken connection ends the socket; what was stored stays stored.
        }
        await hub.remove(socket.id)
        writer.cancel()
    }

    /// Stores a message, answering an error frame (with the client's id) when it is refused.
    static func post(_ socket: ChatHub.Socket, _ frame: ChatFrame, desk: Desk, _ write: @escaping @Sendable (any Database) async throws -> (ChatMessageDTO, Bool)) async {
        do {
            _ = try await desk.store.write(write)
        } catch {
            let problem = ProblemMiddleware.problem(for: error, instance: "")
            socket.send(ChatFrame(type: "error", clientId: frame.clientId, status: problem.status, detail: problem.detail))
        }
    }
}
