import Foundation
import Testing
@testable import EscaleCore

@Suite("Contracts and perimeters")
struct ContractTests {
    func day(_ s: String) -> Day { Fixture.day(s) }

    @Test("A contract is active from its first to its last day, both inclusive")
    func activeBoundsInclusive() {
        // Given a contract for the first half of 2026
        let contract = Fixture.contract(.hardware, from: "2026-01-01", until: "2026-06-30")
        // Then it is active on both bounds and in between, not outside
        #expect(!contract.isActive(on: day("2025-12-31")))
        #expect(contract.isActive(on: day("2026-01-01")))
        #expect(contract.isActive(on: day("2026-03-15")))
        #expect(contract.isActive(on: day("2026-06-30")))
        #expect(!contract.isActive(on: day("2026-07-01")))
    }

    @Test("An open-ended contract stays active after its start")
    func openEnded() {
        let contract = Fixture.contract(.infrastructure, from: "2026-01-01", until: nil)
        #expect(!contract.isActive(on: day("2025-12-31")))
        #expect(contract.isActive(on: day("2026-01-01")))
        #expect(contract.isActive(on: day("2099-12-31")))
    }

    @Test("A one-day contract (ends the day it starts) is allowed")
    func oneDayContract() throws {
        let contract = try Contract(id: Fixture.contractId, organizationId: Fixture.orgA, perimeter: .hardware,
                                    validFrom: day("2026-05-01"), validUntil: day("2026-05-01"))
        #expect(contract.isActive(on: day("2026-05-01")))
        #expect(!contract.isActive(on: day("2026-05-02")))
    }

    @Test("A contract ending before it starts is refused")
    func endBeforeStart() {
        let error = #expect(throws: DomainError.self) {
            try Contract(id: Fixture.contractId, organizationId: Fixture.orgA, perimeter: .hardware,
                         validFrom: day("2026-05-01"), validUntil: day("2026-04-30"))
        }
        #expect(error?.invalidField == "valid_until")
    }

    @Test("A perimeter by categories with no category is refused")
    func emptyCategories() {
        let error = #expect(throws: DomainError.self) {
            try Contract(id: Fixture.contractId, organizationId: Fixture.orgA, perimeter: .categories([]),
                         validFrom: day("2026-01-01"), validUntil: nil)
        }
        #expect(error?.invalidField == "categories")
    }

    @Test("A contract keeps its options")
    func options() throws {
        let calendar = UUID(), sla = UUID()
        let contract = try Contract(id: Fixture.contractId, organizationId: Fixture.orgA, perimeter: .categories(["email"]),
                                    validFrom: day("2026-01-01"), validUntil: nil, calendarId: calendar, slaPolicyId: sla,
                                    onCall: true, requestersSeeOrganization: true)
        #expect(contract.calendarId == calendar)
        #expect(contract.slaPolicyId == sla)
        #expect(contract.onCall)
        #expect(contract.requestersSeeOrganization)
        #expect(contract.perimeter == .categories(["email"]))
    }

    @Test("The contract in force is the most recently started active one")
    func activePicksMostRecent() {
        // Given an old open-ended contract, a renewal, a future one and an expired one
        let old = Fixture.contract(.hardware, from: "2024-01-01", until: nil, id: UUID())
        let renewal = Fixture.contract(.infrastructure, from: "2026-03-01", until: "2026-12-31", id: UUID())
        let future = Fixture.contract(.infrastructure, from: "2026-10-01", until: nil, id: UUID())
        let expired = Fixture.contract(.infrastructure, from: "2026-06-01", until: "2026-06-30", id: UUID())
        let all = [old, future, renewal, expired]
        // Then on each day the latest started active one wins, whatever the order of the list
        #expect(Contract.active(among: all, on: day("2025-06-01")) == old)
        #expect(Contract.active(among: all, on: day("2026-06-15")) == expired)
        #expect(Contract.active(among: all, on: day("2026-07-01")) == renewal)
        #expect(Contract.active(among: all.reversed(), on: day("2026-07-01")) == renewal)
        #expect(Contract.active(among: all, on: day("2026-10-01")) == future)
        #expect(Contract.active(among: all, on: day("2023-12-31")) == nil)
        #expect(Contract.active(among: [], on: day("2026-07-01")) == nil)
    }

    @Test("A hardware perimeter covers only hardware categories")
    func hardwarePerimeter() {
        for category in ServiceCategory.defaults {
            #expect(Perimeter.hardware.covers(category) == (category.domain == .hardware), "\(category.key)")
        }
    }

    @Test("An infrastructure perimeter covers the whole information system")
    func infrastructurePerimeter() {
        #expect(ServiceCategory.defaults.allSatisfy(Perimeter.infrastructure.covers))
    }

    @Test("A categories perimeter covers exactly the listed keys")
    func categoriesPerimeter() {
        let perimeter = Perimeter.categories(["email", "printer"])
        let covered = ServiceCategory.defaults.filter(perimeter.covers).map(\.key)
        #expect(covered.sorted() == ["email", "printer"])
    }

    @Test("Perimeter kinds use their wire names")
    func perimeterKind() {
        #expect(Perimeter.hardware.kind == "hardware")
        #expect(Perimeter.infrastructure.kind == "infrastructure")
        #expect(Perimeter.categories(["x"]).kind == "categories")
    }

    @Test("Out of scope: no category → never; no contract → always; otherwise outside the perimeter")
    func outOfScope() {
        let hardware = Fixture.contract(.hardware)
        #expect(!Contract.isOutOfScope(category: nil, contract: nil))
        #expect(!Contract.isOutOfScope(category: nil, contract: hardware))
        #expect(Contract.isOutOfScope(category: Fixture.printer, contract: nil))
        #expect(!Contract.isOutOfScope(category: Fixture.printer, contract: hardware))
        #expect(Contract.isOutOfScope(category: Fixture.network, contract: hardware))
        #expect(!Contract.isOutOfScope(category: Fixture.network, contract: Fixture.contract(.infrastructure)))
    }
}
