import AsyncHTTPClient
import EscaleAgentWire
import Foundation
import Synchronization

/// The agent at work: heartbeats carrying its checks' verdicts (at once when one changes), a full inventory at
/// start and every `inventorySeconds`, and a long poll for signed commands, each verified, run and reported.
final class AgentService: Sendable {
    let state: AgentState
    let directory: URL
    let http: AgentHTTP
    let verifier: CommandVerifier
    let heartbeatOverride: Int?

    private struct Runtime {
        var checks: [CheckSpec] = []
        var results: [UUID: CheckResult] = [:]
        var lastRun: [UUID: Date] = [:]
        var running: Set<UUID> = []
        var heartbeatSeconds: Int
        var inventorySeconds: Int
        var lastInventory: Date?
        var inventoryDue = true
        var ledger: NonceLedger
    }
    private let runtime: Mutex<Runtime>
    /// A verdict changed: heartbeat now rather than at the next tick.
    private let kick: AsyncStream<Void>.Continuation
    private let kicks: AsyncStream<Void>

    init(state: AgentState, directory: URL, heartbeatOverride: Int?) throws {
        self.state = state
        self.directory = directory
        self.heartbeatOverride = heartbeatOverride
        http = AgentHTTP(server: state.server, credential: state.credential)
        verifier = try CommandVerifier(serverKeyBase64: state.serverKey, agentId: state.agentId)
        runtime = Mutex(Runtime(heartbeatSeconds: heartbeatOverride ?? state.heartbeatSeconds, inventorySeconds: state.inventorySeconds,
                                ledger: AgentState.loadLedger(from: directory)))
        (kicks, kick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func log(_ s: String) {
        FileHandle.standardError.write(Data("escale-agent: \(s)\n".utf8))
    }

    func run() async throws {
        log("agent \(state.agentId.uuidString.lowercased()) reporting to \(state.server)")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.heartbeats() }
            group.addTask { await self.checks() }
            group.addTask { await self.commands() }
            await group.waitForAll()
        }
    }

    // MARK: Heartbeats and inventories

    private func heartbeats() async {
        var failures = 0
        while !Task.isCancelled {
            let (due, results) = runtime.withLock { r in
                (r.inventoryDue || r.lastInventory.map { Date().timeIntervalSince($0) >= Double(r.inventorySeconds) } ?? true,
                 Array(r.results.values))
            }
            do {
                if due {
                    let receipt = try await http.postInventory(Collector.collect(agentVersion: EscaleAgent.version), deviceId: state.deviceId)
                    runtime.withLock { $0.lastInventory = Date(); $0.inventoryDue = false }
                    log("inventory sent: machine \(receipt.assetId.uuidString.lowercased()) \(receipt.outcome)")
                }
                let reply: HeartbeatReply = try await http.post(AgentWire.heartbeatPath, json: Heartbeat(
                    agentVersion: EscaleAgent.version, uptimeSeconds: Int(ProcessInfo.processInfo.systemUptime), results: results))
                runtime.withLock { r in
                    if r.checks != reply.checks {
                        let ids = Set(reply.checks.map(\.id))
                        r.results = r.results.filter { ids.contains($0.key) }
                        r.checks = reply.checks
                    }
                    r.heartbeatSeconds = heartbeatOverride ?? reply.heartbeatSeconds
                    r.inventorySeconds = reply.inventorySeconds
                    if reply.inventoryDue { r.inventoryDue = true }
                }
                failures = 0
            } catch {
                failures += 1
                log("heartbeat failed (\(failures)): \(error)")
            }
            let seconds = runtime.withLock { $0.heartbeatSeconds }
            // Back off on failures (up to 5 minutes); wake early on a changed verdict.
            let wait = failures == 0 ? seconds : min(seconds * (1 << min(failures, 4)), 300)
            await firstOf(.seconds(wait))
        }
    }

    /// Sleeps until the delay passes or a verdict changes.
    private func firstOf(_ delay: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: delay) }
            group.addTask { for await _ in self.kicks { return } }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: Checks

    private func checks() async {
        while !Task.isCancelled {
            let due: [CheckSpec] = runtime.withLock { r in
                let now = Date()
                let list = r.checks.filter { c in
                    !r.running.contains(c.id) && (r.lastRun[c.id].map { now.timeIntervalSince($0) >= Double(c.intervalSeconds) } ?? true)
                }
                for c in list { r.running.insert(c.id); r.lastRun[c.id] = now }
                return list
            }
            for spec in due {
                Task {
                    let result = await CheckRunner.run(spec, http: self.http.client)
                    let changed = self.runtime.withLock { r -> Bool in
                        r.running.remove(spec.id)
                        guard r.checks.contains(where: { $0.id == spec.id }) else { return false }
                        let before = r.results[spec.id]?.status
                        r.results[spec.id] = result
                        return before != result.status
                    }
                    if changed {
                        self.log("check \(spec.name): \(result.status.rawValue) — \(result.message)")
                        self.kick.yield()
                    }
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: Commands

    private func commands() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let batch = try await http.commands(wait: 25)
                failures = 0
                for signed in batch.commands { await handle(signed) }
            } catch {
                failures += 1
                log("waiting for commands failed (\(failures)): \(error)")
                try? await Task.sleep(for: .seconds(min(5 * failures, 60)))
            }
        }
    }

    private func handle(_ signed: SignedCommand) async {
        let verified: Result<Command, CommandRefusal> = runtime.withLock { r in
            r.ledger.prune(now: Date(), skew: verifier.skew)
            do throws(CommandRefusal) {
                return .success(try verifier.verify(signed, now: Date(), ledger: &r.ledger))
            } catch {
                return .failure(error)
            }
        }
        switch verified {
        case let .failure(refusal):
            log("command \(CommandRefusal.claimedRun(signed)?.uuidString.lowercased() ?? "?") \(refusal)")
            if let id = CommandRefusal.claimedRun(signed) {
                try? await http.postNoReply(AgentWire.resultPath(id), json: RunResult(status: .refused, detail: refusal.description, finishedAt: Date()))
            }
        case let .success(command):
            // The nonce is on disk before anything runs: a restart cannot make a replay acceptable.
            let ledger = runtime.withLock { $0.ledger }
            do { try AgentState.saveLedger(ledger, in: directory) } catch {
                log("cannot save the nonce ledger: \(error); the command is refused")
                try? await http.postNoReply(AgentWire.resultPath(command.id), json: RunResult(
                    status: .refused, detail: "refused: the agent cannot record the command's nonce (\(error))", finishedAt: Date()))
                return
            }
            Task { await self.execute(command) }
        }
    }

    private func execute(_ command: Command) async {
        log("running \(command.label) (\(command.id.uuidString.lowercased()))")
        let stream = RunStream(limit: command.outputLimit)
        // Output goes out about once a second while the script runs.
        let streamer = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self.flush(command.id, stream, final: false)
            }
        }
        let outcome = await ScriptRunner.run(command.script, timeout: command.timeoutSeconds) { bytes in
            stream.buffer.withLock { $0.append(bytes) }
        }
        streamer.cancel()
        await flush(command.id, stream, final: true)
        let (sent, truncated) = stream.buffer.withLock { ($0.sent, $0.truncated) }
        let result = RunResult(status: outcome.status, exitCode: outcome.exitCode, outputBytes: sent, truncated: truncated,
                               detail: outcome.detail, startedAt: outcome.startedAt, finishedAt: Date())
        for attempt in 0..<5 {
            do {
                try await http.postNoReply(AgentWire.resultPath(command.id), json: result)
                break
            } catch {
                log("result of \(command.id.uuidString.lowercased()) not delivered (\(attempt + 1)): \(error)")
                try? await Task.sleep(for: .seconds(2 << attempt))
            }
        }
        log("\(command.label): \(outcome.status.rawValue)\(outcome.exitCode.map { " (exit \($0))" } ?? "")")
    }

    /// Sends what output is ready, one sender at a time; a failed chunk is sent again (the server keeps it once).
    private func flush(_ run: UUID, _ stream: RunStream, final: Bool) async {
        if final {
            while stream.sending.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(50)) }
        }
        guard stream.sending.withLock({ s -> Bool in if s { return false }; s = true; return true }) else { return }
        defer { stream.sending.withLock { $0 = false } }
        guard let (offset, text) = stream.buffer.withLock({ b -> (Int, String)? in b.take(final: final).map { (b.sent, $0) } }) else { return }
        for attempt in 0..<5 {
            do {
                try await http.postNoReply(AgentWire.outputPath(run), json: RunOutput(offset: offset, chunk: text))
                stream.buffer.withLock { $0.didSend(text) }
                return
            } catch {
                log("output of \(run.uuidString.lowercased()) not delivered (\(attempt + 1)): \(error)")
                try? await Task.sleep(for: .seconds(1 << attempt))
            }
        }
    }
}

/// One run's output on its way: the buffer, and whether a chunk is being sent.
final class RunStream: Sendable {
    let buffer: Mutex<OutputBuffer>
    let sending = Mutex(false)
    init(limit: Int) { buffer = Mutex(OutputBuffer(limit: limit)) }
}
