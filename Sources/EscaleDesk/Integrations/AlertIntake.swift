import EscaleAlerts
import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import SQLKit

/// What monitoring reports becomes tickets: one open ticket per problem (fingerprint or dedup key), repeats
/// counted on it, resolutions resolving it, flapping held back — decided by `AlertLifecycle` (Core, pure), carried
/// out here in one transaction per delivery.
///
/// Order of work: a byte-identical retry is recognised first; then the facts are read and new tickets prepared
/// (outside the write); then, in the write, the facts are read again (another delivery may have won meanwhile)
/// and every signal applied in order.
public struct AlertIntake: Sendable {
    let desk: Desk

    /// A byte-identical body from the same integration within this delay is a retry (Alertmanager resends the same
    /// payload after a 5xx or a timeout): acknowledged, counted nowhere.
    public static let retryWindow: TimeInterval = 30

    public struct RetryLater: Error, Sendable {}

    /// `retryOf`: the body's hash when a byte-identical body means a retry (Alertmanager: a genuine repeat comes only
    /// every `repeat_interval`); nil when every event counts (Events v2: the same trigger again is a repeat).
    public func receive(_ signals: [AlertSignal], integration: IntegrationModel, bodySHA: String, retryOf: Bool = true) async throws -> AlertReceiptDTO {
        let db = desk.store.database
        let since = desk.now.addingTimeInterval(-Self.retryWindow)
        // Only the integration's latest delivery: the same body after something else happened (a trigger, a resolve,
        // the same trigger again) is news, not a retry.
        if let last = try await IntegrationDeliveryModel.query(on: db).filter(\.$integrationId == integration.id!).filter(\.$outcome != "refused")
            .sort(\.$receivedAt, .descending).first(), retryOf, last.bodySHA256 == bodySHA, last.receivedAt >= since {
            try await desk.store.write { db in
                try await self.desk.integrations.record(integration, outcome: "deduplicated", status: 200, detail: "a retry of a delivery already handled",
                                                       events: signals.count, bodySHA: bodySHA, tickets: [], on: db)
            }
            return AlertReceiptDTO(outcome: "deduplicated", alerts: signals.count, created: 0, repeated: 0, resolved: 0, ticketIds: [])
        }
        let actor = Actor(userId: integration.userId, role: .supervisor)
        let organizations = try await organizationsFor(signals, integration: integration)
        // Facts before the write: which signals open a ticket, prepared now so the write only writes.
        let before = try await latest(keys: Set(signals.map(\.key)), integration: integration.id!, on: db)
        var prepared: [Int: Desk.PreparedTicket] = [:]
        var simulated = before.mapValues { try? facts($0.0, ticket: $0.1) }
        for (i, s) in signals.enumerated() {
            let d = AlertLifecycle.decide(simulated[s.key] ?? nil, action: Self.action(s), startsAt: s.startsAt, now: desk.now)
            if d == .open {
                prepared[i] = try await prepare(s, organizationId: organizations[i], integration: integration, actor: actor)
                simulated[s.key] = AlertFacts(state: .firing, ticketOpen: true, startsAt: s.startsAt)
            } else if d == .resolve {
                simulated[s.key] = AlertFacts(state: .resolved, ticketOpen: false, resolvedAt: desk.now)
            }
        }
        let ready = prepared
        do {
            return try await desk.store.write { db in
                try await self.apply(signals, prepared: ready, organizations: organizations, integration: integration, actor: actor,
                                     bodySHA: bodySHA, on: db)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            // Another delivery opened the same problem concurrently (the unique open key): the sender retries.
            throw RetryLater()
        }
    }

    static func action(_ s: AlertSignal) -> AlertSignalAction {
        switch s.action {
        case .trigger: .trigger
        case .acknowledge: .acknowledge
        case .resolve: .resolve
        }
    }

    func apply(_ signals: [AlertSignal], prepared: [Int: Desk.PreparedTicket], organizations: [UUID], integration: IntegrationModel,
               actor: Actor, bodySHA: String, on db: any Database) async throws -> AlertReceiptDTO {
        let now = desk.now
        var rows = try await latest(keys: Set(signals.map(\.key)), integration: integration.id!, on: db)
        var created: [(AlertModel, previous: UUID?)] = []
        var touched: [UUID] = []
        var repeats: [UUID: Int] = [:]
        var counts = (created: 0, repeated: 0, resolved: 0, changed: 0)
        for (i, s) in signals.enumerated() {
            let current = rows[s.key]
            let decision = AlertLifecycle.decide(current.flatMap { try? facts($0.0, ticket: $0.1) }, action: Self.action(s), startsAt: s.startsAt, now: now)
            switch decision {
            case .open:
                guard let p = prepared[i] else { throw RetryLater() }
                let ticket = try await desk.createTicket(p, by: actor, on: db)
                let row = AlertModel()
                row.id = UUID(); row.integrationId = integration.id!; row.key = s.key; row.openKey = s.key; row.groupKey = s.groupKey.map { String($0.prefix(500)) }
                row.ticketId = ticket.id; row.organizationId = ticket.organizationId; row.state = AlertState.firing.rawValue
                row.summary = String(s.summary.prefix(500)); row.source = s.source.map { String($0.prefix(255)) }
                row.host = s.source.map { String($0.lowercased().prefix(255)) }
                row.severity = AlertSeverity(parsing: s.severity).rawValue
                row.labels = String(decoding: try JSONEncoder().encode(s.labels), as: UTF8.self)
                row.startsAt = s.startsAt; row.firstSeen = now; row.lastSeen = now; row.count = 1; row.flaps = 0
                if let old = current?.0, old.openKey != nil { old.openKey = nil; try await save(old, on: db) }
                created.append((row, current?.1.id))
                rows[s.key] = (row, TicketState(id: ticket.id, status: ticket.status, version: ticket.version))
                touched.append(ticket.id); counts.created += 1
            case .repeat:
                guard let (row, _) = current else { continue }
                repeats[row.id!, default: 0] += 1; counts.repeated += 1
            case .reopen, .cancelHold:
                guard let (row, ticket) = current else { continue }
                if decision == .cancelHold { try await JobQueue.cancel(key: Self.holdJobKey(row.id!), on: db) }
                row.state = AlertState.firing.rawValue; row.openKey = s.key; row.resolvedAt = nil; row.holdUntil = nil
                row.flaps += 1; row.lastFlapAt = now; row.count += 1; row.lastSeen = now
                try await save(row, on: db)
                let note = TicketEvent(kind: .monitoring, actorId: actor.userId, at: now, isPublic: false, body: s.summary, field: "fired_again")
                if decision == .reopen, !ticket.status.isOpen {
                    try await desk.changeStatus(ticket.id, to: .inProgress, by: actor, events: [note], on: db)
                } else {
                    try await TicketRepository.appendSystem([note], to: ticket.id, version: ticket.version, on: db)
                    try await publish(ticket.id, on: db)
                }
                touched.append(ticket.id); counts.changed += 1
            case .acknowledge:
                guard let (row, ticket) = current else { continue }
                row.state = AlertState.acknowledged.rawValue; row.lastSeen = now
                try await save(row, on: db)
                try await TicketRepository.appendSystem([TicketEvent(kind: .monitoring, actorId: actor.userId, at: now, isPublic: false,
                                                                     body: s.summary.isEmpty ? nil : s.summary, field: "acknowledged")],
                                                        to: ticket.id, version: ticket.version, on: db)
                try await publish(ticket.id, on: db)
                touched.append(ticket.id); counts.changed += 1
            case .resolve:
                guard let (row, ticket) = current else { continue }
                try await resolve(row, ticket: ticket, endsAt: s.endsAt, integration: integration, actor: actor, on: db)
                touched.append(ticket.id); counts.resolved += 1
            case let .hold(until):
                guard let (row, ticket) = current else { continue }
                row.state = AlertState.resolving.rawValue; row.holdUntil = until; row.lastSeen = now
                try await save(row, on: db)
                try await JobQueue.schedule(key: Self.holdJobKey(row.id!), kind: Desk.JobKind.alertResolve, at: until,
                                            payload: Desk.payload(["alert": row.id!.uuidString]), now: now, on: db)
                try await TicketRepository.appendSystem([TicketEvent(kind: .monitoring, actorId: actor.userId, at: now, isPublic: false,
                                                                     field: "resolving", newValue: String(Int(AlertLifecycle.flapWindow)))],
                                                        to: ticket.id, version: ticket.version, on: db)
                touched.append(ticket.id); counts.changed += 1
            case .ignore:
                continue
            }
        }
        if !created.isEmpty {
            // The alert rows refer to their tickets, which a grouped creation may not have written yet.
            try await TicketRepository.flushPendingCreations(on: db)
            for (row, _) in created { try await row.create(on: db) }
            try await linkRelated(created, integration: integration, actor: actor, on: db)
            try await linkMachines(created.map(\.0), on: db)
        }
        if !repeats.isEmpty {
            // Repeats are the hot path (every evaluation interval of every firing alert): one statement per count.
            let sql = db as! any SQLDatabase
            for (n, ids) in Dictionary(grouping: repeats.keys, by: { repeats[$0]! }) {
                try await sql.raw("UPDATE alerts SET count = count + \(bind: n), last_seen = \(bind: now) WHERE id IN (\(binds: ids))").run()
            }
        }
        let changed = counts.created + counts.resolved + counts.changed > 0
        let outcome = changed ? "accepted" : "deduplicated"
        var detail = "\(signals.count) alert(s): \(counts.created) opened, \(counts.repeated) repeated, \(counts.resolved) resolved"
        if counts.changed > 0 { detail += ", \(counts.changed) other change(s)" }
        try await desk.integrations.record(integration, outcome: outcome, status: 200, detail: detail, events: signals.count, bodySHA: bodySHA,
                                          tickets: Array(Set(touched)), on: db)
        return AlertReceiptDTO(outcome: outcome, alerts: signals.count, created: counts.created, repeated: counts.repeated,
                               resolved: counts.resolved, ticketIds: Array(NSOrderedSet(array: touched).array as! [UUID]))
    }

    /// Resolved at the source: the occurrence closes, and its ticket is resolved when the integration says so.
    func resolve(_ row: AlertModel, ticket: TicketState, endsAt: Date?, integration: IntegrationModel, actor: Actor, on db: any Database) async throws {
        let now = desk.now
        row.state = AlertState.resolved.rawValue; row.openKey = nil; row.resolvedAt = now; row.holdUntil = nil; row.lastSeen = now
        try await save(row, on: db)
        let at = endsAt.map { desk.isoFormat($0) }
        let note = TicketEvent(kind: .monitoring, actorId: actor.userId, at: now, isPublic: false, field: "resolved", newValue: at)
        if integration.autoResolve, ticket.status.isOpen {
            try await desk.changeStatus(ticket.id, to: .resolved, by: actor, events: [note], on: db)
        } else {
            try await TicketRepository.appendSystem([note], to: ticket.id, version: ticket.version, on: db)
            try await publish(ticket.id, on: db)
        }
    }

    /// A new ticket is related to the previous occurrence of its problem, and to the first open ticket of its
    /// notification group (Alertmanager's three hosts of one group are three tickets, linked).
    /// A new problem's ticket names the machine its host is (the organization's machine of that name or FQDN; an
    /// `instance` label's port dropped): the machine's page lists it, and its inventory is a click away.
    func linkMachines(_ rows: [AlertModel], on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        for row in rows {
            guard let raw = row.host, !raw.isEmpty else { continue }
            let host = String(raw.split(separator: ":").first ?? Substring(raw))
            let short = String(host.split(separator: ".").first ?? Substring(host))
            try await sql.raw("""
                INSERT INTO ticket_assets (ticket_id, asset_id, created_at)
                SELECT \(bind: row.ticketId), id, \(bind: desk.now) FROM assets WHERE organization_id = \(bind: row.organizationId)
                AND (LOWER(name) = \(bind: short) OR LOWER(name) = \(bind: host) OR LOWER(fqdn) = \(bind: host))
                """).run()
        }
    }

    func linkRelated(_ created: [(AlertModel, previous: UUID?)], integration: IntegrationModel, actor: Actor, on db: any Database) async throws {
        var firstOfGroup: [String: UUID] = [:]
        let groups = Set(created.compactMap(\.0.groupKey))
        if !groups.isEmpty {
            for g in groups {
                if let first = try await AlertModel.query(on: db).filter(\.$integrationId == integration.id!).filter(\.$groupKey == g)
                    .filter(\.$openKey != nil).sort(\.$firstSeen).sort(\.$id).first() {
                    firstOfGroup[g] = first.ticketId
                }
            }
        }
        for (row, previous) in created {
            var others: [UUID] = []
            if let p = previous, p != row.ticketId { others.append(p) }
            if let g = row.groupKey, let first = firstOfGroup[g], first != row.ticketId, !others.contains(first) { others.append(first) }
            for other in others {
                try await TicketLinkStore.insert(TicketLinkRow(id: UUID(), ticketId: row.ticketId, otherId: other, kind: TicketLinkKind.related.rawValue,
                                                               createdBy: actor.userId, createdAt: desk.now), on: db)
            }
        }
    }

    /// The held resolution of a flapping problem, once it stayed quiet for the hold.
    func runHeldResolve(_ alertId: UUID, on db: any Database) async throws {
        guard let row = try await AlertModel.find(alertId, on: db), row.state == AlertState.resolving.rawValue,
              let integration = try await IntegrationModel.find(row.integrationId, on: db),
              let t = try await TicketRepository.find(row.ticketId, scope: .all, on: db) else { return }
        try await resolve(row, ticket: TicketState(id: t.id, status: t.status, version: t.version), endsAt: nil, integration: integration, actor: Actor(userId: integration.userId, role: .supervisor), on: db)
    }

    static func holdJobKey(_ id: UUID) -> String { "alert:\(id.uuidString)" }

    // MARK: Reads

    /// What a decision needs of a ticket.
    struct TicketState: Sendable { let id: UUID; let status: TicketStatus; let version: Int }

    /// The latest occurrence of each key, with its ticket's status: one query per 500 keys, with the ticket joined
    /// (repeats are the hot path, and a full ticket is much more than a decision needs).
    func latest(keys: Set<String>, integration: UUID, on db: any Database) async throws -> [String: (AlertModel, TicketState)] {
        guard !keys.isEmpty else { return [:] }
        struct Row: Decodable {
            let id: UUID; let key: String; let open_key: String?; let group_key: String?; let ticket_id: UUID; let state: String
            let starts_at: Date?; let first_seen: Date; let last_seen: Date; let count: Int; let flaps: Int; let last_flap_at: Date?
            let resolved_at: Date?; let hold_until: Date?
            let ticket_status: String; let ticket_version: Int
        }
        let sql = db as! any SQLDatabase
        var rows: [Row] = []
        let list = Array(keys)
        for start in stride(from: 0, to: list.count, by: 500) {
            let chunk = Array(list[start..<min(start + 500, list.count)])
            rows += try await sql.raw("""
                SELECT a.id, a.key, a.open_key, a.group_key, a.ticket_id, a.state, a.starts_at, a.first_seen, a.last_seen, a.count, a.flaps,
                       a.last_flap_at, a.resolved_at, a.hold_until, t.status AS ticket_status, t.version AS ticket_version
                FROM alerts a JOIN tickets t ON t.id = a.ticket_id
                WHERE a.integration_id = \(bind: integration) AND a.key IN (\(binds: chunk))
                """).all(decoding: Row.self, with: Store.rowDecoder)
        }
        var latest: [String: Row] = [:]
        for r in rows {
            // The open occurrence wins; otherwise the most recent.
            if let l = latest[r.key] {
                if l.open_key != nil && r.open_key == nil { continue }
                if !(r.open_key != nil && l.open_key == nil) && r.first_seen <= l.first_seen { continue }
            }
            latest[r.key] = r
        }
        var out: [String: (AlertModel, TicketState)] = [:]
        for (k, r) in latest {
            let m = AlertModel()
            m.id = r.id; m.integrationId = integration; m.key = r.key; m.openKey = r.open_key; m.groupKey = r.group_key; m.ticketId = r.ticket_id
            m.state = r.state; m.startsAt = r.starts_at; m.firstSeen = r.first_seen; m.flaps = r.flaps; m.lastFlapAt = r.last_flap_at
            m.resolvedAt = r.resolved_at; m.lastSeen = r.last_seen; m.count = r.count; m.holdUntil = r.hold_until
            // Read, not all fields: updated through `AlertIntake.save`, which writes the lifecycle's columns only.
            m.$id.exists = true
            out[k] = (m, TicketState(id: r.ticket_id, status: TicketStatus(rawValue: r.ticket_status) ?? .inProgress, version: r.ticket_version))
        }
        return out
    }

    /// Tells live pages a ticket changed (its entries were appended without a new version).
    func publish(_ ticketId: UUID, on db: any Database) async throws {
        guard let t = try await TicketRepository.find(ticketId, scope: .all, on: db) else { return }
        try await desk.publish(.updated, t, isPublic: false, on: db)
    }

    /// Writes an occurrence's lifecycle columns (the row may have been read partially).
    func save(_ row: AlertModel, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.update("alerts")
            .set("state", to: SQLBind(row.state)).set("open_key", to: SQLBind(row.openKey)).set("resolved_at", to: SQLBind(row.resolvedAt))
            .set("hold_until", to: SQLBind(row.holdUntil)).set("flaps", to: SQLBind(row.flaps)).set("last_flap_at", to: SQLBind(row.lastFlapAt))
            .set("count", to: SQLBind(row.count)).set("last_seen", to: SQLBind(row.lastSeen))
            .where("id", .equal, SQLBind(row.id!)).run()
    }

    func facts(_ row: AlertModel, ticket: TicketState) throws -> AlertFacts {
        AlertFacts(state: AlertState(rawValue: row.state) ?? .firing, ticketOpen: ticket.status.isOpen, ticketReopenable: ticket.status == .resolved,
                   startsAt: row.startsAt, resolvedAt: row.resolvedAt, flaps: row.flaps, lastFlapAt: row.lastFlapAt)
    }

    /// Each signal's organization: the one its `organization` label names (by name, id or mail domain), else the
    /// integration's.
    func organizationsFor(_ signals: [AlertSignal], integration: IntegrationModel) async throws -> [UUID] {
        let directory = try await desk.directory()
        let fallback = integration.organizationId
        return try signals.map { s in
            if let hint = s.organizationHint?.lowercased() {
                if let o = directory.organizations.first(where: { $0.active && ($0.name.lowercased() == hint || $0.id.uuidString.lowercased() == hint
                    || $0.domain == hint || $0.domains.contains(hint)) }) { return o.id }
            }
            guard let f = fallback else { throw DomainError.invalid(field: "organization", "the integration names no organization") }
            return f
        }
    }

    func prepare(_ s: AlertSignal, organizationId: UUID, integration: IntegrationModel, actor: Actor) async throws -> Desk.PreparedTicket {
        let severity = AlertSeverity(parsing: s.severity)
        let subject = MailIntake.shorten(s.summary.isEmpty ? "Alert \(s.key)" : s.summary.replacingOccurrences(of: "\n", with: " "),
                                         to: TicketLimits.subjectLength.upperBound)
        // Written once into the ticket, in its organization's language (else the installation's, else French).
        let w = DeskWords(language: try await desk.language(ofOrganization: organizationId))
        var lines: [String] = []
        for k in ["description", "message"] { if let d = s.details[k], !d.isEmpty, d != s.summary { lines.append(d); break } }
        lines.append("")
        lines.append("\(w.source)\(w.colon)\(integration.name)" + (s.source.map { " — \($0)" } ?? ""))
        lines.append("\(w.severity)\(w.colon)\(s.severity ?? severity.rawValue)")
        if let st = s.startsAt { lines.append("\(w.started)\(w.colon)\(desk.isoFormat(st))") }
        if !s.labels.isEmpty { lines.append("\(w.labels)\(w.colon)" + s.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) }
        let other = s.details.filter { !["description", "message", "summary"].contains($0.key) }.sorted { $0.key < $1.key }
        for (k, v) in other.prefix(30) { lines.append("\(k): \(v)") }
        for l in s.links.prefix(5) { lines.append(l) }
        let description = MailIntake.shorten(lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines), to: TicketLimits.descriptionMaxLength)
        let now = desk.now
        let occurred = s.startsAt.flatMap { $0 <= now && $0 > now.addingTimeInterval(-30 * 86_400) ? $0 : nil }
        let input = TicketInput(subject: subject, description: description, impact: severity.levels.impact, urgency: severity.levels.urgency,
                                type: .incident, channel: .monitoring, occurredAt: occurred, organizationId: organizationId)
        return try await desk.prepareTicket(input, by: actor, defaultChannel: .monitoring)
    }
}

extension Desk {
    /// The monitoring channel's use cases.
    public var alertIntake: AlertIntake { AlertIntake(desk: self) }

    /// A status change the desk makes itself (monitoring resolving or reopening a ticket), with its own entries.
    func changeStatus(_ ticketId: UUID, to status: TicketStatus, by actor: Actor, events extra: [TicketEvent], on db: any Database) async throws {
        guard var ticket = try await TicketRepository.find(ticketId, scope: .all, forUpdate: true, on: db) else { return }
        let before = ticket
        var change = TicketChange()
        change.status = status
        let events = try ticket.apply(change, matrix: try await priorityMatrix(on: db), contract: try await activeContract(of: ticket.organizationId, on: db),
                                      by: actor, at: now)
        if ticket.version == before.version {
            try await TicketRepository.appendSystem(extra, to: ticket.id, version: ticket.version, on: db)
            return
        }
        try await save(ticket, before: before, events: extra + events, on: db)
    }

    func isoFormat(_ d: Date) -> String {
        d.formatted(.iso8601)
    }
}

extension Desk.JobKind {
    /// A flapping problem's held resolution. Key `alert:<alert>`.
    public static let alertResolve = "alert.resolve"
}

extension Desk {
    func runAlertResolve(_ job: Job) async throws {
        let payload = try Self.payload([String: String].self, of: job)
        guard let id = payload["alert"].flatMap(UUID.init(uuidString:)) else { return try await complete(job) { _ in } }
        try await complete(job) { db in try await self.alertIntake.runHeldResolve(id, on: db) }
    }
}

extension AlertIntake {
    /// Each monitoring ticket's problem (its latest occurrence on that ticket), in one query.
    public func alerts(of ticketIds: [UUID], on db: any Database) async throws -> [UUID: TicketAlertDTO] {
        guard !ticketIds.isEmpty else { return [:] }
        let rows = try await AlertModel.query(on: db).filter(\.$ticketId ~~ ticketIds).all()
        var types: [UUID: String] = [:]
        for i in try await IntegrationModel.query(on: db).filter(\.$id ~~ Array(Set(rows.map(\.integrationId)))).all() { types[i.id!] = i.type }
        var out: [UUID: TicketAlertDTO] = [:]
        for r in rows.sorted(by: { $0.firstSeen < $1.firstSeen }) {
            let labels = (try? JSONDecoder().decode([String: String].self, from: Data(r.labels.utf8))) ?? [:]
            out[r.ticketId] = TicketAlertDTO(integrationId: r.integrationId, source: types[r.integrationId] ?? "", key: r.key, groupKey: r.groupKey,
                                             state: r.state, severity: r.severity, host: r.host, summary: r.summary, labels: labels, count: r.count,
                                             flaps: r.flaps, firstSeen: r.firstSeen, lastSeen: r.lastSeen, startsAt: r.startsAt, resolvedAt: r.resolvedAt)
        }
        return out
    }
}

/// The few words the desk itself writes into stored text (a monitoring ticket's description, a call's work log), in
/// French or English: stored text is read as written, so it is written in the reader's language.
struct DeskWords {
    let french: Bool
    init(language: String) { french = language != "en" }
    /// French puts a space before the colon.
    var colon: String { french ? " : " : ": " }
    var source: String { "Source" }
    var severity: String { french ? "Gravité" : "Severity" }
    var started: String { french ? "Début" : "Started" }
    var labels: String { french ? "Étiquettes" : "Labels" }
    func phoneCall(_ from: String, _ to: String) -> String { french ? "Appel téléphonique \(from) → \(to)" : "Phone call \(from) → \(to)" }
}

extension Desk {
    /// An organization's language, else the installation's, else French. Inside a write, pass its `db`.
    func language(ofOrganization id: UUID, on db: (any Database)? = nil) async throws -> String {
        let directory = try await directory(on: db)
        return directory.organizations.first { $0.id == id }?.locale ?? directory.settings.defaultLocale ?? "fr"
    }
}
