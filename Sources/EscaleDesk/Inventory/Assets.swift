import EscaleAPI
import EscaleCore
import EscaleInventory
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// Machines as people look at them: lists and filters, one machine with its hardware, software, history and
/// tickets, and the tickets that name a machine. Who sees which machine is `AccessPolicy.assetScope`, the same rule
/// as tickets' organizations.
public struct Assets: Sendable {
    let desk: Desk

    public struct Filter: Sendable {
        public var organizationId: UUID?
        /// Name, FQDN, serial, IP address, user or agent id containing it.
        public var text: String?
        public var kind: AssetKind?
        /// Machines not seen for at least this many days.
        public var staleDays: Int?
        /// Machines with this software installed (name contains it).
        public var software: String?
        public var osSupport: OSSupportStatus?
        public var covered: Bool?
        public var limit: Int = 100
        public var offset: Int = 0
        public init() {}
    }

    func scope(_ actor: Actor) throws -> OrganizationSet {
        let scope = AccessPolicy.assetScope(of: actor)
        if case let .only(ids) = scope, ids.isEmpty { throw DomainError.forbidden("machines are visible to support staff and client managers") }
        return scope
    }

    public func list(_ f: Filter, by actor: Actor) async throws -> [AssetDTO] {
        let scope = try scope(actor)
        let db = desk.store.database
        let q = AssetModel.query(on: db)
        if case let .only(ids) = scope { q.filter(\.$organizationId ~~ Array(ids)) }
        if let o = f.organizationId { q.filter(\.$organizationId == o) }
        if let k = f.kind { q.filter(\.$kind == k.rawValue) }
        if let days = f.staleDays { q.filter(\.$lastSeenAt < desk.now.addingTimeInterval(-Double(days) * 86_400)) }
        if let text = f.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let like = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            q.group(.or) { or in
                or.filter(\.$name, .custom("LIKE"), like).filter(\.$serial, .custom("LIKE"), like).filter(\.$ipAddresses, .custom("LIKE"), like)
                    .filter(\.$users, .custom("LIKE"), like).filter(\.$deviceId, .custom("LIKE"), like).filter(\.$fqdn, .custom("LIKE"), like)
                    .filter(\.$osFull, .custom("LIKE"), like)
            }
        }
        if let software = f.software?.trimmingCharacters(in: .whitespaces), !software.isEmpty {
            let like = "%" + software.lowercased() + "%"
            let rows = try await (db as! any SQLDatabase).raw("SELECT DISTINCT asset_id FROM asset_software WHERE LOWER(name) LIKE \(bind: like)").all()
            let ids = try rows.map { try $0.decode(column: "asset_id", as: UUID.self) }
            guard !ids.isEmpty else { return [] }
            q.filter(\.$id ~~ ids)
        }
        // Support status and coverage are computed: filtered after the page is read, on a wider read.
        let computed = f.osSupport != nil || f.covered != nil
        let start = computed ? 0 : f.offset
        let rows = try await q.sort(\.$name).range(start..<(start + (computed ? 10_000 : f.limit))).all()
        var out = try await dtos(rows)
        if let s = f.osSupport { out = out.filter { $0.osSupport == s } }
        if let c = f.covered { out = out.filter { $0.covered == c } }
        return computed ? Array(out.dropFirst(f.offset).prefix(f.limit)) : out
    }

    /// One machine, if the actor may see it (another organization's answers like a missing one).
    public func model(_ id: UUID, by actor: Actor, on db: (any Database)? = nil) async throws -> AssetModel {
        let scope = try scope(actor)
        guard let m = try await AssetModel.find(id, on: db ?? desk.store.database), scope.contains(m.organizationId) else {
            throw DomainError.notFound("asset")
        }
        return m
    }

    public func detail(_ id: UUID, by actor: Actor) async throws -> AssetDetailDTO {
        let m = try await model(id, by: actor)
        let inventory = InventoryIntake.stored(m.inventory) ?? MachineInventory(name: m.name)
        return AssetDetailDTO(asset: try await dtos([m])[0], inventory: inventory, ticketIds: try await ticketIds(of: id, by: actor))
    }

    public func history(_ id: UUID, by actor: Actor, limit: Int = 100) async throws -> [AssetHistoryDTO] {
        _ = try await model(id, by: actor)
        return try await AssetHistoryModel.query(on: desk.store.database).filter(\.$assetId == id).sort(\.$at, .descending)
            // Within one instant, "inventory" after "created" (the first inventory is always the oldest entry).
            .sort(\.$kind, .descending).limit(limit).all().map { h in
            AssetHistoryDTO(id: h.id!, at: h.at, kind: h.kind, summary: h.summary,
                            changes: h.changes == "{}" ? nil : try? JSONDecoder().decode(InventoryDiff.self, from: Data(h.changes.utf8)))
        }
    }

    /// The tickets naming this machine that the actor may see, newest first.
    public func ticketIds(of assetId: UUID, by actor: Actor) async throws -> [UUID] {
        let rows = try await (desk.store.database as! any SQLDatabase).raw("""
            SELECT ta.ticket_id FROM ticket_assets ta JOIN tickets t ON t.id = ta.ticket_id WHERE ta.asset_id = \(bind: assetId) ORDER BY t.created_at DESC LIMIT 200
            """).all()
        let ids = try rows.map { try $0.decode(column: "ticket_id", as: UUID.self) }
        let visible = try await TicketRepository.find(ids: ids, scope: AccessPolicy.ticketScope(of: actor), on: desk.store.database)
        return ids.filter { visible[$0] != nil }
    }

    /// The machines of an organization a ticket could name, by name (the ticket page's choice: no coverage or support
    /// computed, at most 300).
    public func choices(organization: UUID, by actor: Actor) async throws -> [(id: UUID, name: String, users: String)] {
        guard try scope(actor).contains(organization) else { return [] }
        return try await AssetModel.query(on: desk.store.database).filter(\.$organizationId == organization).sort(\.$name)
            .field(\.$id).field(\.$name).field(\.$users).limit(300).all().map { ($0.id!, $0.name, $0.users) }
    }

    /// The machines a ticket names.
    public func assets(ofTicket ticketId: UUID, by actor: Actor) async throws -> [AssetDTO] {
        _ = try await desk.ticket(ticketId, by: actor, on: desk.store.database)
        let rows = try await (desk.store.database as! any SQLDatabase).raw("SELECT asset_id FROM ticket_assets WHERE ticket_id = \(bind: ticketId)").all()
        let ids = try rows.map { try $0.decode(column: "asset_id", as: UUID.self) }
        guard !ids.isEmpty else { return [] }
        return try await dtos(try await AssetModel.query(on: desk.store.database).filter(\.$id ~~ ids).sort(\.$name).all())
    }

    /// A ticket names a machine of its own organization. Staff may link any; a requester only on their own ticket,
    /// a machine they use (the portal's "which machine?").
    public func link(ticket ticketId: UUID, asset assetId: UUID, by actor: Actor, on db: any Database) async throws {
        let ticket = try await desk.ticket(ticketId, by: actor, on: db)
        guard let m = try await AssetModel.find(assetId, on: db), m.organizationId == ticket.organizationId else {
            throw DomainError.invalid(field: "asset_id", "no machine of the ticket's organization has this id")
        }
        if !actor.role.isStaff {
            guard try await machines(of: actor, on: db).contains(where: { $0.id == assetId }) else {
                throw DomainError.invalid(field: "asset_id", "not one of your machines")
            }
        }
        let sql = db as! any SQLDatabase
        let existing = try await sql.raw("SELECT 1 AS x FROM ticket_assets WHERE ticket_id = \(bind: ticketId) AND asset_id = \(bind: assetId)").all()
        guard existing.isEmpty else { return }
        try await sql.raw("INSERT INTO ticket_assets (ticket_id, asset_id, created_at) VALUES (\(bind: ticketId), \(bind: assetId), \(bind: desk.now))").run()
        try await desk.audit(actor, "link_asset", "ticket", ticketId, "\(ticket.number) → \(m.name)", on: db)
    }

    public func unlink(ticket ticketId: UUID, asset assetId: UUID, by actor: Actor, on db: any Database) async throws {
        try AccessPolicy.require(actor, .workTickets)
        _ = try await desk.ticket(ticketId, by: actor, on: db)
        try await (db as! any SQLDatabase).raw("DELETE FROM ticket_assets WHERE ticket_id = \(bind: ticketId) AND asset_id = \(bind: assetId)").run()
    }

    /// The machines a requester uses: those of their organization whose inventory lists their login (the e-mail's
    /// local part) or whose name they gave.
    public func machines(of actor: Actor, on db: (any Database)? = nil) async throws -> [AssetModel] {
        let db = db ?? desk.store.database
        guard let org = actor.organizationId, let user = try await UserModel.find(actor.userId, on: db) else { return [] }
        let login = String(user.email.split(separator: "@").first ?? "").lowercased()
        guard !login.isEmpty else { return [] }
        let candidates = try await AssetModel.query(on: db).filter(\.$organizationId == org).filter(\.$users, .custom("LIKE"), "%\(login)%").limit(50).all()
        return candidates.filter { $0.users.lowercased().split(separator: " ").contains { $0 == login || $0.hasSuffix("\\" + login) || $0.hasPrefix(login + "@") } }
    }

    /// Rows as the API shows them: coverage from each organization's contract in force, support from today's date.
    func dtos(_ rows: [AssetModel]) async throws -> [AssetDTO] {
        let db = desk.store.database
        let hardwareKeys = Set(try await desk.directory().categories.filter { $0.domain == .hardware }.map(\.key))
        var perimeters: [UUID: Perimeter?] = [:]
        for org in Set(rows.map(\.organizationId)) { perimeters[org] = try await desk.activeContract(of: org, on: db)?.perimeter }
        let today = Day(desk.now)
        return rows.map { m in
            let kind = AssetKind(rawValue: m.kind) ?? .other
            let support = m.osFull.map { OSSupport.status(of: $0, on: today) } ?? (.unknown, nil)
            return AssetDTO(id: m.id!, organizationId: m.organizationId, name: m.name, fqdn: m.fqdn, kind: kind, deviceId: m.deviceId,
                            systemUUID: m.systemUUID, serial: m.serial, manufacturer: m.manufacturer, model: m.model, os: m.osFull,
                            osSupport: support.status, osSupportEnds: support.end, cpu: m.cpu, memoryMB: m.memoryMB, storageMB: m.storageMB,
                            ipAddresses: m.ipAddresses.split(separator: " ").map(String.init), users: m.users.split(separator: " ").map(String.init),
                            softwareCount: m.softwareCount, source: m.source, agent: m.agent, tag: m.tag,
                            covered: AssetCoverage.covers(kind, perimeter: perimeters[m.organizationId] ?? nil, hardwareCategoryKeys: hardwareKeys),
                            firstSeenAt: m.firstSeenAt, lastSeenAt: m.lastSeenAt, lastInventoryAt: m.lastInventoryAt, version: m.version)
        }
    }
}

extension Desk {
    public var assets: Assets { Assets(desk: self) }
}
