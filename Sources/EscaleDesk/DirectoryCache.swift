import EscaleCore
import Foundation
import Synchronization

/// Directory facts read on every request (who a token is, the matrix, an organization's contract), kept briefly in
/// memory. Changes made through this process invalidate them at once; another instance sees them within `ttl`.
final class DirectoryCache: Sendable {
    struct TokenEntry: Sendable {
        let tokenId: UUID
        let actor: Actor
        let expiresAt: Date
        var lastUsedAt: Date?
    }

    private struct State {
        var tokens: [String: (TokenEntry, ContinuousClock.Instant)] = [:]
        var sessions: [String: (Desk.WebSession, ContinuousClock.Instant)] = [:]
        var contracts: [UUID: (Contract?, ContinuousClock.Instant)] = [:]
        var matrix: (PriorityMatrix, ContinuousClock.Instant)?
        var snapshot: (Desk.DirectorySnapshot, ContinuousClock.Instant)?
        var slaTerms: [UUID: ((SLAPolicy, BusinessCalendar), ContinuousClock.Instant)] = [:]
        var organizations: Set<UUID> = []
    }

    private let state = Mutex(State())
    /// Bumped by every invalidation: long-lived readers (live streams) re-check their session when it moves.
    let generation = Atomic<Int>(0)
    private let ttl: Duration
    /// Bounds memory if many distinct tokens are used within one `ttl`.
    private let maxTokens = 10_000

    init(ttl: Duration = .seconds(10)) { self.ttl = ttl }

    private func fresh(_ at: ContinuousClock.Instant) -> Bool { ContinuousClock.now - at < ttl }

    func token(_ hash: String) -> TokenEntry? {
        state.withLock { s in s.tokens[hash].flatMap { fresh($0.1) ? $0.0 : nil } }
    }

    func setToken(_ hash: String, _ entry: TokenEntry) {
        state.withLock { s in
            if s.tokens.count >= maxTokens { s.tokens.removeAll(keepingCapacity: true) }
            s.tokens[hash] = (entry, .now)
        }
    }

    func session(_ hash: String) -> Desk.WebSession? {
        state.withLock { s in s.sessions[hash].flatMap { fresh($0.1) ? $0.0 : nil } }
    }

    func setSession(_ hash: String, _ entry: Desk.WebSession) {
        state.withLock { s in
            if s.sessions.count >= maxTokens { s.sessions.removeAll(keepingCapacity: true) }
            s.sessions[hash] = (entry, .now)
        }
    }

    func contract(of organization: UUID) -> Contract?? {
        state.withLock { s in s.contracts[organization].flatMap { fresh($0.1) ? .some($0.0) : nil } }
    }

    func setContract(_ contract: Contract?, of organization: UUID) {
        state.withLock { $0.contracts[organization] = (contract, .now) }
    }

    func snapshot() -> Desk.DirectorySnapshot? {
        state.withLock { s in s.snapshot.flatMap { fresh($0.1) ? $0.0 : nil } }
    }

    func setSnapshot(_ snapshot: Desk.DirectorySnapshot) {
        state.withLock { $0.snapshot = (snapshot, .now) }
    }

    func slaTerms(_ policyId: UUID) -> (SLAPolicy, BusinessCalendar)? {
        state.withLock { s in s.slaTerms[policyId].flatMap { fresh($0.1) ? $0.0 : nil } }
    }

    func setSLATerms(_ policyId: UUID, _ terms: (SLAPolicy, BusinessCalendar)) {
        state.withLock { $0.slaTerms[policyId] = (terms, .now) }
    }

    func matrix() -> PriorityMatrix? {
        state.withLock { s in s.matrix.flatMap { fresh($0.1) ? $0.0 : nil } }
    }

    func setMatrix(_ matrix: PriorityMatrix) {
        state.withLock { $0.matrix = (matrix, .now) }
    }

    /// Organizations are never deleted, so "it exists" never goes stale.
    func organizationExists(_ id: UUID) -> Bool { state.withLock { $0.organizations.contains(id) } }
    func rememberOrganization(_ id: UUID) { _ = state.withLock { $0.organizations.insert(id) } }

    /// After any audited directory change (users, groups, contracts, tokens, sessions, the matrix): everything is re-read.
    func invalidateDirectory() {
        generation.add(1, ordering: .relaxed)
        state.withLock { s in
            s.tokens.removeAll()
            s.sessions.removeAll()
            s.contracts.removeAll()
            s.matrix = nil
            s.snapshot = nil
            s.slaTerms.removeAll()
        }
    }
}
