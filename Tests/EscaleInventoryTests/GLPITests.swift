import EscaleInventory
import Foundation
import Testing

@Suite("GLPI native inventory protocol (glpi-agent 1.x): contact, inventory, replies")
struct GLPITests {
    static let contact = """
        {"action": "contact", "deviceid": "lt-042-2026-03-02-08-15-00", "name": "GLPI-Agent", "version": "1.11",
         "installed-tasks": ["Inventory", "NetDiscovery", "Deploy"], "enabled-tasks": ["Inventory"],
         "httpd-port": 62354, "httpd-plugins": {}, "tag": "SITE-LYON"}
        """

    /// A laptop as glpi-agent sends it: inventory_format's sections, lowercase, numbers and booleans typed.
    static let inventory = """
        {
          "action": "inventory", "deviceid": "lt-042-2026-03-02-08-15-00", "itemtype": "Computer", "tag": "SITE-LYON",
          "content": {
            "accesslog": {"logdate": "2026-03-02 09:00:12"},
            "bios": {"bdate": "2023-05-17", "bmanufacturer": "LENOVO", "bversion": "N3BET62W (1.42 )",
                     "mmanufacturer": "LENOVO", "mmodel": "21A0CTO1WW", "msn": "L1HF34F00AB",
                     "smanufacturer": "LENOVO", "smodel": "ThinkPad T14 Gen 3", "ssn": "PF3ABCDE", "skunumber": "LENOVO_MT_21A0"},
            "hardware": {"chassis_type": "Notebook", "memory": 31873, "name": "lt-042", "swap": 2047,
                         "uuid": "5B1C2D3E-1111-2222-3333-444455556666", "vmsystem": "Physical", "workgroup": "corp.example"},
            "operatingsystem": {"arch": "x86_64", "boot_time": "2026-03-02 08:14:00", "fqdn": "lt-042.corp.example",
                                "full_name": "Ubuntu 24.04.2 LTS", "kernel_name": "linux", "kernel_version": "6.8.0-52-generic",
                                "name": "Ubuntu", "version": "24.04.2 LTS (Noble Numbat)",
                                "timezone": {"name": "CET", "offset": "+0100"}},
            "cpus": [{"arch": "x86_64", "core": 10, "external_clock": 100, "familyname": "Core i7", "manufacturer": "Intel",
                      "name": "12th Gen Intel(R) Core(TM) i7-1255U", "speed": 4700, "stepping": 4, "thread": 12}],
            "memories": [{"capacity": 16384, "caption": "Controller0-ChannelA", "numslots": 1, "serialnumber": "00000000",
                          "speed": "4800", "type": "DDR5"},
                         {"capacity": 16384, "caption": "Controller1-ChannelA", "numslots": 2, "serialnumber": "2A3B4C5D",
                          "speed": "4800", "type": "DDR5"}],
            "storages": [{"description": "NVMe", "disksize": 476940, "firmware": "4L2QGXA7", "interface": "nvme",
                          "manufacturer": "Samsung", "model": "SAMSUNG MZVL2512HCJQ", "name": "nvme0n1",
                          "serial": "S675NX0T123456", "type": "disk"}],
            "drives": [{"filesystem": "ext4", "free": 301234, "total": 467310, "type": "/", "volumn": "/dev/nvme0n1p2"},
                       {"filesystem": "vfat", "free": 1000, "total": 1074, "type": "/boot/efi", "volumn": "/dev/nvme0n1p1",
                        "label": "EFI"}],
            "networks": [{"description": "lo", "ipaddress": "127.0.0.1", "mac": "00:00:00:00:00:00", "status": "up",
                          "type": "loopback", "virtualdev": true},
                         {"description": "wlp0s20f3", "ipaddress": "10.20.30.40", "ipmask": "255.255.255.0",
                          "mac": "F8:9E:94:11:22:33", "status": "Up", "type": "wifi", "virtualdev": false, "speed": "866"},
                         {"description": "wlp0s20f3", "ipaddress6": "2001:db8::1234", "mac": "F8:9E:94:11:22:33",
                          "status": "up", "type": "wifi", "virtualdev": false},
                         {"description": "docker0", "ipaddress": "172.17.0.1", "mac": "02:42:8c:aa:bb:cc",
                          "status": "down", "type": "bridge", "virtualdev": true}],
            "softwares": [{"arch": "amd64", "from": "deb", "name": "firefox", "publisher": "Mozilla",
                           "version": "135.0+build2", "install_date": "2026-02-10"},
                          {"arch": "amd64", "from": "deb", "name": "libreoffice-core", "publisher": "Ubuntu",
                           "version": "4:24.2.7-0ubuntu0.24.04.2", "filesize": 123456789},
                          {"arch": "amd64", "from": "deb", "name": "firefox", "publisher": "Mozilla",
                           "version": "135.0+build2", "install_date": "2026-02-10"}],
            "monitors": [{"caption": "ThinkPad Display 1920x1200", "manufacturer": "BOE", "serial": "0", "base64": "AP///w=="},
                         {"caption": "DELL P2422H", "manufacturer": "Dell Inc.", "serial": "7XYZ123"}],
            "printers": [{"name": "Accueil-MFP", "driver": "HP LaserJet MFP M428f", "port": "ipp://10.20.30.9/ipp/print",
                          "network": true},
                         {"name": "PDF", "driver": "CUPS-PDF", "port": "cups-pdf:/", "network": false}],
            "users": [{"login": "mdupont", "domain": "CORP"}, {"login": "root"}],
            "versionclient": "GLPI-Agent_v1.11"
          }
        }
        """

    static func machine(_ json: String = inventory, header: String? = nil) throws -> MachineInventory {
        guard case .inventory(_, let m) = try GLPIRequest.parse(json: Array(json.utf8), agentIdHeader: header) else {
            throw InventoryWireError.malformed("not an inventory")
        }
        return m
    }

    @Test("a contact gives the device id and the enabled tasks; the reply asks for an inventory")
    func contactRequest() throws {
        #expect(try GLPIRequest.parse(json: Array(Self.contact.utf8), agentIdHeader: "3a4b") == .contact(deviceId: "lt-042-2026-03-02-08-15-00", tasks: ["Inventory"]))
        // when
        let reply = try JSONSerialization.jsonObject(with: Data(GLPIReply.contact(expirationHours: 24))) as? [String: Any]
        // then
        #expect(reply?["status"] as? String == "ok" && reply?["expiration"] as? Int == 24)
        #expect((reply?["tasks"] as? [String: Any])?["inventory"] != nil)
        #expect(reply?["disabled"] == nil)
        let disabling = try JSONSerialization.jsonObject(with: Data(GLPIReply.contact(expirationHours: 12, disabledTasks: ["deploy"]))) as? [String: Any]
        #expect(disabling?["disabled"] as? [String] == ["deploy"])
    }

    @Test("an inventory's every section is normalised: hardware, OS, BIOS, CPUs, memory, disks, volumes, networks, software…")
    func inventoryRequest() throws {
        // when
        let m = try Self.machine()
        // then
        #expect(m.name == "lt-042" && m.fqdn == "lt-042.corp.example" && m.systemUUID == "5b1c2d3e-1111-2222-3333-444455556666")
        #expect(m.serial == "PF3ABCDE" && m.manufacturer == "LENOVO" && m.model == "ThinkPad T14 Gen 3" && m.type == "Notebook")
        #expect(m.os == .init(name: "Ubuntu", version: "24.04.2 LTS (Noble Numbat)", fullName: "Ubuntu 24.04.2 LTS",
                              kernel: "6.8.0-52-generic", arch: "x86_64"))
        #expect(m.bios == .init(manufacturer: "LENOVO", version: "N3BET62W (1.42 )", date: "2023-05-17", serial: "PF3ABCDE"))
        #expect(m.cpus == [.init(name: "12th Gen Intel(R) Core(TM) i7-1255U", manufacturer: "Intel", cores: 10, threads: 12, speedMHz: 4700, arch: "x86_64")])
        #expect(m.memoryMB == 31873)
        #expect(m.memories == [.init(capacityMB: 16384, type: "DDR5", speed: "4800", slot: "1"),
                               .init(capacityMB: 16384, type: "DDR5", speed: "4800", serial: "2A3B4C5D", slot: "2")])
        #expect(m.disks == [.init(name: "nvme0n1", model: "SAMSUNG MZVL2512HCJQ", sizeMB: 476940, serial: "S675NX0T123456", type: "disk", interface: "nvme")])
        #expect(m.volumes == [.init(mountPoint: "/", device: "/dev/nvme0n1p2", filesystem: "ext4", totalMB: 467310, freeMB: 301234),
                              .init(mountPoint: "/boot/efi", device: "/dev/nvme0n1p1", filesystem: "vfat", totalMB: 1074, freeMB: 1000, label: "EFI")])
        #expect(m.networks.map(\.description) == ["lo", "wlp0s20f3", "docker0"])
        #expect(m.networks[1] == .init(description: "wlp0s20f3", mac: "f8:9e:94:11:22:33", ipv4: ["10.20.30.40"], ipv6: ["2001:db8::1234"],
                                       virtual: false, status: "up", speedMbps: 866))
        #expect(m.macAddresses == ["f8:9e:94:11:22:33"] && m.ipAddresses == ["10.20.30.40", "2001:db8::1234", "172.17.0.1"])
        #expect(m.software == [.init(name: "firefox", version: "135.0+build2", publisher: "Mozilla", arch: "amd64", installDate: "2026-02-10"),
                               .init(name: "libreoffice-core", version: "4:24.2.7-0ubuntu0.24.04.2", publisher: "Ubuntu", arch: "amd64")])
        #expect(m.monitors == [.init(name: "ThinkPad Display 1920x1200", manufacturer: "BOE"), .init(name: "DELL P2422H", manufacturer: "Dell Inc.", serial: "7XYZ123")])
        #expect(m.printers == [.init(name: "Accueil-MFP", driver: "HP LaserJet MFP M428f", port: "ipp://10.20.30.9/ipp/print", network: true),
                               .init(name: "PDF", driver: "CUPS-PDF", port: "cups-pdf:/", network: false)])
        #expect(m.users == ["CORP\\mdupont", "root"] && m.tag == "SITE-LYON" && m.agent == "GLPI-Agent_v1.11" && m.virtual == nil)
    }

    @Test("the same machine in OCS XML and in GLPI JSON normalises to the same inventory")
    func sameAsXML() throws {
        // given
        let json = #"""
            {"action":"inventory","deviceid":"pc-1","content":{"hardware":{"name":"pc-1","memory":8192,"uuid":"AB-CD"},
             "bios":{"ssn":"To be filled by O.E.M.","smanufacturer":"Dell Inc.","smodel":"OptiPlex 7010"},
             "cpus":[{"name":"Intel Core i5","core":4,"thread":8,"speed":3200}],
             "networks":[{"description":"eth0","mac":"AA:BB:CC:00:11:22","ipaddress":"192.0.2.7","virtualdev":false}],
             "softwares":[{"name":"7-Zip","version":"24.09","publisher":"Igor Pavlov","install_date":"20/01/2025"}],
             "accountinfo":{"keyname":"TAG","keyvalue":"HQ"},"versionclient":"GLPI-Agent_v1.11"}}
            """#
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><REQUEST><CONTENT><ACCOUNTINFO><KEYNAME>TAG</KEYNAME><KEYVALUE>HQ</KEYVALUE></ACCOUNTINFO>\
            <BIOS><SMANUFACTURER>Dell Inc.</SMANUFACTURER><SMODEL>OptiPlex 7010</SMODEL><SSN>To be filled by O.E.M.</SSN></BIOS>\
            <CPUS><CORE>4</CORE><NAME>Intel Core i5</NAME><SPEED>3200</SPEED><THREAD>8</THREAD></CPUS>\
            <HARDWARE><MEMORY>8192</MEMORY><NAME>pc-1</NAME><UUID>AB-CD</UUID></HARDWARE>\
            <NETWORKS><DESCRIPTION>eth0</DESCRIPTION><IPADDRESS>192.0.2.7</IPADDRESS><MACADDR>aa-bb-cc-00-11-22</MACADDR><VIRTUALDEV>0</VIRTUALDEV></NETWORKS>\
            <SOFTWARES><INSTALLDATE>20/01/2025</INSTALLDATE><NAME>7-Zip</NAME><PUBLISHER>Igor Pavlov</PUBLISHER><VERSION>24.09</VERSION></SOFTWARES>\
            <VERSIONCLIENT>GLPI-Agent_v1.11</VERSIONCLIENT></CONTENT><DEVICEID>pc-1</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>
            """
        // when
        let fromJSON = try Self.machine(json)
        let fromXML = try OCSRequest.parse(xml: Array(xml.utf8))
        // then
        #expect(fromXML == .inventory(deviceId: "pc-1", fromJSON))
        #expect(fromJSON.serial == nil && fromJSON.tag == "HQ" && fromJSON.software.first?.installDate == "2025-01-20")
        let xmlDigest = try Self.digest(of: fromXML)
        #expect(fromJSON.macAddresses == ["aa:bb:cc:00:11:22"] && fromJSON.digest == xmlDigest)
    }

    static func digest(of request: OCSRequest) throws -> String {
        guard case .inventory(_, let m) = request else { throw InventoryWireError.malformed("") }
        return m.digest
    }

    @Test("zlib, gzip and deflate bodies; the GLPI-Agent-ID header names the device when the body does not")
    func bodiesAndHeader() throws {
        let withoutId = Self.inventory.replacingOccurrences(of: #""deviceid": "lt-042-2026-03-02-08-15-00","#, with: "")
        for (encoding, contentType, contentEncoding) in [
            (BodyEncoding.zlib, "application/x-compress-zlib", nil), (.gzip, "application/x-compress-gzip", nil),
            (.deflate, "application/json", "deflate"), (.plain, "application/json", nil),
        ] {
            // given
            let body = try InventoryBody.encode(Array(withoutId.utf8), as: encoding)
            // when
            let decoded = try InventoryBody.decode(body, contentType: contentType, contentEncoding: contentEncoding, limit: 1 << 20)
            let request = try GLPIRequest.parse(json: decoded.bytes, agentIdHeader: "4a1f5b6c-1111-2222-3333-444455556666")
            // then
            #expect(decoded.encoding == encoding)
            guard case .inventory(let id, let m) = request else { Issue.record("\(encoding): \(request)"); continue }
            #expect(id == "4a1f5b6c-1111-2222-3333-444455556666" && m.name == "lt-042", "\(encoding)")
        }
        #expect(try Self.machine(header: "other-id") == Self.machine(), "the body's deviceid wins")
    }

    @Test("the inventory replies: ok with an expiration, or an error with its message")
    func replies() throws {
        let accepted = try JSONSerialization.jsonObject(with: Data(GLPIReply.inventoryAccepted(expirationHours: 24))) as? [String: Any]
        #expect(accepted?["status"] as? String == "ok" && accepted?["expiration"] as? Int == 24)
        let failure = try JSONSerialization.jsonObject(with: Data(GLPIReply.error("inventory \"too\" big"))) as? [String: Any]
        #expect(failure?["status"] as? String == "error" && failure?["message"] as? String == "inventory \"too\" big")
        let zlib = try InventoryBody.encode(GLPIReply.contact(expirationHours: 24), as: .zlib)
        #expect(try InventoryBody.decode(zlib, contentType: nil, contentEncoding: nil, limit: 1 << 10).bytes == GLPIReply.contact(expirationHours: 24))
    }

    @Test("other messages are answered politely: other actions, partial inventories, inventories of other things")
    func others() throws {
        func parse(_ json: String, header: String? = nil) throws -> GLPIRequest {
            try GLPIRequest.parse(json: Array(json.utf8), agentIdHeader: header)
        }
        #expect(try parse(#"{"action":"netdiscovery","deviceid":"d"}"#) == .other(action: "netdiscovery", deviceId: "d"))
        #expect(try parse(#"{"action":"getConfig"}"#, header: "h") == .other(action: "getconfig", deviceId: "h"))
        #expect(try parse(#"{"action":"inventory","deviceid":"d","partial":true,"content":{"softwares":[]}}"#) == .other(action: "inventory/partial", deviceId: "d"))
        #expect(try parse(#"{"action":"inventory","deviceid":"d","itemtype":"NetworkEquipment","content":{}}"#) == .other(action: "inventory/NetworkEquipment", deviceId: "d"))
        // inventory_format's own examples carry "query" instead of "action"
        guard case .inventory(_, let m) = try parse(#"{"query":"INVENTORY","deviceid":"glpixps-2018-07-09-09-07-13","content":{"versionclient":"x"}}"#) else {
            Issue.record("query INVENTORY")
            return
        }
        #expect(m.name == "glpixps" && m.agent == "x")
    }

    @Test("what is not a GLPI message is malformed, and says why")
    func malformed() {
        func reason(_ json: String, header: String? = nil) -> String? {
            do {
                _ = try GLPIRequest.parse(json: Array(json.utf8), agentIdHeader: header)
                return nil
            } catch InventoryWireError.malformed(let message) {
                return message
            } catch {
                return "\(error)"
            }
        }
        #expect(reason("<REQUEST/>")?.contains("not a JSON object") == true)
        #expect(reason("[1,2]")?.contains("not a JSON object") == true)
        #expect(reason(#"{"action":"contact""#)?.contains("not valid JSON") == true)
        #expect(reason(#"{"deviceid":"d"}"#)?.contains("no action") == true)
        #expect(reason(#"{"action":"contact"}"#)?.contains("deviceid") == true)
        #expect(reason(#"{"action":"inventory","deviceid":"d","content":[]}"#)?.contains("content") == true)
        #expect(reason(#"{"action":"inventory","content":{}}"#, header: " ")?.contains("deviceid") == true)
        let deep = #"{"action":"contact","deviceid":"d","x":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(reason(deep)?.contains("deep") == true)
    }
}
