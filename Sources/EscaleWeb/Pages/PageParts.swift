import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Mustache

/// Pieces several pages share: options of a select, a ticket as a row or a header, a timeline entry.
struct Option {
    let value: String
    let label: String
    let selected: Bool
}

struct Language {
    let code: String
    let name: String
    let current: Bool
    static func all(current: String) -> [Language] {
        [Language(code: "fr", name: "Français", current: current == "fr"), Language(code: "en", name: "English", current: current == "en")]
    }

    /// For a setting someone may leave to the defaults: "automatic" (empty code) first, chosen when `current` is nil.
    static func choices(current: String?, _ l: Localizer, automatic key: String = "language_automatic") -> [Language] {
        [Language(code: "", name: l.t(key), current: current == nil)] + all(current: current ?? "")
    }
}

struct TicketRow {
    let seq: Int
    let number: String
    let subject: String
    let status: String
    let statusKey: String
    let priority: String
    let priorityValue: Int
    let tier: String
    let organization: String
    let assignee: String
    let requester: String?
    let updated: String
    let updatedISO: String
    let outOfScope: Bool
    /// The clock that falls due next (or, none running, the ticket's SLA as it stands), if the ticket has an SLA.
    let slaClock: String?
    let slaStatus: String?
    let slaStatusKey: String?
    let slaDue: String?
    let slaDueISO: String?
    /// All the clocks in one word (`SLAView.state`).
    let slaState: String?
    let slaStateKey: String?

    init(_ t: Ticket, names: Desk.Names, l: Localizer, showRequester: Bool = false, sla: SLADTO? = nil) {
        seq = t.seq; number = t.number; subject = t.subject
        status = l.t("status_\(t.status.rawValue)"); statusKey = t.status.rawValue
        priority = l.t("priority_\(t.priority.rawValue)"); priorityValue = t.priority.rawValue
        tier = t.tier.label
        organization = names.organization(t.organizationId) ?? ""
        assignee = names.user(t.assigneeId) ?? "—"
        requester = showRequester ? names.user(t.requesterId) : nil
        updated = l.dateTime(t.updatedAt); updatedISO = l.iso(t.updatedAt)
        outOfScope = t.outOfScope
        let shown = sla.map { SLAView.summary($0) }
        slaClock = shown?.metric.map { l.t("sla_\($0.rawValue)") }
        slaStatus = shown.map { l.t("sla_status_\($0.statusKey)") }
        slaStatusKey = shown?.statusKey
        slaDue = shown?.due.map(l.dateTime)
        slaDueISO = shown?.due.map(l.iso)
        slaStateKey = sla.map(SLAView.state)
        slaState = slaStateKey.map { l.t("sla_state_\($0)") }
    }

    static func names(for tickets: [Ticket], desk: Desk) async throws -> Desk.Names {
        try await desk.names(users: tickets.flatMap { [$0.assigneeId, $0.requesterId].compactMap { $0 } },
                             organizations: tickets.map(\.organizationId), groups: tickets.compactMap(\.groupId))
    }
}

/// A ticket's SLA clocks as a page shows them: each clock's status and due time, in the reader's words and zone.
struct SLAView {
    struct Clock { let label: String; let status: String; let statusKey: String; let due: String?; let dueISO: String?; let next: Bool }
    let clocks: [Clock]
    let paused: Bool

    /// A clock's state as people read it: a clock that waits on the requester is "paused", whatever its count says;
    /// a finished one is met or breached (stopped); otherwise running, at risk past the warning threshold, or late.
    static func statusKey(_ status: SLAStatus, metric: SLAMetric, _ sla: SLADTO) -> String {
        if sla.paused, metric != .firstResponse, status == .pending || status == .warning { return "paused" }
        return status.rawValue
    }

    /// What a list shows in one cell: the clock next due; with none running, paused, or how the SLA ended.
    static func summary(_ sla: SLADTO) -> (metric: SLAMetric?, statusKey: String, due: Date?) {
        if let m = sla.nextDue, let at = sla.nextDueAt {
            let status: SLAStatus = switch m {
            case .firstResponse: sla.firstResponse
            case .nextUpdate: sla.nextUpdate ?? .pending
            case .resolution: sla.resolution
            }
            return (m, status.rawValue, at)
        }
        if sla.paused { return (.resolution, "paused", nil) }
        return (.resolution, sla.resolution.rawValue, nil)
    }

    init(_ sla: SLADTO, l: Localizer) {
        func clock(_ metric: SLAMetric, _ status: SLAStatus, _ due: Date?) -> Clock {
            let key = Self.statusKey(status, metric: metric, sla)
            return Clock(label: l.t("sla_\(metric.rawValue)"), status: l.t("sla_status_\(key)"), statusKey: key,
                         due: due.map(l.dateTime), dueISO: due.map(l.iso), next: metric == sla.nextDue)
        }
        var clocks = [clock(.firstResponse, sla.firstResponse, sla.firstResponseDueAt)]
        if let n = sla.nextUpdate { clocks.append(clock(.nextUpdate, n, sla.nextUpdateDueAt)) }
        clocks.append(clock(.resolution, sla.resolution, sla.resolutionDueAt))
        self.clocks = clocks
        paused = sla.paused
    }

    /// Where a ticket stands in one word, worst first: `breached` if any clock is, `warning` (at risk) if any is past
    /// its warning threshold, `paused` while the resolution clock waits, `met` once resolved in time, else `pending`
    /// (on time). The keys are `SLAStatus`'s where they mean the same, so the same styles apply.
    static func state(_ sla: SLADTO) -> String {
        let statuses = [sla.firstResponse, sla.resolution] + (sla.nextUpdate.map { [$0] } ?? [])
        if statuses.contains(.breached) { return SLAStatus.breached.rawValue }
        if statuses.contains(.warning) { return SLAStatus.warning.rawValue }
        if sla.paused { return "paused" }
        return sla.resolution == .met ? SLAStatus.met.rawValue : SLAStatus.pending.rawValue
    }
}

struct TicketHeader {
    let id: String
    let seq: Int
    let number: String
    let subject: String
    let descriptionHTML: String
    let status: String
    let statusKey: String
    let priority: String
    let priorityValue: Int
    let impact: String
    let urgency: String
    let tier: String
    let group: String
    let assignee: String
    let requester: String
    let organization: String
    let category: String
    let channel: String
    let occurred: String
    let occurredISO: String
    let created: String
    let createdISO: String
    let timeSpent: String
    let outOfScope: Bool
    let version: Int
    let sla: SLAView?
    let alert: AlertView?
    /// The machines the ticket names (linked to their page for staff and client managers).
    struct Machine { let id: String; let name: String; let linkable: Bool }
    var machines: [Machine] = []
    var hasMachines: Bool { !machines.isEmpty }
    /// Staff: the organization's machines the ticket could name.
    var machineChoices: [Option] = []
    var hasMachineChoices: Bool { !machineChoices.isEmpty }
    /// Staff: the ticket's machines with an escale-agent, and the remote actions one may run on them.
    var agentMachines: [Option] = []
    var remoteActions: [Option] = []
    var canRunRemote: Bool { !agentMachines.isEmpty && !remoteActions.isEmpty }
    /// The requester: remote-control sessions waiting for their consent.
    struct Consent { let id: String; let label: String }
    var consents: [Consent] = []
    var hasConsents: Bool { !consents.isEmpty }

    /// The monitoring problem behind the ticket.
    struct AlertView {
        let state: String; let stateKey: String; let severity: String; let host: String?; let count: Int; let flaps: Int
        let firstSeen: String; let firstSeenISO: String; let lastSeen: String; let lastSeenISO: String; let labels: String; let source: String
    }

    init(_ t: Ticket, names: Desk.Names, categories: [CategoryDTO], sla: SLADTO?, alert: TicketAlertDTO? = nil, l: Localizer) {
        id = t.id.uuidString; seq = t.seq; number = t.number; subject = t.subject
        descriptionHTML = SafeMarkdown.html(t.description)
        status = l.t("status_\(t.status.rawValue)"); statusKey = t.status.rawValue
        priority = l.t("priority_\(t.priority.rawValue)"); priorityValue = t.priority.rawValue
        impact = l.t("level_\(t.impact.rawValue)"); urgency = l.t("urgency_level_\(t.urgency.rawValue)")
        tier = t.tier.label
        group = names.group(t.groupId) ?? "—"; assignee = names.user(t.assigneeId) ?? "—"
        requester = names.user(t.requesterId) ?? ""; organization = names.organization(t.organizationId) ?? ""
        let cat = categories.first { $0.key == t.category }
        category = cat.map { l.lang == "fr" ? $0.nameFr : $0.nameEn } ?? "—"
        channel = l.t("channel_\(t.channel.rawValue)")
        occurred = l.dateTime(t.occurredAt); occurredISO = l.iso(t.occurredAt)
        created = l.dateTime(t.createdAt); createdISO = l.iso(t.createdAt)
        timeSpent = l.minutes(t.timeSpentMinutes)
        outOfScope = t.outOfScope; version = t.version
        self.sla = sla.map { SLAView($0, l: l) }
        self.alert = alert.map { a in
            AlertView(state: l.t("alert_state_\(a.state)"), stateKey: a.state, severity: l.t("alert_severity_\(a.severity)"), host: a.host, count: a.count,
                      flaps: a.flaps, firstSeen: l.dateTime(a.firstSeen), firstSeenISO: l.iso(a.firstSeen), lastSeen: l.dateTime(a.lastSeen),
                      lastSeenISO: l.iso(a.lastSeen), labels: a.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " · "),
                      source: l.t("integration_type_\(a.source)"))
        }
    }
}

struct TimelineEntry {
    struct File { let id: String; let filename: String; let size: String }
    let id: String
    let kind: String
    let actor: String
    let summary: String
    let isInternal: Bool
    let at: String
    let atISO: String
    /// Markdown, rendered only when the template asks (`bodyHTML`): a cached fragment needs none.
    let body: String?
    let reason: String?
    let attachments: [File]
    let hasAttachments: Bool
    /// A reply or note that arrived by e-mail; what it quoted (earlier messages, signature) is shown folded, as text.
    let byEmail: Bool
    let quoted: String?
    /// An automatic answer (out-of-office) noted on the ticket: shown folded, for what it says is rarely needed.
    let automatic: Bool

    init(_ e: EventDTO, names: Desk.Names, l: Localizer) {
        id = e.id.uuidString; kind = e.kind.rawValue
        actor = names.user(e.actorId) ?? l.t("event_system")
        isInternal = !e.isPublic
        at = l.dateTime(e.createdAt); atISO = l.iso(e.createdAt)
        body = e.body
        reason = Self.ruleReason(e.field, l) ?? e.reason.map { Self.localized(reason: $0, l) }
        attachments = e.attachments.map { File(id: $0.id.uuidString, filename: $0.filename, size: Self.size($0.size)) }
        hasAttachments = !attachments.isEmpty
        byEmail = e.field == "email" && (e.kind == .reply || e.kind == .note)
        quoted = byEmail ? e.quoted.flatMap { $0.isEmpty ? nil : $0 } : nil
        automatic = e.field == "email_automatic" && e.kind == .note
        func status(_ raw: String?) -> String { raw.map { l.t("status_\($0)") } ?? "—" }
        func person(_ raw: String?) -> String { raw.flatMap(UUID.init(uuidString:)).flatMap { names.user($0) ?? names.group($0) } ?? l.t("filter_nobody") }
        switch e.kind {
        case .created: summary = l.t("event_created")
        case .reply: summary = l.t("event_reply")
        case .note: summary = l.t(automatic ? "event_automatic_reply" : "event_note")
        case .statusChanged: summary = l.t("event_status_changed", status(e.oldValue), status(e.newValue))
        case .assigned:
            summary = e.field == "group" ? l.t("event_group_changed", person(e.newValue)) : l.t("event_assigned", person(e.newValue))
        case .fieldChanged:
            let field = l.strings["field_\(e.field ?? "")"] ?? (e.field ?? "")
            summary = l.t("event_field_changed", field, Self.value(e.oldValue, field: e.field, l), Self.value(e.newValue, field: e.field, l))
        case .escalated:
            summary = l.t("event_escalated", e.fromTier?.label ?? "", e.toTier?.label ?? "")
        case .workLogged: summary = l.t("event_work_logged", l.minutes(e.minutes ?? 0))
        case .sla:
            summary = l.t("event_sla", l.strings["sla_\(e.field ?? "")"] ?? (e.field ?? ""), l.strings["sla_transition_\(e.newValue ?? "")"] ?? (e.newValue ?? ""))
        case .paged:
            let onCall = e.field == "on_call"
            if e.newValue == nil { summary = l.t(onCall ? "event_paged_nobody" : "event_notified_nobody") }
            else { summary = l.t(onCall ? "event_paged" : "event_notified", person(e.newValue)) }
        case .acknowledged:
            // Acknowledged explicitly, or the paging ended because the ticket was handled meanwhile.
            summary = e.field.flatMap { l.strings["event_paging_ended_\($0)"] } ?? l.t("event_acknowledged")
        case .deliveryFailed: summary = l.t("event_delivery_failed", e.field ?? "", person(e.newValue))
        case .linked, .unlinked:
            let kind = l.strings["link_kind_\(e.field ?? "")"] ?? (e.field ?? "")
            summary = l.t(e.kind == .linked ? "event_linked" : "event_unlinked", kind, e.newValue ?? e.oldValue ?? "")
        case .merged: summary = l.t(e.field == "from" ? "event_merged_from" : "event_merged_into", e.newValue ?? "")
        case .monitoring: summary = l.strings["event_monitoring_\(e.field ?? "")"] ?? l.t("event_monitoring")
        case .call: summary = l.t(e.field == "out" ? "event_call_out" : "event_call_in")
        case .remoteAction: summary = l.strings["event_remote_action_\(e.field ?? "")"] ?? l.t("event_remote_action")
        }
    }

    /// A reason the desk wrote, in the reader's language when it is one of the desk's own forms; people's words as they are.
    static func localized(reason: String, _ l: Localizer) -> String {
        switch PagingReason(parsing: reason) {
        case let .step(policy, step, steps, pass, passes, nobody)?:
            l.t("paging_reason_step", policy, step, steps, pass, passes) + (nobody ? l.t("paging_reason_nobody") : "")
        case let .exhausted(policy)?: l.t("paging_reason_exhausted", policy)
        case nil: reason
        }
    }

    /// The localised reason of an automatic escalation (its rule key is on the event), else nil.
    static func ruleReason(_ field: String?, _ l: Localizer) -> String? {
        guard let field, field.hasPrefix("rule:") else { return nil }
        let parts = field.split(separator: ":").map(String.init)
        guard parts.count >= 3 else { return nil }
        return parts.count == 4 ? l.t("rule_\(parts[1])", parts[2]) : l.t("rule_\(parts[1])")
    }

    static func value(_ raw: String?, field: String?, _ l: Localizer) -> String {
        guard let raw, !raw.isEmpty else { return "—" }
        switch field {
        case "impact": return l.strings["level_\(raw)"] ?? raw
        case "urgency": return l.strings["urgency_level_\(raw)"] ?? raw
        case "priority": return l.strings["priority_\(raw)"] ?? raw
        default: return raw.count > 80 ? String(raw.prefix(80)) + "…" : raw
        }
    }

    static func size(_ bytes: Int) -> String {
        bytes < 1024 ? "\(bytes) B" : bytes < 1 << 20 ? "\(bytes / 1024) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    static func names(for events: [EventDTO], ticket: Ticket, desk: Desk) async throws -> Desk.Names {
        var users = Set(events.compactMap(\.actorId)), groups = Set<UUID>()
        for e in events where e.kind == .paged || e.kind == .deliveryFailed {
            if let v = e.newValue.flatMap(UUID.init(uuidString:)) { users.insert(v) }
        }
        for e in events where e.kind == .assigned {
            for v in [e.oldValue, e.newValue].compactMap({ $0 }).compactMap(UUID.init(uuidString:)) {
                if e.field == "group" { groups.insert(v) } else { users.insert(v) }
            }
        }
        users.formUnion([ticket.requesterId, ticket.assigneeId].compactMap { $0 })
        if let g = ticket.groupId { groups.insert(g) }
        return try await desk.names(users: users, organizations: [ticket.organizationId], groups: groups)
    }
}

extension Localizer {
    func statusOptions(selected: TicketStatus?) -> [Option] {
        TicketStatus.allCases.map { Option(value: $0.rawValue, label: t("status_\($0.rawValue)"), selected: $0 == selected) }
    }
    func levelOptions(selected: Level?, plain: String? = nil) -> [Option] {
        Level.allCases.map { Option(value: $0.rawValue, label: t("\(plain ?? "level")_\($0.rawValue)"), selected: $0 == selected) }
    }
    func priorityOptions(selected: Priority?) -> [Option] {
        Priority.all.map { Option(value: String($0.rawValue), label: t("priority_\($0.rawValue)"), selected: $0 == selected) }
    }
    func tierOptions(selected: Tier?) -> [Option] {
        Tier.allCases.map { Option(value: String($0.rawValue), label: $0.label, selected: $0 == selected) }
    }
    /// Categories to choose from. A deactivated one is refused for new tickets: it is offered only where it is already
    /// the choice, or in filters (`all`, for the tickets filed under it), and says so.
    func categoryOptions(_ categories: [CategoryDTO], selected: String?, all: Bool = false) -> [Option] {
        categories.filter { $0.isActive || all || $0.key == selected }.map { c in
            let name = lang == "fr" ? c.nameFr : c.nameEn
            return Option(value: c.key, label: c.isActive ? name : t("deactivated_f", name), selected: c.key == selected)
        }.sorted { $0.label.localizedCompare($1.label) == .orderedAscending }
    }
}

// Rows are rendered by the hundred: they answer template lookups directly instead of through `Mirror`, which
// reflects every property on every lookup.
extension TicketRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "seq": seq
        case "number": number
        case "subject": subject
        case "status": status
        case "statusKey": statusKey
        case "priority": priority
        case "priorityValue": priorityValue
        case "tier": tier
        case "organization": organization
        case "assignee": assignee
        case "requester": requester
        case "updated": updated
        case "updatedISO": updatedISO
        case "outOfScope": outOfScope
        case "slaClock": slaClock
        case "slaStatus": slaStatus
        case "slaStatusKey": slaStatusKey
        case "slaDue": slaDue
        case "slaDueISO": slaDueISO
        case "slaState": slaState
        case "slaStateKey": slaStateKey
        default: nil
        }
    }
}

extension TimelineEntry: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "kind": kind
        case "actor": actor
        case "summary": summary
        case "isInternal": isInternal
        case "at": at
        case "atISO": atISO
        case "body": body
        case "bodyHTML": body.map(SafeMarkdown.html)
        case "reason": reason
        case "attachments": attachments
        case "hasAttachments": hasAttachments
        case "byEmail": byEmail
        case "quoted": quoted
        case "automatic": automatic
        default: nil
        }
    }
}

extension Option: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}
