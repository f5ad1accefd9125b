import EscaleAgentWire
import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// Remote actions: the library and administrators' scripts, run on machines through their escale-agent. A run is
/// signed when it is made and kept as signed; the agent fetches it (long poll), verifies it, runs it and streams
/// its output back. Every step is on the ticket's timeline (when run from a ticket) and in the audit log.
public struct RemoteActions: Sendable {
    let desk: Desk

    public static let maxMachines = 200

    static let names: [RemoteActionLibrary: (en: String, fr: String, description: String)] = [
        .restartService: ("Restart a service", "Redémarrer un service", "systemctl restart of the unit given, then its status"),
        .applyUpdates: ("Apply updates", "Appliquer les mises à jour", "the package manager's upgrade (apt-get, dnf or zypper), non-interactive"),
        .clearTemporaryFiles: ("Clear temporary files", "Vider les fichiers temporaires", "files of /tmp and /var/tmp unused for 7 days"),
        .collectLogs: ("Collect logs", "Collecter les journaux", "the last 500 journal lines (of one unit, or warnings and worse)"),
        .rebootAt: ("Reboot at a time", "Redémarrer à une heure donnée", "shutdown -r at HH:MM (or now: in one minute)"),
    ]

    public func catalogue(by actor: Actor, includeInactive: Bool = false) async throws -> [RemoteActionDTO] {
        try AccessPolicy.require(actor, .workTickets)
        var out = RemoteActionLibrary.allCases.map { a -> RemoteActionDTO in
            let n = Self.names[a]!
            let (parameter, required): (String?, Bool) = switch a.parameter {
            case .none: (nil, false)
            case let .unit(required): ("unit", required)
            case .time: ("time", true)
            }
            return RemoteActionDTO(id: a.rawValue, kind: .library, name: n.en, description: n.description, parameter: parameter,
                                   parameterRequired: required, timeoutSeconds: a.timeoutSeconds, outputLimit: RemoteActionPolicy.defaultOutputLimit,
                                   script: nil, active: true)
        }
        let q = RemoteScriptModel.query(on: desk.store.database).sort(\.$name)
        if !includeInactive { q.filter(\.$active == true) }
        out += try await q.all().map(dto)
        return out
    }

    public static func libraryName(_ a: RemoteActionLibrary, french: Bool) -> String { french ? names[a]!.fr : names[a]!.en }

    func dto(_ m: RemoteScriptModel) -> RemoteActionDTO {
        RemoteActionDTO(id: m.id!.uuidString.lowercased(), kind: .script, name: m.name, description: m.description, parameter: nil,
                        parameterRequired: false, timeoutSeconds: m.timeoutSeconds, outputLimit: m.outputLimit, script: m.script, active: m.active)
    }

    public func createScript(_ input: RemoteScriptInput, by actor: Actor) async throws -> RemoteActionDTO {
        guard RemoteActionPolicy.canWriteScripts(actor) else { throw DomainError.forbidden("scripts are written by administrators") }
        let m = RemoteScriptModel()
        m.id = UUID(); m.createdAt = desk.now; m.createdBy = actor.userId; m.active = true; m.description = ""
        m.timeoutSeconds = 300; m.outputLimit = RemoteActionPolicy.defaultOutputLimit
        try apply(input, to: m, creating: true)
        try await desk.store.write { db in
            try await m.create(on: db)
            try await self.desk.audit(actor, "create", "remote_script", m.id, m.name, on: db)
        }
        return dto(m)
    }

    public func updateScript(_ id: UUID, _ input: RemoteScriptInput, by actor: Actor) async throws -> RemoteActionDTO {
        guard RemoteActionPolicy.canWriteScripts(actor) else { throw DomainError.forbidden("scripts are written by administrators") }
        guard let m = try await RemoteScriptModel.find(id, on: desk.store.database) else { throw DomainError.notFound("script") }
        try apply(input, to: m, creating: false)
        try await desk.store.write { db in
            try await m.update(on: db)
            // The script's text is in the audit log: what ran is always known.
            try await self.desk.audit(actor, "update", "remote_script", id, "\(m.name) (active: \(m.active))\n\(m.script.prefix(2_000))", on: db)
        }
        return dto(m)
    }

    private func apply(_ input: RemoteScriptInput, to m: RemoteScriptModel, creating: Bool) throws {
        var problems: [FieldProblem] = []
        func problem(_ f: String, _ msg: String) { problems.append(FieldProblem(field: f, rule: .other, message: msg)) }
        if let n = input.name?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if n.isEmpty || n.count > 200 { problem("name", "1 to 200 characters") } else { m.name = n }
        } else if creating { problem("name", "required") }
        if let d = input.description { if d.count > 2_000 { problem("description", "at most 2000 characters") } else { m.description = d } }
        if let s = input.script {
            if s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || s.utf8.count > 64 * 1024 { problem("script", "1 byte to 64 KB") } else { m.script = s }
        } else if creating { problem("script", "required") }
        if let t = input.timeoutSeconds {
            if t < 1 || t > RemoteActionPolicy.maxTimeoutSeconds { problem("timeout_seconds", "between 1 and \(RemoteActionPolicy.maxTimeoutSeconds)") } else { m.timeoutSeconds = t }
        }
        if let o = input.outputLimit {
            if o < 1_024 || o > RemoteActionPolicy.maxOutputLimit { problem("output_limit", "between 1024 and \(RemoteActionPolicy.maxOutputLimit) bytes") } else { m.outputLimit = o }
        }
        if let a = input.active { m.active = a }
        if !problems.isEmpty { throw DomainError.invalidFields(problems) }
        m.updatedAt = desk.now
    }

    // MARK: Runs

    struct Resolved {
        let key: String
        let kind: RemoteActionKind
        let label: String
        let script: String
        let timeout: Int
        let outputLimit: Int
    }

    func resolve(_ action: String, parameter: String?) async throws -> Resolved {
        if let a = RemoteActionLibrary(rawValue: action) {
            let script = try a.script(parameter: parameter)
            let p = parameter?.trimmingCharacters(in: .whitespaces)
            let label = Self.names[a]!.en + ((p?.isEmpty ?? true) ? "" : ": \(p!)")
            return Resolved(key: a.rawValue, kind: .library, label: label, script: script, timeout: a.timeoutSeconds,
                            outputLimit: RemoteActionPolicy.defaultOutputLimit)
        }
        guard let id = UUID(uuidString: action), let m = try await RemoteScriptModel.find(id, on: desk.store.database), m.active else {
            throw DomainError.invalid(field: "action", "no library action or active script is called '\(action.prefix(60))'")
        }
        return Resolved(key: id.uuidString.lowercased(), kind: .script, label: m.name, script: m.script, timeout: m.timeoutSeconds, outputLimit: m.outputLimit)
    }

    /// Runs checked, signed and ready to write (with the request's Idempotency-Key, in its transaction).
    public struct Prepared: Sendable {
        let rows: [RemoteRunModel]
        let ticketId: UUID?
        let assets: [(id: UUID, name: String)]
        let script: String
    }

    /// Queues the action for each machine. All or nothing: a machine one may not act on, or without a live agent,
    /// refuses the whole request.
    public func run(_ input: RemoteRunInput, by actor: Actor) async throws -> [RemoteRunDTO] {
        let p = try await prepare(input, by: actor)
        return try await desk.store.write { db in try await self.commit(p, by: actor, on: db) }
    }

    public func prepare(_ input: RemoteRunInput, by actor: Actor) async throws -> Prepared {
        try AccessPolicy.require(actor, .workTickets)
        let ids = Array(NSOrderedSet(array: input.assetIds).array as! [UUID])
        guard !ids.isEmpty, ids.count <= Self.maxMachines else { throw DomainError.invalid(field: "asset_ids", "1 to \(Self.maxMachines) machines") }
        let action = try await resolve(input.action, parameter: input.parameter)
        let db = desk.store.database
        var assets: [AssetModel] = []
        for id in ids { assets.append(try await desk.assets.model(id, by: actor)) }
        let covered = Dictionary(try await desk.assets.dtos(assets).map { ($0.id, $0.covered) }, uniquingKeysWith: { a, _ in a })
        for a in assets where !RemoteActionPolicy.canRun(actor, kind: action.kind, covered: covered[a.id!] ?? false) {
            throw DomainError.forbidden(action.kind == .script
                ? "scripts are run by N2, N3, supervisors and administrators"
                : "\(a.name) is not covered by its organization's contract: N1 runs library actions on covered machines only")
        }
        let agents = try await AgentModel.query(on: db).filter(\.$assetId ~~ ids).filter(\.$revokedAt == nil).sort(\.$enrolledAt, .descending).all()
        var agentOf: [UUID: AgentModel] = [:]
        for g in agents where agentOf[g.assetId!] == nil { agentOf[g.assetId!] = g }
        if let missing = assets.first(where: { agentOf[$0.id!] == nil }) {
            throw DomainError.invalid(field: "asset_ids", "\(missing.name) has no escale-agent: remote actions need one")
        }
        var ticket: Ticket?
        if let t = input.ticketId {
            let found = try await desk.ticket(t, by: actor, on: db)
            if let other = assets.first(where: { $0.organizationId != found.organizationId }) {
                throw DomainError.invalid(field: "ticket_id", "\(other.name) is not a machine of the ticket's organization")
            }
            ticket = found
        }
        let key = try await desk.agents.signingKey()
        let now = desk.now
        var rows: [RemoteRunModel] = []
        for a in assets {
            let agent = agentOf[a.id!]!
            let command = Command(id: UUID(), agentId: agent.id!, nonce: Command.newNonce(), issuedAt: now,
                                  expiresAt: now.addingTimeInterval(RemoteActionPolicy.commandLifetime), label: "\(action.label) — \(a.name)",
                                  script: action.script, timeoutSeconds: action.timeout, outputLimit: action.outputLimit)
            let signed = try SignedCommand.sign(command, with: key)
            let r = RemoteRunModel()
            r.id = command.id; r.agentId = agent.id!; r.assetId = a.id!; r.organizationId = a.organizationId; r.ticketId = ticket?.id
            r.action = action.key; r.kind = action.kind.rawValue; r.label = action.label
            r.parameter = input.parameter?.trimmingCharacters(in: .whitespaces).nilIfEmpty; r.requestedBy = actor.userId
            r.command = String(decoding: try AgentWire.encoder().encode(signed), as: UTF8.self); r.nonce = command.nonce
            r.issuedAt = command.issuedAt; r.expiresAt = command.expiresAt; r.status = RunStatus.queued.rawValue; r.output = ""; r.outputBytes = 0
            r.truncated = false
            rows.append(r)
        }
        return Prepared(rows: rows, ticketId: ticket?.id, assets: assets.map { ($0.id!, $0.name) }, script: action.kind == .script ? action.script : "")
    }

    public func commit(_ p: Prepared, by actor: Actor, on db: any Database) async throws -> [RemoteRunDTO] {
        let names = Dictionary(p.assets.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let now = desk.now
        for r in p.rows {
            try await r.create(on: db)
            try await desk.audit(actor, "run", "remote_action", r.id,
                                 "\(r.label) on \(names[r.assetId] ?? "?")\(p.script.isEmpty ? "" : "\n" + p.script.prefix(2_000))", on: db)
        }
        if let ticket = p.ticketId {
            for a in p.assets {
                try await (db as! any SQLDatabase).raw("""
                    INSERT INTO ticket_assets (ticket_id, asset_id, created_at) SELECT \(bind: ticket), \(bind: a.id), \(bind: now)
                    WHERE NOT EXISTS (SELECT 1 FROM ticket_assets WHERE ticket_id = \(bind: ticket) AND asset_id = \(bind: a.id))
                    """).run()
            }
            let events = p.rows.map { r in
                TicketEvent(kind: .remoteAction, actorId: actor.userId, at: now, isPublic: false, body: "\(r.label) — \(names[r.assetId] ?? "")",
                            field: RunStatus.queued.rawValue)
            }
            try await timeline(ticket, events, on: db)
        }
        let state = desk.agentState
        let agentIds = p.rows.map(\.agentId)
        Store.afterCommit { state.wake(agentIds) }
        return p.rows.map { dto($0, assetName: names[$0.assetId] ?? "") }
    }

    /// Appends desk-written entries to a ticket's timeline (no new version) and tells its live pages.
    func timeline(_ ticketId: UUID, _ events: [TicketEvent], on db: any Database) async throws {
        guard let t = try await TicketRepository.find(ticketId, scope: .all, on: db) else { return }
        try await TicketRepository.appendSystem(events, to: ticketId, version: t.version, on: db)
        try await desk.publish(.updated, t, isPublic: events.contains(where: \.isPublic), on: db)
    }

    public func runs(asset: UUID?, ticket: UUID?, by actor: Actor, limit: Int = 100) async throws -> [RemoteRunDTO] {
        try AccessPolicy.require(actor, .workTickets)
        let db = desk.store.database
        let q = RemoteRunModel.query(on: db)
        if let asset { _ = try await desk.assets.model(asset, by: actor); q.filter(\.$assetId == asset) }
        if let ticket { _ = try await desk.ticket(ticket, by: actor, on: db); q.filter(\.$ticketId == ticket) }
        if case let .only(orgs) = AccessPolicy.assetScope(of: actor) { q.filter(\.$organizationId ~~ Array(orgs)) }
        let rows = try await q.sort(\.$issuedAt, .descending).limit(min(max(limit, 1), 500)).all()
        let names = try await assetNames(Set(rows.map(\.assetId)))
        return rows.map { dto($0, assetName: names[$0.assetId] ?? "") }
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> RemoteRunDTO {
        try AccessPolicy.require(actor, .workTickets)
        guard let r = try await RemoteRunModel.find(id, on: desk.store.database),
              AccessPolicy.assetScope(of: actor).contains(r.organizationId) else { throw DomainError.notFound("run") }
        return dto(r, assetName: try await assetNames([r.assetId])[r.assetId] ?? "")
    }

    private func assetNames(_ ids: Set<UUID>) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(try await AssetModel.query(on: desk.store.database).filter(\.$id ~~ Array(ids)).field(\.$id).field(\.$name).all()
            .map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    func dto(_ r: RemoteRunModel, assetName: String) -> RemoteRunDTO {
        RemoteRunDTO(id: r.id!, assetId: r.assetId, assetName: assetName, organizationId: r.organizationId, ticketId: r.ticketId, action: r.action,
                     kind: RemoteActionKind(rawValue: r.kind) ?? .library, label: r.label, parameter: r.parameter, requestedBy: r.requestedBy,
                     status: RunStatus(rawValue: r.status) ?? .queued, exitCode: r.exitCode, output: r.output, truncated: r.truncated,
                     detail: r.detail, issuedAt: r.issuedAt, expiresAt: r.expiresAt, deliveredAt: r.deliveredAt, startedAt: r.startedAt,
                     finishedAt: r.finishedAt)
    }

    // MARK: The agent's side

    /// The agent's queued commands, as signed; waits up to `wait` for one. Commands past their expiry are marked
    /// expired instead of sent.
    public func pending(for agent: AgentState.Identity, wait: Duration) async throws -> [SignedCommand] {
        let deadline = ContinuousClock.now + wait
        while true {
            let found = try await take(agent)
            if !found.isEmpty || ContinuousClock.now >= deadline { return found }
            // Short slices: a command queued on another instance is seen within seconds.
            let left = deadline - ContinuousClock.now
            await desk.agentState.wait(agent: agent.agentId, upTo: min(left, .seconds(3)))
        }
    }

    /// A command sent but not acknowledged (the agent posts an empty chunk on receipt) within this delay is sent
    /// again: the connection that carried it may have died with the reply. The agent never runs one twice.
    public static let acknowledgementDelay: TimeInterval = 30

    private func take(_ agent: AgentState.Identity) async throws -> [SignedCommand] {
        let db = desk.store.database
        let now = desk.now
        let unacknowledged = now.addingTimeInterval(-Self.acknowledgementDelay)
        let queued = try await RemoteRunModel.query(on: db).filter(\.$agentId == agent.agentId)
            .group(.or) { or in
                or.filter(\.$status == RunStatus.queued.rawValue)
                    .group(.and) { $0.filter(\.$status == RunStatus.sent.rawValue).filter(\.$deliveredAt < unacknowledged) }
            }
            .sort(\.$issuedAt).limit(20).all()
        guard !queued.isEmpty else { return [] }
        return try await desk.store.write { db in
            var out: [SignedCommand] = []
            let sql = db as! any SQLDatabase
            for r in queued {
                if r.expiresAt < now {
                    // Only if still queued: another instance may have sent it meanwhile.
                    let n = try await sql.raw("""
                        UPDATE remote_runs SET status = 'expired', finished_at = \(bind: now), detail = 'the machine did not pick it up in time'
                        WHERE id = \(bind: r.id!) AND status IN ('queued', 'sent') RETURNING id
                        """).all()
                    if !n.isEmpty, let t = r.ticketId {
                        try await self.timeline(t, [TicketEvent(kind: .remoteAction, actorId: nil, at: now, isPublic: false,
                                                                body: "\(r.label)", field: RunStatus.expired.rawValue)], on: db)
                    }
                    continue
                }
                // Only if nobody else sent it meanwhile (another instance, another poll of the same agent).
                let n = try await sql.raw("""
                    UPDATE remote_runs SET status = 'sent', delivered_at = \(bind: now) WHERE id = \(bind: r.id!)
                    AND (status = 'queued' OR (status = 'sent' AND delivered_at < \(bind: unacknowledged))) RETURNING id
                    """).all()
                if !n.isEmpty, let signed = try? AgentWire.decoder().decode(SignedCommand.self, from: Data(r.command.utf8)) { out.append(signed) }
            }
            return out
        }
    }

    /// A run as the desk knows it, for an answer to someone already allowed to act on it (the requester's consent).
    public func getAny(_ id: UUID) async throws -> RemoteRunDTO {
        guard let r = try await RemoteRunModel.find(id, on: desk.store.database) else { throw DomainError.notFound("run") }
        return dto(r, assetName: try await assetNames([r.assetId])[r.assetId] ?? "")
    }

    /// One of this agent's runs (nil for another's).
    public func runForAgent(_ id: UUID, agent: AgentState.Identity) async throws -> RemoteRunDTO? {
        guard let r = try await RemoteRunModel.find(id, on: desk.store.database), r.agentId == agent.agentId else { return nil }
        return dto(r, assetName: "")
    }

    private func ownRun(_ id: UUID, _ agent: AgentState.Identity, on db: any Database) async throws -> RemoteRunModel {
        guard let r = try await RemoteRunModel.find(id, on: db), r.agentId == agent.agentId else { throw DomainError.notFound("run") }
        return r
    }

    /// A chunk of output: appended at the stored length only (a retried chunk is kept once; a gap is refused).
    public func output(_ id: UUID, _ chunk: RunOutput, from agent: AgentState.Identity) async throws {
        guard chunk.chunk.utf8.count <= 256 * 1024 else { throw DomainError.invalid(field: "chunk", "at most 256 KB a chunk") }
        try await desk.store.write { db in
            let r = try await self.ownRun(id, agent, on: db)
            guard !(RunStatus(rawValue: r.status)?.isFinal ?? true) else { return }
            if chunk.offset < r.outputBytes { return }
            guard chunk.offset == r.outputBytes else {
                throw DomainError.conflict("output expected at offset \(r.outputBytes), got \(chunk.offset)")
            }
            let room = RemoteActionPolicy.maxOutputLimit - r.output.utf8.count
            if room > 0 { r.output += String(decoding: chunk.chunk.utf8.prefix(room), as: UTF8.self) } else { r.truncated = true }
            r.outputBytes += chunk.chunk.utf8.count
            if r.status != RunStatus.running.rawValue { r.status = RunStatus.running.rawValue; r.startedAt = r.startedAt ?? self.desk.now }
            try await r.update(on: db)
        }
    }

    /// The end of a run. A second report of a finished run changes nothing.
    public func result(_ id: UUID, _ result: RunResult, from agent: AgentState.Identity) async throws {
        guard result.status.isFinal, result.status != .expired, result.status != .canceled else {
            throw DomainError.invalid(field: "status", "one of succeeded, failed, timed_out, refused")
        }
        let now = desk.now
        try await desk.store.write { db in
            let r = try await self.ownRun(id, agent, on: db)
            guard !(RunStatus(rawValue: r.status)?.isFinal ?? true) else { return }
            r.status = result.status.rawValue; r.exitCode = result.exitCode; r.truncated = r.truncated || result.truncated
            r.detail = result.detail.map { String($0.prefix(1_000)) }; r.startedAt = r.startedAt ?? result.startedAt.map { min($0, now) }
            r.finishedAt = now
            if result.status != .refused, result.outputBytes != r.outputBytes {
                r.detail = (r.detail.map { $0 + "; " } ?? "") + "\(result.outputBytes - r.outputBytes) byte(s) of output never arrived"
            }
            try await r.update(on: db)
            var line = "\(r.label)"
            if let e = r.exitCode { line += " — exit \(e)" }
            if let d = r.detail { line += " — \(d)" }
            try await self.desk.audit(nil, "finish", "remote_action", r.id, "\(line) (\(r.status))", on: db)
            if let t = r.ticketId {
                let tail = r.output.count > 2_000 ? "…" + r.output.suffix(2_000) : r.output
                try await self.timeline(t, [TicketEvent(kind: .remoteAction, actorId: nil, at: now, isPublic: false,
                                                        body: tail.isEmpty ? line : line + "\n\n" + tail, field: r.status,
                                                        newValue: r.exitCode.map(String.init))], on: db)
            }
        }
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension Desk {
    public var remoteActions: RemoteActions { RemoteActions(desk: self) }
}
