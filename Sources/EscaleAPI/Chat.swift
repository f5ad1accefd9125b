import EscaleCore
import Foundation

/// A live-chat channel: where the widget may appear, whose chats they are, when agents answer, what it says.
public struct ChatChannelInput: Codable, Sendable {
    public var name: String
    /// Origins (`https://intranet.example`) allowed to embed the widget; the desk's own origin always is.
    public var allowedOrigins: [String]
    /// The organization chats belong to; nil: from the visitor (their account, or their e-mail's domain).
    public var organizationId: UUID?
    /// Opening hours; nil: always open (agents' availability still decides).
    public var calendarId: UUID?
    public var greetingFr: String?
    public var greetingEn: String?
    public var offlineFr: String?
    public var offlineEn: String?
    /// Shown on the portal to signed-in requesters. Absent means false.
    public var onPortal: Bool?
    /// Absent means true.
    public var active: Bool?

    public init(name: String, allowedOrigins: [String] = [], organizationId: UUID? = nil, calendarId: UUID? = nil,
                greetingFr: String? = nil, greetingEn: String? = nil, offlineFr: String? = nil, offlineEn: String? = nil,
                onPortal: Bool? = nil, active: Bool? = nil) {
        self.name = name; self.allowedOrigins = allowedOrigins; self.organizationId = organizationId; self.calendarId = calendarId
        self.greetingFr = greetingFr; self.greetingEn = greetingEn; self.offlineFr = offlineFr; self.offlineEn = offlineEn
        self.onPortal = onPortal; self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case name, allowedOrigins = "allowed_origins", organizationId = "organization_id", calendarId = "calendar_id",
             greetingFr = "greeting_fr", greetingEn = "greeting_en", offlineFr = "offline_fr", offlineEn = "offline_en",
             onPortal = "on_portal", active
    }
}

public struct ChatChannelDTO: Codable, Sendable {
    public var id: UUID
    public var name: String
    /// The widget's public key (`data-escale-chat`).
    public var key: String
    /// The secret host applications sign visitors' e-mails with (administrators only).
    public var secret: String
    public var allowedOrigins: [String]
    public var organizationId: UUID?
    public var calendarId: UUID?
    public var greetingFr: String
    public var greetingEn: String
    public var offlineFr: String
    public var offlineEn: String
    public var onPortal: Bool
    public var active: Bool
    /// The tag to paste in a page.
    public var snippet: String
    public var createdAt: Date

    public init(id: UUID, name: String, key: String, secret: String, allowedOrigins: [String], organizationId: UUID?, calendarId: UUID?,
                greetingFr: String, greetingEn: String, offlineFr: String, offlineEn: String, onPortal: Bool, active: Bool, snippet: String,
                createdAt: Date) {
        self.id = id; self.name = name; self.key = key; self.secret = secret; self.allowedOrigins = allowedOrigins
        self.organizationId = organizationId; self.calendarId = calendarId; self.greetingFr = greetingFr; self.greetingEn = greetingEn
        self.offlineFr = offlineFr; self.offlineEn = offlineEn; self.onPortal = onPortal; self.active = active; self.snippet = snippet
        self.createdAt = createdAt
    }

    public var input: ChatChannelInput {
        ChatChannelInput(name: name, allowedOrigins: allowedOrigins, organizationId: organizationId, calendarId: calendarId,
                         greetingFr: greetingFr, greetingEn: greetingEn, offlineFr: offlineFr, offlineEn: offlineEn, onPortal: onPortal, active: active)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, key, secret, allowedOrigins = "allowed_origins", organizationId = "organization_id", calendarId = "calendar_id",
             greetingFr = "greeting_fr", greetingEn = "greeting_en", offlineFr = "offline_fr", offlineEn = "offline_en",
             onPortal = "on_portal", active, snippet, createdAt = "created_at"
    }
}

/// What the widget needs before a chat starts (public).
public struct ChatWidgetDTO: Codable, Sendable {
    public var key: String
    public var name: String
    /// Open now and somebody available: a chat can start; else the widget is a request form.
    public var online: Bool
    public var greeting: String
    public var offline: String
    public var language: String

    public init(key: String, name: String, online: Bool, greeting: String, offline: String, language: String) {
        self.key = key; self.name = name; self.online = online; self.greeting = greeting; self.offline = offline; self.language = language
    }
}

/// A visitor starting a chat (or, offline, leaving a request).
public struct ChatStartInput: Codable, Sendable {
    public var name: String?
    public var email: String?
    /// HMAC-SHA-256 (hex) of the lowercased e-mail with the channel's secret, computed by the host application.
    public var signature: String?
    /// The first message (or the request, offline).
    public var text: String
    /// The origin of the page the widget sits on, as the frame sees it.
    public var pageOrigin: String?
    public var language: String?

    public init(name: String? = nil, email: String? = nil, signature: String? = nil, text: String, pageOrigin: String? = nil, language: String? = nil) {
        self.name = name; self.email = email; self.signature = signature; self.text = text; self.pageOrigin = pageOrigin; self.language = language
    }

    enum CodingKeys: String, CodingKey {
        case name, email, signature, text, pageOrigin = "page_origin", language
    }
}

/// A chat just started: the visitor's bearer token (shown once) and the chat.
public struct ChatStartedDTO: Codable, Sendable {
    public var token: String
    public var chat: ChatDTO
    public init(token: String, chat: ChatDTO) { self.token = token; self.chat = chat }
}

/// An offline request: the ticket it opened.
public struct ChatRequestDTO: Codable, Sendable {
    public var ticketNumber: String
    public init(ticketNumber: String) { self.ticketNumber = ticketNumber }
    enum CodingKeys: String, CodingKey { case ticketNumber = "ticket_number" }
}

public enum ChatState: String, Codable, Sendable, CaseIterable {
    case waiting, active, ended
}

public struct ChatDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var channelId: UUID
    public var ticketId: UUID
    public var ticketNumber: String
    public var state: ChatState
    public var visitorName: String
    public var visitorEmail: String?
    /// The visitor's identity was proven (a portal session or the host application's signature).
    public var verified: Bool
    public var organizationId: UUID?
    public var agentId: UUID?
    public var agentName: String?
    public var createdAt: Date
    public var assignedAt: Date?
    public var endedAt: Date?
    /// The last message's `seq`.
    public var lastSeq: Int
    public var visitorReadSeq: Int
    public var agentReadSeq: Int
    /// 1-based place in the queue while waiting.
    public var queuePosition: Int?

    public init(id: UUID, channelId: UUID, ticketId: UUID, ticketNumber: String, state: ChatState, visitorName: String, visitorEmail: String?,
                verified: Bool, organizationId: UUID?, agentId: UUID?, agentName: String?, createdAt: Date, assignedAt: Date?, endedAt: Date?,
                lastSeq: Int, visitorReadSeq: Int, agentReadSeq: Int, queuePosition: Int?) {
        self.id = id; self.channelId = channelId; self.ticketId = ticketId; self.ticketNumber = ticketNumber; self.state = state
        self.visitorName = visitorName; self.visitorEmail = visitorEmail; self.verified = verified; self.organizationId = organizationId
        self.agentId = agentId; self.agentName = agentName; self.createdAt = createdAt; self.assignedAt = assignedAt; self.endedAt = endedAt
        self.lastSeq = lastSeq; self.visitorReadSeq = visitorReadSeq; self.agentReadSeq = agentReadSeq; self.queuePosition = queuePosition
    }

    enum CodingKeys: String, CodingKey {
        case id, channelId = "channel_id", ticketId = "ticket_id", ticketNumber = "ticket_number", state, visitorName = "visitor_name",
             visitorEmail = "visitor_email", verified, organizationId = "organization_id", agentId = "agent_id", agentName = "agent_name",
             createdAt = "created_at", assignedAt = "assigned_at", endedAt = "ended_at", lastSeq = "last_seq",
             visitorReadSeq = "visitor_read_seq", agentReadSeq = "agent_read_seq", queuePosition = "queue_position"
    }
}

public enum ChatAuthor: String, Codable, Sendable {
    case visitor, agent, system
}

public struct ChatMessageDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var chatId: UUID
    /// Increases by one per message of the chat: a client resumes after the last one it has.
    public var seq: Int
    /// The sender's own id for the message: a resend after a drop is stored once.
    public var clientId: String
    public var author: ChatAuthor
    public var authorName: String?
    public var body: String
    /// System messages: `assigned`, `handed_over`, `escalated`, `ended`.
    public var event: String?
    /// A file or image sent in the chat (also on the ticket, attached to the reply).
    public var attachment: ChatAttachmentDTO?
    public var createdAt: Date

    public init(id: UUID, chatId: UUID, seq: Int, clientId: String, author: ChatAuthor, authorName: String?, body: String, event: String?,
                attachment: ChatAttachmentDTO? = nil, createdAt: Date) {
        self.id = id; self.chatId = chatId; self.seq = seq; self.clientId = clientId; self.author = author; self.authorName = authorName
        self.body = body; self.event = event; self.attachment = attachment; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, chatId = "chat_id", seq, clientId = "client_id", author, authorName = "author_name", body, event, attachment, createdAt = "created_at"
    }
}

/// A file sent in a chat. `image` is true for raster images (PNG, JPEG, GIF, WebP), which the chat shows inline.
public struct ChatAttachmentDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var filename: String
    public var contentType: String
    public var size: Int
    public var image: Bool

    public init(id: UUID, filename: String, contentType: String, size: Int) {
        self.id = id; self.filename = filename; self.contentType = contentType; self.size = size
        self.image = Self.inlineImageTypes.contains(contentType)
    }

    /// Raster formats a browser decodes as pictures only: safe to show inline, never active content.
    public static let inlineImageTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]

    enum CodingKeys: String, CodingKey { case id, filename, contentType = "content_type", size, image }
}

public struct ChatMessageInput: Codable, Sendable {
    public var text: String
    public var clientId: String?
    public init(text: String, clientId: String? = nil) { self.text = text; self.clientId = clientId }
    enum CodingKeys: String, CodingKey { case text, clientId = "client_id" }
}

public struct AgentAvailabilityInput: Codable, Sendable {
    public var availability: ChatAvailability
    /// Concurrent chats at most (1 to 20). Absent: unchanged (3 at first).
    public var maxChats: Int?
    public init(availability: ChatAvailability, maxChats: Int? = nil) { self.availability = availability; self.maxChats = maxChats }
    enum CodingKeys: String, CodingKey { case availability, maxChats = "max_chats" }
}

public struct AgentAvailabilityDTO: Codable, Sendable {
    public var userId: UUID
    public var availability: ChatAvailability
    public var maxChats: Int
    public var activeChats: Int
    public init(userId: UUID, availability: ChatAvailability, maxChats: Int, activeChats: Int) {
        self.userId = userId; self.availability = availability; self.maxChats = maxChats; self.activeChats = activeChats
    }
    enum CodingKeys: String, CodingKey { case userId = "user_id", availability, maxChats = "max_chats", activeChats = "active_chats" }
}

public struct ChatHandoverInput: Codable, Sendable {
    public var agentId: UUID
    public init(agentId: UUID) { self.agentId = agentId }
    enum CodingKeys: String, CodingKey { case agentId = "agent_id" }
}

public struct ChatEscalateInput: Codable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

public struct ChatEndInput: Codable, Sendable {
    /// What the ticket becomes: `open` (left as it is), `pending` or `resolved`.
    public var status: String
    public init(status: String) { self.status = status }
}

/// The agent console's view: chats waiting (oldest first) and the agent's own.
public struct ChatConsoleDTO: Codable, Sendable {
    public var waiting: [ChatDTO]
    public var mine: [ChatDTO]
    public var availability: AgentAvailabilityDTO
    public init(waiting: [ChatDTO], mine: [ChatDTO], availability: AgentAvailabilityDTO) {
        self.waiting = waiting; self.mine = mine; self.availability = availability
    }
}

/// One WebSocket frame, both ways (JSON). Client → server: `message` (text, client_id[, chat_id]), `typing`, `read`
/// (seq), `resume` (seq). Server → client: `message` (message), `typing`, `read`, `queue` (position, or waiting for
/// agents), `assigned`/`ended` (chat), `system`, `error` (status, detail).
public struct ChatFrame: Codable, Sendable {
    public var type: String
    public var chatId: UUID?
    public var text: String?
    public var clientId: String?
    public var seq: Int?
    public var author: ChatAuthor?
    public var typing: Bool?
    public var message: ChatMessageDTO?
    public var chat: ChatDTO?
    public var position: Int?
    public var waiting: [ChatDTO]?
    public var status: Int?
    public var detail: String?

    public init(type: String, chatId: UUID? = nil, text: String? = nil, clientId: String? = nil, seq: Int? = nil, author: ChatAuthor? = nil,
                typing: Bool? = nil, message: ChatMessageDTO? = nil, chat: ChatDTO? = nil, position: Int? = nil, waiting: [ChatDTO]? = nil,
                status: Int? = nil, detail: String? = nil) {
        self.type = type; self.chatId = chatId; self.text = text; self.clientId = clientId; self.seq = seq; self.author = author
        self.typing = typing; self.message = message; self.chat = chat; self.position = position; self.waiting = waiting
        self.status = status; self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case type, chatId = "chat_id", text, clientId = "client_id", seq, author, typing, message, chat, position, waiting, status, detail
    }
}
