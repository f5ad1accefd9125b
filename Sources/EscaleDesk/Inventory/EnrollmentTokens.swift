import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import SQLKit
import Foundation
import Synchronization

/// The secrets inventory agents carry in their server URL (`…/enroll/{token}/ocsinventory`): each one lets machines
/// report to one organization. Only the token's SHA-256 is stored; the token is shown once, when it is created.
public struct EnrollmentTokens: Sendable {
    let desk: Desk

    static let maxPerOrganization = 50

    public func create(organization: UUID, _ input: EnrollmentTokenInput, by actor: Actor, on db: any Database) async throws -> EnrollmentTokenDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let org = try await OrganizationModel.find(organization, on: db) else { throw DomainError.notFound("organization") }
        guard org.active else { throw DomainError.invalid(field: "organization_id", "this organization is deactivated") }
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw DomainError.invalid(field: "name", "name the token (what its machines are)") }
        guard name.count <= 200 else { throw DomainError.invalid(field: "name", "at most 200 characters") }
        let count = try await EnrollmentTokenModel.query(on: db).filter(\.$organizationId == organization).filter(\.$revokedAt == nil).count()
        guard count < Self.maxPerOrganization else { throw DomainError.conflict("at most \(Self.maxPerOrganization) tokens in use per organization: revoke one first") }
        let token = "enr_" + Desk.randomToken()
        let m = EnrollmentTokenModel()
        m.id = UUID(); m.organizationId = organization; m.name = name; m.tokenHash = Desk.hashToken(token); m.prefix = String(token.prefix(10))
        m.createdBy = actor.userId; m.createdAt = desk.now
        try await m.create(on: db)
        try await desk.audit(actor, "create", "enrollment_token", m.id, "\(name) (\(org.name))", on: db)
        // From now on the organization has machines: its inventory document is kept every month.
        try await desk.assets.scheduleMonthlyDocument(organization: organization, on: db)
        return dto(m, token: token)
    }

    public func list(organization: UUID, by actor: Actor) async throws -> [EnrollmentTokenDTO] {
        try AccessPolicy.require(actor, .manageDirectory)
        return try await EnrollmentTokenModel.query(on: desk.store.database).filter(\.$organizationId == organization).sort(\.$createdAt).all()
            .map { dto($0, token: nil) }
    }

    /// Revoked: agents carrying it are refused (401) from now on; their machines stay.
    public func revoke(organization: UUID, _ id: UUID, by actor: Actor, on db: any Database) async throws -> EnrollmentTokenDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await EnrollmentTokenModel.find(id, on: db), m.organizationId == organization else { throw DomainError.notFound("enrollment token") }
        if m.revokedAt == nil {
            m.revokedAt = desk.now
            try await m.update(on: db)
            try await desk.audit(actor, "revoke", "enrollment_token", id, m.name, on: db)
        }
        desk.enrollmentCache.forget(m.tokenHash)
        return dto(m, token: nil)
    }

    /// The token in force an agent presents, or nil (answered 401, nothing stored). Cached a few seconds: agents of
    /// a whole fleet present the same token.
    public func resolve(_ token: String) async throws -> (id: UUID, organizationId: UUID)? {
        guard token.hasPrefix("enr_"), token.count <= 100 else { return nil }
        let hash = Desk.hashToken(token)
        if let hit = desk.enrollmentCache.get(hash, now: desk.now) { return hit }
        guard let m = try await EnrollmentTokenModel.query(on: desk.store.database).filter(\.$tokenHash == hash).first(), m.revokedAt == nil,
              let org = try await OrganizationModel.find(m.organizationId, on: desk.store.database), org.active else { return nil }
        let found = (id: m.id!, organizationId: m.organizationId)
        desk.enrollmentCache.put(hash, found, now: desk.now)
        // "Last used", at most once a minute a token (this read happens once per 10 s a token, on a cache miss).
        if m.lastUsedAt.map({ desk.now.timeIntervalSince($0) > 60 }) ?? true {
            let now = desk.now
            try await desk.store.write { db in
                try await (db as! any SQLDatabase).raw("UPDATE enrollment_tokens SET last_used_at = \(bind: now) WHERE id = \(bind: m.id!)").run()
            }
        }
        return found
    }

    func dto(_ m: EnrollmentTokenModel, token: String?) -> EnrollmentTokenDTO {
        EnrollmentTokenDTO(id: m.id!, organizationId: m.organizationId, name: m.name, prefix: m.prefix, token: token,
                           urls: token.map { Self.urls(base: desk.config.publicURL, token: $0) }, createdAt: m.createdAt, lastUsedAt: m.lastUsedAt,
                           revokedAt: m.revokedAt)
    }

    public static func urls(base: String, token: String) -> EnrollmentURLs {
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        return EnrollmentURLs(ocsinventory: "\(root)/enroll/\(token)/ocsinventory", fusioninventory: "\(root)/enroll/\(token)/plugins/fusioninventory/",
                              glpi: "\(root)/enroll/\(token)/front/inventory.php")
    }
}

/// Token hash → (token id, organization), kept 10 s; a revocation here forgets it at once (another instance's within 10 s).
public final class EnrollmentCache: Sendable {
    private let entries = Mutex<[String: (value: (id: UUID, organizationId: UUID), at: Date)]>([:])
    public init() {}
    func get(_ hash: String, now: Date) -> (id: UUID, organizationId: UUID)? {
        entries.withLock { e in
            guard let hit = e[hash], now.timeIntervalSince(hit.at) < 10 else { return nil }
            return hit.value
        }
    }
    func put(_ hash: String, _ value: (id: UUID, organizationId: UUID), now: Date) {
        entries.withLock { e in
            if e.count > 10_000 { e.removeAll() }
            e[hash] = (value, now)
        }
    }
    func forget(_ hash: String) { _ = entries.withLock { $0.removeValue(forKey: hash) } }
}

extension Desk {
    public var enrollmentTokens: EnrollmentTokens { EnrollmentTokens(desk: self) }
}
