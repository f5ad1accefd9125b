/// A small connection pool in front of `SMTPConnection`.
///
/// Concurrent `send` calls use up to `maxConnections` sessions in parallel;
/// idle sessions are reused, and a session the server has dropped meanwhile
/// (idle timeout, 421) is replaced transparently.
public actor SMTPClient {
    public let configuration: SMTPConfiguration
    public let maxConnections: Int
    private var idle: [SMTPConnection] = []
    /// Connections handed out or being established, plus idle ones.
    private var openCount = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isShutdown = false

    public init(_ c: SMTPConfiguration, maxConnections: Int = 4) {
        self.configuration = c
        self.maxConnections = max(1, maxConnections)
    }

    public func send(_ data: [UInt8], envelope: SMTPEnvelope) async throws -> SMTPSendResult {
        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused) = try await acquire()
            do {
                let result = try await connection.send(data, envelope: envelope)
                await release(connection)
                return result
            } catch {
                let beforeData = await connection.lastFailureWasBeforeData
                await release(connection)
                // A pooled session may have died while idle; that is not the message's
                // fault. Retry once on a fresh connection, but only if no data went out,
                // so the message cannot be delivered twice.
                if reused, attempt == 1, beforeData, case .connection? = error as? SMTPError { continue }
                throw error
            }
        }
    }

    /// Closes all idle connections and refuses further sends. Connections in use
    /// are closed when their current send returns.
    public func shutdown() async {
        isShutdown = true
        let toClose = idle
        idle.removeAll()
        openCount -= toClose.count
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
        for connection in toClose { await connection.close() }
    }

    private func acquire() async throws -> (SMTPConnection, reused: Bool) {
        while true {
            if isShutdown { throw SMTPError.connection("SMTP client is shut down") }
            while let connection = idle.popLast() {
                if await connection.isUsable { return (connection, true) }
                openCount -= 1
                await connection.close()
            }
            if openCount < maxConnections {
                openCount += 1
                do {
                    return (try await SMTPConnection.connect(configuration), false)
                } catch {
                    openCount -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func release(_ connection: SMTPConnection) async {
        if !isShutdown, await connection.isUsable {
            idle.append(connection)
        } else {
            openCount -= 1
            await connection.close()
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
