import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleInventory
import EscaleStore
import Foundation
import Hummingbird

/// Machines in the console (staff and client managers): the list with its filters, and a machine's page — hardware,
/// software, what each inventory changed, its tickets, and the organization's inventory document.
struct AssetPages {
    let desk: Desk
    let views: Views

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/assets") { r, c in try await list(r, c) }
        router.get("/assets/:id") { r, c in try await asset(r, c, id: try c.uuid("id", "asset")) }
        // A remote action on this machine (support staff; who may run what is the desk's rule).
        router.post("/assets/:id/actions") { r, c in
            let s = try PageContext.requireStaff(r, c)
            let id = try c.uuid("id", "asset")
            return try await PageContext.post(r, c, desk: desk, session: s, redraw: { message, _ in try await asset(r, c, id: id, error: message) }) { form, s in
                guard let action = form.text("action"), !action.isEmpty else { throw DomainError.invalid(field: "action", "choose an action") }
                _ = try await desk.remoteActions.run(RemoteRunInput(action: action, assetIds: [id], parameter: form.text("parameter")), by: s.actor)
                return "/assets/\(id.uuidString)?done=saved#runs"
            }
        }
    }

    static func mb(_ v: Int?) -> String { v.map { $0 >= 1024 ? String(format: "%.1f GB", Double($0) / 1024) : "\($0) MB" } ?? "—" }

    struct Row {
        let id: String; let name: String; let organization: String; let kind: String; let os: String; let support: String; let unsupported: Bool
        let lastSeen: String; let lastSeenISO: String; let stale: Bool; let covered: Bool; let ip: String
    }
    struct ListModel {
        let frame: Frame; let t: [String: String]; let rows: [Row]; let hasRows: Bool; let q: String; let software: String
        let kinds: [Option]; let supports: [Option]; let staleChecked: Bool; let documents: [Option]
    }

    private func list(_ r: Request, _ c: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(r, c)
        guard s.actor.role.isStaff || s.actor.role == .clientManager else { throw DomainError.forbidden("machines are for support staff and client managers") }
        let l = PageContext.localizer(request: r, session: s)
        let q = r.uri.queryParameters
        var f = Assets.Filter()
        f.text = q["q"].map(String.init)
        f.software = q["software"].map(String.init)
        f.kind = q["kind"].flatMap { AssetKind(rawValue: String($0)) }
        f.osSupport = q["os_support"].flatMap { OSSupportStatus(rawValue: String($0)) }
        f.staleDays = q["stale"] == "on" ? 30 : nil
        f.limit = 500
        let assets = try await desk.assets.list(f, by: s.actor)
        let orgs = try await desk.listOrganizations(by: s.actor)
        let names = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id, $0.name) })
        let staleBefore = desk.clock.now().addingTimeInterval(-30 * 86_400)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("assets_title"), request: r)
        let rows = assets.map { a in
            Row(id: a.id.uuidString, name: a.name, organization: names[a.organizationId] ?? "", kind: l.t("asset_kind_\(a.kind.rawValue)"),
                os: a.os ?? "—", support: l.t("os_support_\(a.osSupport.rawValue)"), unsupported: a.osSupport == .unsupported,
                lastSeen: l.dateTime(a.lastSeenAt), lastSeenISO: l.iso(a.lastSeenAt), stale: a.lastSeenAt < staleBefore, covered: a.covered,
                ip: a.ipAddresses.first ?? "")
        }
        return views.page("assets", ListModel(
            frame: frame, t: frame.t, rows: rows, hasRows: !rows.isEmpty, q: f.text ?? "", software: f.software ?? "",
            kinds: [Option(value: "", label: l.t("assets_any_kind"), selected: f.kind == nil)]
                + AssetKind.allCases.map { Option(value: $0.rawValue, label: l.t("asset_kind_\($0.rawValue)"), selected: $0 == f.kind) },
            supports: [Option(value: "", label: l.t("assets_any_support"), selected: f.osSupport == nil)]
                + [OSSupportStatus.supported, .endingSoon, .unsupported, .unknown].map { Option(value: $0.rawValue, label: l.t("os_support_\($0.rawValue)"), selected: $0 == f.osSupport) },
            staleChecked: f.staleDays != nil,
            documents: orgs.filter(\.active).map { Option(value: $0.id.uuidString, label: $0.name, selected: false) }))
    }

    struct Pair { let label: String; let value: String }

    /// A history entry in the reader's language, from its recorded changes (the stored summary is the API's, in English).
    static func summary(_ h: AssetHistoryDTO, _ l: Localizer) -> String {
        guard let d = h.changes else { return "" }
        // An inventory entry with nothing changed is recorded only for a reinstalled agent.
        var parts: [String] = []
        if !d.softwareAdded.isEmpty { parts.append(l.t("asset_change_added", String(d.softwareAdded.count))) }
        if !d.softwareRemoved.isEmpty { parts.append(l.t("asset_change_removed", String(d.softwareRemoved.count))) }
        if !d.softwareUpdated.isEmpty { parts.append(l.t("asset_change_updated", String(d.softwareUpdated.count))) }
        if let m = d.memoryMB { parts.append(l.t("asset_change_memory", m.from.map(String.init) ?? "?", m.to.map(String.init) ?? "?")) }
        if let os = d.os { parts.append(l.t("asset_change_os", os.from ?? "?", os.to ?? "?")) }
        if !d.disksAdded.isEmpty || !d.disksRemoved.isEmpty { parts.append(l.t("asset_change_disks", String(d.disksAdded.count), String(d.disksRemoved.count))) }
        if !d.volumesChanged.isEmpty || !d.networksChanged.isEmpty || d.cpuChanged != nil { parts.append(l.t("asset_change_hardware")) }
        return parts.isEmpty ? l.t("asset_change_agent") : parts.joined(separator: ", ")
    }
    struct AssetModel {
        let frame: Frame; let t: [String: String]; let id: String; let name: String; let organization: String; let organizationId: String
        let facts: [Pair]; let covered: Bool; let unsupported: Bool
        let cpus: [Pair]; let disks: [Pair]; let volumes: [Pair]; let networks: [Pair]; let peripherals: [Pair]; let hasPeripherals: Bool
        let software: [MachineInventory.Software]; let softwareCount: Int
        let history: [History]; let hasHistory: Bool
        let tickets: [Ticket]; let hasTickets: Bool
        struct History { let at: String; let atISO: String; let summary: String; let kind: String }
        struct Ticket { let number: String; let seq: Int; let subject: String; let status: String }
        let error: String?
        let agent: Agent?; let actions: [Option]; let canRun: Bool; let runs: [Run]; let hasRuns: Bool
        struct Agent { let version: String; let seen: String; let seenISO: String; let checks: [Check]; let hasChecks: Bool }
        struct Check { let name: String; let failing: Bool; let status: String; let message: String; let since: String; let sinceISO: String }
        struct Run {
            let label: String; let status: String; let bad: Bool; let exitCode: String; let at: String; let atISO: String; let output: String
            let hasOutput: Bool; let detail: String; let truncated: Bool
        }
    }

    private func asset(_ r: Request, _ c: EscaleContext, id: UUID, error: String? = nil) async throws -> Response {
        let s = try PageContext.requireSession(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let d = try await desk.assets.detail(id, by: s.actor)
        let a = d.asset, hw = d.hardware
        let history = try await desk.assets.history(id, by: s.actor, limit: 50)
        let found = try await TicketRepository.find(ids: Array(d.ticketIds.prefix(50)), scope: AccessPolicy.ticketScope(of: s.actor), on: desk.store.database)
        let tickets = try await desk.dtos(d.ticketIds.compactMap { found[$0] })
        let org = try await desk.directory().organization(a.organizationId)?.name ?? ""
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: a.name, request: r)
        var facts: [Pair] = [
            .init(label: l.t("inv_col_kind"), value: l.t("asset_kind_\(a.kind.rawValue)")),
            .init(label: l.t("inv_col_os"), value: (a.os ?? "—") + " — " + l.t("os_support_\(a.osSupport.rawValue)") + (a.osSupportEnds.map { " (\($0))" } ?? "")),
            .init(label: l.t("inv_col_memory"), value: Self.mb(a.memoryMB)), .init(label: l.t("inv_col_storage"), value: Self.mb(a.storageMB)),
            .init(label: l.t("asset_maker"), value: [a.manufacturer, a.model].compactMap { $0 }.joined(separator: " ")),
            .init(label: l.t("inv_col_serial"), value: a.serial ?? "—"), .init(label: l.t("asset_ip"), value: a.ipAddresses.joined(separator: ", ")),
            .init(label: l.t("asset_users"), value: a.users.joined(separator: ", ")), .init(label: l.t("asset_agent"), value: "\(a.agent ?? a.source) — \(a.deviceId)"),
            .init(label: l.t("inv_col_last_seen"), value: l.dateTime(a.lastSeenAt)), .init(label: l.t("asset_first_seen"), value: l.dateTime(a.firstSeenAt)),
        ]
        if let bios = hw.bios { facts.append(.init(label: "BIOS", value: [bios.manufacturer, bios.version, bios.date].compactMap { $0 }.joined(separator: " "))) }
        let cpus = hw.cpus.map { Pair(label: $0.name ?? "CPU", value: [$0.cores.map { l.t("asset_cores", String($0)) }, $0.threads.map { l.t("asset_threads", String($0)) }, $0.speedMHz.map { "\($0) MHz" }].compactMap { $0 }.joined(separator: ", ")) }
        let disks = hw.disks.map { Pair(label: [$0.name, $0.model].compactMap { $0 }.joined(separator: " "), value: Self.mb($0.sizeMB) + ($0.serial.map { " — \($0)" } ?? "")) }
        let volumes = hw.volumes.map { Pair(label: $0.mountPoint ?? $0.device ?? "—", value: "\($0.filesystem ?? "") \(Self.mb($0.freeMB)) / \(Self.mb($0.totalMB))") }
        let networks = hw.networks.map { Pair(label: $0.description ?? "—", value: ([$0.mac].compactMap { $0 } + $0.ipv4).joined(separator: " ")) }
        let peripherals = hw.monitors.map { Pair(label: l.t("asset_monitor"), value: [$0.manufacturer, $0.name, $0.serial].compactMap { $0 }.joined(separator: " ")) }
            + hw.printers.map { Pair(label: l.t("asset_printer"), value: [$0.name, $0.port].compactMap { $0 }.joined(separator: " — ")) }
        // The escale-agent: its checks' verdicts, the actions one may run, and the last runs with their output.
        let agent = try await desk.agents.agent(ofAsset: id)
        let staff = s.actor.role.isStaff
        let runs = staff ? try await desk.remoteActions.runs(asset: id, ticket: nil, by: s.actor, limit: 20) : []
        let actions = staff && agent != nil ? try await desk.remoteActions.catalogue(by: s.actor) : []
        let french = l.lang == "fr"
        return views.page("asset", AssetModel(
            frame: frame, t: frame.t, id: a.id.uuidString, name: a.name, organization: org, organizationId: a.organizationId.uuidString,
            facts: facts, covered: a.covered, unsupported: a.osSupport == .unsupported, cpus: cpus, disks: disks, volumes: volumes, networks: networks,
            peripherals: peripherals, hasPeripherals: !peripherals.isEmpty, software: d.software.sorted { $0.name.lowercased() < $1.name.lowercased() }, softwareCount: d.software.count,
            history: history.map { .init(at: l.dateTime($0.at), atISO: l.iso($0.at), summary: Self.summary($0, l), kind: l.t("asset_history_\($0.kind)")) },
            hasHistory: !history.isEmpty,
            tickets: tickets.map { .init(number: $0.number, seq: TicketNumber.parse($0.number) ?? 0, subject: $0.subject, status: l.t("status_\($0.status.rawValue)")) },
            hasTickets: !tickets.isEmpty,
            error: error,
            agent: agent.map { g in
                .init(version: g.version, seen: l.dateTime(g.lastSeenAt), seenISO: l.iso(g.lastSeenAt),
                      checks: g.checks.map { .init(name: $0.name, failing: $0.status == .failing, status: l.t("check_status_\($0.status.rawValue)"),
                                                   message: $0.message, since: l.dateTime($0.changedAt), sinceISO: l.iso($0.changedAt)) },
                      hasChecks: !g.checks.isEmpty)
            },
            actions: actions.map { Option(value: $0.id, label: Self.actionName($0, french: french), selected: false) },
            canRun: !actions.isEmpty,
            runs: runs.map(Self.runRow(l)), hasRuns: !runs.isEmpty))
    }

    static func actionName(_ a: RemoteActionDTO, french: Bool) -> String {
        guard a.kind == .library, let lib = RemoteActionLibrary(rawValue: a.id) else { return a.name + " (script)" }
        let name = RemoteActions.libraryName(lib, french: french)
        switch a.parameter {
        case "unit": return name + (french ? " — unité systemd" : " — systemd unit")
        case "time": return name + (french ? " — HH:MM ou now" : " — HH:MM or now")
        default: return name
        }
    }

    static func runRow(_ l: Localizer) -> (RemoteRunDTO) -> AssetModel.Run {
        { r in
            .init(label: r.label, status: l.t("run_status_\(r.status.rawValue)"), bad: [.failed, .timedOut, .refused, .expired].contains(r.status),
                  exitCode: r.exitCode.map(String.init) ?? "", at: l.dateTime(r.issuedAt), atISO: l.iso(r.issuedAt), output: r.output,
                  hasOutput: !r.output.isEmpty, detail: r.detail ?? "", truncated: r.truncated)
        }
    }
}
