import CompressNIO
import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleInventory
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// Inventory agents through their real wire: the captured FusionInventory and OCS requests replayed byte for byte to
/// an organization's enrollment URLs, GLPI native JSON, machines found again after a reinstall, what changed kept on
/// the machine's history, refusals, who sees which machine, tickets naming machines, and the inventory document.
@Suite("Inventory")
struct InventoryTests {
    static let fixtures: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("shared/fixtures")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/shared/fixtures")
    }()

    static func body(_ agent: String, _ scenario: String, _ file: String) throws -> [UInt8] {
        let url = fixtures.appendingPathComponent(agent).appendingPathComponent(scenario).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("missing fixture \(url.path): the shared fixtures are expected next to the repository")
            throw CocoaError(.fileNoSuchFile)
        }
        return [UInt8](data)
    }

    static func token(_ w: World, organization: UUID? = nil) async throws -> EnrollmentTokenDTO {
        let r = try await w.api.post("/api/v1/organizations/\(organization ?? w.acme.id)/enrollment-tokens", token: w.admin, EnrollmentTokenInput(name: "Postes"))
        #expect(r.status == .created, "\(r.text)")
        return try r.json(EnrollmentTokenDTO.self)
    }

    static func post(_ api: API, _ url: String, _ body: [UInt8], contentType: String = "application/x-compress-zlib",
                     headers: HTTPFields = [:]) async throws -> API.Reply {
        var h = headers
        h[.contentType] = contentType
        return try await api.send(.post, URL(string: url)!.path, headers: h, raw: ByteBuffer(bytes: body))
    }

    static func inflate(_ reply: API.Reply) throws -> String {
        var buffer = reply.body
        let out = try buffer.decompress(with: .zlib(), maxSize: 1 << 20)
        return String(buffer: out)
    }

    static func zlib(_ text: String) throws -> [UInt8] { try InventoryBody.encode(Array(text.utf8), as: .zlib) }

    @Test("the captured FusionInventory and OCS runs replayed: PROLOG asks for the inventory (zlib 78 9C), INVENTORY makes a machine; a repeat changes nothing")
    func capturedRuns() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await Self.token(w)
            let urls = try #require(t.urls)
            #expect(urls.ocsinventory.hasSuffix("/enroll/\(t.token!)/ocsinventory") && urls.glpi.hasSuffix("/front/inventory.php"))
            // FusionInventory: PROLOG then INVENTORY, on GLPI's path
            let prolog = try await Self.post(api, urls.fusioninventory, try Self.body("fusioninventory-agent", "01-prolog-send-inventory", "001-prolog.request.body.bin"))
            #expect(prolog.status == .ok)
            #expect(Array(prolog.body.readableBytesView.prefix(2)) == [0x78, 0x9C], "FusionInventory 2.6 accepts only default-level zlib")
            #expect(try Self.inflate(prolog).contains("<RESPONSE>SEND</RESPONSE>"))
            let inv = try await Self.post(api, urls.glpi, try Self.body("fusioninventory-agent", "01-prolog-send-inventory", "002-inventory.request.body.bin"))
            #expect(inv.status == .ok, "\(inv.text)")
            #expect(try Self.inflate(inv).contains("<REPLY>"))
            var list = try await api.get("/api/v1/assets", token: w.agent1Token).json(Page<AssetDTO>.self)
            #expect(list.items.count == 1)
            let machine = try #require(list.items.first)
            #expect(machine.organizationId == w.acme.id && machine.deviceId == "vm-2026-12-01-00-07-23" && machine.softwareCount > 100)
            #expect(machine.os?.isEmpty == false && machine.source == "ocs")
            // The same inventory again (and the plain-XML run of the same agent): one machine, one history entry
            for scenario in ["03-prolog-no-send-force", "05-agent-no-compression"] {
                let again = try await Self.post(api, urls.fusioninventory, try Self.body("fusioninventory-agent", scenario, "002-inventory.request.body.bin"),
                                                contentType: scenario.hasPrefix("05") ? "application/xml" : "application/x-compress-zlib")
                #expect(again.status == .ok, "\(scenario): \(again.text)")
            }
            list = try await api.get("/api/v1/assets", token: w.agent1Token).json(Page<AssetDTO>.self)
            #expect(list.items.map(\.id) == [machine.id])
            let history = try await api.get("/api/v1/assets/\(machine.id)/history", token: w.agent1Token).json(Page<AssetHistoryDTO>.self)
            #expect(history.items.first?.kind == "created")
            // OCS agent, its own paths and dialect (CORES, ARCHITECTURE): the same VM, found by its MAC and name
            for file in ["001-prolog.request.body.bin", "002-inventory.request.body.bin"] {
                let r = try await Self.post(api, urls.ocsinventory, try Self.body("ocsinventory-agent", "01-prolog-send-inventory", file), contentType: "application/x-compress")
                #expect(r.status == .ok, "\(r.text)")
                #expect(try Self.inflate(r).contains("<REPLY>"))
            }
            let detail = try await api.get("/api/v1/assets/\(machine.id)", token: w.agent1Token)
            #expect(detail.status == .ok)
            let d = try detail.json(AssetDetailDTO.self)
            #expect(!d.software.isEmpty && !d.hardware.cpus.isEmpty && !d.hardware.networks.isEmpty)
            #expect(detail.text.contains("\"software\"") && detail.text.contains("\"hardware\""))
        }
    }

    static func inventoryXML(device: String, name: String = "pc-compta-01", uuid: String? = "4C4C4544-0031-3910-8051-B4C04F4E4A32",
                             memory: Int = 8192, software: [(String, String)] = [("Firefox", "128.0"), ("LibreOffice", "7.6.4")]) -> String {
        """
        <?xml version="1.0" encoding="UTF-8" ?>
        <REQUEST><CONTENT>
        <BIOS><SSN>CZC1234XYZ</SSN><SMANUFACTURER>HP</SMANUFACTURER><SMODEL>EliteDesk 800 G6</SMODEL><TYPE>Desktop</TYPE></BIOS>
        <CPUS><NAME>Intel(R) Core(TM) i5-10500</NAME><CORE>6</CORE><THREAD>12</THREAD><SPEED>3100</SPEED></CPUS>
        <HARDWARE><NAME>\(name)</NAME><MEMORY>\(memory)</MEMORY>\(uuid.map { "<UUID>\($0)</UUID>" } ?? "")<CHASSIS_TYPE>Desktop</CHASSIS_TYPE><USERID>alice</USERID></HARDWARE>
        <NETWORKS><DESCRIPTION>eth0</DESCRIPTION><IPADDRESS>10.1.2.3</IPADDRESS><MACADDR>3c:52:82:11:22:33</MACADDR><STATUS>Up</STATUS><VIRTUALDEV>0</VIRTUALDEV></NETWORKS>
        <OPERATINGSYSTEM><NAME>Windows</NAME><FULL_NAME>Microsoft Windows 10 Professionnel</FULL_NAME><VERSION>22H2</VERSION><ARCH>64-bit</ARCH></OPERATINGSYSTEM>
        \(software.map { "<SOFTWARES><NAME>\($0.0)</NAME><VERSION>\($0.1)</VERSION><PUBLISHER>=cmd|' /C calc'!A0</PUBLISHER></SOFTWARES>" }.joined())
        <STORAGES><NAME>nvme0n1</NAME><DISKSIZE>512000</DISKSIZE><SERIALNUMBER>S4EWNX0N</SERIALNUMBER></STORAGES>
        <VERSIONCLIENT>FusionInventory-Agent_v2.6</VERSIONCLIENT>
        </CONTENT><DEVICEID>\(device)</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>
        """
    }

    @Test("what changed is on the machine's history; a reinstalled agent finds its machine; one agent id on two machines is refused whole")
    func changesAndIdentity() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let url = try #require(try await Self.token(w).urls).fusioninventory
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "pc-compta-01-2026-01-05-10-00-00"))).status == .ok)
            let changed = Self.inventoryXML(device: "pc-compta-01-2026-01-05-10-00-00", memory: 16384,
                                            software: [("Firefox", "133.0"), ("7-Zip", "24.08")])
            #expect(try await Self.post(api, url, try Self.zlib(changed)).status == .ok)
            let machine = try #require(try await api.get("/api/v1/assets", token: w.agent1Token).json(Page<AssetDTO>.self).items.first)
            #expect(machine.memoryMB == 16384 && machine.kind == .workstation && machine.osSupport == .unsupported && machine.covered)
            let history = try await api.get("/api/v1/assets/\(machine.id)/history", token: w.agent1Token).json(Page<AssetHistoryDTO>.self).items
            let diff = try #require(history.first?.changes)
            #expect(diff.softwareAdded.map(\.name) == ["7-Zip"] && diff.softwareRemoved.map(\.name) == ["LibreOffice"])
            #expect(diff.softwareUpdated.first?.from == "128.0" && diff.softwareUpdated.first?.to == "133.0")
            #expect(diff.memoryMB?.from == 8192 && diff.memoryMB?.to == 16384)
            // The software rows follow (only the changed ones rewritten): what the filters and the document count
            #expect(try await api.get("/api/v1/assets?software=libreoffice", token: w.admin).json(Page<AssetDTO>.self).items.isEmpty)
            #expect(try await api.get("/api/v1/assets?software=7-zip", token: w.admin).json(Page<AssetDTO>.self).items.count == 1)
            let versions = try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-document", token: w.admin).json(InventoryDocument.self).software
            #expect(versions.map { "\($0.name) \($0.version)" }.sorted() == ["7-Zip 24.08", "Firefox 133.0"])
            // Reinstalled: a new agent id, the same hardware
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "pc-compta-01-2026-06-01-09-00-00", memory: 16384,
                                                                                      software: [("Firefox", "133.0"), ("7-Zip", "24.08")]))).status == .ok)
            var list = try await api.get("/api/v1/assets", token: w.agent1Token).json(Page<AssetDTO>.self).items
            #expect(list.count == 1 && list.first?.deviceId == "pc-compta-01-2026-06-01-09-00-00")
            // A cloned image: that agent id, other hardware: 409, nothing written
            let clone = try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "pc-compta-01-2026-06-01-09-00-00", name: "pc-compta-02",
                                                                                     uuid: "4C4C4544-0000-0000-0000-000000000002")))
            #expect(clone.status == .conflict, "\(clone.text)")
            list = try await api.get("/api/v1/assets", token: w.agent1Token).json(Page<AssetDTO>.self).items
            #expect(list.count == 1 && list.first?.name == "pc-compta-01")
            // Another organization's token never reaches Acme's machine: Globex gets a machine of its own
            let globexURL = try #require(try await Self.token(w, organization: w.globex.id).urls).fusioninventory
            #expect(try await Self.post(api, globexURL, try Self.zlib(Self.inventoryXML(device: "pc-compta-01-2026-06-01-09-00-00"))).status == .ok)
            let all = try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items
            #expect(Set(all.map(\.organizationId)) == [w.acme.id, w.globex.id])
        }
    }

    @Test("refusals: no token or a revoked one 401, a DTD or entity 400 (never fetched), a zlib bomb and an oversized inventory 413, garbage 400 — nothing stored")
    func refusals() async throws {
        try await TestApp.run(configure: { $0.inventoryMaxBytes = 256 * 1024 }) { api in
            let w = try await World.make(api)
            let t = try await Self.token(w)
            let url = try #require(t.urls).ocsinventory
            let xml = try Self.zlib(Self.inventoryXML(device: "x-1"))
            #expect(try await Self.post(api, "http://h/ocsinventory", xml).status == .unauthorized)
            #expect(try await Self.post(api, "http://h/enroll/enr_nope/ocsinventory", xml).status == .unauthorized)
            let xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"http://127.0.0.1:1/x\">]><REQUEST><DEVICEID>&x;</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>"
            #expect(try await Self.post(api, url, try Self.zlib(xxe)).status == .badRequest)
            let bomb = try InventoryBody.encode(Array(repeating: UInt8(ascii: "<"), count: 8 << 20), as: .zlib)
            #expect(bomb.count < 64 * 1024)
            #expect(try await Self.post(api, url, bomb).status == .contentTooLarge)
            let huge = Self.inventoryXML(device: "x-2", software: (0..<3_000).map { ("Package \($0) with a long name to weigh", "1.0.\($0)") })
            #expect(try await Self.post(api, url, try Self.zlib(huge)).status == .contentTooLarge)
            #expect(try await Self.post(api, url, [0x78, 0x9C, 1, 2, 3]).status == .badRequest)
            #expect(try await Self.post(api, url, Array("not xml at all".utf8)).status == .badRequest)
            #expect(try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items.isEmpty)
            // Revoked: refused from now on
            let revoke = try await api.send(.delete, "/api/v1/organizations/\(w.acme.id)/enrollment-tokens/\(t.id)", token: w.admin)
            #expect(revoke.status == .ok)
            #expect(try await Self.post(api, url, xml).status == .unauthorized)
            // Only administrators hand out tokens
            let agent = try await api.post("/api/v1/organizations/\(w.acme.id)/enrollment-tokens", token: w.agent1Token, EnrollmentTokenInput(name: "x"))
            #expect(agent.status == .forbidden)
            let listed = try await api.get("/api/v1/organizations/\(w.acme.id)/enrollment-tokens", token: w.admin).json(Page<EnrollmentTokenDTO>.self)
            #expect(listed.items.first?.token == nil && listed.items.first?.revokedAt != nil)
            #expect(listed.items.first?.lastUsedAt != nil, "the agents' refused posts still used it before the revocation")
        }
    }

    @Test("GLPI native JSON: contact, then the inventory (zlib, gzip, plain), the agent id from GLPI-Agent-ID")
    func glpiAgent() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let url = try #require(try await Self.token(w).urls).glpi
            let agentId = "3a2f0c1e-9d4b-4c55-8f11-0a1b2c3d4e5f"
            let contact = try await Self.post(api, url, try Self.zlib(#"{"action":"contact","deviceid":"laptop-7-2026-03-01-08-00-00","name":"GLPI-Agent_v1.7","installed-tasks":["inventory"],"enabled-tasks":["inventory"]}"#),
                                              headers: [HTTPField.Name("GLPI-Agent-ID")!: agentId])
            #expect(contact.status == .ok)
            #expect(try Self.inflate(contact).contains("\"status\""))
            let inventory = """
                {"action":"inventory","deviceid":"laptop-7-2026-03-01-08-00-00","itemtype":"Computer","content":{
                 "hardware":{"name":"laptop-7","memory":16000,"uuid":"11112222-3333-4444-5555-666677778888","chassis_type":"Notebook"},
                 "bios":{"ssn":"PF3ABCDE","smanufacturer":"LENOVO","smodel":"ThinkPad T14"},
                 "operatingsystem":{"name":"Ubuntu","version":"22.04","full_name":"Ubuntu 22.04.4 LTS","arch":"x86_64"},
                 "cpus":[{"name":"AMD Ryzen 7 PRO 5850U","core":8,"thread":16}],
                 "networks":[{"description":"wlp2s0","ipaddress":"192.168.1.20","macaddr":"a4:c3:f0:01:02:03","virtualdev":false}],
                 "softwares":[{"name":"firefox","version":"133.0","publisher":"Mozilla"},{"name":"vlc","version":"3.0.20"}],
                 "users":[{"login":"bob"}],"versionclient":"GLPI-Agent_v1.7"}}
                """
            for (encoding, type) in [(BodyEncoding.gzip, "application/x-compress-gzip"), (.plain, "application/json")] {
                let r = try await Self.post(api, url, try InventoryBody.encode(Array(inventory.utf8), as: encoding), contentType: type,
                                            headers: [HTTPField.Name("GLPI-Agent-ID")!: agentId])
                #expect(r.status == .ok, "\(encoding): \(r.text)")
            }
            let list = try await api.get("/api/v1/assets?q=laptop", token: w.agent1Token).json(Page<AssetDTO>.self).items
            #expect(list.count == 1)
            let m = try #require(list.first)
            #expect(m.kind == .laptop && m.source == "glpi" && m.softwareCount == 2 && m.serial == "PF3ABCDE")
            // Bob's machine: his portal offers it for his ticket
            let ticket: TicketDTO = try await api.create("/api/v1/tickets", token: w.bobToken, TicketInput(subject: "Wi-Fi coupe", description: "Depuis ce matin", impact: .medium, urgency: .medium))
            let linked = try await api.post("/api/v1/tickets/\(ticket.id)/assets", token: w.bobToken, TicketAssetInput(assetId: m.id))
            #expect(linked.status == .created, "\(linked.text)")
            let mine = try await api.post("/api/v1/tickets/\(ticket.id)/assets", token: w.aliceToken, TicketAssetInput(assetId: m.id))
            #expect(mine.status == .notFound || mine.status == .forbidden)
        }
    }

    @Test("who sees which machine: staff of the organization, its client manager; a requester lists none; another organization's is a 404")
    func access() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let acme = try #require(try await Self.token(w).urls).fusioninventory
            let globex = try #require(try await Self.token(w, organization: w.globex.id).urls).fusioninventory
            #expect(try await Self.post(api, acme, try Self.zlib(Self.inventoryXML(device: "a-1"))).status == .ok)
            #expect(try await Self.post(api, globex, try Self.zlib(Self.inventoryXML(device: "g-1", name: "globex-pc", uuid: "G-UUID"))).status == .ok)
            let all = try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items
            let acmePC = try #require(all.first { $0.organizationId == w.acme.id }), globexPC = try #require(all.first { $0.organizationId == w.globex.id })
            let managerList = try await api.get("/api/v1/assets", token: w.managerToken).json(Page<AssetDTO>.self).items
            #expect(managerList.map(\.id) == [acmePC.id])
            #expect(try await api.get("/api/v1/assets/\(globexPC.id)", token: w.managerToken).status == .notFound)
            #expect(try await api.get("/api/v1/assets/\(globexPC.id)/history", token: w.managerToken).status == .notFound)
            #expect(try await api.get("/api/v1/assets", token: w.aliceToken).status == .forbidden)
            // A ticket names a machine of its own organization only
            let t = try await w.aliceTicket("Écran noir")
            #expect(try await api.post("/api/v1/tickets/\(t.id)/assets", token: w.agent1Token, TicketAssetInput(assetId: globexPC.id)).status == .unprocessableContent)
            #expect(try await api.post("/api/v1/tickets/\(t.id)/assets", token: w.agent1Token, TicketAssetInput(assetId: acmePC.id)).status == .created)
            let detail = try await api.get("/api/v1/assets/\(acmePC.id)", token: w.agent1Token).json(AssetDetailDTO.self)
            #expect(detail.ticketIds == [t.id])
            let named = try await api.get("/api/v1/tickets/\(t.id)/assets", token: w.aliceToken).json(Page<AssetDTO>.self)
            #expect(named.items.map(\.id) == [acmePC.id])
            // Filters
            #expect(try await api.get("/api/v1/assets?software=libreoffice", token: w.admin).json(Page<AssetDTO>.self).items.count == 2)
            #expect(try await api.get("/api/v1/assets?organization_id=\(w.globex.id)", token: w.admin).json(Page<AssetDTO>.self).items.map(\.id) == [globexPC.id])
            #expect(try await api.get("/api/v1/assets?os_support=supported", token: w.admin).json(Page<AssetDTO>.self).items.isEmpty)
            #expect(try await api.get("/api/v1/assets?kind=bogus", token: w.admin).status == .unprocessableContent)
        }
    }

    @Test("the inventory document: JSON totals, CSV rows (formulas defused), printable HTML under its own strict policy, PDF when Chromium is here")
    func document() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let url = try #require(try await Self.token(w).urls).fusioninventory
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "a-1"))).status == .ok)
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "a-2", name: "pc-rh-02", uuid: "U-2",
                                                                                  software: [("Firefox", "128.0")]))).status == .ok)
            let base = "/api/v1/organizations/\(w.acme.id)/inventory-document"
            let doc = try await api.get(base + "?format=json", token: w.managerToken).json(InventoryDocument.self)
            #expect(doc.totals.machines == 2 && doc.totals.unsupportedSystems == 2 && doc.organization == "Acme Industrie")
            #expect(doc.software.first { $0.name == "Firefox" }?.machines == 2)
            #expect(doc.systems.first?.machines == 2 && doc.systems.first?.support == .unsupported)
            let csv = try await api.get(base + "?format=csv&lang=en", token: w.agent1Token)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.contains("pc-compta-01") && csv.text.contains("'=cmd") && !csv.text.contains(",=cmd"))
            let html = try await api.get(base + "?format=html&lang=fr", token: w.agent1Token)
            #expect(html.text.contains("Inventaire — Acme Industrie") && html.text.contains("hors support"))
            #expect(html.headers[.contentSecurityPolicy]?.contains("style-src 'sha256-") == true)
            #expect(html.headers[.contentSecurityPolicy]?.contains("script-src") == false)
            #expect(try await api.get("/api/v1/organizations/\(w.globex.id)/inventory-document", token: w.managerToken).status == .notFound)
            #expect(try await api.get(base + "?format=docx", token: w.admin).status == .unprocessableContent)
            let pdf = try await api.get(base + "?format=pdf", token: w.admin)
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") {
                #expect(pdf.status == .ok && Array(pdf.body.readableBytesView.prefix(4)) == Array("%PDF".utf8))
            } else {
                #expect(pdf.status == .notImplemented)
            }
        }
    }

    @Test("the pages: an administrator hands out a token (shown once) and revokes it, machines listed and shown, a requester picks their machine, staff name one on a ticket")
    func pages() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let admin = Browser(api, language: "en")
            try await admin.signIn(TestApp.adminEmail, TestApp.adminPassword)
            _ = try await admin.get("/admin/organizations/\(w.acme.id)")
            let created = try await admin.post("/admin/organizations/\(w.acme.id)/enrollment-tokens", [("name", "Siège")])
            #expect(created.status == .ok && created.contains("not shown again"), "\(created.status)")
            let url = try #require(created.html.components(separatedBy: "value=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
                .first { $0.hasSuffix("/plugins/fusioninventory/") })
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "pc-1"))).status == .ok)
            // Alice uses pc-compta-01 (its inventory lists her login): her new request offers it
            let alice = Browser(api, language: "fr")
            try await alice.signIn("alice@acme.example", World.password)
            let form = try await alice.get("/requests/new")
            #expect(form.contains("Quelle machine ?") && form.contains("pc-compta-01"))
            let asset = try #require(try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items.first)
            let sent = try await alice.post("/requests", [("subject", "Écran noir"), ("description", "Plus d'image depuis ce matin"), ("impact", "medium"),
                                                          ("urgency", "medium"), ("asset", asset.id.uuidString)])
            let location = try #require(sent.location, "\(sent.status) \(sent.html.prefix(300))")
            let mine = try await alice.get(location)
            #expect(mine.contains("pc-compta-01"))
            // Staff: the list, the machine's page with its software and the ticket
            let agent = Browser(api, language: "en")
            try await agent.signIn(w.agent1.email, World.password)
            let list = try await agent.get("/assets?q=compta")
            #expect(list.status == .ok && list.contains("/assets/\(asset.id)") && list.contains("out of support"))
            let page = try await agent.get("/assets/\(asset.id)")
            #expect(page.status == .ok && page.contains("LibreOffice") && page.contains("Écran noir") && page.contains("first inventory"))
            // On the ticket page, staff remove the machine and name it again
            let seq = try #require(location.split(separator: "/").last.map { String($0.prefix { $0.isNumber }) })
            _ = try await agent.get("/tickets/\(seq)")
            #expect(try await agent.post("/tickets/\(seq)/assets/\(asset.id)/remove", []).location != nil)
            #expect(try await api.get("/api/v1/assets/\(asset.id)", token: w.admin).json(AssetDetailDTO.self).ticketIds.isEmpty, "removed from the ticket")
            let ticketPage = try await agent.get("/tickets/\(seq)")
            #expect(ticketPage.contains("Machine concerned") || ticketPage.contains("pc-compta-01"))
            #expect(try await agent.post("/tickets/\(seq)/assets", [("asset", asset.id.uuidString)]).location?.contains("done=saved") == true)
            #expect(try await api.get("/api/v1/assets/\(asset.id)", token: w.admin).json(AssetDetailDTO.self).ticketIds.count == 1)
            // Eve (another organization) and requesters do not see machines
            let eve = Browser(api)
            try await eve.signIn("eve@globex.example", World.password)
            let eveStatus = try await eve.get("/assets/\(asset.id)").status
            #expect(eveStatus == .forbidden || eveStatus == .notFound)
            // Revoked from the page
            let org = try await admin.get("/admin/organizations/\(w.acme.id)")
            let tokens = try await api.get("/api/v1/organizations/\(w.acme.id)/enrollment-tokens", token: w.admin).json(Page<EnrollmentTokenDTO>.self).items
            let revoke = try await admin.post("/admin/organizations/\(w.acme.id)/enrollment-tokens/\(tokens[0].id)/revoke", [])
            #expect(org.status == .ok && revoke.location != nil)
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "pc-1"))).status == .unauthorized)
        }
    }

    @Test("a contact (PROLOG) moves the machine's last seen, written with the others about a second later")
    func contacts() async throws {
        let clock = MutableClock()
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let url = try #require(try await Self.token(w).urls).ocsinventory
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "pc-7"))).status == .ok)
            let before = try #require(try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items.first).lastSeenAt
            clock.advance(minutes: 60)
            let prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?><REQUEST><DEVICEID>pc-7</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>"
            #expect(try await Self.post(api, url, try Self.zlib(prolog)).status == .ok)
            await api.desk.inventoryIntake.flushContacts()
            let after = try #require(try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items.first)
            #expect(after.lastSeenAt.timeIntervalSince(before) >= 3_599)
            #expect(after.lastInventoryAt == before, "a contact is not an inventory")
        }
    }

    @Test("monitoring alerts name the machine their host is, whichever came first: the alert or the machine's first inventory")
    func alertsNameMachines() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let am: IntegrationDTO = try await api.create("/api/v1/integrations", token: w.admin,
                                                          IntegrationInput(type: .alertmanager, name: "Prometheus", organizationId: w.acme.id))
            func fire(_ instance: String, _ fingerprint: String) async throws {
                let body = #"{"receiver":"escale","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"DiskFull","instance":"\#(instance)","severity":"critical"},"annotations":{"summary":"Disque plein sur \#(instance)"},"startsAt":"2026-12-01T08:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"\#(fingerprint)"}],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4","groupKey":"{}:{alertname=\"DiskFull\"}","truncatedAlerts":0}"#
                let r = try await api.send(.post, URL(string: am.url)!.path, raw: ByteBuffer(string: body))
                #expect(r.status == .ok, "\(r.text)")
            }
            // The alert first, then the machine reports
            try await fire("pc-compta-01:9100", "aaaa000000000001")
            let url = try #require(try await Self.token(w).urls).fusioninventory
            #expect(try await Self.post(api, url, try Self.zlib(Self.inventoryXML(device: "pc-1"))).status == .ok)
            let machine = try #require(try await api.get("/api/v1/assets", token: w.admin).json(Page<AssetDTO>.self).items.first)
            var detail = try await api.get("/api/v1/assets/\(machine.id)", token: w.admin).json(AssetDetailDTO.self)
            #expect(detail.ticketIds.count == 1)
            // The machine first, then another alert about it
            try await fire("pc-compta-01", "aaaa000000000002")
            detail = try await api.get("/api/v1/assets/\(machine.id)", token: w.admin).json(AssetDetailDTO.self)
            #expect(detail.ticketIds.count == 2)
            // Another host's alert names nothing
            try await fire("srv-backup:9100", "aaaa000000000003")
            detail = try await api.get("/api/v1/assets/\(machine.id)", token: w.admin).json(AssetDetailDTO.self)
            #expect(detail.ticketIds.count == 2)
        }
    }

    @Test("the inventory document is kept every month, in French and English, readable later as it was; the next month is scheduled")
    func monthlyDocument() async throws {
        let clock = MutableClock(Date(timeIntervalSince1970: 1_794_700_800)) // 2026-11-15 UTC
        try await TestApp.run(clock: clock.clock) { api in
            let w = try await World.make(api)
            let t = try await Self.token(w)
            #expect(try await Self.post(api, t.urls!.fusioninventory, try Self.zlib(Self.inventoryXML(device: "pc-1"))).status == .ok)
            #expect(try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-documents", token: w.admin).json(Page<ArchivedInventoryDocumentDTO>.self).items.isEmpty)
            // December 1st, 03:00 UTC: November's document.
            clock.set(Date(timeIntervalSince1970: 1_796_094_000 + 60))
            _ = try await api.desk.drainDueJobs()
            let archive = try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-documents", token: w.agent1Token).json(Page<ArchivedInventoryDocumentDTO>.self).items
            #expect(archive.map(\.period) == ["2026-11", "2026-11"] && Set(archive.map(\.language)) == ["fr", "en"] && archive.allSatisfy { $0.machines == 1 })
            // A machine added since does not change November's document.
            #expect(try await Self.post(api, t.urls!.glpi, Array(try AgentTests.machine("pc-accueil").glpiJSON(deviceId: "pc-2")), contentType: "application/json").status == .ok)
            let november = try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-document?period=2026-11&format=json&lang=fr", token: w.admin)
            #expect(november.status == .ok && (november.object["machines"] as? [Any])?.count == 1, "\(november.text.prefix(300))")
            let now = try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-document?format=json&lang=fr", token: w.admin)
            #expect((now.object["machines"] as? [Any])?.count == 2)
            #expect(try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-document?period=2026-13", token: w.admin).status == .unprocessableContent)
            #expect(try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-document?period=2025-01", token: w.admin).status == .notFound)
            #expect(try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-documents", token: w.eveToken).status != .ok)
            // January 1st: December's.
            clock.set(Date(timeIntervalSince1970: 1_798_772_400 + 60))
            _ = try await api.desk.drainDueJobs()
            // (Tokens last 30 days: a new one, six weeks later.)
            let admin = try await api.login(TestApp.adminEmail, TestApp.adminPassword)
            let laterReply = try await api.get("/api/v1/organizations/\(w.acme.id)/inventory-documents", token: admin)
            #expect(laterReply.status == .ok, "\(laterReply.text)")
            let later = try laterReply.json(Page<ArchivedInventoryDocumentDTO>.self).items
            #expect(later.count == 4 && later.first?.period == "2026-12" && later.first?.machines == 2)
        }
    }
}
