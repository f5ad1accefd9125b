import EscaleInventory
import Foundation
import Testing

@Suite("OCS/FusionInventory protocol against the real agents' captures")
struct OCSCaptureTests {
    static let limit = 32 << 20

    static func decode(_ capture: Fixtures.Capture) throws -> (bytes: [UInt8], encoding: BodyEncoding) {
        try InventoryBody.decode(try capture.body, contentType: try capture.header("Content-Type"), contentEncoding: nil, limit: limit)
    }

    static func inventory(_ name: String) throws -> MachineInventory {
        guard case .inventory(_, let machine) = try OCSRequest.parse(xml: try decode(try Fixtures.capture(name)).bytes) else {
            throw InventoryWireError.malformed("\(name) is not an inventory")
        }
        return machine
    }

    @Test("every captured request parses: PROLOGs give the device id, INVENTORYs the machine with all its sections")
    func requests() throws {
        for capture in try Fixtures.captures() {
            // given
            let xml = try Self.decode(capture).bytes
            let fusion = capture.name.hasPrefix("fusioninventory")
            let deviceId = fusion ? "vm-2026-12-01-00-07-23" : "vm-2026-12-01-00-14-57"
            // when
            let request = try OCSRequest.parse(xml: xml)
            // then
            switch request {
            case .prolog(let id):
                #expect(capture.stem.hasSuffix("prolog") && id == deviceId, "\(capture)")
            case .inventory(let id, let m):
                #expect(capture.stem.hasSuffix("inventory") && id == deviceId, "\(capture)")
                #expect(m.name == "vm")
                #expect(m.os?.fullName == "Debian GNU/Linux 12 (bookworm)", "\(capture): \(String(describing: m.os))")
                #expect(m.cpus == [.init(name: "AMD EPYC", manufacturer: "AMD", cores: 2, threads: 2, arch: fusion ? "i386" : "x86_64")], "\(capture)")
                #expect(m.memoryMB == 24105)
                #expect(m.macAddresses.contains("02:fc:00:00:00:01") && !m.macAddresses.contains("00:00:00:00:00:00"), "\(capture)")
                #expect(m.ipAddresses.contains("192.0.2.2") && !m.ipAddresses.contains("127.0.0.1") && !m.ipAddresses.contains("::1"))
                let eth0 = m.networks.first { $0.description == "eth0" }
                #expect(eth0?.ipv4 == ["192.0.2.2"] && eth0?.ipv6.contains("fe80::fc:ff:fe00:1") == true && eth0?.virtual == false, "\(capture)")
                #expect(m.networks.filter { $0.description == "eth0" }.count == 1, "one interface, however many addresses")
                let root = m.volumes.first { $0.mountPoint == "/" }
                #expect(root?.filesystem == "ext4" && root?.totalMB == 258019 && root?.device == "/dev/vda" && (root?.freeMB ?? 0) > 70000)
                #expect(m.disks.first { $0.name == "vda" }?.sizeMB == 274877, "\(capture)")
                #expect(m.software.count == Fixtures.count("SOFTWARES", in: xml), "\(capture)")
                #expect(m.software.count > 1000)
                #expect(m.serial == nil && m.systemUUID == nil, "a container has no DMI")
                #expect(m.users.isEmpty, "LOCAL_USERS are accounts, not users: \(m.users)")
                #expect(m.virtual == (fusion ? "Docker" : nil))
            case .other(let query, _):
                Issue.record("\(capture) parsed as another query: \(query)")
            }
        }
    }

    @Test("FusionInventory's dialect in detail: OPERATINGSYSTEM, VERSIONCLIENT, software with publisher and arch")
    func fusionDetails() throws {
        // when
        let m = try Self.inventory("fusioninventory-agent/01-prolog-send-inventory/002-inventory")
        // then
        #expect(m.os == .init(name: "Debian GNU/Linux", version: "12.11", fullName: "Debian GNU/Linux 12 (bookworm)",
                              kernel: "6.18.44-fc-v657", arch: "x86_64"))
        #expect(m.fqdn == "vm" && m.agent == "FusionInventory-Agent_v2.6-3" && m.tag == nil && m.bios == nil)
        #expect(m.software.first == .init(name: "adduser", version: "3.134", publisher: "Debian", arch: "all"))
        #expect(m.disks.first == .init(name: "vda", sizeMB: 274877, serial: "overlayblk", type: "disk"))
        #expect(m.networks.first { $0.description == "lo" }?.virtual == true)
        #expect(m.networks.first { $0.description == "ifb0" }.map { $0.virtual && $0.status == "down" && $0.speedMbps == nil } == true)
        #expect(m.macAddresses == ["02:fc:00:00:00:01"], "ifb0/ifb1 are VIRTUALDEV=1")
        #expect(m.ipAddresses == ["192.0.2.2", "fd00::2", "fe80::fc:ff:fe00:1"])
    }

    @Test("the OCS agent's dialect in detail: no OPERATINGSYSTEM, CPUS/TYPE, ARCHITECTURE, OCS dates, the tag")
    func ocsDetails() throws {
        // when
        let m = try Self.inventory("ocsinventory-agent/05-inventory-account-update/002-inventory")
        // then
        #expect(m.os == .init(name: "Debian GNU/Linux 12", version: "12", fullName: "Debian GNU/Linux 12 (bookworm)", arch: "x86_64"))
        #expect(m.tag == "INITIAL" && m.agent == nil && m.bios == nil)
        #expect(m.software.first == .init(name: "adduser", version: "3.134", arch: "all", installDate: "2025-04-20T00:00:00"))
        #expect(m.software.contains { $0.name == "file" && $0.version == "1:5.44-3" && $0.publisher == "https://www.darwinsys.com/file/" })
        #expect(m.disks.map(\.name) == ["vda", "zram0"] && m.disks[0].sizeMB == 274877, "OCS sends DISKSIZE 274877.906944")
        #expect(m.networks.first { $0.description == "eth0" }?.speedMbps == nil, "-1 Mbps is unknown")
    }

    @Test("the local exports (--local) parse like the requests: a file-import sample")
    func localExports() throws {
        for agent in Fixtures.agents {
            let request = try OCSRequest.parse(xml: try Fixtures.localExport(agent))
            guard case .inventory(_, let m) = request else { Issue.record("\(agent): \(request)"); continue }
            #expect(m.name == "vm" && m.software.count > 1000 && m.memoryMB == 24105, "\(agent)")
        }
    }

    @Test("both agents on the same machine normalise alike, and their field names (CORE/CORES, ARCH/ARCHITECTURE) too")
    func dialects() throws {
        // given the same container, inventoried by each agent
        let fusion = try Self.inventory("fusioninventory-agent/01-prolog-send-inventory/002-inventory")
        let ocs = try Self.inventory("ocsinventory-agent/01-prolog-send-inventory/002-inventory")
        // then
        #expect(fusion.name == ocs.name && fusion.memoryMB == ocs.memoryMB && fusion.os?.fullName == ocs.os?.fullName)
        #expect(fusion.cpus.map(\.name) == ocs.cpus.map(\.name) && fusion.cpus.map(\.cores) == ocs.cpus.map(\.cores))
        #expect(fusion.cpus.map(\.threads) == ocs.cpus.map(\.threads))
        #expect(fusion.volumes.map(\.mountPoint) == ocs.volumes.map(\.mountPoint) && fusion.volumes.map(\.totalMB) == ocs.volumes.map(\.totalMB))
        #expect(fusion.disks.first?.sizeMB == ocs.disks.first?.sizeMB)
        #expect(Set(fusion.software.map(\.name)).intersection(ocs.software.map(\.name)).count > 900)

        // given one CPU and one package written in each dialect
        func request(_ content: String) throws -> MachineInventory {
            let xml = "<REQUEST><CONTENT>\(content)</CONTENT><DEVICEID>pc-2026-01-01-00-00-00</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>"
            guard case .inventory(_, let m) = try OCSRequest.parse(xml: Array(xml.utf8)) else { throw InventoryWireError.malformed("") }
            return m
        }
        let fusionDialect = try request("""
            <CPUS><ARCH>x86_64</ARCH><CORE>8</CORE><MANUFACTURER>Intel</MANUFACTURER><NAME>Intel(R) Core(TM) i7-10700</NAME>\
            <SPEED>2900</SPEED><THREAD>16</THREAD></CPUS>\
            <SOFTWARES><ARCH>amd64</ARCH><NAME>curl</NAME><VERSION>7.88.1</VERSION><INSTALLDATE>2025-04-20 10:11:12</INSTALLDATE></SOFTWARES>
            """)
        let ocsDialect = try request("""
            <CPUS><CPUARCH>x86_64</CPUARCH><CORES>8</CORES><MANUFACTURER>Intel</MANUFACTURER><TYPE>Intel(R) Core(TM) i7-10700</TYPE>\
            <SPEED>2.90 GHz</SPEED><LOGICAL_CPUS>16</LOGICAL_CPUS></CPUS>\
            <SOFTWARES><ARCHITECTURE>amd64</ARCHITECTURE><NAME>curl</NAME><VERSION>7.88.1</VERSION><INSTALLDATE>2025/04/20 10:11:12</INSTALLDATE></SOFTWARES>
            """)
        // then
        #expect(fusionDialect == ocsDialect)
        #expect(fusionDialect.cpus == [.init(name: "Intel(R) Core(TM) i7-10700", manufacturer: "Intel", cores: 8, threads: 16, speedMHz: 2900, arch: "x86_64")])
        #expect(fusionDialect.software == [.init(name: "curl", version: "7.88.1", arch: "amd64", installDate: "2025-04-20T10:11:12")])
        #expect(fusionDialect.name == "pc", "no HARDWARE/NAME: the device id's host part")
    }

    @Test("the replies: what the captures answered, zlib at the default level (78 9C) that round-trips")
    func replies() throws {
        // given the replies that worked with both agents
        let captured = [
            ("fusioninventory-agent/01-prolog-send-inventory/001-prolog", OCSReply.prolog(frequencyHours: 24)),
            ("fusioninventory-agent/01-prolog-send-inventory/002-inventory", OCSReply.inventoryAccepted()),
            ("ocsinventory-agent/01-prolog-send-inventory/001-prolog", OCSReply.prolog(frequencyHours: 24)),
            ("ocsinventory-agent/01-prolog-send-inventory/002-inventory", OCSReply.inventoryAccepted()),
        ]
        for (name, reply) in captured {
            // then
            #expect(try Self.leaves(reply) == Self.leaves(try Fixtures.capture(name).reply), "\(name)")
            let zlib = try InventoryBody.encode(reply, as: .zlib)
            #expect(Array(zlib.prefix(2)) == [0x78, 0x9C])
            let back = try InventoryBody.decode(zlib, contentType: "application/x-compress-zlib", contentEncoding: nil, limit: 1 << 20)
            #expect(back.bytes == reply && back.encoding == .zlib)
        }
        let update = try Fixtures.capture("ocsinventory-agent/05-inventory-account-update/002-inventory").reply
        #expect(try Self.leaves(OCSReply.accountUpdate([("TAG", "SITE-PARIS")])) == Self.leaves(update))
        #expect(try Self.leaves(OCSReply.accountUpdate([("TAG", "R&D <2>")])).last == "REPLY/ACCOUNTINFO/KEYVALUE=R&D <2>")
        #expect(try Self.leaves(OCSReply.prolog(frequencyHours: 6)) == ["REPLY/PROLOG_FREQ=6", "REPLY/RESPONSE=SEND"])
        #expect(try Self.leaves(OCSReply.other()) == ["REPLY="])
        #expect(try InventoryBody.encode(OCSReply.other(), as: .plain) == OCSReply.other())
    }

    @Test("another query (SNMP, network discovery) is answered politely, with or without a device id")
    func otherQueries() throws {
        let snmp = "<REQUEST><DEVICEID>pc-1</DEVICEID><QUERY>SNMPQUERY</QUERY><CONTENT><DEVICE/></CONTENT></REQUEST>"
        #expect(try OCSRequest.parse(xml: Array(snmp.utf8)) == .other(query: "SNMPQUERY", deviceId: "pc-1"))
        let discovery = "<?xml version='1.0'?>\n<REQUEST><QUERY>NETDISCOVERY</QUERY></REQUEST>"
        #expect(try OCSRequest.parse(xml: Array(discovery.utf8)) == .other(query: "NETDISCOVERY", deviceId: nil))
        let lower = "<REQUEST><DEVICEID>pc-1</DEVICEID><QUERY>prolog</QUERY></REQUEST>"
        #expect(try OCSRequest.parse(xml: Array(lower.utf8)) == .prolog(deviceId: "pc-1"))
    }

    /// A document's leaf elements as `PATH=text`, in order (read by libxml2): two XML documents that say the same thing
    /// compare equal.
    static func leaves(_ xml: [UInt8]) throws -> [String] {
        try #require(XMLScannerTests.libxmlLeaves(xml), "not XML: \(String(decoding: xml, as: UTF8.self))")
    }
}
