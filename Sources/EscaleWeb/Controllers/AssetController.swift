import EscaleAPI
import EscaleCore
import EscaleDesk
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Machines over the API: enrollment tokens (administrators), the machines and their history (under the tickets'
/// access rule), the machines a ticket names, and the inventory document.
struct AssetController {
    let desk: Desk
    let runner: CommandRunner
    let views: Views

    func register(on api: RouterGroup<EscaleContext>) {
        let tokens = desk.enrollmentTokens, assets = desk.assets, views = views
        api.post("organizations/:id/enrollment-tokens") { request, context in
            let org = try context.uuid("id", "organization")
            let input = try await JSONBody.decode(EnrollmentTokenInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let t = try await tokens.create(organization: org, input.value, by: actor, on: db)
                return try CommandRunner.output(t, location: "/api/v1/organizations/\(org.uuidString)/enrollment-tokens/\(t.id.uuidString)")
            }
        }
        api.get("organizations/:id/enrollment-tokens") { _, context in
            try JSONBody.response(Page(items: try await tokens.list(organization: try context.uuid("id", "organization"), by: try context.requireActor())))
        }
        api.delete("organizations/:id/enrollment-tokens/:token") { _, context in
            let org = try context.uuid("id", "organization"), id = try context.uuid("token", "enrollment token")
            let actor = try context.requireActor()
            return try JSONBody.response(try await desk.store.write { db in try await tokens.revoke(organization: org, id, by: actor, on: db) })
        }
        api.get("organizations/:id/inventory-document") { request, context in
            let q = Query(request)
            let lang = try q.choice("lang", ["fr", "en"]) ?? "fr"
            let format = try q.choice("format", ["html", "pdf", "csv", "json"]) ?? "json"
            let org = try context.uuid("id", "organization"), actor = try context.requireActor()
            // A past month's document as it was generated, or today's.
            let doc: InventoryDocument
            if let period = q.string("period") {
                guard period.count == 7, period.dropFirst(4).first == "-", Int(period.prefix(4)) != nil, Int(period.suffix(2)).map({ (1...12).contains($0) }) == true else {
                    throw APIError.invalidField("period", "a month such as 2026-11")
                }
                doc = try await assets.archived(of: org, period: period, language: lang, by: actor)
            } else {
                doc = try await assets.document(of: org, language: lang, by: actor)
            }
            return try await InventoryDocumentRenderer(views: views).response(doc, format: format)
        }
        api.get("organizations/:id/inventory-documents") { _, context in
            try JSONBody.response(Page(items: try await assets.archive(of: try context.uuid("id", "organization"), by: try context.requireActor())))
        }
        api.get("assets") { request, context in
            let q = Query(request)
            var f = Assets.Filter()
            f.organizationId = try q.uuid("organization_id")
            f.text = q.string("q")
            f.kind = try q.choice("kind", AssetKind.allCases.map(\.rawValue)).flatMap(AssetKind.init(rawValue:))
            f.staleDays = try q.int("stale_days", in: 1...3650)
            f.software = q.string("software")
            f.osSupport = try q.choice("os_support", ["supported", "ending_soon", "unsupported", "unknown"]).flatMap(OSSupportStatus.init(rawValue:))
            f.covered = try q.bool("covered")
            f.limit = try q.int("limit", in: 1...500) ?? 100
            f.offset = try q.int("offset", in: 0...1_000_000) ?? 0
            return try JSONBody.response(Page(items: try await assets.list(f, by: try context.requireActor())))
        }
        api.get("assets/:id") { _, context in
            try JSONBody.response(try await assets.detail(try context.uuid("id", "asset"), by: try context.requireActor()))
        }
        api.get("assets/:id/history") { _, context in
            try JSONBody.response(Page(items: try await assets.history(try context.uuid("id", "asset"), by: try context.requireActor())))
        }
        api.get("tickets/:id/assets") { _, context in
            try JSONBody.response(Page(items: try await assets.assets(ofTicket: try context.uuid("id", "ticket"), by: try context.requireActor())))
        }
        api.post("tickets/:id/assets") { request, context in
            let ticket = try context.uuid("id", "ticket")
            let input = try await JSONBody.decode(TicketAssetInput.self, from: request).value
            let actor = try context.requireActor()
            try await desk.store.write { db in try await assets.link(ticket: ticket, asset: input.assetId, by: actor, on: db) }
            return try JSONBody.response(Page(items: try await assets.assets(ofTicket: ticket, by: actor)), status: .created)
        }
        api.delete("tickets/:id/assets/:asset") { _, context in
            let ticket = try context.uuid("id", "ticket"), asset = try context.uuid("asset", "asset")
            let actor = try context.requireActor()
            try await desk.store.write { db in try await assets.unlink(ticket: ticket, asset: asset, by: actor, on: db) }
            return Response(status: .noContent)
        }
    }
}

/// The inventory document as a printable page (HTML, and PDF printed from it by headless Chromium when installed),
/// spreadsheet rows (CSV: one row per machine, then one per software title and version) or JSON.
struct InventoryDocumentRenderer {
    let views: Views

    func response(_ doc: InventoryDocument, format: String) async throws -> Response {
        let base = "inventory-\(doc.generatedAt.formatted(.iso8601.year().month().day()))"
        switch format {
        case "json":
            return try JSONBody.response(doc, headers: [.cacheControl: "no-store"])
        case "csv":
            return CSV.response(csvRows(doc), filename: "\(base).csv")
        case "pdf":
            let pdf = try await PDFPrinter.print(html(doc))
            return Response(status: .ok, headers: [.contentType: "application/pdf", .contentDisposition: "attachment; filename=\"\(base).pdf\"",
                                                   .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        default:
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                                   .contentSecurityPolicy: Self.policy],
                            body: .init(byteBuffer: ByteBuffer(string: html(doc))))
        }
    }

    /// The document's own style, allowed by its hash: the page runs no script and loads nothing.
    static let css = """
        body{font:11pt/1.4 system-ui,sans-serif;margin:2em;color:#111}h1{font-size:18pt}h2{font-size:13pt;margin-top:1.6em;border-bottom:1px solid #999}\
        table{border-collapse:collapse;width:100%;font-size:9pt}th,td{border:1px solid #ccc;padding:3px 5px;text-align:left;vertical-align:top}\
        thead th{background:#eee}.n{text-align:right}.warn{color:#a40000;font-weight:600}.stale td{color:#666}table.summary{width:auto}\
        @media print{body{margin:0}section{break-inside:auto}thead{display:table-header-group}}
        """
    static let policy = "default-src 'none'; style-src 'sha256-\(Data(SHA256.hash(data: Data(css.utf8))).base64EncodedString())'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    func csvRows(_ doc: InventoryDocument) -> [[String]] {
        let l = Localizer(lang: doc.language)
        var rows: [[String]] = [[l.t("inv_col_section"), l.t("inv_col_name"), l.t("inv_col_kind"), l.t("inv_col_os"), l.t("inv_col_support"),
                                 l.t("inv_col_cpu"), l.t("inv_col_memory"), l.t("inv_col_storage"), l.t("inv_col_serial"), l.t("inv_col_last_seen"),
                                 l.t("inv_col_covered"), l.t("inv_col_version"), l.t("inv_col_publisher"), l.t("inv_col_machines")]]
        for m in doc.machines {
            rows.append([l.t("inv_section_machines"), m.name, l.t("asset_kind_\(m.kind.rawValue)"), m.os ?? "", l.t("os_support_\(m.osSupport.rawValue)"),
                         m.cpu ?? "", m.memoryMB.map(String.init) ?? "", m.storageMB.map(String.init) ?? "", m.serial ?? "",
                         l.iso(m.lastSeenAt), m.covered ? l.t("yes") : l.t("no"), "", "", ""])
        }
        for s in doc.software {
            rows.append([l.t("inv_section_software"), s.name, "", "", "", "", "", "", "", "", "", s.version, s.publisher ?? "", String(s.machines)])
        }
        return rows
    }

    struct Model {
        struct Machine { let name: String; let kind: String; let os: String; let support: String; let unsupported: Bool; let cpu: String
            let memory: String; let storage: String; let serial: String; let lastSeen: String; let covered: Bool; let stale: Bool }
        struct Software { let name: String; let version: String; let publisher: String; let machines: Int }
        struct System { let os: String; let support: String; let ends: String; let unsupported: Bool; let machines: Int }
        let css: String; let t: [String: String]; let lang: String; let organization: String; let generated: String; let perimeter: String
        let totals: InventoryDocument.Totals; let machines: [Machine]; let software: [Software]; let systems: [System]; let stale: [Machine]
        let hasStale: Bool
    }

    func html(_ doc: InventoryDocument) -> String {
        let l = Localizer(lang: doc.language)
        func mb(_ v: Int?) -> String { v.map { $0 >= 1024 ? String(format: "%.1f GB", Double($0) / 1024) : "\($0) MB" } ?? "—" }
        let machines = doc.machines.map { m in
            Model.Machine(name: m.name, kind: l.t("asset_kind_\(m.kind.rawValue)"), os: m.os ?? "—",
                          support: l.t("os_support_\(m.osSupport.rawValue)") + (m.osSupportEnds.map { " (\($0))" } ?? ""),
                          unsupported: m.osSupport == .unsupported, cpu: m.cpu ?? "—", memory: mb(m.memoryMB), storage: mb(m.storageMB),
                          serial: m.serial ?? "—", lastSeen: l.dateTime(m.lastSeenAt), covered: m.covered, stale: m.stale)
        }
        let model = Model(
            css: Self.css, t: l.strings, lang: doc.language, organization: doc.organization, generated: l.dateTime(doc.generatedAt),
            perimeter: doc.perimeter.map { l.t("perimeter_\($0)") } ?? l.t("inv_no_contract"), totals: doc.totals, machines: machines,
            software: doc.software.map { .init(name: $0.name, version: $0.version, publisher: $0.publisher ?? "", machines: $0.machines) },
            systems: doc.systems.map { .init(os: $0.os, support: l.t("os_support_\($0.support.rawValue)"), ends: $0.supportEnds?.description ?? "—",
                                             unsupported: $0.support == .unsupported, machines: $0.machines) },
            stale: machines.filter(\.stale), hasStale: machines.contains(where: \.stale))
        return views.render("inventory_document", model)
    }
}

/// Prints HTML to PDF with headless Chromium (`ESCALE_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH).
enum PDFPrinter {
    struct Unavailable: Error {}

    static func chromium() -> String? {
        if let explicit = ProcessInfo.processInfo.environment["ESCALE_CHROMIUM"], FileManager.default.isExecutableFile(atPath: explicit) { return explicit }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    static func print(_ html: String) async throws -> [UInt8] {
        guard let browser = chromium() else { throw APIError.pdfUnavailable }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("escale-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("document.html"), output = dir.appendingPathComponent("document.pdf")
        try Data(html.utf8).write(to: input)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        // A throw-away profile; the page is ours, every value escaped, with no script and nothing to load.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                       "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--no-pdf-header-footer",
                       "--print-to-pdf=\(output.path)", input.absoluteString]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning {
            if Date() > deadline { p.terminate(); throw APIError.pdfUnavailable }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let data = try? Data(contentsOf: output), data.starts(with: Array("%PDF".utf8)) else { throw APIError.pdfUnavailable }
        return [UInt8](data)
    }
}
