import Foundation
import Testing
@testable import EscaleCore

@Suite("Ticket status transitions")
struct TicketStatusTests {
    /// Every transition the lifecycle allows, written out independently of the implementation.
    static let allowed: [(TicketStatus, TicketStatus)] = [
        (.new, .assigned), (.new, .inProgress), (.new, .pending), (.new, .resolved),
        (.assigned, .new), (.assigned, .inProgress), (.assigned, .pending), (.assigned, .resolved),
        (.inProgress, .assigned), (.inProgress, .pending), (.inProgress, .resolved),
        (.pending, .assigned), (.pending, .inProgress), (.pending, .resolved),
        (.resolved, .inProgress), (.resolved, .closed),
    ]

    static let forbiddenSample: [(TicketStatus, TicketStatus)] = [
        (.new, .closed), (.assigned, .closed), (.inProgress, .new), (.inProgress, .closed),
        (.pending, .new), (.pending, .closed), (.resolved, .new), (.resolved, .assigned), (.resolved, .pending),
        (.closed, .new), (.closed, .assigned), (.closed, .inProgress), (.closed, .pending), (.closed, .resolved),
    ]

    @Test("Every allowed transition is allowed", arguments: allowed)
    func allowedTransition(from: TicketStatus, to: TicketStatus) {
        #expect(from.canMove(to: to))
        #expect(from.successors.contains(to))
    }

    @Test("A sample of forbidden transitions is refused", arguments: forbiddenSample)
    func forbiddenTransition(from: TicketStatus, to: TicketStatus) {
        #expect(!from.canMove(to: to))
    }

    @Test("The allowed transitions are exactly the documented ones (all 36 pairs)")
    func transitionTableIsExact() {
        for from in TicketStatus.allCases {
            for to in TicketStatus.allCases {
                let documented = Self.allowed.contains { $0 == from && $1 == to }
                #expect(from.canMove(to: to) == documented, "\(from.rawValue) → \(to.rawValue)")
            }
        }
    }

    @Test("No status moves to itself", arguments: TicketStatus.allCases)
    func noSelfTransition(status: TicketStatus) {
        #expect(!status.canMove(to: status))
    }

    @Test("Closed is final: it has no successor")
    func closedIsFinal() {
        #expect(TicketStatus.closed.successors.isEmpty)
    }

    @Test("Only resolved and closed tickets are not open")
    func openness() {
        #expect(TicketStatus.allCases.filter(\.isOpen) == [.new, .assigned, .inProgress, .pending])
    }

    @Test("Statuses use their wire names")
    func rawValues() {
        #expect(TicketStatus.inProgress.rawValue == "in_progress")
        #expect(TicketStatus(rawValue: "in_progress") == .inProgress)
        #expect(TicketStatus(rawValue: "inProgress") == nil)
    }
}
