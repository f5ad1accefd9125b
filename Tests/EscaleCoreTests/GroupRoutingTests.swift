import EscaleCore
import Foundation
import Testing

@Suite struct GroupRoutingTests {
    let acme = UUID(), globex = UUID()

    func group(_ tier: Tier, serves orgs: [UUID] = [], active: Bool = true) -> GroupRouting.Candidate {
        .init(id: UUID(), tier: tier, servesAll: orgs.isEmpty, organizationIds: Set(orgs), active: active)
    }

    @Test func theOnlyGroupOfTheTierServingTheClientGetsIt() {
        let n1 = group(.n1), n2 = group(.n2)
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [n1, n2]) == n1.id)
        #expect(GroupRouting.group(for: .n2, organization: acme, among: [n1, n2]) == n2.id)
        #expect(GroupRouting.group(for: .n3, organization: acme, among: [n1, n2]) == nil)
    }

    @Test func aClientsOwnTeamWinsOverTheSharedOne() {
        let shared = group(.n1), acmeTeam = group(.n1, serves: [acme]), globexTeam = group(.n1, serves: [globex])
        let all = [shared, acmeTeam, globexTeam]
        #expect(GroupRouting.group(for: .n1, organization: acme, among: all) == acmeTeam.id)
        #expect(GroupRouting.group(for: .n1, organization: globex, among: all) == globexTeam.id)
        #expect(GroupRouting.group(for: .n1, organization: UUID(), among: all) == shared.id)
    }

    @Test func aChoiceIsSettledByTheDefaultOrLeftOpen() {
        let a = group(.n1), b = group(.n1)
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [a, b]) == nil)
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [a, b], defaults: [.n1: b.id]) == b.id)
        // A default that does not serve the client is not a choice.
        let other = group(.n1, serves: [globex])
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [a, b, other], defaults: [.n1: other.id]) == nil)
        // Nor is a default of another tier.
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [a, b], defaults: [.n2: b.id]) == nil)
    }

    @Test func deactivatedGroupsReceiveNothing() {
        let old = group(.n1, active: false), current = group(.n1)
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [old, current]) == current.id)
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [old]) == nil)
        #expect(GroupRouting.group(for: .n1, organization: acme, among: [old], defaults: [.n1: old.id]) == nil)
    }

    @Test func languageComesFromTheChoiceThenTheOrganizationThenTheInstallation() {
        #expect(LanguageDefault.resolve(explicit: "en", organization: "fr", installation: "fr") == "en")
        #expect(LanguageDefault.resolve(explicit: nil, organization: "en", installation: "fr") == "en")
        #expect(LanguageDefault.resolve(explicit: nil, organization: nil, installation: "fr") == "fr")
        #expect(LanguageDefault.resolve(explicit: nil, organization: nil, installation: nil) == nil)
    }
}
