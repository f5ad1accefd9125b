import Foundation
import Testing
@testable import EscaleCore

@Suite("Ticket events")
struct TicketEventTests {
    @Test("Optional parts of an event default to nil")
    func defaults() {
        let event = TicketEvent(kind: .reply, actorId: nil, at: Fixture.now, isPublic: true)
        #expect(event.body == nil && event.field == nil && event.oldValue == nil && event.newValue == nil)
        #expect(event.fromTier == nil && event.toTier == nil && event.reason == nil && event.minutes == nil)
    }

    @Test("Event kinds use their wire names")
    func kinds() {
        #expect(TicketEventKind.statusChanged.rawValue == "status_changed")
        #expect(TicketEventKind.fieldChanged.rawValue == "field_changed")
        #expect(TicketEventKind.workLogged.rawValue == "work_logged")
        #expect(TicketEventKind.deliveryFailed.rawValue == "delivery_failed")
        #expect(TicketEventKind.merged.rawValue == "merged" && TicketEventKind.unlinked.rawValue == "unlinked")
        #expect(TicketEventKind.monitoring.rawValue == "monitoring" && TicketEventKind.call.rawValue == "call")
        #expect(TicketEventKind.remoteAction.rawValue == "remote_action")
        #expect(TicketEventKind.allCases.count == 18)
    }
}
