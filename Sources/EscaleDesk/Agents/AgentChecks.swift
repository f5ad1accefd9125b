import EscaleAgentWire
import EscaleAlerts
import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// The checks administrators configure for the escale-agents, and what their verdicts do: a check that starts
/// failing on a machine is an alert of the organization's escale-agent integration (one ticket per machine and
/// check, deduplicated like any monitoring alert, naming the machine); its recovery resolves it.
public struct AgentChecks: Sendable {
    let desk: Desk

    public static let minInterval = 5
    public static let maxInterval = 86_400
    public static let severities: Set<String> = ["critical", "warning", "info"]

    struct Configured: Sendable {
        let spec: CheckSpec
        let severity: String
    }

    public func list(organization: UUID?, by actor: Actor) async throws -> [AgentCheckDTO] {
        try AccessPolicy.require(actor, .readDirectory)
        let scope = AccessPolicy.assetScope(of: actor)
        let q = AgentCheckModel.query(on: desk.store.database)
        if let organization { q.filter(\.$organizationId == organization) }
        if case let .only(ids) = scope { q.filter(\.$organizationId ~~ Array(ids)) }
        let rows = try await q.sort(\.$name).all()
        struct Count: Decodable { let check_id: UUID; let n: Int }
        let counts = try await (desk.store.database as! any SQLDatabase)
            .raw("SELECT check_id, COUNT(*) AS n FROM agent_check_states WHERE status = 'failing' GROUP BY check_id").all(decoding: Count.self)
        let failing = Dictionary(counts.map { ($0.check_id, $0.n) }, uniquingKeysWith: +)
        return rows.map { dto($0, failing: failing[$0.id!] ?? 0) }
    }

    public func create(_ input: AgentCheckInput, by actor: Actor) async throws -> AgentCheckDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let org = input.organizationId else { throw DomainError.invalid(field: "organization_id", "required") }
        guard try await OrganizationModel.find(org, on: desk.store.database) != nil else {
            throw DomainError.invalid(field: "organization_id", "no organization has this id")
        }
        let m = AgentCheckModel()
        m.id = UUID(); m.organizationId = org; m.createdAt = desk.now; m.enabled = true; m.severity = "warning"
        m.intervalSeconds = 60
        try await apply(input, to: m, creating: true)
        try await desk.store.write { db in
            try await m.create(on: db)
            try await self.desk.audit(actor, "create", "agent_check", m.id, "\(m.kind) \(m.name)", on: db)
        }
        return dto(m, failing: 0)
    }

    public func update(_ id: UUID, _ input: AgentCheckInput, by actor: Actor) async throws -> AgentCheckDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await AgentCheckModel.find(id, on: desk.store.database) else { throw DomainError.notFound("check") }
        if let o = input.organizationId, o != m.organizationId {
            throw DomainError.invalid(field: "organization_id", "a check stays with its organization: create another one")
        }
        try await apply(input, to: m, creating: false)
        try await desk.store.write { db in
            try await m.update(on: db)
            try await self.desk.audit(actor, "update", "agent_check", id, "\(m.kind) \(m.name) (enabled: \(m.enabled))", on: db)
        }
        return dto(m, failing: 0)
    }

    public func delete(_ id: UUID, by actor: Actor) async throws {
        try AccessPolicy.require(actor, .manageDirectory)
        guard let m = try await AgentCheckModel.find(id, on: desk.store.database) else { throw DomainError.notFound("check") }
        try await desk.store.write { db in
            try await (db as! any SQLDatabase).raw("DELETE FROM agent_check_states WHERE check_id = \(bind: id)").run()
            try await m.delete(on: db)
            try await self.desk.audit(actor, "delete", "agent_check", id, m.name, on: db)
        }
    }

    private func apply(_ input: AgentCheckInput, to m: AgentCheckModel, creating: Bool) async throws {
        var problems: [FieldProblem] = []
        func problem(_ field: String, _ message: String) { problems.append(FieldProblem(field: field, rule: .other, message: message)) }
        if let name = input.name?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if name.isEmpty || name.count > 200 { problem("name", "1 to 200 characters") } else { m.name = name }
        } else if creating { problem("name", "required") }
        if let kind = input.kind { m.kind = kind.rawValue } else if creating { problem("kind", "required: one of \(CheckKind.allCases.map(\.rawValue).joined(separator: ", "))") }
        if let target = input.target { m.target = target.trimmingCharacters(in: .whitespaces).isEmpty ? nil : String(target.trimmingCharacters(in: .whitespaces)) }
        if let t = input.threshold {
            if !t.isFinite || t < 0 || t > 1_000_000 { problem("threshold", "a number between 0 and 1000000") } else { m.threshold = t }
        }
        if let i = input.intervalSeconds {
            if i < Self.minInterval || i > Self.maxInterval { problem("interval_seconds", "between \(Self.minInterval) and \(Self.maxInterval)") } else { m.intervalSeconds = i }
        }
        if let s = input.severity {
            if Self.severities.contains(s) { m.severity = s } else { problem("severity", "one of critical, warning, info") }
        }
        if let e = input.enabled { m.enabled = e }
        if let a = input.assetId {
            if let asset = try await AssetModel.find(a, on: desk.store.database), asset.organizationId == m.organizationId { m.assetId = a } else {
                problem("asset_id", "no machine of the organization has this id")
            }
        }
        if let kind = CheckKind(rawValue: m.$kind.value ?? "") {
            let target = m.target ?? ""
            if kind.needsTarget, target.isEmpty { problem("target", "a \(kind.rawValue) check needs a target") }
            if target.count > 500 { problem("target", "at most 500 characters") }
            switch kind {
            case .http:
                if !target.isEmpty, URL(string: target).flatMap({ ["http", "https"].contains($0.scheme?.lowercased() ?? "") && $0.host != nil }) != true {
                    problem("target", "an http:// or https:// URL")
                }
            case .tcp:
                if !target.isEmpty, HostPort.parse(target, defaultPort: nil) == nil { problem("target", "host:port, such as db.example.org:5432") }
            case .certificate:
                if !target.isEmpty, HostPort.parse(target, defaultPort: 443) == nil { problem("target", "host or host:port, such as example.org:443") }
            case .systemd:
                if !target.isEmpty, !RemoteActionLibrary.isUnitName(target) { problem("target", "a systemd unit name such as nginx.service") }
            case .disk:
                if !target.isEmpty, !target.hasPrefix("/") { problem("target", "an absolute mount point such as /var") }
            case .memory, .load:
                break
            }
        }
        if !problems.isEmpty { throw DomainError.invalidFields(problems) }
        m.updatedAt = desk.now
    }

    func dto(_ m: AgentCheckModel, failing: Int) -> AgentCheckDTO {
        AgentCheckDTO(id: m.id!, organizationId: m.organizationId, assetId: m.assetId, name: m.name, kind: CheckKind(rawValue: m.kind) ?? .disk,
                      target: m.target, threshold: m.threshold, intervalSeconds: m.intervalSeconds, severity: m.severity, enabled: m.enabled,
                      failing: failing, createdAt: m.createdAt, updatedAt: m.updatedAt)
    }

    /// The enabled checks of a machine: its organization's and its own.
    func specs(organization: UUID, asset: UUID) async throws -> [Configured] {
        let rows = try await AgentCheckModel.query(on: desk.store.database).filter(\.$organizationId == organization).filter(\.$enabled == true)
            .group(.or) { $0.filter(\.$assetId == nil).filter(\.$assetId == asset) }.sort(\.$name).all()
        return rows.compactMap { m in
            guard let kind = CheckKind(rawValue: m.kind) else { return nil }
            return Configured(spec: CheckSpec(id: m.id!, name: m.name, kind: kind, target: m.target, threshold: m.threshold,
                                              intervalSeconds: m.intervalSeconds), severity: m.severity)
        }
    }

    public func states(asset: UUID) async throws -> [AgentCheckStateDTO] {
        struct Row: Decodable {
            let check_id: UUID; let name: String; let kind: String; let status: String; let value: Double?; let message: String
            let changed_at: Date; let reported_at: Date
        }
        let rows = try await (desk.store.database as! any SQLDatabase).raw("""
            SELECT s.check_id, c.name, c.kind, s.status, s.value, s.message, s.changed_at, s.reported_at
            FROM agent_check_states s JOIN agent_checks c ON c.id = s.check_id WHERE s.asset_id = \(bind: asset) ORDER BY c.name
            """).all(decoding: Row.self, with: Store.rowDecoder)
        return rows.map {
            AgentCheckStateDTO(checkId: $0.check_id, name: $0.name, kind: CheckKind(rawValue: $0.kind) ?? .disk,
                               status: CheckStatus(rawValue: $0.status) ?? .ok, value: $0.value, message: $0.message, changedAt: $0.changed_at,
                               reportedAt: $0.reported_at)
        }
    }

    /// Results of one heartbeat. Every result must be for a check this machine runs (else nothing is written); a
    /// change of verdict goes through the alert intake first, then the verdicts are saved (a failed intake leaves
    /// them as they were, so the next heartbeat tries again).
    func record(_ results: [CheckResult], checks: [Configured], asset: UUID, organization: UUID) async throws {
        guard results.count <= 500 else { throw DomainError.invalid(field: "results", "at most 500 results in one heartbeat") }
        let byId = Dictionary(checks.map { ($0.spec.id, $0) }, uniquingKeysWith: { a, _ in a })
        for r in results where byId[r.checkId] == nil {
            throw DomainError.invalid(field: "results", "check \(r.checkId.uuidString.lowercased()) is not configured for this machine")
        }
        let db = desk.store.database
        struct State: Decodable { let check_id: UUID; let status: String; let message: String; let reported_at: Date }
        let known = try await (db as! any SQLDatabase).raw("SELECT check_id, status, message, reported_at FROM agent_check_states WHERE asset_id = \(bind: asset)")
            .all(decoding: State.self, with: Store.rowDecoder)
        let previous = Dictionary(known.map { ($0.check_id, $0) }, uniquingKeysWith: { a, _ in a })
        let now = desk.now
        var signals: [AlertSignal] = []
        var writes: [CheckResult] = []
        // One result per check: the latest the agent sent.
        var latest: [UUID: CheckResult] = [:]
        for r in results { if latest[r.checkId].map({ $0.at <= r.at }) ?? true { latest[r.checkId] = r } }
        guard let assetRow = try await AssetModel.find(asset, on: db) else { throw DomainError.notFound("asset") }
        for r in latest.values.sorted(by: { $0.at < $1.at }) {
            let before = previous[r.checkId]
            let changed = before.map { $0.status != r.status.rawValue } ?? (r.status == .failing)
            if changed {
                let check = byId[r.checkId]!
                let message = String(r.message.prefix(500))
                signals.append(AlertSignal(
                    action: r.status == .failing ? .trigger : .resolve, key: "escale-agent:\(asset.uuidString.lowercased()):\(r.checkId.uuidString.lowercased())",
                    summary: "\(check.spec.name) — \(assetRow.name): \(message)", source: assetRow.name, severity: check.severity,
                    labels: ["check": check.spec.kind.rawValue, "machine": assetRow.name],
                    details: ["message": message, "check_id": r.checkId.uuidString.lowercased(), "asset_id": asset.uuidString.lowercased()],
                    startsAt: min(r.at, now), endsAt: r.status == .ok ? min(r.at, now) : nil))
            }
            // Saved when it changed, when its message did, or at most every five minutes (a fleet heartbeats constantly).
            if changed || before == nil || before?.message != String(r.message.prefix(500)) || now.timeIntervalSince(before!.reported_at) > 300 {
                writes.append(r)
            }
        }
        if !signals.isEmpty {
            let integration = try await integration(for: organization)
            try await desk.integrations.warm()
            _ = try await desk.alertIntake.receive(signals, integration: integration, bodySHA: UUID().uuidString, retryOf: false)
        }
        guard !writes.isEmpty else { return }
        let toWrite = writes
        try await desk.store.write { db in
            let sql = db as! any SQLDatabase
            for r in toWrite {
                let message = String(r.message.prefix(500))
                let before = previous[r.checkId]
                if let before {
                    let changedAt = before.status != r.status.rawValue ? now : nil
                    try await sql.raw("""
                        UPDATE agent_check_states SET status = \(bind: r.status.rawValue), value = \(bind: r.value), message = \(bind: message),
                        reported_at = \(bind: now), changed_at = COALESCE(\(bind: changedAt), changed_at) WHERE asset_id = \(bind: asset) AND check_id = \(bind: r.checkId)
                        """).run()
                } else {
                    try await sql.raw("""
                        INSERT INTO agent_check_states (asset_id, check_id, status, value, message, changed_at, reported_at)
                        VALUES (\(bind: asset), \(bind: r.checkId), \(bind: r.status.rawValue), \(bind: r.value), \(bind: message), \(bind: now), \(bind: now))
                        """).run()
                }
            }
        }
    }

    /// The organization's escale-agent integration, made on first need (its tickets are opened under its own
    /// account, like any integration's; it resolves tickets on recovery).
    func integration(for organization: UUID) async throws -> IntegrationModel {
        let db = desk.store.database
        if let m = try await IntegrationModel.query(on: db).filter(\.$type == IntegrationType.escaleAgent.rawValue)
            .filter(\.$organizationId == organization).first() { return m }
        let name = try await OrganizationModel.find(organization, on: db)?.name ?? "organization"
        let m = IntegrationModel()
        m.id = UUID(); m.type = IntegrationType.escaleAgent.rawValue; m.name = "escale-agent checks — \(name)".prefixString(200)
        m.organizationId = organization; m.autoResolve = true; m.maxAlerts = Integrations.defaultMaxAlerts; m.active = true
        m.tokenGeneration = 1; m.tokenHash = Desk.hashToken(Desk.randomToken()); m.createdAt = desk.now; m.updatedAt = desk.now
        do {
            try await desk.store.write { db in
                m.userId = try await self.desk.integrations.account(for: m, on: db)
                try await m.create(on: db)
                try await self.desk.audit(nil, "create", "integration", m.id, "escale_agent \(m.name)", on: db)
            }
        } catch {
            // Another heartbeat made it meanwhile.
            if let m = try await IntegrationModel.query(on: db).filter(\.$type == IntegrationType.escaleAgent.rawValue)
                .filter(\.$organizationId == organization).first() { return m }
            throw error
        }
        return m
    }
}

private extension String {
    func prefixString(_ n: Int) -> String { String(prefix(n)) }
}

extension Desk {
    public var agentChecks: AgentChecks { AgentChecks(desk: self) }
}
