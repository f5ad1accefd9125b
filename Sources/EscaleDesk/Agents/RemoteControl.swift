import EscaleAgentWire
import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// Remote control ("prise en main à distance"): a terminal on a machine, or its desktop through its local VNC
/// server, tunnelled over the escale-agent's own outgoing connection. A session is a remote run of kind `terminal`
/// or `desktop`: signed like any command, on the ticket's timeline, in the audit log with who, when and how long.
/// Where the contract asks for it, the session waits for the ticket's requester to consent.
public struct RemoteControl: Sendable {
    let desk: Desk

    /// The longest a session stays open.
    public static let maxSeconds = 4 * 3_600
    public static let defaultVNCPort = 5900

    public func open(_ kind: Command.Tunnel.Kind, asset assetId: UUID, ticket ticketId: UUID?, port: Int? = nil, by actor: Actor) async throws -> RemoteRunDTO {
        try AccessPolicy.require(actor, .workTickets)
        let db = desk.store.database
        let asset = try await desk.assets.model(assetId, by: actor)
        let covered = try await desk.assets.dtos([asset]).first?.covered ?? false
        let actionKind: RemoteActionKind = kind == .terminal ? .terminal : .desktop
        guard RemoteActionPolicy.canRun(actor, kind: actionKind, covered: covered) else {
            throw DomainError.forbidden(kind == .terminal ? "a terminal is opened by N2, N3, supervisors and administrators"
                                                          : "\(asset.name) is not covered by its organization's contract: N1 takes control of covered machines only")
        }
        if let port, !(1...65_535).contains(port) { throw DomainError.invalid(field: "port", "a TCP port between 1 and 65535") }
        guard let agent = try await AgentModel.query(on: db).filter(\.$assetId == assetId).filter(\.$revokedAt == nil)
            .sort(\.$enrolledAt, .descending).first() else {
            throw DomainError.invalid(field: "asset_id", "\(asset.name) has no escale-agent: remote control needs one")
        }
        var ticket: Ticket?
        if let ticketId {
            let t = try await desk.ticket(ticketId, by: actor, on: db)
            guard t.organizationId == asset.organizationId else { throw DomainError.invalid(field: "ticket_id", "\(asset.name) is not a machine of the ticket's organization") }
            ticket = t
        }
        let consent = try await desk.activeContract(of: asset.organizationId, on: db)?.remoteControlConsent ?? false
        if consent, ticket == nil {
            throw DomainError.invalid(field: "ticket_id", "the contract asks the requester's consent: take control from their ticket")
        }
        let now = desk.now
        let r = RemoteRunModel()
        r.id = UUID(); r.agentId = agent.id!; r.assetId = assetId; r.organizationId = asset.organizationId; r.ticketId = ticket?.id
        r.action = kind == .terminal ? "remote-terminal" : "remote-desktop"; r.kind = actionKind.rawValue
        r.label = (kind == .terminal ? "Remote terminal" : "Remote desktop") + " — \(asset.name)"
        r.parameter = kind == .desktop ? String(port ?? Self.defaultVNCPort) : nil; r.requestedBy = actor.userId
        r.output = ""; r.outputBytes = 0; r.truncated = false; r.issuedAt = now; r.expiresAt = now.addingTimeInterval(RemoteActionPolicy.commandLifetime)
        if consent {
            r.status = RunStatus.awaitingConsent.rawValue; r.command = ""; r.nonce = "consent-" + r.id!.uuidString
        } else {
            try await sign(r, kind: kind, port: port)
        }
        let row = r, onTicket = ticket
        try await desk.store.write { db in
            try await row.create(on: db)
            try await self.desk.audit(actor, "open", "remote_control", row.id, "\(row.label)\(consent ? " (awaiting the requester's consent)" : "")", on: db)
            if let t = onTicket {
                // Public when the requester is asked: they see the request on their ticket.
                try await self.timeline(t.id, TicketEvent(kind: .remoteAction, actorId: actor.userId, at: now, isPublic: consent, body: row.label,
                                                          field: row.status), on: db)
            }
        }
        if !consent { wake(r.agentId) }
        return desk.remoteActions.dto(r, assetName: asset.name)
    }

    private func sign(_ r: RemoteRunModel, kind: Command.Tunnel.Kind, port: Int?) async throws {
        let now = desk.now
        let command = Command(id: r.id!, agentId: r.agentId, nonce: Command.newNonce(), issuedAt: now,
                              expiresAt: now.addingTimeInterval(RemoteActionPolicy.commandLifetime), kind: .tunnel, label: r.label, script: "",
                              timeoutSeconds: Self.maxSeconds, outputLimit: 0,
                              tunnel: Command.Tunnel(kind: kind, port: kind == .desktop ? (port ?? Self.defaultVNCPort) : nil))
        let signed = try SignedCommand.sign(command, with: try await desk.agents.signingKey())
        r.command = String(decoding: try AgentWire.encoder().encode(signed), as: UTF8.self)
        r.nonce = command.nonce; r.issuedAt = command.issuedAt; r.expiresAt = command.expiresAt; r.status = RunStatus.queued.rawValue
    }

    private func wake(_ agent: UUID) {
        let state = desk.agentState
        Store.afterCommit { state.wake([agent]) }
        state.wake([agent])
    }

    private func timeline(_ ticketId: UUID, _ event: TicketEvent, on db: any Database) async throws {
        try await desk.remoteActions.timeline(ticketId, [event], on: db)
    }

    /// The sessions of a ticket waiting for its requester's answer (shown to them on the ticket).
    public func awaitingConsent(ticket ticketId: UUID, by actor: Actor) async throws -> [RemoteRunDTO] {
        let t = try await desk.ticket(ticketId, by: actor, on: desk.store.database)
        guard t.requesterId == actor.userId || actor.role.isStaff else { return [] }
        let rows = try await RemoteRunModel.query(on: desk.store.database).filter(\.$ticketId == ticketId)
            .filter(\.$status == RunStatus.awaitingConsent.rawValue).sort(\.$issuedAt).all()
        let names = Dictionary(try await AssetModel.query(on: desk.store.database).filter(\.$id ~~ rows.map(\.assetId)).all().map { ($0.id!, $0.name) },
                               uniquingKeysWith: { a, _ in a })
        return rows.map { desk.remoteActions.dto($0, assetName: names[$0.assetId] ?? "") }
    }

    /// The ticket's requester allows or refuses a session. Only they may.
    public func consent(_ sessionId: UUID, allow: Bool, by actor: Actor) async throws {
        guard let r = try await RemoteRunModel.find(sessionId, on: desk.store.database), let ticketId = r.ticketId else {
            throw DomainError.notFound("remote control session")
        }
        let t = try await desk.ticket(ticketId, by: actor, on: desk.store.database)
        guard t.requesterId == actor.userId else { throw DomainError.forbidden("only the ticket's requester consents to remote control") }
        guard r.status == RunStatus.awaitingConsent.rawValue else { throw DomainError.conflict("this request was already answered") }
        if allow {
            try await sign(r, kind: r.kind == RemoteActionKind.terminal.rawValue ? .terminal : .desktop, port: r.parameter.flatMap { Int($0) })
        } else {
            r.status = RunStatus.declined.rawValue; r.finishedAt = desk.now; r.detail = "the requester refused"
        }
        let now = desk.now
        try await desk.store.write { db in
            // Only if still waiting (a double click answers once).
            let sql = db as! any SQLDatabase
            let n = try await sql.raw("""
                UPDATE remote_runs SET status = \(bind: r.status), command = \(bind: r.command), nonce = \(bind: r.nonce), issued_at = \(bind: r.issuedAt),
                expires_at = \(bind: r.expiresAt), finished_at = \(bind: r.finishedAt), detail = \(bind: r.detail)
                WHERE id = \(bind: sessionId) AND status = 'awaiting_consent' RETURNING id
                """).all()
            guard !n.isEmpty else { throw DomainError.conflict("this request was already answered") }
            try await self.desk.audit(actor, allow ? "consent" : "decline", "remote_control", sessionId, r.label, on: db)
            try await self.timeline(ticketId, TicketEvent(kind: .remoteAction, actorId: actor.userId, at: now, isPublic: true, body: r.label,
                                                          field: allow ? "consented" : RunStatus.declined.rawValue), on: db)
        }
        if allow { wake(r.agentId) }
    }

    /// The person who opened the session attaches their browser.
    public func browserAttach(_ sessionId: UUID, by actor: Actor) async throws -> RemoteRunDTO {
        guard let r = try await RemoteRunModel.find(sessionId, on: desk.store.database), r.requestedBy == actor.userId,
              r.kind == RemoteActionKind.terminal.rawValue || r.kind == RemoteActionKind.desktop.rawValue else {
            throw DomainError.notFound("remote control session")
        }
        let name = try await AssetModel.find(r.assetId, on: desk.store.database)?.name ?? ""
        return desk.remoteActions.dto(r, assetName: name)
    }

    /// The agent attaches its end of the tunnel: the session is running from now on.
    public func agentAttach(_ sessionId: UUID, agent: AgentState.Identity) async throws -> (kind: RemoteActionKind, label: String) {
        let now = desk.now
        return try await desk.store.write { db in
            guard let r = try await RemoteRunModel.find(sessionId, on: db), r.agentId == agent.agentId,
                  [RunStatus.sent.rawValue, RunStatus.running.rawValue].contains(r.status),
                  let kind = RemoteActionKind(rawValue: r.kind), kind == .terminal || kind == .desktop else {
                throw DomainError.notFound("remote control session")
            }
            r.status = RunStatus.running.rawValue; r.startedAt = r.startedAt ?? now
            try await r.update(on: db)
            return (kind, r.label)
        }
    }

    /// The tunnel closed: how long it lasted goes to the audit log and the ticket.
    public func ended(_ sessionId: UUID, detail: String?) async {
        let now = desk.now
        do {
            try await desk.store.write { db in
                guard let r = try await RemoteRunModel.find(sessionId, on: db), !(RunStatus(rawValue: r.status)?.isFinal ?? true) else { return }
                let seconds = Int(now.timeIntervalSince(r.startedAt ?? now))
                r.status = RunStatus.succeeded.rawValue; r.finishedAt = now
                r.detail = "\(seconds) s" + (detail.map { " — \($0)" } ?? "")
                try await r.update(on: db)
                try await self.desk.audit(nil, "close", "remote_control", sessionId, "\(r.label): \(r.detail!)", on: db)
                if let t = r.ticketId {
                    try await self.timeline(t, TicketEvent(kind: .remoteAction, actorId: r.requestedBy, at: now, isPublic: false,
                                                           body: "\(r.label) — \(r.detail!)", field: "closed"), on: db)
                }
            }
        } catch {
            desk.logger.warning("remote control session end not recorded", metadata: ["session": "\(sessionId)", "error": "\(error)"])
        }
    }
}

extension Desk {
    public var remoteControl: RemoteControl { RemoteControl(desk: self) }
}
