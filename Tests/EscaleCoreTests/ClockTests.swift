import Foundation
import Testing
@testable import EscaleCore

@Suite("Injected clock")
struct ClockTests {
    @Test("A fixed clock always answers the same instant")
    func fixed() {
        let clock = Clock.fixed(Fixture.now)
        #expect(clock.now() == Fixture.now)
        #expect(clock.now() == clock.now())
    }

    @Test("A custom clock answers what its closure returns")
    func custom() {
        let clock = Clock { Fixture.later }
        #expect(clock.now() == Fixture.later)
    }
}
