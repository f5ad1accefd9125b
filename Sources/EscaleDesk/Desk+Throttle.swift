import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import Synchronization

/// The one gate for proving a password — web sign-in, API tokens, a password change — with the throttle shared by
/// all of them and by every instance (the counts are in the database).
extension Desk {
    public enum SignInError: Error, Sendable {
        case invalidCredentials
        /// Too many recent failures for this account, address or pair; retry after this many seconds.
        case throttled(retryAfter: Int)
    }

    /// Checks `password` for `email`, or throws. An unknown or deactivated account costs the same bcrypt work as a
    /// known one, so the answer's timing tells nothing about which accounts exist.
    func provePassword(email: String, password: String, clientAddress: String?) async throws -> UserModel {
        let account = email.trimmingCharacters(in: .whitespaces).lowercased()
        let keys = SignInThrottle.keys(account: account, address: clientAddress)
        let known = clientAddress.map { SignInThrottle.knownKey(account: account, address: $0) }
        let db = store.database
        let rows = try await AuthThrottleStore.rows(keys: keys.map(\.key) + (known.map { [$0] } ?? []), on: db)
        let at = now, policy = throttlePolicy
        let facts = rows.compactMap { r in SignInThrottle.Kind(rawValue: r.kind).map { (kind: $0, failures: r.failures, last: r.lastFailureAt) } }
        if let wait = policy.retryAfter(facts, now: at) { throw SignInError.throttled(retryAfter: max(1, Int(wait.rounded(.up)))) }

        let user = account.isEmpty || account.count > 254 ? nil : try await UserModel.query(on: db).filter(\.$email == account).first()
        let hash: String
        if let known = user?.passwordHash { hash = known } else { hash = try await dummyHash() }
        let matches = try await passwords.verify(String(password.prefix(200)), hash: hash)
        guard let user, user.active, matches else {
            try await store.write { db in
                try await AuthThrottleStore.recordFailure(keys.map { ($0.kind.rawValue, $0.key, Self.subject($0.key)) },
                                                          now: at, window: policy.window, on: db)
            }
            throw SignInError.invalidCredentials
        }
        // Success forgives this address's own failures on the account, and makes the address known to the account.
        // Neither the account's count (an attacker elsewhere must not be let off by the real user) nor the address's
        // (one good password must not reopen a spray from the same place) is reset.
        let pair = keys.first { $0.kind == .pair }?.key
        if pair != nil || known != nil {
            try await store.write { db in
                if let pair, rows.contains(where: { $0.key == pair }) { try await AuthThrottleStore.clear(keys: [pair], on: db) }
                if let known { try await AuthThrottleStore.markKnown(key: known, subject: Self.subject(known), now: at, on: db) }
            }
        }
        return user
    }

    /// A bcrypt hash of a random secret at the configured cost, verified against when there is no account.
    private func dummyHash() async throws -> String {
        if let h = dummyPasswordHash.withLock({ $0 }) { return h }
        let h = try await passwords.hash(Self.randomToken())
        dummyPasswordHash.withLock { $0 = h }
        return h
    }

    private static func subject(_ key: String) -> String {
        key.split(separator: ":", maxSplits: 1).last.map(String.init) ?? key
    }

    // MARK: administrators see and lift throttles

    public struct ThrottleEntry: Sendable {
        public let id: UUID
        public let kind: SignInThrottle.Kind
        public let subject: String
        public let failures: Int
        public let lastFailureAt: Date
        /// Seconds before the next attempt under this key is allowed (0: allowed now).
        public let retryAfter: Int
    }

    /// Keys with failures still counted, most failures first.
    public func throttles(by actor: Actor, limit: Int = 200) async throws -> [ThrottleEntry] {
        try AccessPolicy.require(actor, .manageUsers)
        let at = now, policy = throttlePolicy
        return try await AuthThrottleStore.recent(since: at.addingTimeInterval(-policy.window), limit: limit, on: store.database).compactMap { row in
            guard let kind = SignInThrottle.Kind(rawValue: row.kind), kind != .known else { return nil }
            let wait = policy.retryAfter(kind, failures: row.failures, lastFailure: row.lastFailureAt, now: at) ?? 0
            return ThrottleEntry(id: row.id, kind: kind, subject: row.subject, failures: row.failures, lastFailureAt: row.lastFailureAt,
                                 retryAfter: Int(wait.rounded(.up)))
        }
    }

    /// Lifts one throttle (its failures are forgotten), recorded in the audit trail.
    public func liftThrottle(_ id: UUID, by actor: Actor) async throws {
        try AccessPolicy.require(actor, .manageUsers)
        try await store.write { db in
            guard let row = try await AuthThrottleStore.delete(id: id, on: db) else { throw DomainError.notFound("throttle") }
            try await self.audit(actor, "lift_throttle", "auth_throttle", id, "\(row.kind) \(row.subject) after \(row.failures) failures", on: db)
        }
    }

    /// Housekeeping: counts past the window mean nothing any more, nor known addresses past their time.
    public func purgeStaleThrottles() async throws {
        let stale = now.addingTimeInterval(-throttlePolicy.window), forgotten = now.addingTimeInterval(-throttlePolicy.knownFor)
        try await store.write { db in try await AuthThrottleStore.purge(olderThan: stale, knownOlderThan: forgotten, on: db) }
    }
}
