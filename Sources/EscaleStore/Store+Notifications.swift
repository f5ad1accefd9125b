import FluentKit
import Foundation
import Logging
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit

/// Change notifications between server instances. On PostgreSQL, `pg_notify` inside the writing transaction is
/// delivered to every listening instance when (and only if) it commits; on SQLite, with a single instance, the
/// notification is handed over in-process after commit.
extension Store {
    /// Sends `payload` on `channel` once the current write commits.
    public func notify(_ channel: String, _ payload: String, on db: any Database, local: @escaping @Sendable (String) -> Void) async throws {
        switch location {
        case .postgres:
            _ = try await (db as! any SQLDatabase).raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").all()
        case .sqlite:
            Store.afterCommit { local(payload) }
        }
    }

    /// Sends `payload` on `channel` now, outside any write (what is never stored: someone typing). PostgreSQL
    /// delivers it to every instance, this one included; SQLite hands it over in-process.
    public func notifyNow(_ channel: String, _ payload: String, local: @escaping @Sendable (String) -> Void) async throws {
        switch location {
        case .postgres:
            _ = try await (database as! any SQLDatabase).raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").all()
        case .sqlite:
            local(payload)
        }
    }

    /// Receives every payload sent on `channel` by any instance (this one included), on a dedicated connection that
    /// reconnects after a failure, until the calling task is cancelled. Returns at once on SQLite.
    public func listen(_ channel: String, _ handler: @escaping @Sendable (String) -> Void) async {
        guard case let .postgres(url) = location else { return }
        while !Task.isCancelled {
            do {
                let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger)
                do {
                    try await connection.listen(on: channel) { notifications in
                        for try await n in notifications { handler(n.payload) }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning("notification listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
