import Foundation

/// How failed password proofs slow down further attempts: growing delays, never a hard lock.
///
/// Each failure is counted under three keys — the account, the client address, and the pair of both — each with a
/// number of free failures and then a delay that doubles with every further failure up to a ceiling. Counts decay: a
/// key with no failure for `window` starts again from zero. The pair throttles one attacker hard. The account's delay
/// stops a guesser spread over many addresses, the address's a spray at many accounts from one place; neither applies
/// at the account's own known addresses (where it signed in before), so an attacker elsewhere — or behind the same
/// NAT — cannot keep the real user out.
public struct SignInThrottle: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case account, address, pair
        /// Not a throttle: an address the account has signed in from (`knownFor`), which its account delay spares.
        case known
    }

    public struct Rule: Sendable, Equatable {
        /// Failures allowed without any delay.
        public var free: Int
        /// The first delay, doubled with each further failure.
        public var base: TimeInterval
        /// The longest delay.
        public var ceiling: TimeInterval
        public init(free: Int, base: TimeInterval, ceiling: TimeInterval) {
            self.free = free; self.base = base; self.ceiling = ceiling
        }
    }

    public var pair = Rule(free: 5, base: 1, ceiling: 15 * 60)
    public var account = Rule(free: 10, base: 1, ceiling: 5 * 60)
    public var address = Rule(free: 30, base: 1, ceiling: 15 * 60)
    /// A key without failure for this long starts again from zero.
    public var window: TimeInterval = 15 * 60
    /// How long an address stays known to an account after a successful sign-in from it.
    public var knownFor: TimeInterval = 30 * 24 * 3600

    public init() {}

    public func rule(_ kind: Kind) -> Rule {
        switch kind {
        case .account: account
        case .address: address
        case .pair: pair
        case .known: Rule(free: .max, base: 0, ceiling: 0)
        }
    }

    /// The delay imposed after `failures` consecutive failures under a rule.
    public func delay(after failures: Int, _ kind: Kind) -> TimeInterval {
        let r = rule(kind)
        guard failures >= r.free, r.ceiling > 0 else { return 0 }
        let doublings = min(failures - r.free, 40)
        return min(r.ceiling, r.base * pow(2, Double(doublings)))
    }

    /// The failures still counted at `now` (zero once the window has passed since the last one).
    public func effectiveFailures(_ failures: Int, lastFailure: Date, now: Date) -> Int {
        now.timeIntervalSince(lastFailure) >= window ? 0 : failures
    }

    /// Seconds before the next attempt under this key is allowed, or nil if it may proceed now.
    public func retryAfter(_ kind: Kind, failures: Int, lastFailure: Date, now: Date) -> TimeInterval? {
        let counted = effectiveFailures(failures, lastFailure: lastFailure, now: now)
        let wait = lastFailure.addingTimeInterval(delay(after: counted, kind)).timeIntervalSince(now)
        return wait > 0 ? wait : nil
    }

    /// The keys a password proof for `account` from `address` is counted under (no address: the account alone).
    public static func keys(account: String, address: String?) -> [(kind: Kind, key: String)] {
        var keys: [(Kind, String)] = [(.account, "account:" + account)]
        if let address, !address.isEmpty {
            keys.append((.address, "address:" + address))
            keys.append((.pair, "pair:" + account + "|" + address))
        }
        return keys
    }

    /// The row that marks `address` as known to `account`.
    public static func knownKey(account: String, address: String) -> String { "known:" + account + "|" + address }

    /// Seconds before the next attempt is allowed, given the rows found for an attempt's keys, or nil. From an address
    /// the account signed in from within `knownFor`, only the pair's own delay applies: neither guesses at the account
    /// from elsewhere nor a spray at other accounts from the same address (an office behind one NAT) keep it out.
    public func retryAfter(_ rows: [(kind: Kind, failures: Int, last: Date)], now: Date) -> TimeInterval? {
        let known = rows.contains { $0.kind == .known && now.timeIntervalSince($0.last) < knownFor }
        var wait: TimeInterval?
        for row in rows where row.kind != .known && !(known && row.kind != .pair) {
            if let w = retryAfter(row.kind, failures: row.failures, lastFailure: row.last, now: now) { wait = max(wait ?? 0, w) }
        }
        return wait
    }
}
