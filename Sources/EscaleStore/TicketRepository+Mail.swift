import EscaleCore
import FluentKit
import Foundation
import SQLKit

extension TicketRepository {
    /// One timeline entry with its place in the timeline.
    public struct PlacedEvent: Sendable {
        public let id: UUID
        public let version: Int
        public let ordinal: Int
        public let event: TicketEvent
    }

    /// The entries of a ticket after a place in its timeline (notifications resume where they stopped), in order.
    public static func events(of ticketId: UUID, afterVersion version: Int, ordinal: Int, on db: any Database) async throws -> [PlacedEvent] {
        let later = SQLBinaryExpression(SQLColumn("ticket_version"), .greaterThan, SQLBind(version))
        let sameVersionLater = SQLBinaryExpression(SQLBinaryExpression(SQLColumn("ticket_version"), .equal, SQLBind(version)), .and,
                                                   SQLBinaryExpression(SQLColumn("ordinal"), .greaterThan, SQLBind(ordinal)))
        let rows = try await (db as! any SQLDatabase).select().column("*").from("ticket_events").where("ticket_id", .equal, SQLBind(ticketId))
            .where(SQLGroupExpression(SQLBinaryExpression(SQLGroupExpression(later), .or, SQLGroupExpression(sameVersionLater))))
            .orderBy("ticket_version").orderBy("ordinal").all(decoding: EventRow.self, with: Store.rowDecoder)
        return try rows.map { PlacedEvent(id: $0.id, version: $0.ticketVersion, ordinal: $0.ordinal, event: try $0.event()) }
    }
}
