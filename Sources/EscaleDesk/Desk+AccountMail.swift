import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Account mail: a welcome with a link to choose one's password when an administrator creates the account, and the
/// "forgot my password" link. Links carry a random token whose SHA-256 alone is stored; each works once, for a while.
extension Desk {
    public enum AccountLink: String, Sendable {
        case welcome, reset

        var lifetime: TimeInterval { self == .welcome ? 7 * 86_400 : 3_600 }
        var template: String { self == .welcome ? "account_welcome" : "account_password_reset" }
    }

    /// Reset mails one address may receive per hour.
    static let resetMailsPerHour = 3

    /// Queues the welcome mail of an account an administrator just created (in the same transaction).
    func queueWelcome(userId: UUID, on db: any Database) async throws {
        guard let user = try await UserModel.find(userId, on: db) else { return }
        try await queueAccountLink(.welcome, to: user, on: db)
    }

    /// "Forgot my password": mails a reset link if the address belongs to an active account. The request itself only
    /// schedules a job, whatever the address, so neither the answer nor its timing tells whether the account exists;
    /// the job looks the address up and sends at most a few links per hour to one address.
    public func requestPasswordReset(email: String) async throws {
        let address = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard !address.isEmpty, address.count <= 320 else { return }
        try await store.write { db in
            // One pending request per address: a burst of clicks is one lookup.
            try await JobQueue.schedule(key: "reset:\(Self.hashToken(address))", kind: JobKind.passwordReset, at: self.now,
                                        payload: Self.payload(["email": address]), maxAttempts: 3, now: self.now, on: db)
        }
    }

    func runPasswordReset(_ job: Job) async throws {
        struct Payload: Decodable { let email: String }
        let address = try Self.payload(Payload.self, of: job).email
        try await complete(job) { db in
            guard let user = try await UserModel.query(on: db).filter(\.$email == address).first(), user.active else { return }
            let recent = try await AccountTokenModel.query(on: db).filter(\.$userId == user.id!).filter(\.$purpose == AccountLink.reset.rawValue)
                .filter(\.$createdAt >= self.now.addingTimeInterval(-3_600)).count()
            guard recent < Self.resetMailsPerHour else { return }
            try await self.queueAccountLink(.reset, to: user, on: db)
        }
    }

    private func queueAccountLink(_ link: AccountLink, to user: UserModel, on db: any Database) async throws {
        let token = Self.randomToken()
        let m = AccountTokenModel()
        m.id = UUID(); m.userId = user.id!; m.purpose = link.rawValue; m.tokenHash = Self.hashToken(token)
        m.createdAt = now; m.expiresAt = now.addingTimeInterval(link.lifetime)
        try await m.create(on: db)
        let directory = try await directory(on: db)
        let language = Self.mailLanguage(user: user, organizationLocale: user.organizationId.flatMap { directory.organization($0)?.locale },
                                         installation: directory.settings.defaultLocale)
        guard let template = try await mailTemplate(link.template, language: language, on: db) else { return }
        let rendered = try template.render([
            "recipient_name": user.name, "email": user.email, "link": "\(config.publicURL)/password/reset?token=\(token)",
            "sign_in_url": "\(config.publicURL)/login",
        ])
        try await enqueueMail(MailDraft(kind: link.template, recipientId: user.id, to: user.email, subject: rendered.subject, text: rendered.text,
                                        html: rendered.html, language: language), on: db)
    }

    /// Whether a link's token is still good (the page asks before showing the form).
    public func accountLinkIsValid(_ token: String) async throws -> Bool {
        try await validAccountToken(token, on: store.database) != nil
    }

    private func validAccountToken(_ token: String, on db: any Database) async throws -> AccountTokenModel? {
        guard !token.isEmpty, token.count <= 100,
              let m = try await AccountTokenModel.query(on: db).filter(\.$tokenHash == Self.hashToken(token)).first(),
              m.usedAt == nil, m.expiresAt > now else { return nil }
        return m
    }

    /// Sets the password a link's owner chose. The link is spent, and so is every other link of theirs; like any
    /// password change made without the old password, every session and API token of theirs is revoked.
    public func completeAccountLink(token: String, newPassword: String) async throws {
        let hash = try await prepareHash(newPassword)
        try await store.write { db in
            guard let link = try await self.validAccountToken(token, on: db),
                  let user = try await UserModel.find(link.userId, on: db), user.active else {
                throw DomainError.invalid(field: "token", "this link has expired or was already used: ask for a new one")
            }
            let userId = user.id!
            user.passwordHash = hash
            try await user.save(on: db)
            try await AccountTokenModel.query(on: db).filter(\.$userId == userId).filter(\.$usedAt == nil).set(\.$usedAt, to: self.now).update()
            try await WebSessionModel.query(on: db).filter(\.$userId == userId).delete()
            try await ApiTokenModel.query(on: db).filter(\.$userId == userId).filter(\.$revokedAt == nil).set(\.$revokedAt, to: self.now).update()
            try await self.audit(nil, link.purpose == AccountLink.welcome.rawValue ? "set_password" : "reset_password_by_mail", "user", userId, user.email, on: db)
        }
    }
}
