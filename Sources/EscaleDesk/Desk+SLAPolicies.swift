import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// SLA policies: targets per priority on a calendar, referenced by contracts.
extension Desk {
    public func createSLAPolicy(_ input: SLAPolicyInput, by actor: Actor, on db: any Database) async throws -> SLAPolicyDTO {
        try await saveSLAPolicy(nil, input, by: actor, on: db)
    }

    /// Replaces a policy. Open tickets under it are replayed in the background.
    public func updateSLAPolicy(_ id: UUID, _ input: SLAPolicyInput, by actor: Actor, on db: any Database) async throws -> SLAPolicyDTO {
        try await saveSLAPolicy(id, input, by: actor, on: db)
    }

    private func saveSLAPolicy(_ id: UUID?, _ input: SLAPolicyInput, by actor: Actor, on db: any Database) async throws -> SLAPolicyDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m: SLAPolicyModel
        if let id {
            guard let found = try await SLAPolicyModel.find(id, on: db) else { throw DomainError.notFound("SLA policy") }
            m = found
        } else {
            m = SLAPolicyModel()
            m.id = UUID(); m.createdAt = now
        }
        var input = input
        input.name = try Self.validName(input.name, field: "name")
        _ = try input.policy()
        guard try await calendarExists(input.calendarId, on: db) else { throw DomainError.invalid(field: "calendar_id", "unknown calendar") }
        if let other = try await SLAPolicyModel.query(on: db).filter(\.$name == input.name).first(), other.id != m.id {
            throw DomainError.conflict("an SLA policy named '\(input.name)' already exists")
        }
        m.name = input.name; m.calendarId = input.calendarId
        m.definition = String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
        try await m.save(on: db)
        try await audit(actor, id == nil ? "create" : "update", "sla_policy", m.id, input.name, on: db)
        if let id { try await scheduleSLAReplay(policies: [id], reason: "policy:\(id.uuidString)", on: db) }
        return SLAPolicyDTO(id: m.id!, input: input, createdAt: m.createdAt)
    }

    public func listSLAPolicies(by actor: Actor) async throws -> [SLAPolicyDTO] {
        try AccessPolicy.require(actor, .readDirectory)
        return try await SLAPolicyModel.query(on: store.database).sort(\.$name).all().map(Self.dto)
    }

    public func slaPolicy(_ id: UUID, by actor: Actor) async throws -> SLAPolicyDTO {
        try AccessPolicy.require(actor, .readDirectory)
        guard let m = try await SLAPolicyModel.find(id, on: store.database) else { throw DomainError.notFound("SLA policy") }
        return try Self.dto(m)
    }

    func slaPolicyExists(_ id: UUID, on db: any Database) async throws -> Bool {
        try await SLAPolicyModel.find(id, on: db) != nil
    }

    static func dto(_ m: SLAPolicyModel) throws -> SLAPolicyDTO {
        SLAPolicyDTO(id: m.id!, input: try JSONDecoder().decode(SLAPolicyInput.self, from: Data(m.definition.utf8)), createdAt: m.createdAt)
    }
}
