import EscaleCore
import Testing

@Suite struct SavedViewTests {
    @Test func theQueryKeepsKnownFiltersInAStableOrder() {
        let q = SavedView.canonicalQuery(["tier": "2", "status": "new", "page": "3", "done": "saved", "priority": "", "evil": "x"])
        #expect(q == "status=new&tier=2")
        #expect(SavedView.parse(q) == ["status": "new", "tier": "2"])
        #expect(SavedView.canonicalQuery(["status": "new\"><script>"]) == "", "values are plain tokens")
        #expect(SavedView.parse("status=new&other=1") == ["status": "new"])
    }

    @Test func aViewNeedsAName() throws {
        #expect(try SavedView.validName("  Mes P1  ") == "Mes P1")
        #expect(throws: DomainError.self) { try SavedView.validName(" ") }
        #expect(throws: DomainError.self) { try SavedView.validName(String(repeating: "x", count: 61)) }
    }

    @Test func onlySupervisorsAndAdministratorsShareWithTheTeam() {
        for (role, allowed) in [(Role.agent, false), (.supervisor, true), (.admin, true), (.requester, false), (.clientManager, false)] {
            let actor = Actor(userId: .init(), role: role)
            #expect(AccessPolicy.allows(actor, .shareWithTeam) == allowed)
        }
    }
}
