import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Browser sessions: sign-in with throttling, the session behind a cookie, sign-out, password changes.
extension Desk {
    /// A signed-in browser, with what every page needs about its user.
    public struct WebSession: Sendable {
        public let id: UUID
        public let actor: Actor
        public let csrfToken: String
        public let name: String
        public let email: String
        public let locale: String
        public let timeZone: String
        let expiresAt: Date
        var lastSeenAt: Date
    }

    /// Absolute lifetime of a session, and how long an idle one stays valid.
    public static let sessionLifetime: TimeInterval = 7 * 24 * 3600
    public static let sessionIdleTimeout: TimeInterval = 12 * 3600

    /// Checks the password and opens a session. Returns the cookie value, shown once and stored hashed.
    /// `browserLocale`: the language the browser asks for, which a user nobody chose a language for gets when neither
    /// their organization nor the installation names one.
    public func signIn(email: String, password: String, clientAddress: String?, browserLocale: String? = nil) async throws -> (cookie: String, session: WebSession) {
        let user = try await provePassword(email: email, password: password, clientAddress: clientAddress)
        var adopted: String?
        if user.localeAuto {
            let organization = try await user.organizationId.asyncMap { try await OrganizationModel.find($0, on: store.database) } ?? nil
            let resolved = LanguageDefault.resolve(explicit: nil, organization: organization?.locale, installation: try await directory().settings.defaultLocale)
                ?? browserLocale.flatMap { LanguageDefault.supported.contains($0) ? $0 : nil }
            if let resolved, resolved != user.locale { adopted = resolved }
        }
        let locale = adopted
        let cookie = "ess_" + Self.randomToken()
        let model = WebSessionModel()
        model.id = UUID(); model.userId = user.id!; model.tokenHash = Self.hashToken(cookie)
        model.csrfToken = Self.randomToken(); model.createdAt = now
        model.expiresAt = now.addingTimeInterval(Self.sessionLifetime); model.lastSeenAt = now
        try await store.write { db in
            try await model.create(on: db)
            if let locale { try await UserModel.query(on: db).filter(\.$id == user.id!).set(\.$locale, to: locale).update() }
        }
        guard let session = try await session(cookie: cookie) else { throw SignInError.invalidCredentials }
        return (cookie, session)
    }

    /// The live session behind a cookie value, or nil (unknown, expired, idle too long, user deactivated).
    public func session(cookie: String) async throws -> WebSession? {
        guard cookie.hasPrefix("ess_"), cookie.count < 200 else { return nil }
        let hash = Self.hashToken(cookie)
        var entry: WebSession
        if let cached = cache.session(hash) {
            entry = cached
        } else {
            let db = store.database
            guard let row = try await WebSessionModel.query(on: db).filter(\.$tokenHash == hash).first(),
                  let user = try await UserModel.find(row.userId, on: db),
                  let actor = try await resolveActor(userId: row.userId, on: db) else { return nil }
            entry = WebSession(id: row.id!, actor: actor, csrfToken: row.csrfToken, name: user.name, email: user.email,
                               locale: user.locale, timeZone: user.timeZone, expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt)
        }
        guard entry.expiresAt > now, now.timeIntervalSince(entry.lastSeenAt) < Self.sessionIdleTimeout else { return nil }
        // The idle clock is refreshed at most every five minutes, so page views stay reads.
        if now.timeIntervalSince(entry.lastSeenAt) > 300 {
            let id = entry.id, at = now
            _ = try await store.write { db in try await WebSessionModel.query(on: db).filter(\.$id == id).set(\.$lastSeenAt, to: at).update() }
            entry.lastSeenAt = at
        }
        cache.setSession(hash, entry)
        return entry
    }

    /// Moves whenever a directory change may have ended or narrowed someone's access (a session deleted, a user
    /// deactivated, a password reset, group membership changed) on this instance.
    public var directoryGeneration: Int { cache.generation.load(ordering: .relaxed) }

    public func signOut(cookie: String) async throws {
        let hash = Self.hashToken(cookie)
        try await store.write { db in try await WebSessionModel.query(on: db).filter(\.$tokenHash == hash).delete() }
        cache.invalidateDirectory()
    }

    /// The user changes their own password; every other session of theirs is closed.
    public func changePassword(current: String, new: String, session: WebSession, clientAddress: String?) async throws {
        let prepared = try await prepareHash(new)
        let user: UserModel
        do {
            // The current password is a password proof like any other: the same throttle applies.
            user = try await provePassword(email: session.email, password: current, clientAddress: clientAddress)
        } catch SignInError.invalidCredentials {
            throw DomainError.invalid(field: "current_password", "the current password is not correct")
        }
        let keep = session.id
        try await store.write { db in
            try await UserModel.query(on: db).filter(\.$id == user.id!).set(\.$passwordHash, to: prepared).update()
            try await WebSessionModel.query(on: db).filter(\.$userId == user.id!).filter(\.$id != keep).delete()
            try await self.audit(session.actor, "change_password", "user", user.id, user.email, on: db)
        }
    }

    /// An administrator sets a new password for someone (who then signs in with it and changes it). Every session and
    /// API token of that user is revoked.
    public func resetPassword(of userId: UUID, to password: String, by actor: Actor) async throws {
        try AccessPolicy.require(actor, .manageUsers)
        let hash = try await prepareHash(password)
        try await store.write { db in
            guard let user = try await UserModel.find(userId, on: db) else { throw DomainError.notFound("user") }
            user.passwordHash = hash
            try await user.save(on: db)
            try await WebSessionModel.query(on: db).filter(\.$userId == userId).delete()
            try await ApiTokenModel.query(on: db).filter(\.$userId == userId).filter(\.$revokedAt == nil).set(\.$revokedAt, to: self.now).update()
            try await self.audit(actor, "reset_password", "user", userId, user.email, on: db)
        }
    }

    /// The signed-in user's own preferences: language and time zone.
    public func updatePreferences(locale: String, timeZone: String, session: WebSession) async throws {
        guard ["fr", "en"].contains(locale) else { throw DomainError.invalid(field: "locale", "must be fr or en") }
        guard TimeZone(identifier: timeZone) != nil else { throw DomainError.invalid(field: "time_zone", "unknown time zone '\(timeZone)'") }
        try await store.write { db in
            try await UserModel.query(on: db).filter(\.$id == session.actor.userId).set(\.$locale, to: locale).set(\.$localeAuto, to: false)
                .set(\.$timeZone, to: timeZone).update()
            try await self.audit(session.actor, "update", "user", session.actor.userId, "preferences \(locale) \(timeZone)", on: db)
        }
    }

    /// Sessions past their lifetime or idle timeout (housekeeping).
    public func purgeExpiredSessions() async throws {
        let now = now, idle = now.addingTimeInterval(-Self.sessionIdleTimeout)
        try await store.write { db in
            try await WebSessionModel.query(on: db).group(.or) { $0.filter(\.$expiresAt < now).filter(\.$lastSeenAt < idle) }.delete()
        }
    }

    // MARK: Form drafts (post/redirect/get without losing what was typed)

    /// How long typed values wait for the page that shows them again.
    public static let draftLifetime: TimeInterval = 3600
    /// A draft holds at most this much (the longest field is a 100,000-character reply).
    static let draftMaxBytes = 512 * 1024

    /// Keeps what the session typed in a form that could not be applied; the id goes in the redirect's URL.
    public func keepDraft(_ payload: String, session: WebSession) async throws -> UUID {
        guard payload.utf8.count <= Self.draftMaxBytes else { throw DomainError.invalid(field: "body", "the form is too large to keep") }
        let m = FormDraftModel()
        m.id = UUID(); m.sessionId = session.id; m.payload = payload; m.createdAt = now
        try await store.write { db in try await m.create(on: db) }
        return m.id!
    }

    /// A draft of this session, if it is still kept (another session's draft does not exist for this one).
    public func draft(_ id: UUID, session: WebSession) async throws -> String? {
        guard let m = try await FormDraftModel.find(id, on: store.database), m.sessionId == session.id,
              now.timeIntervalSince(m.createdAt) < Self.draftLifetime else { return nil }
        return m.payload
    }

    public func purgeExpiredDrafts() async throws {
        let cutoff = now.addingTimeInterval(-Self.draftLifetime)
        try await store.write { db in try await FormDraftModel.query(on: db).filter(\.$createdAt < cutoff).delete() }
    }

    func prepareHash(_ password: String) async throws -> String {
        guard password.count >= PasswordHasher.minimumLength, password.count <= 200 else {
            throw DomainError.invalid(field: "password", "use at least \(PasswordHasher.minimumLength) characters")
        }
        return try await passwords.hash(password)
    }
}
