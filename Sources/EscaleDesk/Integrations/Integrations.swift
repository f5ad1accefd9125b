import Crypto
import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// Administration of the integrations that push into the desk, and their delivery logs (administrators only).
///
/// An integration's token is derived from the server's signing key, its id and a generation (HMAC-SHA-256): the
/// database keeps only its SHA-256 to find it, yet an administrator can read the URL again; rotating bumps the
/// generation, and the old URL stops working at once.
public struct Integrations: Sendable {
    let desk: Desk

    public static let defaultMaxAlerts = 1_000
    public static let maxAlertsLimit = 5_000
    /// Deliveries kept per integration.
    public static let deliveriesKept = 50

    /// Reads the server's key before a write needs it (it is cached from then on): inside a write, SQLite's pool may
    /// have no other connection to read it with.
    public func warm() async throws { _ = try await desk.signingKey() }

    public func list(by actor: Actor) async throws -> [IntegrationDTO] {
        try AccessPolicy.require(actor, .manageDirectory)
        let db = desk.store.database
        let rows = try await IntegrationModel.query(on: db).sort(\.$name).all()
        // Each one's last delivery in one query, not one per integration.
        struct Last: Decodable { let integration_id: UUID; let last: Date }
        let last = try await (db as! any SQLDatabase).raw("SELECT integration_id, MAX(received_at) AS last FROM integration_deliveries GROUP BY integration_id")
            .all(decoding: Last.self, with: Store.rowDecoder)
        let lastById = Dictionary(last.map { ($0.integration_id, $0.last) }, uniquingKeysWith: max)
        var out: [IntegrationDTO] = []
        for m in rows { out.append(try await dto(m, lastDelivery: .some(lastById[m.id!]))) }
        return out
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> IntegrationDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        return try await dto(try await find(id, on: desk.store.database))
    }

    public func create(_ input: IntegrationInput, by actor: Actor, on db: any Database) async throws -> IntegrationDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard input.type != .escaleAgent else {
            throw DomainError.invalid(field: "type", "the escale-agent's integration is made by the desk for each organization with agents")
        }
        let m = IntegrationModel()
        m.id = UUID(); m.type = input.type.rawValue; m.createdAt = desk.now; m.tokenGeneration = 1
        try await apply(input, to: m, on: db)
        m.userId = try await account(for: m, on: db)
        m.tokenHash = Desk.hashToken(try await token(for: m))
        try await m.create(on: db)
        try await desk.audit(actor, "create", "integration", m.id, "\(m.type) \(m.name)", on: db)
        return try await dto(m, on: db)
    }

    public func update(_ id: UUID, _ input: IntegrationInput, by actor: Actor, on db: any Database) async throws -> IntegrationDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = try await find(id, on: db)
        guard input.type.rawValue == m.type else { throw DomainError.invalid(field: "type", "an integration's type cannot change: create another one") }
        try await apply(input, to: m, on: db)
        try await m.update(on: db)
        if let u = try await UserModel.find(m.userId, on: db), u.name != m.name { u.name = String(m.name.prefix(200)); try await u.update(on: db) }
        try await desk.audit(actor, "update", "integration", id, "\(m.name) (active: \(m.active))", on: db)
        return try await dto(m, on: db)
    }

    /// The account an integration's tickets are opened under: never signs in, never receives mail.
    func account(for m: IntegrationModel, on db: any Database) async throws -> UUID {
        let user = UserModel()
        user.id = UUID(); user.email = "integration-\(m.id!.uuidString.lowercased())@integrations.invalid"
        user.name = String(m.name.prefix(200)); user.role = Role.requester.rawValue; user.organizationId = nil
        user.passwordHash = "!integration"; user.locale = "en"; user.localeAuto = true; user.timeZone = "Europe/Paris"
        user.active = false; user.createdAt = desk.now; user.emailStatus = "undeliverable"; user.emailStatusReason = "integration account"
        try await user.create(on: db)
        return user.id!
    }

    /// A new secret: the old URL answers 404 from now on.
    public func rotateToken(_ id: UUID, by actor: Actor, on db: any Database) async throws -> IntegrationDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m = try await find(id, on: db)
        m.tokenGeneration += 1
        m.tokenHash = Desk.hashToken(try await token(for: m))
        m.updatedAt = desk.now
        try await m.update(on: db)
        try await desk.audit(actor, "rotate-token", "integration", id, m.name, on: db)
        return try await dto(m, on: db)
    }

    public func deliveries(of id: UUID, by actor: Actor) async throws -> [IntegrationDeliveryDTO] {
        try AccessPolicy.require(actor, .manageDirectory)
        _ = try await find(id, on: desk.store.database)
        return try await IntegrationDeliveryModel.query(on: desk.store.database).filter(\.$integrationId == id)
            .sort(\.$receivedAt, .descending).limit(Self.deliveriesKept).all().map(Self.dto)
    }

    /// The active integration a token opens, of one of the given types; nil for anything else (answered 404).
    public func integration(token: String, types: Set<IntegrationType>) async throws -> IntegrationModel? {
        guard !token.isEmpty, token.count <= 200 else { return nil }
        guard let m = try await IntegrationModel.query(on: desk.store.database).filter(\.$tokenHash == Desk.hashToken(token)).first(),
              m.active, let type = IntegrationType(rawValue: m.type), types.contains(type) else { return nil }
        return m
    }

    /// Keeps what a delivery became, and only the last `deliveriesKept`.
    func record(_ integration: IntegrationModel, outcome: String, status: Int, detail: String?, events: Int, bodySHA: String?,
                tickets: [UUID], on db: any Database) async throws {
        let d = IntegrationDeliveryModel()
        d.id = UUID(); d.integrationId = integration.id!; d.receivedAt = desk.now; d.outcome = outcome; d.httpStatus = status
        d.detail = detail.map { String($0.prefix(1_000)) }; d.events = events; d.bodySHA256 = bodySHA
        d.ticketIds = tickets.isEmpty ? nil : String(decoding: try JSONEncoder().encode(Array(tickets.prefix(100))), as: UTF8.self)
        try await d.create(on: db)
        // Pruned now and then rather than at every delivery (the hot path); the log reads only the last 50.
        guard Int.random(in: 0..<10) == 0 else { return }
        let sql = db as! any SQLDatabase
        try await sql.raw("""
            DELETE FROM integration_deliveries WHERE integration_id = \(bind: integration.id!) AND received_at < (
              SELECT received_at FROM integration_deliveries WHERE integration_id = \(bind: integration.id!)
              ORDER BY received_at DESC LIMIT 1 OFFSET \(unsafeRaw: String(Self.deliveriesKept - 1)))
            """).run()
    }

    /// A refused delivery, kept in its own small transaction (the sender gets its 4xx whatever happens here).
    public func recordRefusal(_ integration: IntegrationModel, status: Int, detail: String, events: Int = 0) async {
        _ = try? await desk.store.write { db in
            try await self.record(integration, outcome: "refused", status: status, detail: detail, events: events, bodySHA: nil, tickets: [], on: db)
        }
    }

    // MARK: Internals

    func find(_ id: UUID, on db: any Database) async throws -> IntegrationModel {
        guard let m = try await IntegrationModel.find(id, on: db) else { throw DomainError.notFound("integration") }
        return m
    }

    private func apply(_ input: IntegrationInput, to m: IntegrationModel, on db: any Database) async throws {
        var problems: [FieldProblem] = []
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { problems.append(FieldProblem(field: "name", rule: .required, message: "name the integration")) }
        if name.count > 200 { problems.append(FieldProblem(field: "name", rule: .other, message: "at most 200 characters")) }
        if input.type.isMonitoring, input.organizationId == nil {
            problems.append(FieldProblem(field: "organization_id", rule: .required,
                                         message: "the organization alerts belong to when no organization label names one"))
        }
        if let org = input.organizationId, try await OrganizationModel.find(org, on: db) == nil {
            problems.append(FieldProblem(field: "organization_id", rule: .other, message: "unknown organization"))
        }
        let maxAlerts = input.maxAlerts ?? Self.defaultMaxAlerts
        if !(1...Self.maxAlertsLimit).contains(maxAlerts) {
            problems.append(FieldProblem(field: "max_alerts", rule: .other, message: "between 1 and \(Self.maxAlertsLimit)"))
        }
        if let error = FieldProblem.error(problems) { throw error }
        m.name = name; m.organizationId = input.organizationId; m.autoResolve = input.autoResolve ?? true; m.maxAlerts = maxAlerts
        m.active = input.active ?? true; m.updatedAt = desk.now
    }

    func token(for m: IntegrationModel) async throws -> String {
        let key = SymmetricKey(data: try await desk.signingKey())
        let mac = HMAC<SHA256>.authenticationCode(for: Data("integration:\(m.id!.uuidString):\(m.tokenGeneration)".utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "").prefix(40).description
    }

    /// `lastDelivery`: already known (a list), else read.
    func dto(_ m: IntegrationModel, lastDelivery: Date?? = nil, on db: (any Database)? = nil) async throws -> IntegrationDTO {
        let token = try await token(for: m)
        let type = IntegrationType(rawValue: m.type) ?? .alertmanager
        let base = desk.config.publicURL
        let url = switch type {
        case .alertmanager: "\(base)/api/v1/alerts/alertmanager/\(token)"
        case .eventsV2: "\(base)/api/v1/alerts/events/\(token)"
        case .cti: "\(base)/api/v1/cti/\(token)"
        case .escaleAgent: "\(base)/agent/v1"
        }
        let last: Date?
        if let known = lastDelivery {
            last = known
        } else {
            last = try await IntegrationDeliveryModel.query(on: db ?? desk.store.database).filter(\.$integrationId == m.id!)
                .sort(\.$receivedAt, .descending).first()?.receivedAt
        }
        return IntegrationDTO(id: m.id!, type: type, name: m.name, organizationId: m.organizationId, autoResolve: m.autoResolve,
                              maxAlerts: m.maxAlerts, active: m.active, url: url, routingKey: type == .eventsV2 ? token : nil, token: token,
                              createdAt: m.createdAt, lastDeliveryAt: last)
    }

    static func dto(_ d: IntegrationDeliveryModel) -> IntegrationDeliveryDTO {
        let ids = d.ticketIds.flatMap { try? JSONDecoder().decode([UUID].self, from: Data($0.utf8)) } ?? []
        return IntegrationDeliveryDTO(id: d.id!, receivedAt: d.receivedAt, outcome: d.outcome, httpStatus: d.httpStatus, detail: d.detail,
                                      events: d.events, ticketIds: ids)
    }
}

extension Desk {
    /// Monitoring and PBX integrations.
    public var integrations: Integrations { Integrations(desk: self) }
}
