import Crypto
import EscaleCore
import Foundation
import Synchronization

/// What one instance keeps in memory for the escale-agents: credentials already resolved (a fleet heartbeats every
/// minute), the server's Ed25519 key, and the agents waiting in a long poll, woken when a command is queued for them.
public final class AgentState: Sendable {
    public struct Identity: Sendable, Equatable {
        public let agentId: UUID
        public let organizationId: UUID
        public let assetId: UUID?
        public var deviceId: String { "escale-agent-\(agentId.uuidString.lowercased())" }
    }

    private let credentials = Mutex<[String: (value: Identity, at: Date)]>([:])
    let signingKey = Mutex<Curve25519.Signing.PrivateKey?>(nil)
    private struct Waiters {
        var byAgent: [UUID: [UUID: CheckedContinuation<Void, Never>]] = [:]
        var expired: Set<UUID> = []
    }
    private let waiters = Mutex(Waiters())

    public init() {}

    /// A resolved credential is trusted this long (a revocation takes effect within it).
    static let credentialTTL: TimeInterval = 10

    func identity(_ hash: String, now: Date) -> Identity? {
        credentials.withLock { c in
            guard let hit = c[hash], now.timeIntervalSince(hit.at) < Self.credentialTTL else { return nil }
            return hit.value
        }
    }

    func remember(_ hash: String, _ identity: Identity, now: Date) {
        credentials.withLock { c in
            if c.count > 50_000 { c.removeAll() }
            c[hash] = (identity, now)
        }
    }

    func forgetAll() { credentials.withLock { $0.removeAll() } }

    /// Waits until `wake(agent)` or the delay has passed. (A wake that comes before the wait begins is missed: callers
    /// read the database again after every wait, and wait in short slices.)
    func wait(agent: UUID, upTo delay: Duration) async {
        let ticket = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            self?.resume(agent: agent, ticket: ticket)
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = waiters.withLock { w -> Bool in
                if w.expired.remove(ticket) != nil { return true }
                w.byAgent[agent, default: [:]][ticket] = c
                return false
            }
            if now { c.resume() }
        }
        timer.cancel()
    }

    /// The timer fired: resume the waiter, or note that it need not wait once it registers.
    private func resume(agent: UUID, ticket: UUID) {
        let c = waiters.withLock { w -> CheckedContinuation<Void, Never>? in
            guard let c = w.byAgent[agent]?.removeValue(forKey: ticket) else {
                w.expired.insert(ticket)
                return nil
            }
            if w.byAgent[agent]?.isEmpty == true { w.byAgent[agent] = nil }
            return c
        }
        c?.resume()
    }

    func wake(_ agents: some Sequence<UUID>) {
        var ready: [CheckedContinuation<Void, Never>] = []
        waiters.withLock { w in
            for a in agents { if let list = w.byAgent.removeValue(forKey: a) { ready.append(contentsOf: list.values) } }
        }
        for c in ready { c.resume() }
    }
}
