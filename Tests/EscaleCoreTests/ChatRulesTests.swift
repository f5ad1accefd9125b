import EscaleCore
import Foundation
import Testing

@Suite("Live chat rules")
struct ChatRulesTests {
    let acme = UUID(), other = UUID()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func agent(_ availability: ChatAvailability = .available, max: Int = 2, active: Int = 0, tier: Tier = .n1, serves: OrganizationSet = .all) -> ChatRouting.Agent {
        ChatRouting.Agent(id: UUID(), availability: availability, maxChats: max, activeChats: active, groups: [.init(tier: tier, serves: serves)])
    }

    @Test("the next chat goes to an N1 agent serving the organization before an N2 one, then to the least busy")
    func routingPrefersN1ThenLoad() {
        // Given
        let n2 = agent(tier: .n2)
        let busyN1 = agent(active: 1)
        let idleN1 = agent()
        let foreign = agent(serves: .only([other]))
        let chat = ChatRouting.Waiting(id: UUID(), organizationId: acme, since: t0)
        // When / Then
        #expect(ChatRouting.agent(for: chat, among: [n2, busyN1, idleN1, foreign]) == idleN1.id)
        #expect(ChatRouting.agent(for: chat, among: [n2, busyN1]) == busyN1.id)
        #expect(ChatRouting.agent(for: chat, among: [n2]) == n2.id)
        #expect(ChatRouting.agent(for: chat, among: [foreign]) == nil)
    }

    @Test("away, offline and full agents get nothing; an escalated chat waits for N2")
    func availabilityAndCapacity() {
        let chat = ChatRouting.Waiting(id: UUID(), organizationId: acme, since: t0)
        #expect(ChatRouting.agent(for: chat, among: [agent(.away), agent(.offline), agent(max: 1, active: 1)]) == nil)
        let escalated = ChatRouting.Waiting(id: UUID(), organizationId: acme, since: t0, minimumTier: .n2)
        let n2 = agent(tier: .n2)
        #expect(ChatRouting.agent(for: escalated, among: [agent(), n2]) == n2.id)
    }

    @Test("the oldest chat is served first, loads fill as chats are given, and queue places count from 1")
    func oldestFirstAndPositions() {
        let young = ChatRouting.Waiting(id: UUID(), organizationId: acme, since: t0.addingTimeInterval(60))
        let old = ChatRouting.Waiting(id: UUID(), organizationId: acme, since: t0)
        let a = agent(max: 1)
        let plan = ChatRouting.assign([young, old], agents: [a])
        #expect(plan.count == 1)
        #expect(plan.first?.chat == old.id)
        #expect(ChatRouting.positions([young, old]) == [old.id: 1, young.id: 2])
        // Started at the same instant: in the order they arrived.
        let second = ChatRouting.Waiting(id: UUID(), organizationId: acme, since: t0, arrival: 2)
        let first = ChatRouting.Waiting(id: UUID(), organizationId: acme, since: t0, arrival: 1)
        #expect(ChatRouting.queue([second, first]).map(\.id) == [first.id, second.id])
    }

    @Test("an identity signature matches only the expected one, whatever its case")
    func signatures() {
        #expect(ChatIdentity.signedMessage(email: " Alice@ACME.example ") == "alice@acme.example")
        #expect(ChatIdentity.matches("ABCDEF", expected: "abcdef"))
        #expect(!ChatIdentity.matches("abcdee", expected: "abcdef"))
        #expect(!ChatIdentity.matches("", expected: ""))
        #expect(!ChatIdentity.matches("abc", expected: "abcdef"))
    }

    @Test("a token bucket lets a burst through, refuses a flood, and refills with time")
    func rateLimit() {
        var bucket = RateLimit(capacity: 3, perSecond: 1, now: t0)
        var taken: [Bool] = []
        for _ in 0..<4 { taken.append(bucket.take(at: t0)) }
        #expect(taken == [true, true, true, false])
        #expect(bucket.retryAfter == 1)
        let later = [bucket.take(at: t0.addingTimeInterval(1)), bucket.take(at: t0.addingTimeInterval(1)), bucket.take(at: t0.addingTimeInterval(10))]
        #expect(later == [true, false, true])
    }
}
