import Foundation

public struct TokenRequest: Codable, Sendable {
    public var email: String
    public var password: String
    /// A label to recognise the token in the list ("CI", "laptop"…).
    public var name: String?
    public init(email: String, password: String, name: String? = nil) { self.email = email; self.password = password; self.name = name }
}

public struct TokenResponse: Codable, Sendable {
    public var id: UUID
    public var token: String
    public var expiresAt: Date
    public init(id: UUID, token: String, expiresAt: Date) { self.id = id; self.token = token; self.expiresAt = expiresAt }

    enum CodingKeys: String, CodingKey {
        case id, token, expiresAt = "expires_at"
    }
}

public struct TokenInfo: Codable, Sendable {
    public var id: UUID
    public var name: String
    public var createdAt: Date
    public var expiresAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    public init(id: UUID, name: String, createdAt: Date, expiresAt: Date, lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id; self.name = name; self.createdAt = createdAt; self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt; self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, createdAt = "created_at", expiresAt = "expires_at", lastUsedAt = "last_used_at", revokedAt = "revoked_at"
    }
}

/// `{items, next_cursor}` for every list.
public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    public var nextCursor: String?
    public init(items: [Item], nextCursor: String? = nil) { self.items = items; self.nextCursor = nextCursor }

    enum CodingKeys: String, CodingKey {
        case items, nextCursor = "next_cursor"
    }
}

/// RFC 9457 problem details.
public struct Problem: Codable, Sendable, Error {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var instance: String?
    /// The offending field, when one is to blame (the first, when several are).
    public var field: String?
    /// Every field at fault, when a body has several problems: each is reported at once.
    public var errors: [FieldError]?

    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var detail: String
        public init(field: String, detail: String) { self.field = field; self.detail = detail }
    }

    public init(type: String = "about:blank", title: String, status: Int, detail: String, instance: String? = nil, field: String? = nil, errors: [FieldError]? = nil) {
        self.type = type; self.title = title; self.status = status; self.detail = detail; self.instance = instance; self.field = field
        self.errors = errors
    }
}

/// Failed password proofs still counted against an account, an address or the pair (administrators only).
public struct ThrottleDTO: Codable, Sendable {
    public var id: UUID
    /// `account`, `address` or `pair`.
    public var kind: String
    /// The e-mail address, the client address, or `e-mail|address`.
    public var subject: String
    public var failures: Int
    public var lastFailureAt: Date
    /// Seconds before the next attempt is allowed (0: now).
    public var retryAfterSeconds: Int
    public init(id: UUID, kind: String, subject: String, failures: Int, lastFailureAt: Date, retryAfterSeconds: Int) {
        self.id = id; self.kind = kind; self.subject = subject; self.failures = failures; self.lastFailureAt = lastFailureAt
        self.retryAfterSeconds = retryAfterSeconds
    }
    enum CodingKeys: String, CodingKey {
        case id, kind, subject, failures, lastFailureAt = "last_failure_at", retryAfterSeconds = "retry_after_seconds"
    }
}
