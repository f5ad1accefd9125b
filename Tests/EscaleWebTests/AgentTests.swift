import EscaleAgentWire
import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// The escale-agent's wire against the desk: enrollment, the agent's inventory, checks whose verdicts open and
/// resolve tickets, and remote runs — signed, fetched by long poll, verified with the key pinned at enrollment,
/// output kept once per offset, every step on the ticket's timeline. (The real agent binary is driven by
/// `.ci/agent-e2e.sh`.)
@Suite("escale-agent")
struct AgentTests {
    struct Agent {
        let enrollment: EnrollResponse
        let assetId: UUID
        var credential: String { enrollment.credential }
    }

    static func call(_ api: API, _ method: HTTPRequest.Method, _ path: String, credential: String?, body: (any Encodable)? = nil) async throws -> API.Reply {
        var h: HTTPFields = [:]
        if let credential { h[.authorization] = "Bearer \(credential)" }
        var raw: ByteBuffer?
        if let body { raw = ByteBuffer(bytes: try AgentWire.encoder().encode(body)); h[.contentType] = "application/json" }
        return try await api.send(method, path, headers: h, raw: raw)
    }

    static func decode<T: Decodable>(_ r: API.Reply, as: T.Type = T.self) throws -> T {
        try AgentWire.decoder().decode(T.self, from: Data(r.body.readableBytesView))
    }

    static func machine(_ name: String) -> AgentInventory {
        var m = AgentInventory(hostname: name, agentVersion: "1.0.0")
        m.osName = "Debian GNU/Linux"; m.osFullName = "Debian GNU/Linux 12 (bookworm)"; m.memoryMB = 8_000; m.chassis = "Desktop"
        m.interfaces = [.init(name: "eth0", mac: "02:42:ac:11:00:\(String(format: "%02x", name.count))", addresses: ["10.0.0.\(name.count)"], virtual: false, up: true)]
        m.packages = [.init(name: "openssh-server", version: "1:9.2p1-2", publisher: "Debian", arch: "amd64")]
        return m
    }

    static func enroll(_ api: API, _ w: World, name: String, organization: UUID? = nil) async throws -> Agent {
        let token = try await InventoryTests.token(w, organization: organization)
        let r = try await call(api, .post, "/agent/v1/enroll", credential: nil,
                               body: EnrollRequest(token: token.token!, hostname: name, agentVersion: "1.0.0", os: "Debian GNU/Linux 12"))
        try #require(r.status == .created, "\(r.text)")
        let e = try decode(r, as: EnrollResponse.self)
        let inv = try await api.send(.post, "/agent/v1/inventory", headers: [.authorization: "Bearer \(e.credential)", .contentType: "application/json"],
                                     raw: ByteBuffer(bytes: try machine(name).glpiJSON(deviceId: "whatever-the-body-says")))
        try #require(inv.status == .ok, "\(inv.text)")
        let receipt = try decode(inv, as: InventoryReceipt.self)
        #expect(receipt.outcome == "created")
        return Agent(enrollment: e, assetId: receipt.assetId)
    }

    @Test("enrollment with an organization's token, the agent's inventory as a machine, refusals without a credential in force")
    func enrollment() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let bad = try await Self.call(api, .post, "/agent/v1/enroll", credential: nil, body: EnrollRequest(token: "enr_nope", hostname: "x", agentVersion: "1"))
            #expect(bad.status == .unauthorized)
            let a = try await Self.enroll(api, w, name: "pc-agent")
            #expect(a.enrollment.organizationId == w.acme.id && !a.enrollment.serverKey.isEmpty && a.credential.hasPrefix("eag_"))
            let asset = try await api.get("/api/v1/assets/\(a.assetId)", token: w.agent1Token).json(AssetDetailDTO.self)
            #expect(asset.asset.name == "pc-agent" && asset.asset.source == "escale-agent" && asset.asset.deviceId.hasPrefix("escale-agent-"))
            #expect(asset.software.count == 1 && asset.asset.agent == "escale-agent 1.0.0")
            // The same inventory again: unchanged, still one machine.
            let again = try await api.send(.post, "/agent/v1/inventory", headers: [.authorization: "Bearer \(a.credential)"],
                                           raw: ByteBuffer(bytes: try Self.machine("pc-agent").glpiJSON(deviceId: "x")))
            #expect(try Self.decode(again, as: InventoryReceipt.self).outcome == "unchanged")
            for path in ["/agent/v1/heartbeat", "/agent/v1/inventory"] {
                let r = try await Self.call(api, .post, path, credential: "eag_forged", body: Heartbeat(agentVersion: "1"))
                #expect(r.status == .unauthorized && r.text.contains("enroll"), "\(path): \(r.text)")
            }
            #expect(try await Self.call(api, .get, "/agent/v1/commands", credential: nil).status == .unauthorized)
            // Not a GLPI inventory: a clear 400, nothing stored.
            let junk = try await api.send(.post, "/agent/v1/inventory", headers: [.authorization: "Bearer \(a.credential)"], raw: ByteBuffer(string: "{\"action\":\"contact\",\"deviceid\":\"x\"}"))
            #expect(junk.status == .badRequest, "\(junk.text)")
            // An agent enrolled but without an inventory yet is asked for one; its check results are refused.
            let token = try await InventoryTests.token(w)
            let fresh = try Self.decode(try await Self.call(api, .post, "/agent/v1/enroll", credential: nil,
                                                            body: EnrollRequest(token: token.token!, hostname: "new", agentVersion: "1")), as: EnrollResponse.self)
            let beat = try await Self.call(api, .post, "/agent/v1/heartbeat", credential: fresh.credential, body: Heartbeat(agentVersion: "1"))
            #expect(try Self.decode(beat, as: HeartbeatReply.self).inventoryDue)
            let early = try await Self.call(api, .post, "/agent/v1/heartbeat", credential: fresh.credential,
                                            body: Heartbeat(agentVersion: "1", results: [CheckResult(checkId: UUID(), status: .failing, message: "x", at: Date())]))
            #expect(early.status == .conflict, "\(early.text)")
            // Revoked by an administrator: the credential stops working.
            #expect(try await api.send(.delete, "/api/v1/assets/\(a.assetId)/agent", token: w.agent1Token).status == .forbidden)
            #expect(try await api.send(.delete, "/api/v1/assets/\(a.assetId)/agent", token: w.admin).status == .noContent)
            #expect(try await Self.call(api, .post, "/agent/v1/heartbeat", credential: a.credential, body: Heartbeat(agentVersion: "1")).status == .unauthorized)
        }
    }

    @Test("a failing check opens one ticket naming the machine, repeats add nothing, recovery resolves it; results for checks not configured are refused")
    func checks() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let a = try await Self.enroll(api, w, name: "srv-web")
            // Administrators configure checks; bad ones are refused with the field named.
            let noTarget = try await api.post("/api/v1/agent-checks", token: w.admin, AgentCheckInput(organizationId: w.acme.id, name: "DB", kind: .tcp))
            #expect(noTarget.status == .unprocessableContent && noTarget.text.contains("target"), "\(noTarget.text)")
            let badURL = try await api.post("/api/v1/agent-checks", token: w.admin, AgentCheckInput(organizationId: w.acme.id, name: "Site", kind: .http, target: "ftp://x"))
            #expect(badURL.status == .unprocessableContent)
            #expect(try await api.post("/api/v1/agent-checks", token: w.agent1Token, AgentCheckInput(organizationId: w.acme.id, name: "Disk", kind: .disk)).status == .forbidden)
            let disk: AgentCheckDTO = try await api.create("/api/v1/agent-checks", token: w.admin,
                                                          AgentCheckInput(organizationId: w.acme.id, name: "Disk /", kind: .disk, target: "/", threshold: 90, intervalSeconds: 30, severity: "critical"))
            let other: AgentCheckDTO = try await api.create("/api/v1/agent-checks", token: w.admin,
                                                           AgentCheckInput(organizationId: w.globex.id, name: "Globex only", kind: .memory))
            var reply = try Self.decode(try await Self.call(api, .post, "/agent/v1/heartbeat", credential: a.credential, body: Heartbeat(agentVersion: "1.0.0")),
                                        as: HeartbeatReply.self)
            #expect(reply.checks.map(\.id) == [disk.id] && reply.checks.first?.threshold == 90 && !reply.inventoryDue)
            // Another organization's check: refused, nothing written.
            let foreign = try await Self.call(api, .post, "/agent/v1/heartbeat", credential: a.credential,
                                              body: Heartbeat(agentVersion: "1", results: [CheckResult(checkId: other.id, status: .failing, message: "x", at: Date())]))
            #expect(foreign.status == .unprocessableContent && foreign.text.contains("not configured"), "\(foreign.text)")
            // OK first: nothing to open.
            func beat(_ s: CheckStatus, _ message: String) async throws {
                let r = try await Self.call(api, .post, "/agent/v1/heartbeat", credential: a.credential,
                                            body: Heartbeat(agentVersion: "1.0.0", results: [CheckResult(checkId: disk.id, status: s, value: 50, message: message, at: Date())]))
                #expect(r.status == .ok, "\(r.text)")
                reply = try Self.decode(r, as: HeartbeatReply.self)
            }
            try await beat(.ok, "/ is 50 % full (threshold 90 %)")
            #expect(try await api.get("/api/v1/assets/\(a.assetId)", token: w.admin).json(AssetDetailDTO.self).ticketIds.isEmpty)
            try await beat(.failing, "/ is 95 % full (threshold 90 %)")
            try await beat(.failing, "/ is 96 % full (threshold 90 %)")
            let tickets = try await api.get("/api/v1/assets/\(a.assetId)", token: w.admin).json(AssetDetailDTO.self).ticketIds
            #expect(tickets.count == 1, "one ticket for one problem, named on the machine")
            let ticketId = try #require(tickets.first)
            let t = try await api.get("/api/v1/tickets/\(ticketId)", token: w.admin).json(TicketDTO.self)
            #expect(t.subject.contains("Disk /") && t.subject.contains("srv-web") && t.organizationId == w.acme.id && t.status.isOpen)
            let state = try await api.get("/api/v1/assets/\(a.assetId)/agent", token: w.agent1Token).json(AgentDTO.self)
            #expect(state.checks.first?.status == .failing && state.checks.first?.message.contains("96") == true)
            let listed = try await api.get("/api/v1/agent-checks?organization_id=\(w.acme.id)", token: w.agent1Token).json(Page<AgentCheckDTO>.self)
            #expect(listed.items.first?.failing == 1)
            try await beat(.ok, "/ is 60 % full (threshold 90 %)")
            let resolved = try await api.get("/api/v1/tickets/\(ticketId)", token: w.admin).json(TicketDTO.self)
            #expect(resolved.status == .resolved)
            // Another organization's people do not see the checks' state.
            #expect(try await api.get("/api/v1/assets/\(a.assetId)/agent", token: w.eveToken).status != .ok)
        }
    }

    @Test("a remote run: permissions, signed as stored, long poll woken, output once per offset, the result on the ticket's timeline and in the audit log")
    func remoteRuns() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let a = try await Self.enroll(api, w, name: "pc-compta")
            let b = try await Self.enroll(api, w, name: "pc-rh")
            let ticket: TicketDTO = try await api.create("/api/v1/tickets", token: w.aliceToken,
                                                         TicketInput(subject: "Impression bloquée", description: "La file d’impression ne part plus", impact: .medium, urgency: .medium))
            let catalogue = try await api.get("/api/v1/remote-actions", token: w.agent1Token).json(Page<RemoteActionDTO>.self)
            #expect(catalogue.items.map(\.id).contains("restart-service") && catalogue.items.allSatisfy { $0.kind == .library })
            // Scripts: written by administrators only, run by N2 and above.
            #expect(try await api.post("/api/v1/remote-actions", token: w.agent2Token, RemoteScriptInput(name: "x", script: "id")).status == .forbidden)
            let script: RemoteActionDTO = try await api.create("/api/v1/remote-actions", token: w.admin,
                                                               RemoteScriptInput(name: "Spooler", script: "echo flushing; lpstat -t || true", timeoutSeconds: 30))
            let n1Script = try await api.post("/api/v1/remote-runs", token: w.agent1Token, RemoteRunInput(action: script.id, assetIds: [a.assetId]))
            #expect(n1Script.status == .forbidden, "\(n1Script.text)")
            #expect(try await api.post("/api/v1/remote-runs", token: w.aliceToken, RemoteRunInput(action: "clear-temp", assetIds: [a.assetId])).status == .forbidden)
            let badUnit = try await api.post("/api/v1/remote-runs", token: w.agent1Token,
                                             RemoteRunInput(action: "restart-service", assetIds: [a.assetId], parameter: "cups; rm -rf /"))
            #expect(badUnit.status == .unprocessableContent && badUnit.text.contains("systemd unit"), "\(badUnit.text)")
            #expect(try await api.post("/api/v1/remote-runs", token: w.agent1Token, RemoteRunInput(action: "format-disk", assetIds: [a.assetId])).status == .unprocessableContent)
            // The agent waits (long poll); queuing a run wakes it at once.
            let poll = Task { try await Self.call(api, .get, "/agent/v1/commands?wait=20", credential: a.credential) }
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            let key: HTTPFields = [.idempotencyKey: "run-\(UUID())"]
            let input = RemoteRunInput(action: "restart-service", assetIds: [a.assetId], ticketId: ticket.id, parameter: "cups")
            let queued = try await api.post("/api/v1/remote-runs", token: w.agent1Token, input, headers: key)
            #expect(queued.status == .created, "\(queued.text)")
            let run = try #require(try queued.json(Page<RemoteRunDTO>.self).items.first)
            #expect(run.status == .queued && run.label == "Restart a service: cups" && run.ticketId == ticket.id)
            // The same request retried with its Idempotency-Key: the same run, not a second one.
            let retried = try await api.post("/api/v1/remote-runs", token: w.agent1Token, input, headers: key)
            #expect(try retried.json(Page<RemoteRunDTO>.self).items.first?.id == run.id)
            let batch = try Self.decode(try await poll.value, as: CommandBatch.self)
            #expect(ContinuousClock.now - started < .seconds(5), "the waiting agent is woken, not left to its timeout")
            #expect(batch.commands.count == 1)
            var ledger = NonceLedger()
            let verifier = try CommandVerifier(serverKeyBase64: a.enrollment.serverKey, agentId: a.enrollment.agentId)
            let command = try verifier.verify(batch.commands[0], now: api.desk.clock.now(), ledger: &ledger)
            #expect(command.id == run.id && command.script.contains("systemctl restart -- 'cups'") && command.timeoutSeconds == 60)
            // Another agent cannot read it, nor verify it as its own.
            let otherBatch = try Self.decode(try await Self.call(api, .get, "/agent/v1/commands?wait=0", credential: b.credential), as: CommandBatch.self)
            #expect(otherBatch.commands.isEmpty)
            let verifierB = try CommandVerifier(serverKeyBase64: b.enrollment.serverKey, agentId: b.enrollment.agentId)
            var ledgerB = NonceLedger()
            #expect(throws: CommandRefusal.otherAgent) { try verifierB.verify(batch.commands[0], now: api.desk.clock.now(), ledger: &ledgerB) }
            // Sent once.
            #expect(try Self.decode(try await Self.call(api, .get, "/agent/v1/commands?wait=0", credential: a.credential), as: CommandBatch.self).commands.isEmpty)
            // Output: a retried chunk is kept once, a gap refused; another agent cannot write to the run.
            let out = "/agent/v1/runs/\(run.id.uuidString.lowercased())/output"
            #expect(try await Self.call(api, .post, out, credential: a.credential, body: RunOutput(offset: 0, chunk: "Redémarrage…\n")).status == .noContent)
            #expect(try await Self.call(api, .post, out, credential: a.credential, body: RunOutput(offset: 0, chunk: "Redémarrage…\n")).status == .noContent)
            let offset = "Redémarrage…\n".utf8.count
            #expect(try await Self.call(api, .post, out, credential: a.credential, body: RunOutput(offset: offset + 50, chunk: "x")).status == .conflict)
            #expect(try await Self.call(api, .post, out, credential: b.credential, body: RunOutput(offset: offset, chunk: "x")).status == .notFound)
            #expect(try await Self.call(api, .post, out, credential: a.credential, body: RunOutput(offset: offset, chunk: "active (running)\n")).status == .noContent)
            let running = try await api.get("/api/v1/remote-runs/\(run.id)", token: w.agent1Token).json(RemoteRunDTO.self)
            #expect(running.status == .running && running.output == "Redémarrage…\nactive (running)\n")
            let total = running.output.utf8.count
            let result = "/agent/v1/runs/\(run.id.uuidString.lowercased())/result"
            #expect(try await Self.call(api, .post, result, credential: a.credential, body: RunResult(status: .succeeded, exitCode: 0, outputBytes: total, finishedAt: Date())).status == .noContent)
            // A second report changes nothing.
            #expect(try await Self.call(api, .post, result, credential: a.credential, body: RunResult(status: .failed, exitCode: 1, outputBytes: total, finishedAt: Date())).status == .noContent)
            let done = try await api.get("/api/v1/remote-runs?ticket_id=\(ticket.id)", token: w.agent1Token).json(Page<RemoteRunDTO>.self)
            #expect(done.items.count == 1 && done.items[0].status == .succeeded && done.items[0].exitCode == 0 && done.items[0].detail == nil)
            let timeline = try await api.get("/api/v1/tickets/\(ticket.id)/timeline", token: w.agent1Token).text
            #expect(timeline.contains("\"remote_action\"") && timeline.contains("\"queued\"") && timeline.contains("\"succeeded\"") && timeline.contains("active (running)"))
            // The requester never sees it.
            #expect(!(try await api.get("/api/v1/tickets/\(ticket.id)/timeline", token: w.aliceToken).text.contains("remote_action")))
            #expect(try await api.get("/api/v1/remote-runs/\(run.id)", token: w.aliceToken).status == .forbidden)
            // Several machines at once; a refusal from the agent is recorded as such.
            let many = try await api.post("/api/v1/remote-runs", token: w.agent2Token, RemoteRunInput(action: script.id, assetIds: [a.assetId, b.assetId]))
            let runs = try many.json(Page<RemoteRunDTO>.self).items
            #expect(many.status == .created && Set(runs.map(\.assetId)) == [a.assetId, b.assetId])
            let forB = try #require(runs.first { $0.assetId == b.assetId })
            #expect(try await Self.call(api, .post, "/agent/v1/runs/\(forB.id.uuidString.lowercased())/result", credential: b.credential,
                                        body: RunResult(status: .refused, detail: CommandRefusal.replayed.description, finishedAt: Date())).status == .noContent)
            let refused = try await api.get("/api/v1/remote-runs/\(forB.id)", token: w.agent2Token).json(RemoteRunDTO.self)
            #expect(refused.status == .refused && refused.detail?.contains("replay") == true)
            // A machine without an agent refuses the whole request.
            let agentless = try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items
            #expect(agentless.count == 2)
        }
    }

    @Test("pages: the machine's agent, checks and runs with their output; a remote action from the machine's page and from a ticket's, refusals shown")
    func pages() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let a = try await Self.enroll(api, w, name: "pc-accueil")
            let check: AgentCheckDTO = try await api.create("/api/v1/agent-checks", token: w.admin,
                                                           AgentCheckInput(organizationId: w.acme.id, name: "Print spooler", kind: .systemd, target: "cups.service"))
            _ = try await Self.call(api, .post, "/agent/v1/heartbeat", credential: a.credential,
                                    body: Heartbeat(agentVersion: "1.0.0", results: [CheckResult(checkId: check.id, status: .failing, message: "cups.service is inactive", at: Date())]))
            let agent = Browser(api, language: "fr")
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/assets/\(a.assetId)")
            #expect(page.status == .ok && page.contains("Print spooler") && page.contains("cups.service is inactive") && page.contains("en échec"))
            #expect(page.contains("Redémarrer un service") && page.contains("/assets/\(a.assetId)/actions"))
            // A bad parameter: the page again with the reason, nothing queued.
            let refused = try await agent.post("/assets/\(a.assetId)/actions", [("action", "restart-service"), ("parameter", "cups; reboot")])
            #expect(refused.status == .ok && refused.contains("systemd"), "\(refused.status)")
            #expect(try await api.get("/api/v1/remote-runs?asset_id=\(a.assetId)", token: w.admin).json(Page<RemoteRunDTO>.self).items.isEmpty)
            let queued = try await agent.post("/assets/\(a.assetId)/actions", [("action", "restart-service"), ("parameter", "cups.service")])
            #expect(queued.location?.contains("done=saved") == true, "\(queued.status) \(queued.html.prefix(300))")
            let run = try #require(try await api.get("/api/v1/remote-runs?asset_id=\(a.assetId)", token: w.admin).json(Page<RemoteRunDTO>.self).items.first)
            _ = try await Self.call(api, .post, "/agent/v1/runs/\(run.id.uuidString.lowercased())/output", credential: a.credential,
                                    body: RunOutput(offset: 0, chunk: "<script>alert(1)</script> restarted"))
            _ = try await Self.call(api, .post, "/agent/v1/runs/\(run.id.uuidString.lowercased())/result", credential: a.credential,
                                    body: RunResult(status: .succeeded, exitCode: 0, outputBytes: 35, finishedAt: Date()))
            let after = try await agent.get("/assets/\(a.assetId)")
            #expect(after.contains("réussie") && after.contains("&lt;script&gt;alert(1)&lt;/script&gt; restarted") && !after.contains("<script>alert(1)"))
            // From a ticket naming the machine.
            let ticket: TicketDTO = try await api.create("/api/v1/tickets", token: w.aliceToken,
                                                         TicketInput(subject: "Imprimante", description: "Rien ne sort", impact: .low, urgency: .medium))
            _ = try await api.post("/api/v1/tickets/\(ticket.id)/assets", token: w.admin, TicketAssetInput(assetId: a.assetId))
            let seq = try #require(TicketNumber.parse(ticket.number))
            let ticketPage = try await agent.get("/tickets/\(seq)")
            #expect(ticketPage.contains("/tickets/\(seq)/actions") && ticketPage.contains("Lancer une action à distance"))
            let fromTicket = try await agent.post("/tickets/\(seq)/actions", [("asset", a.assetId.uuidString), ("action", "collect-logs"), ("parameter", "")])
            #expect(fromTicket.location?.contains("done=saved") == true)
            let onTicket = try await api.get("/api/v1/remote-runs?ticket_id=\(ticket.id)", token: w.admin).json(Page<RemoteRunDTO>.self).items
            #expect(onTicket.count == 1 && onTicket[0].action == "collect-logs")
            let timeline = try await agent.get("/tickets/\(seq)")
            #expect(timeline.contains("action à distance envoyée à la machine"))
            // Requesters see no machine page, no action form.
            let alice = Browser(api)
            try await alice.signIn("alice@acme.example", World.password)
            #expect(try await alice.get("/assets/\(a.assetId)").status != .ok)
            #expect(!(try await alice.get("/tickets/\(seq)").contains("/actions")))
        }
    }

    @Test("remote control: who may open what, the requester's consent where the contract asks for it, a signed tunnel command once allowed")
    func remoteControlConsent() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let org: OrganizationDTO = try await api.create("/api/v1/organizations", token: w.admin, OrganizationInput(name: "Cabinet Durand", domain: "durand.example"))
            _ = try await api.create("/api/v1/organizations/\(org.id)/contracts", token: w.admin,
                                     ContractInput(name: "Durand", perimeter: "infrastructure", validFrom: Day("2026-01-01")!, remoteControlConsent: true), as: ContractDTO.self)
            let zoe: UserDTO = try await api.create("/api/v1/users", token: w.admin,
                                                    UserInput(email: "zoe@durand.example", name: "Zoé Durand", role: .requester, password: World.password, organizationId: org.id))
            let zoeToken = try await api.login(zoe.email, World.password)
            let a = try await Self.enroll(api, w, name: "pc-zoe", organization: org.id)
            let ticket: TicketDTO = try await api.create("/api/v1/tickets", token: zoeToken,
                                                         TicketInput(subject: "Outlook plante", description: "Au démarrage", impact: .low, urgency: .medium))
            // N1: no terminal (as powerful as a script).
            #expect(try await api.post("/api/v1/remote-sessions", token: w.agent1Token, RemoteSessionInput(assetId: a.assetId, kind: "terminal", ticketId: ticket.id)).status == .forbidden)
            // The contract asks for consent: only from the requester's ticket.
            let noTicket = try await api.post("/api/v1/remote-sessions", token: w.agent2Token, RemoteSessionInput(assetId: a.assetId, kind: "desktop"))
            #expect(noTicket.status == .unprocessableContent && noTicket.text.contains("consent"), "\(noTicket.text)")
            #expect(try await api.post("/api/v1/remote-sessions", token: w.agent2Token, RemoteSessionInput(assetId: a.assetId, kind: "screen", ticketId: ticket.id)).status == .unprocessableContent)
            let asked = try await api.post("/api/v1/remote-sessions", token: w.agent2Token, RemoteSessionInput(assetId: a.assetId, kind: "desktop", ticketId: ticket.id))
            #expect(asked.status == .created, "\(asked.text)")
            let session = try asked.json(RemoteRunDTO.self)
            #expect(session.status == .awaitingConsent && session.kind == .desktop)
            // Nothing reaches the machine before the requester answers; they see the request on their ticket.
            #expect(try Self.decode(try await Self.call(api, .get, "/agent/v1/commands?wait=0", credential: a.credential), as: CommandBatch.self).commands.isEmpty)
            #expect(try await api.get("/api/v1/tickets/\(ticket.id)/timeline", token: zoeToken).text.contains("awaiting_consent"))
            // Nobody else answers for them.
            #expect(try await api.post("/api/v1/remote-sessions/\(session.id)/consent", token: w.agent2Token, RemoteConsentInput(allow: true)).status == .forbidden)
            let allowed = try await api.post("/api/v1/remote-sessions/\(session.id)/consent", token: zoeToken, RemoteConsentInput(allow: true))
            let allowedRun = try allowed.json(RemoteRunDTO.self)
            #expect(allowed.status == .ok && allowedRun.status == .queued, "\(allowed.text)")
            #expect(try await api.post("/api/v1/remote-sessions/\(session.id)/consent", token: zoeToken, RemoteConsentInput(allow: false)).status == .conflict)
            let batch = try Self.decode(try await Self.call(api, .get, "/agent/v1/commands?wait=0", credential: a.credential), as: CommandBatch.self)
            var ledger = NonceLedger()
            let command = try CommandVerifier(serverKeyBase64: a.enrollment.serverKey, agentId: a.enrollment.agentId)
                .verify(try #require(batch.commands.first), now: api.desk.clock.now(), ledger: &ledger)
            #expect(command.kind == .tunnel && command.tunnel == Command.Tunnel(kind: .desktop, port: 5900) && command.script.isEmpty)
            // A refusal: declined, never sent.
            let second = try await api.post("/api/v1/remote-sessions", token: w.agent2Token, RemoteSessionInput(assetId: a.assetId, kind: "terminal", ticketId: ticket.id))
            let refused = try await api.post("/api/v1/remote-sessions/\(try second.json(RemoteRunDTO.self).id)/consent", token: zoeToken, RemoteConsentInput(allow: false))
            let refusedRun = try refused.json(RemoteRunDTO.self)
            #expect(refusedRun.status == .declined)
            #expect(try Self.decode(try await Self.call(api, .get, "/agent/v1/commands?wait=0", credential: a.credential), as: CommandBatch.self).commands.isEmpty)
            // The agent's tunnel socket, asked as a plain GET: not found for another agent's session.
            let other = try await Self.enroll(api, w, name: "pc-autre")
            #expect(try await Self.call(api, .get, "/agent/v1/tunnels/\(session.id.uuidString.lowercased())", credential: other.credential).status != .ok)
        }
    }
}
