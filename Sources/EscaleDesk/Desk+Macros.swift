import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Macros: a named set of actions applied to a ticket in one go, through the same use cases as by hand (so the
/// timeline, SLA, paging and access rules all apply), inside the caller's transaction: if any step is refused, the
/// transaction rolls back and nothing is applied. Visibility and management follow canned replies.
extension Desk {
    public func listMacros(by actor: Actor) async throws -> [MacroDTO] {
        try AccessPolicy.require(actor, .workTickets)
        let rows = try await MacroModel.query(on: store.database)
            .group(.or) { or in or.filter(\.$ownerId == actor.userId); or.filter(\.$shared == true) }
            .all()
        return try rows.map(Self.dto).sorted { ($0.shared ? 1 : 0, $0.name.lowercased()) < ($1.shared ? 1 : 0, $1.name.lowercased()) }
    }

    public func macro(_ id: UUID, by actor: Actor) async throws -> MacroDTO {
        try Self.dto(try await visibleMacro(id, by: actor, on: store.database))
    }

    public func createMacro(_ input: MacroInput, by actor: Actor, on db: any Database) async throws -> MacroDTO {
        try AccessPolicy.require(actor, .workTickets)
        let macro = try Macro.validated(name: input.name, shared: input.shared ?? false, actions: input.actions)
        guard AccessPolicy.canManageAgentTool(actor, ownerId: actor.userId, shared: macro.shared) else {
            throw DomainError.forbidden("only supervisors and administrators create shared macros")
        }
        let m = MacroModel()
        m.id = UUID(); m.ownerId = actor.userId; m.createdAt = now
        try await save(m, macro, on: db)
        return try Self.dto(m)
    }

    public func updateMacro(_ id: UUID, _ input: MacroInput, by actor: Actor, on db: any Database) async throws -> MacroDTO {
        let m = try await visibleMacro(id, by: actor, on: db)
        let macro = try Macro.validated(name: input.name, shared: input.shared ?? false, actions: input.actions)
        guard AccessPolicy.canManageAgentTool(actor, ownerId: m.ownerId, shared: m.shared),
              AccessPolicy.canManageAgentTool(actor, ownerId: m.ownerId, shared: macro.shared) else {
            throw DomainError.forbidden(m.shared || macro.shared ? "only supervisors and administrators change shared macros"
                                                                  : "only its owner changes a personal macro")
        }
        try await save(m, macro, on: db)
        return try Self.dto(m)
    }

    public func deleteMacro(_ id: UUID, by actor: Actor, on db: any Database) async throws {
        let m = try await visibleMacro(id, by: actor, on: db)
        guard AccessPolicy.canManageAgentTool(actor, ownerId: m.ownerId, shared: m.shared) else {
            throw DomainError.forbidden("only supervisors and administrators delete shared macros")
        }
        try await m.delete(on: db)
    }

    /// Applies a macro: fields first (one `updateTicket`), then the public reply (its variables filled in), the
    /// internal note, and the escalation. `expectedVersion` is the version the caller saw (If-Match, or the page's).
    public func applyMacro(_ id: UUID, to ticketId: UUID, expectedVersion: Int, by actor: Actor, on db: any Database) async throws -> Ticket {
        var ticket = try await self.ticket(ticketId, by: actor, forUpdate: true, on: db)
        let macro = try Self.macro(try await visibleMacro(id, by: actor, on: db))
        guard ticket.version == expectedVersion else { throw DomainError.versionConflict(current: ticket.version) }
        let a = macro.actions
        if macro.setsFields {
            var patch = TicketPatch()
            // Only what differs: a status set to what it already is would be a refused transition.
            if let s = a.status, s != ticket.status { patch.status = s }
            if let i = a.impact, i != ticket.impact { patch.impact = i }
            if let u = a.urgency, u != ticket.urgency { patch.urgency = u }
            if let c = a.category, c != ticket.category { patch.category = .some(c) }
            if let g = a.groupId, g != ticket.groupId { patch.groupId = .some(g) }
            switch macro.assignee {
            case .me: if ticket.assigneeId != actor.userId { patch.assigneeId = .some(actor.userId) }
            case let .user(u): if ticket.assigneeId != u { patch.assigneeId = .some(u) }
            case nil: break
            }
            ticket = try await updateTicket(ticket.id, patch, expectedVersion: ticket.version, by: actor, on: db)
        }
        if let reply = a.reply {
            let text = ReplyVariables.render(reply, try await replyValues(for: ticket, by: actor, on: db)).text
            _ = try await comment(on: ticket.id, CommentInput(body: text, isPublic: true), by: actor, on: db)
        }
        if let note = a.note {
            _ = try await comment(on: ticket.id, CommentInput(body: note, isPublic: false), by: actor, on: db)
        }
        if let tier = a.escalateTier {
            _ = try await escalate(ticket.id, EscalateInput(tier: tier, reason: a.escalateReason ?? ""), by: actor, on: db)
        }
        return try await self.ticket(ticket.id, by: actor, on: db)
    }

    private func visibleMacro(_ id: UUID, by actor: Actor, on db: any Database) async throws -> MacroModel {
        try AccessPolicy.require(actor, .workTickets)
        guard let m = try await MacroModel.find(id, on: db), AccessPolicy.canSeeAgentTool(actor, ownerId: m.ownerId, shared: m.shared) else {
            throw DomainError.notFound("macro")
        }
        return m
    }

    private func save(_ m: MacroModel, _ macro: Macro, on db: any Database) async throws {
        m.name = macro.name; m.shared = macro.shared; m.updatedAt = now
        m.actions = String(decoding: try JSONEncoder().encode(macro.actions), as: UTF8.self)
        try await m.save(on: db)
    }

    static func macro(_ m: MacroModel) throws -> Macro {
        try Macro.validated(name: m.name, shared: m.shared, actions: try JSONDecoder().decode(MacroActions.self, from: Data(m.actions.utf8)))
    }

    static func dto(_ m: MacroModel) throws -> MacroDTO {
        MacroDTO(id: m.id!, name: m.name, shared: m.shared, ownerId: m.ownerId,
                 actions: try JSONDecoder().decode(MacroActions.self, from: Data(m.actions.utf8)), createdAt: m.createdAt, updatedAt: m.updatedAt)
    }
}
