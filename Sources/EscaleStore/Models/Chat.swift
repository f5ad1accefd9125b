import FluentKit
import Foundation

/// A live-chat channel (`M024_CreateChat`).
public final class ChatChannelModel: Model, @unchecked Sendable {
    public static let schema = "chat_channels"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "key") public var key: String
    @Field(key: "secret_generation") public var secretGeneration: Int
    /// JSON array of origins.
    @Field(key: "allowed_origins") public var allowedOrigins: String
    @OptionalField(key: "organization_id") public var organizationId: UUID?
    @OptionalField(key: "calendar_id") public var calendarId: UUID?
    @Field(key: "greeting_fr") public var greetingFr: String
    @Field(key: "greeting_en") public var greetingEn: String
    @Field(key: "offline_fr") public var offlineFr: String
    @Field(key: "offline_en") public var offlineEn: String
    @Field(key: "on_portal") public var onPortal: Bool
    @Field(key: "active") public var active: Bool
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}

    public var origins: [String] { (try? JSONDecoder().decode([String].self, from: Data(allowedOrigins.utf8))) ?? [] }
}

/// One chat: a ticket, a visitor, an agent once assigned.
public final class ChatModel: Model, @unchecked Sendable {
    public static let schema = "chats"
    @ID(key: .id) public var id: UUID?
    @Field(key: "channel_id") public var channelId: UUID
    @Field(key: "ticket_id") public var ticketId: UUID
    @Field(key: "ticket_number") public var ticketNumber: String
    @OptionalField(key: "organization_id") public var organizationId: UUID?
    @Field(key: "visitor_id") public var visitorId: UUID
    @Field(key: "visitor_name") public var visitorName: String
    @OptionalField(key: "visitor_email") public var visitorEmail: String?
    @Field(key: "verified") public var verified: Bool
    /// SHA-256 of the visitor's bearer token.
    @Field(key: "token_hash") public var tokenHash: String
    /// `waiting`, `active`, `ended`.
    @Field(key: "state") public var state: String
    @OptionalField(key: "agent_id") public var agentId: UUID?
    /// The lowest tier of agent it may go to (2 once escalated).
    @Field(key: "tier") public var tier: Int
    @Field(key: "last_seq") public var lastSeq: Int
    @Field(key: "visitor_read_seq") public var visitorReadSeq: Int
    @Field(key: "agent_read_seq") public var agentReadSeq: Int
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "assigned_at") public var assignedAt: Date?
    @OptionalField(key: "ended_at") public var endedAt: Date?
    public init() {}
}

/// One message of a chat, stored before it is sent.
public final class ChatMessageModel: Model, @unchecked Sendable {
    public static let schema = "chat_messages"
    @ID(key: .id) public var id: UUID?
    @Field(key: "chat_id") public var chatId: UUID
    @Field(key: "seq") public var seq: Int
    @Field(key: "client_id") public var clientId: String
    /// `visitor`, `agent`, `system`.
    @Field(key: "author") public var author: String
    @OptionalField(key: "user_id") public var userId: UUID?
    @OptionalField(key: "author_name") public var authorName: String?
    @Field(key: "body") public var body: String
    @OptionalField(key: "event") public var event: String?
    /// A file sent in the chat: stored as the ticket's attachment (the timeline entry's), described here.
    @OptionalField(key: "attachment_id") public var attachmentId: UUID?
    @OptionalField(key: "attachment_name") public var attachmentName: String?
    @OptionalField(key: "attachment_type") public var attachmentType: String?
    @OptionalField(key: "attachment_size") public var attachmentSize: Int?
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// An agent's chat availability and capacity.
public final class AgentPresenceModel: Model, @unchecked Sendable {
    public static let schema = "agent_presence"
    @ID(custom: "user_id", generatedBy: .user) public var id: UUID?
    @Field(key: "availability") public var availability: String
    @Field(key: "max_chats") public var maxChats: Int
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}
