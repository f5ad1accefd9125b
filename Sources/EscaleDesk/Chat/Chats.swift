import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// What refuses a visitor, answered with a clear 4xx at the edge.
public enum ChatError: Error, Sendable, Equatable {
    /// The page embedding the widget is not one of the channel's allowed origins (403).
    case originRefused(String)
    /// The host application's identity signature does not match (401).
    case signatureRefused
    /// A message over the limit (413).
    case tooLong(Int)
    /// A flood from one visitor (429, retry after seconds).
    case rateLimited(Int)
    /// The visitor's token opens no chat (401).
    case unknownToken
}

/// Live chats: each one a ticket (channel `chat`) whose timeline holds the transcript. Messages are stored (with a
/// per-chat `seq`, once per `client_id`) before anyone is told, so a reconnecting client replays what it missed.
public struct Chats: Sendable {
    let desk: Desk

    /// Longest message, in characters.
    public static let maxText = 4_000
    public static let defaultMaxChats = 3

    public enum Sender: Sendable {
        case visitor
        case agent(Actor)
    }

    // MARK: Starting, and the offline form

    /// The visitor's identity as the widget gave it, checked: a signature proves the e-mail.
    struct Visitor {
        var user: UserModel?
        var newUser: (Desk.PreparedUser, UUID)?
        var actor: Actor
        var name: String
        var email: String
        var verified: Bool
    }

    func visitor(_ input: ChatStartInput, channel: ChatChannelModel) async throws -> Visitor {
        let db = desk.store.database
        guard let rawEmail = input.email?.trimmingCharacters(in: .whitespacesAndNewlines), !rawEmail.isEmpty else {
            throw DomainError.invalid(field: "email", "give your e-mail address")
        }
        let email = try Desk.validEmail(rawEmail)
        var verified = false
        if let signature = input.signature, !signature.isEmpty {
            guard ChatIdentity.matches(signature, expected: try await desk.chatChannels.signature(email: email, channel: channel)) else {
                throw ChatError.signatureRefused
            }
            verified = true
        }
        if let u = try await UserModel.query(on: db).filter(\.$email == email).first() {
            guard u.active, let role = Role(rawValue: u.role), !role.isStaff, let actor = try await desk.resolveActor(userId: u.id!, on: db) else {
                throw DomainError.invalid(field: "email", "this address cannot open a chat")
            }
            return Visitor(user: u, actor: actor, name: u.name, email: email, verified: verified)
        }
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw DomainError.invalid(field: "name", "give your name") }
        guard name.count <= 200 else { throw DomainError.invalid(field: "name", "at most 200 characters") }
        var organization = channel.organizationId
        if organization == nil {
            let domain = String(email.split(separator: "@").last ?? "")
            organization = try await desk.directory().organizations.first { $0.active && ($0.domains.contains(domain) || $0.domain == domain) }?.id
        }
        guard let organization else {
            throw DomainError.invalid(field: "email", "no organization of the desk is known by this address: ask your IT contact")
        }
        let id = UUID()
        let language = input.language.flatMap { LanguageDefault.supported.contains($0) ? $0 : nil }
        let user = Desk.PreparedUser(
            input: UserInput(email: email, name: name, role: .requester, password: "", organizationId: organization, locale: language),
            email: email, name: name, locale: language, groupIds: [], passwordHash: "!chat-" + Desk.randomToken())
        return Visitor(newUser: (user, id), actor: Actor(userId: id, role: .requester, organizationId: organization), name: name, email: email,
                       verified: verified)
    }

    func checkOrigins(_ input: ChatStartInput, requestOrigin: String?, channel: ChatChannelModel) throws {
        for origin in [requestOrigin, input.pageOrigin].compactMap({ $0 }) where !origin.isEmpty && origin != "null" {
            guard desk.chatChannels.allows(origin: origin, on: channel) else { throw ChatError.originRefused(origin) }
        }
    }

    static func checkText(_ text: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count > maxText { throw ChatError.tooLong(maxText) }
        if t.isEmpty { throw DomainError.invalid(field: "text", "write a message") }
        return t
    }

    func prepare(_ text: String, visitor: Visitor, subjectPrefix: String) async throws -> Desk.PreparedTicket {
        let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        var subject = "\(subjectPrefix): \(first)"
        if subject.count > TicketLimits.subjectLength.upperBound { subject = String(subject.prefix(TicketLimits.subjectLength.upperBound - 1)) + "…" }
        let input = TicketInput(subject: subject, description: text, impact: .medium, urgency: .medium)
        return try await desk.prepareTicket(input, by: visitor.actor, defaultChannel: .chat)
    }

    /// Writes the visitor (if new) and the ticket; returns the ticket and the actor to act as.
    func open(_ prepared: Desk.PreparedTicket, visitor: Visitor, on db: any Database) async throws -> (Ticket, Actor) {
        var prepared = prepared
        var actor = visitor.actor
        if let (user, id) = visitor.newUser {
            let dto = try await desk.insertUser(user, id: id, by: nil, on: db)
            prepared = prepared.forRequester(dto)
            actor = Actor(userId: id, role: .requester, organizationId: dto.organizationId)
        }
        let ticket = try await desk.createTicket(prepared, by: actor, on: db)
        try await TicketRepository.flushPendingCreations(on: db)
        return (ticket, actor)
    }

    /// Starts a chat: a ticket (channel `chat`) with the first message as its description, the chat waiting, routed
    /// at once if an agent has room. The answer's token is the visitor's key to this chat alone.
    public func start(_ input: ChatStartInput, channel: ChatChannelModel, requestOrigin: String?) async throws -> ChatStartedDTO {
        try checkOrigins(input, requestOrigin: requestOrigin, channel: channel)
        let text = try Self.checkText(input.text)
        let visitor = try await visitor(input, channel: channel)
        let prepared = try await prepare(text, visitor: visitor, subjectPrefix: "Chat")
        try await desk.chatChannels.warm()
        let token = "chv_" + Desk.randomToken()
        let chatId = try await desk.store.write { db in
            let (ticket, _) = try await open(prepared, visitor: visitor, on: db)
            let chat = ChatModel()
            chat.id = UUID(); chat.channelId = channel.id!; chat.ticketId = ticket.id; chat.ticketNumber = ticket.number
            chat.organizationId = ticket.organizationId; chat.visitorId = ticket.requesterId; chat.visitorName = visitor.name
            chat.visitorEmail = visitor.email; chat.verified = visitor.verified; chat.tokenHash = Desk.hashToken(token)
            chat.state = ChatState.waiting.rawValue; chat.tier = Tier.n1.rawValue; chat.lastSeq = 0; chat.visitorReadSeq = 0
            chat.agentReadSeq = 0; chat.createdAt = desk.now
            try await chat.create(on: db)
            _ = try await append(to: chat, author: .visitor, userId: ticket.requesterId, name: visitor.name, body: text, event: nil,
                                 clientId: "start", on: db)
            try await route(on: db)
            try await signal(.state, chat.id!, on: db)
            return chat.id!
        }
        return ChatStartedDTO(token: token, chat: try await dto(try await find(chatId)))
    }

    /// Outside opening hours or with nobody available: the widget's form opens a plain ticket.
    public func request(_ input: ChatStartInput, channel: ChatChannelModel, requestOrigin: String?) async throws -> ChatRequestDTO {
        try checkOrigins(input, requestOrigin: requestOrigin, channel: channel)
        let text = try Self.checkText(input.text)
        let visitor = try await visitor(input, channel: channel)
        let prepared = try await prepare(text, visitor: visitor, subjectPrefix: "Chat request")
        let ticket = try await desk.store.write { db in try await open(prepared, visitor: visitor, on: db).0 }
        return ChatRequestDTO(ticketNumber: ticket.number)
    }

    /// Somebody could answer a chat of this organization now (nil: any).
    public func someoneAvailable(for organization: UUID?) async throws -> Bool {
        let db = desk.store.database
        let present = try await AgentPresenceModel.query(on: db).filter(\.$availability == ChatAvailability.available.rawValue).all().compactMap(\.id)
        guard !present.isEmpty else { return false }
        let directory = try await desk.directory()
        return directory.staff.contains { s in
            present.contains(s.id) && s.groupIds.contains { g in
                guard let group = directory.group(g), group.active else { return false }
                return organization.map { group.servesAllOrganizations || group.organizationIds.contains($0) } ?? true
            }
        }
    }

    // MARK: Messages

    /// The chat a visitor's token opens.
    public func chat(token: String) async throws -> ChatModel {
        guard !token.isEmpty, token.count <= 200,
              let c = try await ChatModel.query(on: desk.store.database).filter(\.$tokenHash == Desk.hashToken(token)).first() else {
            throw ChatError.unknownToken
        }
        return c
    }

    /// A chat an agent may work on (its ticket within their scope), or not-found.
    public func chat(_ id: UUID, by actor: Actor, on db: (any Database)? = nil) async throws -> ChatModel {
        try AccessPolicy.require(actor, .workTickets)
        let db = db ?? desk.store.database
        guard let c = try await ChatModel.find(id, on: db) else { throw DomainError.notFound("chat") }
        _ = try await desk.ticket(c.ticketId, by: actor, on: db)
        return c
    }

    /// Posts a message: stored with the next `seq` (once per `client_id`), and appended to the ticket's timeline as a
    /// public reply by its author. A file (stored beforehand, `desk.files`) goes with it: attached to that reply, and
    /// described on the message; its text may then be empty (the file's name stands for it). Returns the message and
    /// whether it is new.
    public func post(_ chatId: UUID, text: String, clientId: String?, file: Desk.StoredFile? = nil, from sender: Sender,
                     on db: any Database) async throws -> (ChatMessageDTO, Bool) {
        let body: String
        if let file {
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.count > Self.maxText { throw ChatError.tooLong(Self.maxText) }
            body = t.isEmpty ? Desk.safeFilename(file.filename) : t
        } else {
            body = try Self.checkText(text)
        }
        let cid = (clientId?.isEmpty == false ? clientId! : UUID().uuidString)
        guard cid.count <= 100 else { throw DomainError.invalid(field: "client_id", "at most 100 characters") }
        guard let chat = try await ChatModel.find(chatId, on: db) else { throw DomainError.notFound("chat") }
        if let existing = try await ChatMessageModel.query(on: db).filter(\.$chatId == chatId).filter(\.$clientId == cid).first() {
            return (Self.dto(existing), false)
        }
        guard chat.state != ChatState.ended.rawValue else { throw DomainError.conflict("this chat has ended") }
        let actor: Actor
        let author: ChatAuthor
        let name: String
        switch sender {
        case .visitor:
            guard let a = try await desk.resolveActor(userId: chat.visitorId, on: db) else { throw ChatError.unknownToken }
            actor = a; author = .visitor; name = chat.visitorName
        case let .agent(a):
            guard chat.agentId == a.userId else { throw DomainError.forbidden("this chat is not yours: take it first") }
            actor = a; author = .agent; name = try await UserModel.find(a.userId, on: db)?.name ?? ""
        }
        guard let ticket = try await TicketRepository.find(chat.ticketId, scope: AccessPolicy.ticketScope(of: actor), forUpdate: true, on: db) else {
            throw DomainError.notFound("chat")
        }
        let reply = try await desk.comment(on: ticket, CommentInput(body: body, isPublic: true), files: file.map { [$0] } ?? [], via: .chat,
                                           by: actor, on: db)
        let message = try await append(to: chat, author: author, userId: actor.userId, name: name, body: body, event: nil, clientId: cid,
                                       attachment: reply.attachments.first, on: db)
        try await signal(.messages, chatId, on: db)
        return (message, true)
    }

    /// A file sent in a chat, for the chat's visitor (their token opened `chat`): only that chat's files.
    public func attachment(_ id: UUID, of chat: ChatModel) async throws -> (AttachmentDTO, URL) {
        let db = desk.store.database
        guard try await ChatMessageModel.query(on: db).filter(\.$chatId == chat.id!).filter(\.$attachmentId == id).first() != nil,
              let a = try await AttachmentModel.find(id, on: db), a.ticketId == chat.ticketId, a.isPublic else {
            throw DomainError.notFound("attachment")
        }
        return (Desk.dto(a), desk.files.url(for: a.sha256))
    }

    /// Messages after `seq`, in order.
    public func messages(of chatId: UUID, after seq: Int, limit: Int = 500) async throws -> [ChatMessageDTO] {
        try await ChatMessageModel.query(on: desk.store.database).filter(\.$chatId == chatId).filter(\.$seq > seq)
            .sort(\.$seq).limit(limit).all().map(Self.dto)
    }

    /// Moves the reader's read mark forward.
    public func markRead(_ chatId: UUID, seq: Int, by sender: Sender) async throws {
        try await desk.store.write { db in
            guard let chat = try await ChatModel.find(chatId, on: db) else { throw DomainError.notFound("chat") }
            let upTo = min(max(0, seq), chat.lastSeq)
            switch sender {
            case .visitor:
                guard upTo > chat.visitorReadSeq else { return }
                chat.visitorReadSeq = upTo
            case let .agent(a):
                guard chat.agentId == a.userId, upTo > chat.agentReadSeq else { return }
                chat.agentReadSeq = upTo
            }
            try await chat.update(on: db)
            try await signal(.read, chatId, on: db)
        }
    }

    /// Someone types: nothing stored; every instance's sockets on the chat told (a lost notice only delays a dot).
    public func typing(_ chatId: UUID, author: ChatAuthor, typing: Bool) async {
        let signals = desk.chatSignals
        try? await desk.store.notifyNow(ChatSignal.channel, ChatSignal(kind: .typing, chatId: chatId, author: author.rawValue, typing: typing).payload) {
            signals.publish(payload: $0)
        }
    }

    /// The visitor leaves: the chat ends, the ticket stays as it is.
    public func leave(_ chatId: UUID) async throws {
        try await desk.store.write { db in
            guard let chat = try await ChatModel.find(chatId, on: db), chat.state != ChatState.ended.rawValue else { return }
            chat.state = ChatState.ended.rawValue; chat.endedAt = desk.now
            try await chat.update(on: db)
            _ = try await append(to: chat, author: .system, userId: nil, name: nil, body: "visitor", event: "ended", clientId: nil, on: db)
            try await route(on: db)
            try await signal(.state, chatId, on: db)
        }
    }

    // MARK: Agents

    public func availability(of actor: Actor) async throws -> AgentAvailabilityDTO {
        try AccessPolicy.require(actor, .workTickets)
        let db = desk.store.database
        let p = try await AgentPresenceModel.find(actor.userId, on: db)
        let active = try await ChatModel.query(on: db).filter(\.$agentId == actor.userId).filter(\.$state == ChatState.active.rawValue).count()
        return AgentAvailabilityDTO(userId: actor.userId, availability: p.flatMap { ChatAvailability(rawValue: $0.availability) } ?? .offline,
                                    maxChats: p?.maxChats ?? Self.defaultMaxChats, activeChats: active)
    }

    public func setAvailability(_ input: AgentAvailabilityInput, by actor: Actor, on db: any Database) async throws {
        try AccessPolicy.require(actor, .workTickets)
        if let m = input.maxChats, !(1...20).contains(m) { throw DomainError.invalid(field: "max_chats", "between 1 and 20") }
        let p = try await AgentPresenceModel.find(actor.userId, on: db) ?? {
            let p = AgentPresenceModel(); p.id = actor.userId; p.maxChats = Self.defaultMaxChats; return p
        }()
        p.availability = input.availability.rawValue; p.maxChats = input.maxChats ?? p.maxChats; p.updatedAt = desk.now
        try await p.save(on: db)
        try await route(on: db)
        try await signal(.state, nil, on: db)
    }

    /// Chats waiting (oldest first) among the agent's organizations, and the agent's own open chats.
    public func console(by actor: Actor) async throws -> ChatConsoleDTO {
        try AccessPolicy.require(actor, .workTickets)
        let db = desk.store.database
        let scope = AccessPolicy.organizationScope(of: actor)
        let waiting = try await ChatModel.query(on: db).filter(\.$state == ChatState.waiting.rawValue).sort(\.$createdAt).all()
        let positions = ChatRouting.positions(waiting.map(Self.waiting))
        let visible = waiting.filter { c in c.organizationId.map(scope.contains) ?? true }
        let mine = try await ChatModel.query(on: db).filter(\.$agentId == actor.userId).filter(\.$state == ChatState.active.rawValue)
            .sort(\.$createdAt).all()
        var w: [ChatDTO] = [], m: [ChatDTO] = []
        for c in visible { w.append(try await dto(c, position: positions[c.id!])) }
        for c in mine { m.append(try await dto(c)) }
        return ChatConsoleDTO(waiting: w, mine: m, availability: try await availability(of: actor))
    }

    /// Who a chat can be handed to: the desk's other agents with their chat availability, available ones first.
    public func handOverCandidates(by actor: Actor) async throws -> [(id: UUID, name: String, availability: ChatAvailability)] {
        try AccessPolicy.require(actor, .workTickets)
        let presence = try await AgentPresenceModel.query(on: desk.store.database).all()
        let availability = Dictionary(uniqueKeysWithValues: presence.map { ($0.id!, ChatAvailability(rawValue: $0.availability) ?? .offline) })
        let rank: [ChatAvailability: Int] = [.available: 0, .away: 1, .offline: 2]
        return try await desk.directory().staff.filter { $0.id != actor.userId }
            .map { (id: $0.id, name: $0.name, availability: availability[$0.id] ?? .offline) }
            .sorted { (rank[$0.availability] ?? 2, $0.name) < (rank[$1.availability] ?? 2, $1.name) }
    }

    /// An agent takes a waiting chat.
    public func take(_ chatId: UUID, by actor: Actor, on db: any Database) async throws -> ChatDTO {
        let chat = try await chat(chatId, by: actor, on: db)
        guard chat.state == ChatState.waiting.rawValue else { throw DomainError.conflict("this chat is not waiting any more") }
        if let tier = Tier(rawValue: chat.tier), tier > .n1, !AccessPolicy.canEscalate(actor, from: tier) {
            throw DomainError.forbidden("this chat waits for \(tier.label)")
        }
        try await assign(chat, to: actor.userId, event: "assigned", on: db)
        try await signal(.state, chatId, on: db)
        return try await dto(chat, on: db)
    }

    /// The chat's agent hands it to another agent, who sees the whole transcript.
    public func handOver(_ chatId: UUID, to agentId: UUID, by actor: Actor, on db: any Database) async throws -> ChatDTO {
        let chat = try await chat(chatId, by: actor, on: db)
        try requireOwner(chat, actor)
        guard agentId != actor.userId else { throw DomainError.invalid(field: "agent_id", "hand the chat to someone else") }
        guard let other = try await desk.resolveActor(userId: agentId, on: db), other.role.isStaff,
              try await TicketRepository.find(chat.ticketId, scope: AccessPolicy.ticketScope(of: other), on: db) != nil else {
            throw DomainError.invalid(field: "agent_id", "unknown agent, or one who does not serve this organization")
        }
        try await assign(chat, to: agentId, event: "handed_over", by: actor, on: db)
        try await signal(.state, chatId, on: db)
        return try await dto(chat, on: db)
    }

    /// Escalates the ticket to N2 with a reason (`Desk.escalate`); the chat waits for an N2 agent.
    public func escalate(_ chatId: UUID, reason: String, by actor: Actor, on db: any Database) async throws -> ChatDTO {
        let chat = try await chat(chatId, by: actor, on: db)
        try requireOwner(chat, actor)
        _ = try await desk.escalate(chat.ticketId, EscalateInput(tier: .n2, reason: reason), by: actor, on: db)
        chat.state = ChatState.waiting.rawValue; chat.agentId = nil; chat.tier = Tier.n2.rawValue
        try await chat.update(on: db)
        _ = try await append(to: chat, author: .system, userId: actor.userId, name: nil, body: "N2", event: "escalated", clientId: nil, on: db)
        try await route(on: db)
        try await signal(.state, chatId, on: db)
        return try await dto(chat, on: db)
    }

    /// Ends the chat; the ticket stays open, or becomes pending or resolved.
    public func end(_ chatId: UUID, status: String, by actor: Actor, on db: any Database) async throws -> ChatDTO {
        let chat = try await chat(chatId, by: actor, on: db)
        try requireOwner(chat, actor)
        let target: TicketStatus?
        switch status {
        case "open": target = nil
        case "pending": target = .pending
        case "resolved": target = .resolved
        default: throw DomainError.invalid(field: "status", "one of open, pending, resolved")
        }
        chat.state = ChatState.ended.rawValue; chat.endedAt = desk.now
        try await chat.update(on: db)
        _ = try await append(to: chat, author: .system, userId: actor.userId, name: nil, body: status, event: "ended", clientId: nil, on: db)
        if let target, let t = try await TicketRepository.find(chat.ticketId, scope: .all, forUpdate: true, on: db), t.status != target {
            var patch = TicketPatch()
            patch.status = target
            _ = try await desk.updateTicket(chat.ticketId, patch, expectedVersion: t.version, by: actor, on: db)
        }
        try await route(on: db)
        try await signal(.state, chatId, on: db)
        return try await dto(chat, on: db)
    }

    private func requireOwner(_ chat: ChatModel, _ actor: Actor) throws {
        guard chat.state == ChatState.active.rawValue else { throw DomainError.conflict("this chat is not in progress") }
        guard chat.agentId == actor.userId || AccessPolicy.allows(actor, .supervise) else {
            throw DomainError.forbidden("only the chat's agent (or a supervisor) may do this")
        }
    }

    // MARK: Routing

    /// Gives waiting chats to available agents with room (`ChatRouting`), oldest first.
    func route(on db: any Database) async throws {
        let waiting = try await ChatModel.query(on: db).filter(\.$state == ChatState.waiting.rawValue).all()
        guard !waiting.isEmpty else { return }
        let present = try await AgentPresenceModel.query(on: db).filter(\.$availability == ChatAvailability.available.rawValue).all()
        guard !present.isEmpty else { return }
        let ids = present.compactMap(\.id)
        let active = try await ChatModel.query(on: db).filter(\.$agentId ~~ ids).filter(\.$state == ChatState.active.rawValue).all()
        let load = Dictionary(grouping: active, by: { $0.agentId! }).mapValues(\.count)
        let directory = try await desk.directory(on: db)
        let agents: [ChatRouting.Agent] = present.compactMap { p in
            guard let staff = directory.staff.first(where: { $0.id == p.id }) else { return nil }
            let groups = staff.groupIds.compactMap { directory.group($0) }.filter(\.active).map {
                ChatRouting.Agent.Group(tier: $0.tier, serves: $0.servesAllOrganizations ? .all : .only(Set($0.organizationIds)))
            }
            return ChatRouting.Agent(id: p.id!, availability: ChatAvailability(rawValue: p.availability) ?? .offline, maxChats: p.maxChats,
                                     activeChats: load[p.id!] ?? 0, groups: groups)
        }
        let byId = Dictionary(uniqueKeysWithValues: waiting.map { ($0.id!, $0) })
        for (chatId, agent) in ChatRouting.assign(waiting.map(Self.waiting), agents: agents) {
            guard let chat = byId[chatId] else { continue }
            try await assign(chat, to: agent, event: "assigned", on: db)
            try await signal(.state, chatId, on: db)
        }
    }

    /// The chat goes to an agent, and so does its ticket.
    private func assign(_ chat: ChatModel, to agentId: UUID, event: String, by: Actor? = nil, on db: any Database) async throws {
        chat.state = ChatState.active.rawValue; chat.agentId = agentId; chat.assignedAt = desk.now
        try await chat.update(on: db)
        let name = try await UserModel.find(agentId, on: db)?.name ?? ""
        _ = try await append(to: chat, author: .system, userId: agentId, name: name, body: name, event: event, clientId: nil, on: db)
        var actor = by
        if actor == nil { actor = try await desk.resolveActor(userId: agentId, on: db) }
        guard let actor, let t = try await TicketRepository.find(chat.ticketId, scope: .all, forUpdate: true, on: db), t.assigneeId != agentId else { return }
        var patch = TicketPatch()
        patch.assigneeId = .some(agentId)
        _ = try await desk.updateTicket(chat.ticketId, patch, expectedVersion: t.version, by: actor, on: db)
    }

    // MARK: Internals

    /// Stores a message with the chat's next `seq` (the UPDATE takes the row's lock on PostgreSQL: seqs commit in order).
    private func append(to chat: ChatModel, author: ChatAuthor, userId: UUID?, name: String?, body: String, event: String?, clientId: String?,
                        attachment: AttachmentModel? = nil, on db: any Database) async throws -> ChatMessageDTO {
        let sql = db as! any SQLDatabase
        guard let row = try await sql.raw("UPDATE chats SET last_seq = last_seq + 1 WHERE id = \(bind: chat.id!) RETURNING last_seq").first() else {
            throw DomainError.notFound("chat")
        }
        let seq = try row.decode(column: "last_seq", as: Int.self)
        chat.lastSeq = seq
        let m = ChatMessageModel()
        m.id = UUID(); m.chatId = chat.id!; m.seq = seq; m.clientId = clientId ?? "system-\(seq)"; m.author = author.rawValue; m.userId = userId
        m.authorName = name; m.body = body; m.event = event; m.createdAt = desk.now
        m.attachmentId = attachment?.id; m.attachmentName = attachment?.filename; m.attachmentType = attachment?.contentType; m.attachmentSize = attachment?.size
        try await m.create(on: db)
        return Self.dto(m)
    }

    func signal(_ kind: ChatSignal.Kind, _ chatId: UUID?, on db: any Database) async throws {
        let s = ChatSignal(kind: kind, chatId: chatId ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        let signals = desk.chatSignals
        try await desk.store.notify(ChatSignal.channel, s.payload, on: db) { signals.publish(payload: $0) }
    }

    func find(_ id: UUID) async throws -> ChatModel {
        guard let c = try await ChatModel.find(id, on: desk.store.database) else { throw DomainError.notFound("chat") }
        return c
    }

    static func waiting(_ c: ChatModel) -> ChatRouting.Waiting {
        ChatRouting.Waiting(id: c.id!, organizationId: c.organizationId, since: c.createdAt, minimumTier: Tier(rawValue: c.tier) ?? .n1,
                            arrival: TicketNumber.parse(c.ticketNumber) ?? 0)
    }

    /// The chat as its visitor or agent sees it; a waiting chat's place in the queue is computed.
    public func dto(_ c: ChatModel, position: Int? = nil, on db: (any Database)? = nil) async throws -> ChatDTO {
        let db = db ?? desk.store.database
        var place = position
        if place == nil, c.state == ChatState.waiting.rawValue {
            let waiting = try await ChatModel.query(on: db).filter(\.$state == ChatState.waiting.rawValue).all()
            place = ChatRouting.positions(waiting.map(Self.waiting))[c.id!]
        }
        var agentName: String?
        if let a = c.agentId { agentName = try await UserModel.find(a, on: db)?.name }
        return ChatDTO(id: c.id!, channelId: c.channelId, ticketId: c.ticketId, ticketNumber: c.ticketNumber,
                       state: ChatState(rawValue: c.state) ?? .ended, visitorName: c.visitorName, visitorEmail: c.visitorEmail, verified: c.verified,
                       organizationId: c.organizationId, agentId: c.agentId, agentName: agentName, createdAt: c.createdAt, assignedAt: c.assignedAt,
                       endedAt: c.endedAt, lastSeq: c.lastSeq, visitorReadSeq: c.visitorReadSeq, agentReadSeq: c.agentReadSeq, queuePosition: place)
    }

    public func dto(_ id: UUID) async throws -> ChatDTO { try await dto(try await find(id)) }

    static func dto(_ m: ChatMessageModel) -> ChatMessageDTO {
        ChatMessageDTO(id: m.id!, chatId: m.chatId, seq: m.seq, clientId: m.clientId, author: ChatAuthor(rawValue: m.author) ?? .system,
                       authorName: m.authorName, body: m.body, event: m.event,
                       attachment: m.attachmentId.map { ChatAttachmentDTO(id: $0, filename: m.attachmentName ?? "", contentType: m.attachmentType ?? "",
                                                                          size: m.attachmentSize ?? 0) },
                       createdAt: m.createdAt)
    }
}

extension Desk {
    /// Live chats.
    public var chats: Chats { Chats(desk: self) }
}

extension Chats {
    /// Every waiting chat, oldest first, with its place.
    public func waitingNow() async throws -> [ChatDTO] {
        let waiting = try await ChatModel.query(on: desk.store.database).filter(\.$state == ChatState.waiting.rawValue).all()
        let positions = ChatRouting.positions(waiting.map(Self.waiting))
        var out: [ChatDTO] = []
        for c in waiting.sorted(by: { (positions[$0.id!] ?? 0) < (positions[$1.id!] ?? 0) }) { out.append(try await dto(c, position: positions[c.id!])) }
        return out
    }
}
