import Crypto
import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import Testing

/// Live chat: channels, starting a chat (a ticket), messages both ways over WebSockets with resume after a drop,
/// routing, hand-over, escalation, ending, the offline form, and every refusal a visitor can meet.
@Suite("Live chat")
struct ChatTests {
    static let host = "https://intranet.acme.example"

    static func channel(_ w: World, organization: UUID? = nil) async throws -> ChatChannelDTO {
        try await w.api.create("/api/v1/chat/channels", token: w.admin,
                               ChatChannelInput(name: "Intranet Acme", allowedOrigins: [host], organizationId: organization ?? w.acme.id))
    }

    static func start(_ w: World, _ c: ChatChannelDTO, email: String = "carol@acme.example", text: String = "Mon imprimante ne répond plus",
                      signature: String? = nil, origin: String = host) async throws -> API.Reply {
        try await w.api.post("/api/v1/chat/widget/\(c.key)/chats", token: nil,
                             ChatStartInput(name: "Carol", email: email, signature: signature, text: text, pageOrigin: origin, language: "fr"),
                             headers: [.origin: origin])
    }

    static func available(_ w: World, _ token: String, max: Int = 3) async throws {
        let r = try await w.api.send(.put, "/api/v1/chat/availability", token: token, json: AgentAvailabilityInput(availability: .available, maxChats: max))
        #expect(r.status == .ok, "\(r.text)")
    }

    @Test("a chat is a ticket of channel chat: the transcript is on its timeline, the agent ends it resolved")
    func chatIsATicket() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let c = try await Self.channel(w)
            #expect(c.key.hasPrefix("chat_") && c.secret.count == 64 && c.snippet.contains(c.key))
            try await Self.available(w, w.agent1Token)
            // When a visitor starts a chat
            let r = try await Self.start(w, c)
            #expect(r.status == .created, "\(r.text)")
            let started = try r.json(ChatStartedDTO.self)
            // Then it is routed to the available N1 agent, and its ticket comes from chat
            #expect(started.chat.state == .active)
            #expect(started.chat.agentId == w.agent1.id)
            let ticket = try await api.get("/api/v1/tickets/\(started.chat.ticketId)", token: w.agent1Token).json(TicketDTO.self)
            #expect(ticket.channel == .chat)
            #expect(ticket.assigneeId == w.agent1.id)
            // Both sides write
            let v = try await api.post("/api/v1/chat/visitor/messages", token: started.token, ChatMessageInput(text: "C'est urgent", clientId: "v1"))
            #expect(v.status == .created, "\(v.text)")
            let again = try await api.post("/api/v1/chat/visitor/messages", token: started.token, ChatMessageInput(text: "C'est urgent", clientId: "v1"))
            #expect(again.status == .ok)
            #expect(try again.json(ChatMessageDTO.self).seq == (try v.json(ChatMessageDTO.self)).seq)
            let a = try await api.post("/api/v1/chat/chats/\(started.chat.id)/messages", token: w.agent1Token, ChatMessageInput(text: "Je regarde", clientId: "a1"))
            #expect(a.status == .created, "\(a.text)")
            // Someone else's agent cannot write in it
            let other = try await api.post("/api/v1/chat/chats/\(started.chat.id)/messages", token: w.agent2Token, ChatMessageInput(text: "Hello"))
            #expect(other.status == .forbidden || other.status == .notFound)
            // The agent ends it: resolved
            let ended = try await api.post("/api/v1/chat/chats/\(started.chat.id)/end", token: w.agent1Token, ChatEndInput(status: "resolved"))
            #expect(ended.status == .ok, "\(ended.text)")
            let after = try await api.get("/api/v1/tickets/\(started.chat.ticketId)", token: w.agent1Token).json(TicketDTO.self)
            #expect(after.status == .resolved)
            let timeline = try await api.get("/api/v1/tickets/\(started.chat.ticketId)/timeline", token: w.agent1Token).text
            #expect(timeline.contains("C'est urgent") && timeline.contains("Je regarde"))
            #expect(timeline.components(separatedBy: "C'est urgent").count == 2, "a resend is stored once")
            // The transcript: seq increasing, nothing doubled
            let transcript = try await api.get("/api/v1/chat/visitor", token: started.token).json(ChatTranscriptWire.self)
            let seqs = transcript.messages.map(\.seq)
            #expect(seqs == Array(1...seqs.count))
            #expect(transcript.chat.state == .ended)
            // A message after the end is refused
            let late = try await api.post("/api/v1/chat/visitor/messages", token: started.token, ChatMessageInput(text: "Encore ?"))
            #expect(late.status == .conflict)
        }
    }

    @Test("pictures and files both ways: on the ticket's reply, shown inline to the chat's own visitor only, 413 over the limit")
    func files() async throws {
        try await TestApp.run(maxUploadBytes: 64 * 1024) { api in
            let w = try await World.make(api)
            let c = try await Self.channel(w)
            try await Self.available(w, w.agent1Token)
            let started = try await Self.start(w, c).json(ChatStartedDTO.self)
            // A PNG's first bytes: enough for what is checked (type, size, bytes back unchanged).
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 1_000)
            let sent = try await api.send(.post, "/api/v1/chat/visitor/files?filename=ecran.png&client_id=f1", token: started.token,
                                          headers: [.contentType: "image/png"], raw: ByteBuffer(bytes: png))
            #expect(sent.status == .created, "\(sent.text)")
            let m = try sent.json(ChatMessageDTO.self)
            let a = try #require(m.attachment)
            #expect(a.filename == "ecran.png" && a.image && a.size == png.count && m.body == "ecran.png" && m.author == .visitor)
            // Resent after a drop: stored once
            let again = try await api.send(.post, "/api/v1/chat/visitor/files?filename=ecran.png&client_id=f1", token: started.token,
                                           headers: [.contentType: "image/png"], raw: ByteBuffer(bytes: png))
            #expect(again.status == .ok)
            #expect(try again.json(ChatMessageDTO.self).seq == m.seq)
            // On the ticket: the reply carries the file
            let files = try await api.get("/api/v1/tickets/\(started.chat.ticketId)/attachments", token: w.agent1Token).json(Page<AttachmentDTO>.self)
            #expect(files.items.map(\.id) == [a.id])
            #expect(files.items.first?.eventId != nil && files.items.first?.isPublic == true)
            // The visitor reads it back, inline when it is a picture
            let inline = try await api.send(.get, "/api/v1/chat/visitor/files/\(a.id)?inline=1", token: started.token)
            #expect(inline.status == .ok && inline.headers[.contentType] == "image/png" && Array(inline.body.readableBytesView) == png)
            let download = try await api.send(.get, "/api/v1/chat/visitor/files/\(a.id)", token: started.token)
            #expect(download.headers[.contentType] == "application/octet-stream" && download.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            // Another visitor's token opens nothing of it
            let other = try await Self.start(w, c, email: "dave@acme.example").json(ChatStartedDTO.self)
            #expect(try await api.send(.get, "/api/v1/chat/visitor/files/\(a.id)", token: other.token).status == .notFound)
            // The agent answers with a file of their own; someone else's agent may not
            let pdf = try await api.send(.post, "/api/v1/chat/chats/\(started.chat.id)/files?filename=procedure.pdf&text=Voici%20la%20proc%C3%A9dure",
                                         token: w.agent1Token, headers: [.contentType: "application/pdf"], raw: ByteBuffer(string: "%PDF-1.4 …"))
            #expect(pdf.status == .created, "\(pdf.text)")
            let reply = try pdf.json(ChatMessageDTO.self)
            #expect(reply.body == "Voici la procédure" && reply.attachment?.image == false && reply.author == .agent)
            let foreign = try await api.send(.post, "/api/v1/chat/chats/\(started.chat.id)/files?filename=x.txt", token: w.agent2Token,
                                             headers: [.contentType: "text/plain"], raw: ByteBuffer(string: "x"))
            #expect(foreign.status == .forbidden || foreign.status == .notFound)
            // An SVG is never shown inline (active content): a download
            let svg = try await api.send(.post, "/api/v1/chat/visitor/files?filename=x.svg", token: started.token,
                                         headers: [.contentType: "image/svg+xml"], raw: ByteBuffer(string: "<svg onload='alert(1)'/>"))
            let svgMessage = try svg.json(ChatMessageDTO.self)
            #expect(svgMessage.attachment?.image == false)
            let svgBack = try await api.send(.get, "/api/v1/chat/visitor/files/\(svgMessage.attachment!.id)?inline=1", token: started.token)
            #expect(svgBack.headers[.contentType] == "application/octet-stream")
            // Over the limit: 413, nothing stored
            let big = try await api.send(.post, "/api/v1/chat/visitor/files?filename=big.bin", token: started.token,
                                         headers: [.contentType: "application/octet-stream"], raw: ByteBuffer(repeating: 1, count: 70 * 1024))
            #expect(big.status == .contentTooLarge)
            let transcript = try await api.get("/api/v1/chat/visitor", token: started.token).json(ChatTranscriptWire.self)
            #expect(transcript.messages.filter { $0.attachment != nil }.count == 3)
            // Without a name: 400
            let unnamed = try await api.send(.post, "/api/v1/chat/visitor/files", token: started.token, headers: [.contentType: "image/png"], raw: ByteBuffer(bytes: png))
            #expect(unnamed.status == .unprocessableContent)
        }
    }

    @Test("channels administered from their pages: created, edited, a new secret refuses signatures made with the old one")
    func channelPages() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let b = Browser(api, language: "en")
            try await b.signIn(TestApp.adminEmail, TestApp.adminPassword)
            var page = try await b.get("/admin/chat-channels")
            #expect(page.status == .ok && page.contains("No chat channel."))
            let refused = try await b.post("/admin/chat-channels", [("name", "Intranet"), ("allowed_origins", "intranet.acme.example"), ("organization", ""), ("calendar", "")])
            #expect(refused.status == .unprocessableContent && refused.contains("scheme://host"))
            let created = try await b.post("/admin/chat-channels", [("name", "Intranet"), ("allowed_origins", "https://intranet.acme.example\nhttps://wiki.acme.example"),
                                                                    ("organization", w.acme.id.uuidString), ("calendar", "")])
            let location = try #require(created.location, "\(created.status) \(created.html.prefix(300))")
            page = try await b.get(location)
            #expect(page.contains("Chat channel created") && page.contains("data-escale-chat=&quot;chat_"))
            let channel = try #require(try await api.get("/api/v1/chat/channels", token: w.admin).json(Page<ChatChannelDTO>.self).items.first)
            #expect(channel.allowedOrigins == ["https://intranet.acme.example", "https://wiki.acme.example"] && channel.organizationId == w.acme.id)
            let base = String(location.prefix { $0 != "?" })
            let saved = try await b.post(base, [("name", "Intranet Acme"), ("allowed_origins", "https://intranet.acme.example"), ("organization", w.acme.id.uuidString),
                                                ("calendar", ""), ("greeting_fr", "Bonjour, que se passe-t-il ?"), ("greeting_en", "Hi, what happens?"),
                                                ("offline_fr", "Fermé"), ("offline_en", "Closed"), ("on_portal", "on"), ("active", "on")])
            #expect(saved.location != nil, "\(saved.status) \(saved.html.prefix(300))")
            let edited = try await api.get("/api/v1/chat/channels/\(channel.id)", token: w.admin).json(ChatChannelDTO.self)
            #expect(edited.name == "Intranet Acme" && edited.greetingFr == "Bonjour, que se passe-t-il ?" && edited.onPortal && edited.allowedOrigins.count == 1)
            // A signature made with the current secret works; after a new secret it is refused
            func sign(_ secret: String) -> String {
                Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("carol@acme.example".utf8), using: SymmetricKey(data: Data(secret.utf8))))
            }
            let old = sign(edited.secret)
            #expect(try await Self.start(w, edited, signature: old).status == .created)
            let rotated = try await b.post(base + "/secret", [])
            #expect(rotated.location != nil)
            let fresh = try await api.get("/api/v1/chat/channels/\(channel.id)", token: w.admin).json(ChatChannelDTO.self)
            #expect(fresh.secret != edited.secret)
            #expect(try await Self.start(w, fresh, email: "carol@acme.example", signature: old).status == .unauthorized)
            #expect(try await Self.start(w, fresh, email: "carol@acme.example", signature: sign(fresh.secret)).status == .created)
            // Agents do not administer channels
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            #expect(try await agent.get("/admin/chat-channels").status == .forbidden)
        }
    }

    @Test("waiting chats go oldest first to N1, the queue has places, escalation waits for N2, hand-over moves the chat")
    func routingQueueEscalationHandover() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let c = try await Self.channel(w)
            // Nobody available: both wait, with places
            let first = try await Self.start(w, c, email: "carol@acme.example").json(ChatStartedDTO.self)
            let second = try await Self.start(w, c, email: "dave@acme.example").json(ChatStartedDTO.self)
            #expect(first.chat.state == .waiting && first.chat.queuePosition == 1)
            #expect(second.chat.queuePosition == 2)
            let console = try await api.get("/api/v1/chat/console", token: w.agent1Token).json(ChatConsoleDTO.self)
            #expect(console.waiting.map(\.id) == [first.chat.id, second.chat.id])
            // An N1 agent with room for one: the oldest is theirs
            try await Self.available(w, w.agent1Token, max: 1)
            let now = try await api.get("/api/v1/chat/console", token: w.agent1Token).json(ChatConsoleDTO.self)
            #expect(now.mine.map(\.id) == [first.chat.id])
            #expect(now.waiting.map(\.id) == [second.chat.id])
            #expect(now.waiting.first?.queuePosition == 1)
            // Escalated: the ticket goes to N2 with the reason, the chat waits for an N2 agent
            let esc = try await api.post("/api/v1/chat/chats/\(first.chat.id)/escalate", token: w.agent1Token, ChatEscalateInput(reason: "Serveur d'impression HS"))
            #expect(esc.status == .ok, "\(esc.text)")
            // agent1 is free again and takes the second one; the escalated one waits for N2
            let mine = try await api.get("/api/v1/chat/console", token: w.agent1Token).json(ChatConsoleDTO.self)
            #expect(mine.mine.map(\.id) == [second.chat.id])
            try await Self.available(w, w.agent2Token)
            let n2 = try await api.get("/api/v1/chat/console", token: w.agent2Token).json(ChatConsoleDTO.self)
            #expect(n2.mine.map(\.id) == [first.chat.id])
            let ticket = try await api.get("/api/v1/tickets/\(first.chat.ticketId)", token: w.agent2Token).json(TicketDTO.self)
            #expect(ticket.tier == .n2)
            // Hand-over: agent1 gives the second chat to agent2, who sees it whole
            let h = try await api.post("/api/v1/chat/chats/\(second.chat.id)/handover", token: w.agent1Token, ChatHandoverInput(agentId: w.agent2.id))
            #expect(h.status == .ok, "\(h.text)")
            let moved = try h.json(ChatDTO.self)
            #expect(moved.agentId == w.agent2.id)
            let t2 = try await api.get("/api/v1/chat/chats/\(second.chat.id)/messages", token: w.agent2Token).json(ChatTranscriptWire.self)
            #expect(t2.messages.first?.body == "Mon imprimante ne répond plus")
            #expect(t2.messages.contains { $0.event == "handed_over" })
        }
    }

    @Test("refusals: origin not allowed 403, forged signature 401, oversized 413, flood 429, unknown key 404 — and no ticket made")
    func badInput() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let c = try await Self.channel(w)
            let before = try await api.get("/api/v1/tickets?limit=100", token: w.admin).text
            #expect(try await Self.start(w, c, origin: "https://evil.example").status == .forbidden)
            let forged = try await Self.start(w, c, email: "alice@acme.example", signature: String(repeating: "ab", count: 32))
            #expect(forged.status == .unauthorized, "\(forged.text)")
            #expect(try await Self.start(w, c, text: String(repeating: "x", count: 4_001)).status == .contentTooLarge)
            #expect(try await api.post("/api/v1/chat/widget/chat_nope/chats", token: nil, ChatStartInput(text: "x")).status == .notFound)
            let after = try await api.get("/api/v1/tickets?limit=100", token: w.admin).text
            #expect(before == after, "a refused chat made a ticket")
            // A proper signature proves the visitor
            let key = SymmetricKey(data: Data(c.secret.utf8))
            let signature = Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("alice@acme.example".utf8), using: key))
            let proven = try await Self.start(w, c, email: "Alice@Acme.example", signature: signature)
            #expect(proven.status == .created, "\(proven.text)")
            let chat = try proven.json(ChatStartedDTO.self)
            #expect(chat.chat.verified)
            // A flood from one visitor: sent at once (the bucket refills 1 a second; sent one after the other on a busy
            // machine, slow answers would let it refill and the flood would not be one)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<15 {
                    group.addTask { try await api.post("/api/v1/chat/visitor/messages", token: chat.token, ChatMessageInput(text: "spam \(i)")).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.contains(.tooManyRequests))
            #expect(!statuses.contains { $0.code >= 500 })
            // Too many starts from one address, at once too
            let starts = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<6 { group.addTask { try await Self.start(w, c, email: "flood\(i)@acme.example").status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(starts.contains(.tooManyRequests))
            // An unknown token
            #expect(try await api.get("/api/v1/chat/visitor", token: "chv_nope").status == .unauthorized)
            // A plain GET on the socket
            #expect(try await api.get("/api/v1/chat/socket?token=chv_nope", token: nil).status == .unauthorized)
        }
    }

    @Test("the frame may be framed by the channel's allowed origins only; the widget script loads from anywhere")
    func frameAndWidget() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let c = try await Self.channel(w)
            let frame = try await api.send(.get, "/chat/frame?key=\(c.key)&lang=fr&origin=\(Self.host)")
            #expect(frame.status == .ok)
            let csp = frame.headers[.contentSecurityPolicy] ?? ""
            #expect(csp.contains("frame-ancestors 'self' \(Self.host)"), "\(csp)")
            #expect(csp.contains("script-src 'self'"))
            #expect(frame.headers[.init("X-Frame-Options")!] == nil)
            #expect(frame.text.contains("/static/chat.js") && !frame.text.contains("⟦"))
            let refused = try await api.send(.get, "/chat/frame?key=\(c.key)&origin=https://evil.example")
            #expect(refused.status == .forbidden)
            let other = try await api.send(.get, "/queues/mine")
            #expect(other.headers[.init("X-Frame-Options")!] == "DENY" || other.status != .ok)
            let script = try await api.send(.get, "/chat/widget.js")
            #expect(script.status == .ok && script.text.contains("data-escale-chat"))
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
        }
    }

    @Test("offline: with nobody available the widget is a request form, which opens a ticket")
    func offlineForm() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let c = try await Self.channel(w)
            let widget = try await api.get("/api/v1/chat/widget/\(c.key)?lang=fr", token: nil).json(ChatWidgetDTO.self)
            #expect(!widget.online)
            #expect(widget.offline.contains("Personne"))
            let r = try await api.post("/api/v1/chat/widget/\(c.key)/requests", token: nil,
                                       ChatStartInput(name: "Carol", email: "carol@acme.example", text: "Besoin d'un écran"), headers: [.origin: Self.host])
            #expect(r.status == .created, "\(r.text)")
            let number = try r.json(ChatRequestDTO.self).ticketNumber
            #expect(number.hasPrefix("ESC-"))
            try await Self.available(w, w.agent1Token)
            #expect(try await api.get("/api/v1/chat/widget/\(c.key)", token: nil).json(ChatWidgetDTO.self).online)
        }
    }

    @Test("over WebSockets: both sides chat, typing and read marks pass, a dropped visitor resumes with nothing lost or doubled")
    func webSocketResume() async throws {
        try await TestApp.run(.live) { api in
            let w = try await World.make(api)
            let port = try #require(api.client.port)
            let c = try await Self.channel(w)
            try await Self.available(w, w.agent1Token)
            let started = try await Self.start(w, c).json(ChatStartedDTO.self)
            let chatId = started.chat.id
            let visitorURL = "ws://127.0.0.1:\(port)/api/v1/chat/socket?token=\(started.token)"
            let agentURL = "ws://127.0.0.1:\(port)/api/v1/chat/agent/socket"

            // The agent's socket, open all along
            let agent = SocketRecorder()
            let failure = Mutex<String?>(nil)
            let agentTask = Task {
                do {
                    let close = try await WebSocketClient.connect(url: agentURL, configuration: .init(additionalHeaders: [.authorization: "Bearer \(w.agent1Token)"]),
                                                      logger: Logger(label: "agent")) { inbound, outbound, _ in
                        await agent.run(inbound, outbound)
                    }
                    failure.withLock { $0 = "closed \(String(describing: close))" }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
            defer { agentTask.cancel() }
            do {
                try await agent.waitFor { $0.contains { $0.type == "assigned" && $0.chatId == chatId } }
            } catch {
                Issue.record("agent socket: \(failure.withLock { $0 } ?? "open")")
                throw error
            }

            let plain = try await api.send(.get, "/api/v1/chat/socket?token=\(started.token)", headers: [.origin: Self.host])
            #expect(plain.status.code == 426, "\(plain.text)")
            // The visitor connects, writes, the agent reads it and answers
            let visitor1 = SocketRecorder()
            let vfailure = Mutex<String?>(nil)
            let v1 = Task {
                do {
                    try await WebSocketClient.connect(url: visitorURL, configuration: .init(additionalHeaders: [.origin: Self.host]), logger: Logger(label: "v")) { inbound, outbound, _ in
                        await visitor1.run(inbound, outbound)
                    }
                    vfailure.withLock { $0 = "closed" }
                } catch {
                    vfailure.withLock { $0 = "\(error)" }
                }
            }
            do {
                try await visitor1.waitFor { $0.contains { $0.type == "assigned" } }
            } catch {
                Issue.record("visitor socket: \(vfailure.withLock { $0 } ?? "open")")
                throw error
            }
            await visitor1.send(ChatFrame(type: "resume", seq: 0))
            await visitor1.send(ChatFrame(type: "message", text: "Bonjour", clientId: "m-1"))
            await visitor1.send(ChatFrame(type: "typing", typing: true))
            try await agent.waitFor { $0.contains { $0.message?.body == "Bonjour" } }
            try await agent.waitFor { $0.contains { $0.type == "typing" && $0.author == .visitor } }
            await agent.send(ChatFrame(type: "message", chatId: chatId, text: "Bonjour, je suis là", clientId: "a-1"))
            try await visitor1.waitFor { $0.contains { $0.message?.body == "Bonjour, je suis là" } }
            let had = await visitor1.lastSeq()

            // The visitor's connection drops; meanwhile the agent writes twice
            await visitor1.close()
            v1.cancel()
            await agent.send(ChatFrame(type: "message", chatId: chatId, text: "Pendant la coupure 1", clientId: "a-2"))
            await agent.send(ChatFrame(type: "message", chatId: chatId, text: "Pendant la coupure 2", clientId: "a-3"))
            try await agent.waitFor { $0.contains { $0.message?.body == "Pendant la coupure 2" } }
            // ... and the visitor resends the message it was not sure about (same client id): stored once
            let visitor2 = SocketRecorder()
            let v2 = Task {
                try await WebSocketClient.connect(url: visitorURL, configuration: .init(additionalHeaders: [.origin: Self.host]), logger: Logger(label: "v2")) { inbound, outbound, _ in
                    await visitor2.run(inbound, outbound)
                }
            }
            defer { v2.cancel() }
            try await visitor2.waitFor { !$0.isEmpty }
            await visitor2.send(ChatFrame(type: "resume", seq: had))
            await visitor2.send(ChatFrame(type: "message", text: "Bonjour", clientId: "m-1"))
            await visitor2.send(ChatFrame(type: "message", text: "Me revoilà", clientId: "m-2"))
            try await visitor2.waitFor { $0.contains { $0.message?.body == "Me revoilà" } }
            let resumed = await visitor2.messages()
            #expect(resumed.map(\.body).filter { $0.hasPrefix("Pendant") } == ["Pendant la coupure 1", "Pendant la coupure 2"])
            #expect(resumed.allSatisfy { $0.seq > had }, "nothing shown twice")
            #expect(Set(resumed.map(\.seq)).count == resumed.count)
            let all = try await api.get("/api/v1/chat/visitor", token: started.token).json(ChatTranscriptWire.self).messages
            #expect(all.filter { $0.body == "Bonjour" }.count == 1, "the resend is stored once")
            #expect(all.map(\.seq) == Array(1...all.count))
            // Read marks reach the visitor
            await agent.send(ChatFrame(type: "read", chatId: chatId, seq: all.last!.seq))
            try await visitor2.waitFor { $0.contains { $0.type == "read" && ($0.chat?.agentReadSeq ?? 0) >= all.last!.seq } }
            // An oversized message over the socket is refused with 413, the socket stays
            await visitor2.send(ChatFrame(type: "message", text: String(repeating: "x", count: 4_001), clientId: "big"))
            try await visitor2.waitFor { $0.contains { $0.type == "error" && $0.status == 413 } }
            // A socket from a page of another origin is refused
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(url: visitorURL, configuration: .init(additionalHeaders: [.origin: "https://evil.example"]), logger: Logger(label: "evil")) { _, _, _ in }
            }
            await visitor2.close()
            await agent.close()
        }
    }
}

/// The transcript answer (`ChatTranscriptDTO` is internal to the server).
struct ChatTranscriptWire: Codable {
    var chat: ChatDTO
    var messages: [ChatMessageDTO]
}

/// Records the frames a WebSocket client receives, and sends frames on it.
actor SocketRecorder {
    private var frames: [ChatFrame] = []
    private var outbound: WebSocketOutboundWriter?
    private var done: CheckedContinuation<Void, Never>?

    func run(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async {
        self.outbound = outbound
        let reader = Task {
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case let .text(text) = message, let f = try? Wire.decoder().decode(ChatFrame.self, from: Data(text.utf8)) { await self.record(f) }
            }
        }
        await withCheckedContinuation { done = $0 }
        reader.cancel()
    }

    func record(_ f: ChatFrame) { frames.append(f) }

    func send(_ f: ChatFrame) async {
        try? await outbound?.write(.text(String(decoding: try! Wire.encoder().encode(f), as: UTF8.self)))
    }

    func close() async {
        try? await outbound?.close(.normalClosure, reason: nil)
        done?.resume(); done = nil
    }

    func messages() -> [ChatMessageDTO] { frames.compactMap(\.message) }
    func lastSeq() -> Int { frames.compactMap(\.message?.seq).max() ?? 0 }

    func waitFor(_ condition: @Sendable ([ChatFrame]) -> Bool, seconds: Double = 10) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(frames) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out; frames: \(frames.map(\.type))")
        throw CancellationError()
    }
}
