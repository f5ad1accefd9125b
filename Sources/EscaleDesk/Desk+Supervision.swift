import EscaleAPI
import EscaleCore
import EscaleStore
import Foundation

/// What supervisors watch until service reviews bring dashboards: where the open tickets are, and which ones miss or
/// are about to miss their service levels.
extension Desk {
    public struct Supervision: Sendable {
        /// An open ticket with its SLA as of the read.
        public struct Watched: Sendable {
            public let ticket: Ticket
            public let sla: SLADTO
        }

        public let openByTier: [Tier: Int]
        /// Keyed by group; nil counts the tickets no group holds.
        public let openByGroup: [UUID?: Int]
        /// Keyed by assignee; nil counts the unassigned tickets.
        public let openByAssignee: [UUID?: Int]
        public let breached: [Watched]
        public let atRisk: [Watched]
        /// The lists stop at the limit asked for; these say whether more tickets are in that state.
        public let moreBreached: Bool
        public let moreAtRisk: Bool

        public var openTotal: Int { openByTier.values.reduce(0, +) }
    }

    /// The open load per tier, group and assignee (aggregated by the database), and the open tickets whose SLA is
    /// breached or at risk (at most `limit` of each), all in the actor's ticket scope. Supervisors and administrators.
    public func supervision(by actor: Actor, limit: Int) async throws -> Supervision {
        try AccessPolicy.require(actor, .supervise)
        let scope = AccessPolicy.ticketScope(of: actor), db = store.database, at = now
        var byTier: [Tier: Int] = [:], byGroup: [UUID?: Int] = [:], byAssignee: [UUID?: Int] = [:]
        for c in try await TicketRepository.openCounts(scope: scope, on: db) {
            byTier[c.tier, default: 0] += c.count
            byGroup[c.groupId, default: 0] += c.count
            byAssignee[c.assigneeId, default: 0] += c.count
        }
        let breached = try await TicketRepository.openTickets(sla: .breached, at: at, scope: scope, limit: limit + 1, on: db)
        let atRisk = try await TicketRepository.openTickets(sla: .atRisk, at: at, scope: scope, limit: limit + 1, on: db)
        let shown = Array(breached.prefix(limit)) + Array(atRisk.prefix(limit))
        // Through `sla(of:)`, as every page shows an SLA: a snapshot left behind by a contract that no longer has a
        // policy is not shown here either.
        let sla = try await self.sla(of: shown, on: db)
        func watched(_ tickets: [Ticket]) -> [Supervision.Watched] {
            tickets.prefix(limit).compactMap { t in sla[t.id].map { Supervision.Watched(ticket: t, sla: $0) } }
        }
        return Supervision(openByTier: byTier, openByGroup: byGroup, openByAssignee: byAssignee,
                           breached: watched(breached), atRisk: watched(atRisk),
                           moreBreached: breached.count > limit, moreAtRisk: atRisk.count > limit)
    }
}
