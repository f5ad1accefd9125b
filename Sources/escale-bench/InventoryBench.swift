import EscaleAPI
import EscaleCore
import EscaleInventory
import Foundation
import HTTPTypes
import NIOCore

/// Inventory agents at load, through their wire on the real `escale serve`: a fleet's first inventories (machines
/// made), the same fleet's next ones with changes (software updated, added, removed: diffs kept on each history),
/// contacts (PROLOGs: the hourly check-in of 10,000 agents, "last seen"), then the inventory document of the fleet.
/// Every inventory is a realistic OCS/FusionInventory XML body (hardware, network, 1,000 packages), zlib-compressed.
enum InventoryBench {
    static let packagesPerMachine = 1_000

    static func xml(machine i: Int, round: Int) -> String {
        var software = ""
        software.reserveCapacity(packagesPerMachine * 140)
        for p in 0..<packagesPerMachine {
            // Round 2 updates one package in ten, replaces a few and adds one: what a month of updates looks like.
            var version = "1.\(p % 17).\(p % 5)"
            if round > 1, p % 10 == i % 10 { version += "+u\(round)" }
            let name = round > 1 && p % 97 == 0 ? "replacement-\(p)" : "package-\(p)"
            software += "<SOFTWARES><NAME>\(name)</NAME><VERSION>\(version)</VERSION><PUBLISHER>Vendor \(p % 40)</PUBLISHER><ARCH>amd64</ARCH><FROM>deb</FROM></SOFTWARES>"
        }
        if round > 1 { software += "<SOFTWARES><NAME>added-in-round-\(round)</NAME><VERSION>1.0</VERSION></SOFTWARES>" }
        let mac = String(format: "52:54:00:%02x:%02x:%02x", (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF)
        return """
            <?xml version="1.0" encoding="UTF-8" ?><REQUEST><CONTENT>
            <BIOS><SSN>SN\(i)</SSN><SMANUFACTURER>Dell Inc.</SMANUFACTURER><SMODEL>OptiPlex 7090</SMODEL><BVERSION>1.2.\(round)</BVERSION><TYPE>Desktop</TYPE></BIOS>
            <CPUS><NAME>Intel(R) Core(TM) i5-10500</NAME><CORE>6</CORE><THREAD>12</THREAD><SPEED>3100</SPEED><MANUFACTURER>Intel</MANUFACTURER></CPUS>
            <DRIVES><TYPE>/</TYPE><FILESYSTEM>ext4</FILESYSTEM><TOTAL>476000</TOTAL><FREE>\(200_000 + (i * 7 + round) % 1000)</FREE><VOLUMN>/dev/nvme0n1p2</VOLUMN></DRIVES>
            <HARDWARE><NAME>pc-\(i)</NAME><MEMORY>\(round > 1 && i % 5 == 0 ? 16384 : 8192)</MEMORY><UUID>\(String(format: "4C4C4544-%04X-0000-0000-%012X", round % 1, i))</UUID><USERID>user\(i)</USERID><CHASSIS_TYPE>Desktop</CHASSIS_TYPE></HARDWARE>
            <NETWORKS><DESCRIPTION>eth0</DESCRIPTION><IPADDRESS>10.\(i / 65_536 % 256).\(i / 256 % 256).\(i % 256)</IPADDRESS><MACADDR>\(mac)</MACADDR><STATUS>Up</STATUS><VIRTUALDEV>0</VIRTUALDEV></NETWORKS>
            <OPERATINGSYSTEM><NAME>Debian</NAME><FULL_NAME>Debian GNU/Linux 12 (bookworm)</FULL_NAME><VERSION>12</VERSION><KERNEL_VERSION>6.1.0-\(round)</KERNEL_VERSION><ARCH>x86_64</ARCH></OPERATINGSYSTEM>
            \(software)
            <STORAGES><NAME>nvme0n1</NAME><DISKSIZE>476940</DISKSIZE><SERIALNUMBER>NV\(i)</SERIALNUMBER><MODEL>PM9A1</MODEL></STORAGES>
            <VERSIONCLIENT>FusionInventory-Agent_v2.6</VERSIONCLIENT>
            </CONTENT><DEVICEID>pc-\(i)-2026-01-01-00-00-00</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>
            """
    }

    static func prolog(machine i: Int) -> ByteBuffer {
        ByteBuffer(bytes: try! InventoryBody.encode(Array("<?xml version=\"1.0\" encoding=\"UTF-8\" ?><REQUEST><DEVICEID>pc-\(i)-2026-01-01-00-00-00</DEVICEID><QUERY>PROLOG</QUERY><TOKEN>12345678</TOKEN></REQUEST>".utf8), as: .zlib))
    }

    struct Outcome { var results: [LoadRunner.Result]; var documentJSON: Double; var documentHTML: Double; var bodyKB: Int }

    static func run(port: Int, adminToken: String, machines: Int, concurrency: Int, heartbeats: Int) async throws -> Outcome {
        let api = SetupClient(port: port, adminToken: adminToken)
        defer { api.close() }
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let org = try await api.post("/api/v1/organizations", OrganizationInput(name: "Inventory bench \(suffix)"), as: OrganizationDTO.self)
        _ = try await api.post("/api/v1/organizations/\(org.id)/contracts", ContractInput(perimeter: "hardware", validFrom: Day("2020-01-01")!), as: ContractDTO.self)
        let token = try await api.post("/api/v1/organizations/\(org.id)/enrollment-tokens", EnrollmentTokenInput(name: "Bench"), as: EnrollmentTokenDTO.self)
        let path = URL(string: token.urls!.fusioninventory)!.path
        let zlib: HTTPFields = [.contentType: "application/x-compress-zlib"]
        // Bodies compressed before the clock starts: the agents' work, not the server's.
        func bodies(round: Int) -> [ByteBuffer] {
            (0..<machines).map { ByteBuffer(bytes: try! InventoryBody.encode(Array(xml(machine: $0, round: round).utf8), as: .zlib)) }
        }
        let first = bodies(round: 1)
        let bodyKB = first[0].readableBytes / 1024
        let runner = LoadRunner(port: port)
        let perWorker = machines / concurrency
        func slice(_ all: [ByteBuffer]) -> LoadRunner.MakeRequest { { w, i in .init(path, method: .post, headers: zlib, body: all[(w * perWorker + i) % machines]) } }
        let created = try await runner.run("first inventories (machines made)", concurrency: concurrency, requests: perWorker * concurrency, expect: .ok, slice(first))
        let second = bodies(round: 2)
        let updated = try await runner.run("next inventories with changes (diffs kept)", concurrency: concurrency, requests: perWorker * concurrency, expect: .ok, slice(second))
        let same = try await runner.run("repeated inventories (nothing changed)", concurrency: concurrency, requests: perWorker * concurrency, expect: .ok, slice(second))
        let prologs = (0..<machines).map(prolog)
        let contacts = try await runner.run("contacts (PROLOG: last seen)", concurrency: concurrency * 2, requests: heartbeats, expect: .ok) { w, i in
            .init(path, method: .post, headers: zlib, body: prologs[(w * 7_919 + i) % machines])
        }
        // A connection of its own: the setup's has been idle for minutes (the server closes idle connections).
        let reader = SetupClient(port: port, adminToken: adminToken)
        defer { reader.close() }
        func timed(_ format: String) async throws -> Double {
            let start = ContinuousClock.now
            let r = try await reader.get("/api/v1/organizations/\(org.id)/inventory-document?format=\(format)")
            guard r.readableBytes > 1000 else { throw BenchError("the inventory document is empty") }
            let d = start.duration(to: .now)
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        _ = try await timed("json")
        return Outcome(results: [created, updated, same, contacts], documentJSON: try await timed("json"), documentHTML: try await timed("html"), bodyKB: bodyKB)
    }
}
