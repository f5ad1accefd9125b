import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// The "it works / it still fails" links of a resolution mail: signed for one ticket, one requester and one resolution,
/// they act without signing in, and only while that resolution stands (a later resolution signs new links).
extension Desk {
    public enum ResolutionAnswer: String, Sendable { case confirm, stillFails = "still_fails" }

    func resolutionSignature(ticketId: UUID, userId: UUID, resolvedAt: Date) async throws -> String {
        try await sign("resolution|\(ticketId.uuidString)|\(userId.uuidString)|\(Int(resolvedAt.timeIntervalSince1970))")
    }

    /// The page a resolution mail links to, one per answer (the page asks before acting: mail scanners follow links).
    func resolutionURLs(_ ticket: Ticket, userId: UUID) async throws -> (confirm: String, stillFails: String)? {
        guard ticket.status == .resolved, let at = ticket.resolvedAt else { return nil }
        let base = "\(config.publicURL)/resolution/\(ticket.id.uuidString)/\(userId.uuidString)/\(try await resolutionSignature(ticketId: ticket.id, userId: userId, resolvedAt: at))"
        return ("\(base)?answer=confirm", "\(base)?answer=still_fails")
    }

    /// What a link names while it holds: the ticket (as its requester sees it) and the requester acting.
    public func resolutionLink(ticketId: UUID, userId: UUID, signature: String) async throws -> (ticket: Ticket, actor: Actor)? {
        let db = store.database
        guard let actor = try await resolveActor(userId: userId, on: db),
              let ticket = try await TicketRepository.find(ticketId, scope: AccessPolicy.ticketScope(of: actor), on: db),
              ticket.requesterId == userId, ticket.status == .resolved, let at = ticket.resolvedAt else { return nil }
        let expected = try await resolutionSignature(ticketId: ticketId, userId: userId, resolvedAt: at)
        return Hex.constantTimeEqual(signature, expected) ? (ticket, actor) : nil
    }

    /// Confirms (closes) or reopens with the requester's words. Nil when the link no longer holds.
    public func answerResolution(ticketId: UUID, userId: UUID, signature: String, answer: ResolutionAnswer, note: String?) async throws -> Ticket? {
        guard let link = try await resolutionLink(ticketId: ticketId, userId: userId, signature: signature) else { return nil }
        let (ticket, actor) = link
        return try await store.write { db in
            switch answer {
            case .confirm:
                var patch = TicketPatch()
                patch.status = .closed
                return try await self.updateTicket(ticket.id, patch, expectedVersion: ticket.version, by: actor, on: db)
            case .stillFails:
                let body = note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                guard !body.isEmpty else { throw DomainError.invalid(field: "body", "say what still fails") }
                _ = try await self.comment(on: ticket.id, CommentInput(body: body, isPublic: true), by: actor, on: db)
                return try await self.ticket(ticket.id, by: actor, on: db)
            }
        }
    }
}
