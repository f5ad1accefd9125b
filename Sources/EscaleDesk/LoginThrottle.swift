import Foundation
import Synchronization

/// Counts failed sign-ins per account and per client address over a sliding window, and refuses further attempts
/// once either passes its limit. In memory: with several instances each one throttles on its own, so the limits
/// below are per instance.
final class LoginThrottle: Sendable {
    struct Limits: Sendable {
        var perAccount = 5
        var perAddress = 20
        var window: TimeInterval = 15 * 60
    }

    private let limits: Limits
    private let failures = Mutex<[String: [Date]]>([:])
    /// Bounds memory under a spray of distinct keys: the oldest entries go first.
    private let maxKeys = 50_000

    init(limits: Limits = Limits()) { self.limits = limits }

    /// Seconds to wait before the next attempt is allowed, or nil if it may proceed.
    func retryAfter(account: String, address: String?, now: Date) -> TimeInterval? {
        failures.withLock { f in
            var wait: TimeInterval?
            for (key, limit) in keys(account, address) {
                let recent = (f[key] ?? []).filter { now.timeIntervalSince($0) < limits.window }
                f[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait ?? 0, limits.window - now.timeIntervalSince(oldest))
                }
            }
            return wait
        }
    }

    func recordFailure(account: String, address: String?, now: Date) {
        failures.withLock { f in
            if f.count > maxKeys { f.removeAll(keepingCapacity: true) }
            for (key, _) in keys(account, address) { f[key, default: []].append(now) }
        }
    }

    /// A successful sign-in clears the account's failures (not the address's: one good password must not reopen a
    /// spray from the same address).
    func recordSuccess(account: String) {
        _ = failures.withLock { $0.removeValue(forKey: "account:" + account) }
    }

    private func keys(_ account: String, _ address: String?) -> [(String, Int)] {
        var k = [("account:" + account, limits.perAccount)]
        if let address { k.append(("address:" + address, limits.perAddress)) }
        return k
    }
}
