import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Canned replies: an agent's own and the shared ones, and their text rendered for a ticket. Who may see or change
/// one is `AccessPolicy.canSeeAgentTool` / `canManageAgentTool`; one the caller may not see answers like a missing one.
extension Desk {
    public func listCannedReplies(by actor: Actor) async throws -> [CannedReplyDTO] {
        try AccessPolicy.require(actor, .workTickets)
        let rows = try await CannedReplyModel.query(on: store.database)
            .group(.or) { or in or.filter(\.$ownerId == actor.userId); or.filter(\.$shared == true) }
            .all()
        return rows.map(Self.dto).sorted { ($0.shared ? 1 : 0, $0.title.lowercased()) < ($1.shared ? 1 : 0, $1.title.lowercased()) }
    }

    public func cannedReply(_ id: UUID, by actor: Actor, on db: (any Database)? = nil) async throws -> CannedReplyDTO {
        Self.dto(try await visibleCannedReply(id, by: actor, on: db ?? store.database))
    }

    public func createCannedReply(_ input: CannedReplyInput, by actor: Actor, on db: any Database) async throws -> CannedReplyDTO {
        try AccessPolicy.require(actor, .workTickets)
        let reply = try Self.validated(input)
        guard AccessPolicy.canManageAgentTool(actor, ownerId: actor.userId, shared: reply.shared) else {
            throw DomainError.forbidden("only supervisors and administrators create shared canned replies")
        }
        let m = CannedReplyModel()
        m.id = UUID(); m.ownerId = actor.userId; m.createdAt = now
        try await save(m, reply, on: db)
        return Self.dto(m)
    }

    /// Replaces a canned reply's title, bodies and sharing. Making a personal one shared (or the reverse) needs the
    /// right to manage it both ways.
    public func updateCannedReply(_ id: UUID, _ input: CannedReplyInput, by actor: Actor, on db: any Database) async throws -> CannedReplyDTO {
        let m = try await visibleCannedReply(id, by: actor, on: db)
        let reply = try Self.validated(input)
        guard AccessPolicy.canManageAgentTool(actor, ownerId: m.ownerId, shared: m.shared),
              AccessPolicy.canManageAgentTool(actor, ownerId: m.ownerId, shared: reply.shared) else {
            throw DomainError.forbidden(m.shared || reply.shared ? "only supervisors and administrators change shared canned replies"
                                                                  : "only its owner changes a personal canned reply")
        }
        try await save(m, reply, on: db)
        return Self.dto(m)
    }

    public func deleteCannedReply(_ id: UUID, by actor: Actor, on db: any Database) async throws {
        let m = try await visibleCannedReply(id, by: actor, on: db)
        guard AccessPolicy.canManageAgentTool(actor, ownerId: m.ownerId, shared: m.shared) else {
            throw DomainError.forbidden("only supervisors and administrators delete shared canned replies")
        }
        try await m.delete(on: db)
    }

    /// The canned reply's text for this ticket: the body in the requester's language (or the other one), with its
    /// variables filled in.
    public func renderCannedReply(_ id: UUID, ticket ticketId: UUID, by actor: Actor) async throws -> CannedReplyPreview {
        try await renderCannedReply(id, for: try await self.ticket(ticketId, by: actor), by: actor)
    }

    /// The same, for a ticket the caller has already read through its scope (the ticket page).
    public func renderCannedReply(_ id: UUID, for ticket: Ticket, by actor: Actor) async throws -> CannedReplyPreview {
        let m = try await visibleCannedReply(id, by: actor, on: store.database)
        return try await render(Self.reply(m), for: ticket, by: actor, on: store.database)
    }

    /// A template rendered for a ticket the caller has already read through its scope.
    public func render(_ reply: CannedReply, for ticket: Ticket, by actor: Actor, on db: any Database) async throws -> CannedReplyPreview {
        let requester = try await UserModel.find(ticket.requesterId, on: db)
        let (used, body) = reply.language(for: requester?.locale ?? "fr")
        let rendered = ReplyVariables.render(body, try await replyValues(for: ticket, requester: requester, by: actor, on: db))
        return CannedReplyPreview(text: rendered.text, locale: used, unknownVariables: rendered.unknown)
    }

    /// What the reply variables stand for on this ticket, for this member of staff.
    func replyValues(for ticket: Ticket, requester: UserModel? = nil, by actor: Actor, on db: any Database) async throws -> ReplyVariables.Values {
        var requester = requester
        if requester == nil { requester = try await UserModel.find(ticket.requesterId, on: db) }
        let agent = try await UserModel.find(actor.userId, on: db)
        let organization = try await OrganizationModel.find(ticket.organizationId, on: db)
        return ReplyVariables.Values(requesterName: requester?.name ?? "", ticketNumber: ticket.number, ticketSubject: ticket.subject,
                                     agentName: agent?.name ?? "", organizationName: organization?.name ?? "")
    }

    private func visibleCannedReply(_ id: UUID, by actor: Actor, on db: any Database) async throws -> CannedReplyModel {
        try AccessPolicy.require(actor, .workTickets)
        guard let m = try await CannedReplyModel.find(id, on: db), AccessPolicy.canSeeAgentTool(actor, ownerId: m.ownerId, shared: m.shared) else {
            throw DomainError.notFound("canned reply")
        }
        return m
    }

    private func save(_ m: CannedReplyModel, _ reply: CannedReply, on db: any Database) async throws {
        m.title = reply.title; m.bodyFr = reply.bodyFr; m.bodyEn = reply.bodyEn; m.shared = reply.shared; m.updatedAt = now
        try await m.save(on: db)
    }

    static func validated(_ input: CannedReplyInput) throws -> CannedReply {
        try CannedReply.validated(title: input.title, bodyFr: input.bodyFr ?? "", bodyEn: input.bodyEn ?? "", shared: input.shared ?? false)
    }

    static func reply(_ m: CannedReplyModel) -> CannedReply {
        CannedReply(title: m.title, bodyFr: m.bodyFr, bodyEn: m.bodyEn, shared: m.shared)
    }

    static func dto(_ m: CannedReplyModel) -> CannedReplyDTO {
        CannedReplyDTO(id: m.id!, title: m.title, bodyFr: m.bodyFr, bodyEn: m.bodyEn, shared: m.shared, ownerId: m.ownerId,
                       createdAt: m.createdAt, updatedAt: m.updatedAt)
    }
}
