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
        /// Commands running now: the desk sends one again when it missed the acknowledgement.
        var executing: Set<UUID> = []
    }
    private let runtime: Mutex<Runtime>
    /// A verdict changed: heartbeat now rather than at the next tick.
    private let kicked = Mutex(false)

    init(state: AgentState, directory: URL, heartbeatOverride: Int?) throws {
        self.state = state
        self.directory = directory
        self.heartbeatOverride = heartbeatOverride
        http = AgentHTTP(server: state.server, credential: state.credential)
        verifier = try CommandVerifier(serverKeyBase64: state.serverKey, agentId: state.agentId)
        runtime = Mutex(Runtime(heartbeatSeconds: heartbeatOverride ?? state.heartbeatSeconds, inventorySeconds: state.inventorySeconds,
                                ledger: AgentState.loadLedger(from: directory)))
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

    /// Sleeps until the delay passes or a verdict changes (looked at every quarter of a second).
    private func firstOf(_ delay: Duration) async {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end, !Task.isCancelled {
            if kicked.withLock({ k in defer { k = false }; return k }) { return }
            try? await Task.sleep(for: .milliseconds(250))
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
                        self.kicked.withLock { $0 = true }
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
        case .failure(.replayed) where CommandRefusal.claimedRun(signed).map({ id in runtime.withLock { $0.executing.contains(id) } }) == true:
            // Sent again because our acknowledgement was lost: acknowledge again, never run twice.
            if let id = CommandRefusal.claimedRun(signed) { await acknowledge(id) }
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
            runtime.withLock { _ = $0.executing.insert(command.id) }
            await acknowledge(command.id)
            Task {
                switch command.kind {
                case .script: await self.execute(command)
                case .tunnel:
                    self.log("opening \(command.label) (\(command.id.uuidString.lowercased()))")
                    await Tunnel.run(command, state: self.state) { self.log($0) }
                }
                self.runtime.withLock { _ = $0.executing.remove(command.id) }
            }
        }
    }

    /// Tells the desk the command arrived and runs (an empty chunk at offset 0): until then the desk sends it again.
    private func acknowledge(_ id: UUID) async {
        for attempt in 0..<3 {
            do {
                try await http.postNoReply(AgentWire.outputPath(id), json: RunOutput(offset: 0, chunk: ""))
                return
            } catch {
                log("acknowledgement of \(id.uuidString.lowercased()) not delivered (\(attempt + 1)): \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func execute(_ command: Command) async {
        log("running \(command.label) (\(command.id.uuidString.lowercased()))")
        let stream = RunStream(limit: command.outputLimit)
        // Output goes out about once a second while the script runs (never cancelled mid-request: it stops when told).
        let streamer = Task {
            while !stream.done.withLock({ $0 }) {
                try? await Task.sleep(for: .seconds(1))
                await self.flush(command.id, stream, final: false)
            }
        }
        let outcome = await ScriptRunner.run(command.script, timeout: command.timeoutSeconds) { bytes in
            stream.buffer.withLock { $0.append(bytes) }
        }
        stream.done.withLock { $0 = true }
        await streamer.value
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

    /// Sends what output is ready; a chunk that failed stays in the buffer and goes again (the server keeps it once).
    private func flush(_ run: UUID, _ stream: RunStream, final: Bool) async {
        for attempt in 0..<5 {
            guard let (offset, chunk) = stream.buffer.withLock({ b in b.ready(final: final).map { (b.sent, $0) } }) else { return }
            do {
                try await http.postNoReply(AgentWire.outputPath(run), json: RunOutput(offset: offset, chunk: chunk.text))
                stream.buffer.withLock { $0.didSend(chunk) }
                if !final { return }
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
    let done = Mutex(false)
    init(limit: Int) { buffer = Mutex(OutputBuffer(limit: limit)) }
}
