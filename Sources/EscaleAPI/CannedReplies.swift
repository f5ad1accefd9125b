import EscaleCore
import Foundation

/// A canned reply as sent (POST) and as merged by a PATCH. `shared` defaults to personal.
public struct CannedReplyInput: Codable, Sendable {
    public var title: String
    public var bodyFr: String?
    public var bodyEn: String?
    public var shared: Bool?

    public init(title: String, bodyFr: String? = nil, bodyEn: String? = nil, shared: Bool? = nil) {
        self.title = title; self.bodyFr = bodyFr; self.bodyEn = bodyEn; self.shared = shared
    }

    enum CodingKeys: String, CodingKey { case title, bodyFr = "body_fr", bodyEn = "body_en", shared }
}

public struct CannedReplyDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var title: String
    public var bodyFr: String
    public var bodyEn: String
    public var shared: Bool
    public var ownerId: UUID
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, title: String, bodyFr: String, bodyEn: String, shared: Bool, ownerId: UUID, createdAt: Date, updatedAt: Date) {
        self.id = id; self.title = title; self.bodyFr = bodyFr; self.bodyEn = bodyEn; self.shared = shared
        self.ownerId = ownerId; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    public var input: CannedReplyInput { CannedReplyInput(title: title, bodyFr: bodyFr, bodyEn: bodyEn, shared: shared) }

    enum CodingKeys: String, CodingKey {
        case id, title, bodyFr = "body_fr", bodyEn = "body_en", shared, ownerId = "owner_id", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// A canned reply rendered for one ticket, in its requester's language.
public struct CannedReplyPreview: Codable, Sendable, Equatable {
    public var text: String
    /// `fr` or `en`: the language of the body used.
    public var locale: String
    /// Variables the template names that do not exist; they are left in the text as written.
    public var unknownVariables: [String]

    public init(text: String, locale: String, unknownVariables: [String]) {
        self.text = text; self.locale = locale; self.unknownVariables = unknownVariables
    }

    enum CodingKeys: String, CodingKey { case text, locale, unknownVariables = "unknown_variables" }
}

/// A macro as sent (POST) and as merged by a PATCH. `shared` defaults to personal.
public struct MacroInput: Codable, Sendable {
    public var name: String
    public var shared: Bool?
    public var actions: MacroActions

    public init(name: String, shared: Bool? = nil, actions: MacroActions) {
        self.name = name; self.shared = shared; self.actions = actions
    }
}

public struct MacroDTO: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var shared: Bool
    public var ownerId: UUID
    public var actions: MacroActions
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, name: String, shared: Bool, ownerId: UUID, actions: MacroActions, createdAt: Date, updatedAt: Date) {
        self.id = id; self.name = name; self.shared = shared; self.ownerId = ownerId; self.actions = actions
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    public var input: MacroInput { MacroInput(name: name, shared: shared, actions: actions) }

    enum CodingKeys: String, CodingKey {
        case id, name, shared, ownerId = "owner_id", actions, createdAt = "created_at", updatedAt = "updated_at"
    }
}
