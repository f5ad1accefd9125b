import EscaleCore
import Foundation
import Testing

@Suite("Sign-in throttle")
struct SignInThrottleTests {
    let policy = SignInThrottle()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("free failures, then delays that double up to each key's ceiling; never a lock")
    func growingDelays() {
        #expect(policy.delay(after: 4, .pair) == 0)
        #expect(policy.delay(after: 5, .pair) == 1)
        #expect(policy.delay(after: 6, .pair) == 2)
        #expect(policy.delay(after: 9, .pair) == 16)
        #expect(policy.delay(after: 40, .pair) == 15 * 60)
        #expect(policy.delay(after: 1_000_000, .pair) == 15 * 60, "no overflow however many failures")
        #expect(policy.delay(after: 9, .account) == 0)
        #expect(policy.delay(after: 30, .account) == 5 * 60)
        #expect(policy.delay(after: 29, .address) == 0)
        #expect(policy.retryAfter(.pair, failures: 6, lastFailure: t0, now: t0.addingTimeInterval(1.5)) == 0.5)
        #expect(policy.retryAfter(.pair, failures: 6, lastFailure: t0, now: t0.addingTimeInterval(2)) == nil)
    }

    @Test("counts fade after the window without failure")
    func decay() {
        #expect(policy.effectiveFailures(50, lastFailure: t0, now: t0.addingTimeInterval(15 * 60 - 1)) == 50)
        #expect(policy.effectiveFailures(50, lastFailure: t0, now: t0.addingTimeInterval(15 * 60)) == 0)
        #expect(policy.retryAfter(.pair, failures: 50, lastFailure: t0, now: t0.addingTimeInterval(15 * 60)) == nil)
    }

    @Test("a known address is spared the account's and the address's delays, not its own pair's")
    func knownAddresses() {
        let busy: [(kind: SignInThrottle.Kind, failures: Int, last: Date)] = [(.account, 20, t0), (.address, 40, t0)]
        #expect(policy.retryAfter(busy, now: t0) != nil, "an unknown address waits")
        #expect(policy.retryAfter(busy + [(.known, 0, t0.addingTimeInterval(-86_400))], now: t0) == nil, "a known one does not")
        #expect(policy.retryAfter(busy + [(.known, 0, t0.addingTimeInterval(-31 * 86_400))], now: t0) != nil, "known for 30 days only")
        let guessed = busy + [(.known, 0, t0), (.pair, 8, t0)]
        #expect(policy.retryAfter(guessed, now: t0) == 8, "its own failures still count")
    }

    @Test("keys: the account alone without an address, else the account, the address and the pair")
    func keys() {
        #expect(SignInThrottle.keys(account: "a@b.fr", address: nil).map(\.key) == ["account:a@b.fr"])
        #expect(SignInThrottle.keys(account: "a@b.fr", address: "10.0.0.1").map(\.key) == ["account:a@b.fr", "address:10.0.0.1", "pair:a@b.fr|10.0.0.1"])
    }
}
