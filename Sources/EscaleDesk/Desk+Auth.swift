import Crypto
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

extension Desk {
    public struct IssuedToken: Sendable {
        public let id: UUID
        public let token: String
        public let expiresAt: Date
    }

    /// Exchanges e-mail and password for a bearer token. The same error for an unknown e-mail and a wrong password.
    /// Throttled with the web sign-in (`provePassword`).
    public func issueToken(email: String, password: String, name: String?, clientAddress: String?) async throws -> IssuedToken {
        let user: UserModel
        do {
            user = try await provePassword(email: email, password: password, clientAddress: clientAddress)
        } catch SignInError.invalidCredentials {
            throw AuthError.invalidCredentials
        }
        return try await store.write { db in try await self.createToken(for: user.id!, name: name ?? "api", on: db) }
    }

    func createToken(for userId: UUID, name: String, on db: any Database) async throws -> IssuedToken {
        let token = "esc_" + Self.randomToken()
        let model = ApiTokenModel()
        model.id = UUID()
        model.userId = userId
        model.name = String(name.prefix(100))
        model.tokenHash = Self.hashToken(token)
        model.createdAt = now
        model.expiresAt = now.addingTimeInterval(config.tokenLifetime)
        try await model.create(on: db)
        return IssuedToken(id: model.id!, token: token, expiresAt: model.expiresAt)
    }

    /// Resolves a bearer token to the acting user, with everything access decisions need.
    public func authenticate(token: String) async throws -> Actor? {
        guard token.hasPrefix("esc_"), token.count < 200 else { return nil }
        let hash = Self.hashToken(token)
        var entry: DirectoryCache.TokenEntry
        if let cached = cache.token(hash) {
            entry = cached
        } else {
            let db = store.database
            guard let row = try await ApiTokenModel.query(on: db).filter(\.$tokenHash == hash).first(), row.revokedAt == nil,
                  let actor = try await resolveActor(userId: row.userId, on: db) else { return nil }
            entry = .init(tokenId: row.id!, actor: actor, expiresAt: row.expiresAt, lastUsedAt: row.lastUsedAt)
        }
        guard entry.expiresAt > now else { return nil }
        // Last use is informative: record it at most once a minute so reads stay reads.
        if (entry.lastUsedAt.map { now.timeIntervalSince($0) > 60 } ?? true) {
            let id = entry.tokenId, at = now
            _ = try await store.write { db in
                try await ApiTokenModel.query(on: db).filter(\.$id == id).set(\.$lastUsedAt, to: at).update()
            }
            entry.lastUsedAt = at
        }
        cache.setToken(hash, entry)
        return entry.actor
    }

    /// Loads a user and what they may see: groups, tiers, served organizations, contract visibility.
    public func resolveActor(userId: UUID, on db: any Database) async throws -> Actor? {
        guard let user = try await UserModel.find(userId, on: db), user.active, let role = Role(rawValue: user.role) else { return nil }
        switch role {
        case .agent, .supervisor, .admin:
            let sql = db as! any SQLDatabase
            let groups = try await sql.raw("""
                SELECT g.id AS id, g.tier AS tier, g.serves_all AS serves_all FROM support_groups g
                JOIN group_members m ON m.group_id = g.id WHERE m.user_id = \(bind: userId)
                """).all()
            var groupIds = Set<UUID>(), tiers: [Tier] = [], served = OrganizationSet.only([]), partial: [UUID] = []
            for g in groups {
                let id = try g.decode(column: "id", as: UUID.self)
                groupIds.insert(id)
                if let t = Tier(rawValue: try g.decode(column: "tier", as: Int.self)) { tiers.append(t) }
                if try g.decode(column: "serves_all", as: Bool.self) { served = .all } else { partial.append(id) }
            }
            if served != .all, !partial.isEmpty {
                let orgs = try await GroupOrganizationModel.query(on: db).filter(\.$groupId ~~ partial).all()
                served = .only(Set(orgs.map(\.organizationId)))
            }
            return Actor(userId: userId, role: role, groupIds: groupIds, servedOrganizations: served, highestTier: tiers.max())
        case .requester, .clientManager:
            var seesOrganization = false
            if role == .requester, let org = user.organizationId {
                seesOrganization = try await activeContract(of: org, on: db)?.requestersSeeOrganization ?? false
            }
            return Actor(userId: userId, role: role, organizationId: user.organizationId, seesOrganizationTickets: seesOrganization)
        }
    }

    public func listTokens(of actor: Actor) async throws -> [ApiTokenModel] {
        try await ApiTokenModel.query(on: store.database).filter(\.$userId == actor.userId).sort(\.$createdAt, .descending).all()
    }

    /// Revokes one of the caller's tokens (admins may revoke anyone's).
    public func revokeToken(_ id: UUID, by actor: Actor) async throws {
        try await store.write { db in
            guard let token = try await ApiTokenModel.find(id, on: db),
                  token.userId == actor.userId || actor.role == .admin else { throw DomainError.notFound("token") }
            if token.revokedAt == nil {
                token.revokedAt = self.now
                try await token.save(on: db)
                try await self.audit(actor, "revoke", "api_token", id, "token '\(token.name)' revoked", on: db)
            }
        }
    }

    static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hashToken(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}

public enum AuthError: Error, Sendable {
    case invalidCredentials
    case unauthenticated
}
