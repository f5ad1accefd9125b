import Foundation

/// The current time, injected so that tests (and SLA replays later) control it.
public struct Clock: Sendable {
    public let now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = Clock { Date() }
    /// A clock that always answers the same instant.
    public static func fixed(_ date: Date) -> Clock { Clock { date } }
}
