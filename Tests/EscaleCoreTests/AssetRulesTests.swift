import EscaleCore
import Foundation
import Testing

@Suite("Asset rules")
struct AssetRulesTests {
    let a = UUID(), b = UUID()

    func known(_ id: UUID, device: String?, uuid: String? = nil, serial: String? = nil, name: String = "pc-01", macs: Set<String> = []) -> AssetIdentity.Known {
        .init(id: id, deviceId: device, systemUUID: uuid, serial: serial, name: name, macs: macs)
    }

    @Test("the agent id first, then the system UUID, the serial, a MAC with the name: a reinstalled agent finds its machine")
    func identity() {
        let machines = [known(a, device: "pc-01-2026-01-01-00-00-00", uuid: "4C4C4544-0042", serial: "SN1", macs: ["aa:bb:cc:00:00:01"]),
                        known(b, device: "srv-2026-01-01-00-00-00", uuid: nil, serial: "SN2", name: "srv", macs: ["aa:bb:cc:00:00:02"])]
        #expect(AssetIdentity.match(.init(deviceId: "pc-01-2026-01-01-00-00-00", systemUUID: "4c4c4544-0042", serial: "SN1", name: "pc-01", macs: []), among: machines) == .existing(a))
        // Reinstalled: a new agent id, same hardware
        #expect(AssetIdentity.match(.init(deviceId: "pc-01-2026-06-01-00-00-00", systemUUID: "4C4C4544-0042", serial: nil, name: "pc-01", macs: []), among: machines) == .existing(a))
        #expect(AssetIdentity.match(.init(deviceId: "srv-new", systemUUID: nil, serial: "SN2", name: "srv", macs: []), among: machines) == .existing(b))
        #expect(AssetIdentity.match(.init(deviceId: "srv-new2", systemUUID: nil, serial: nil, name: "SRV", macs: ["aa:bb:cc:00:00:02"]), among: machines) == .existing(b))
        // A MAC alone, under another name, is not enough (a docking station's adapter moves between laptops)
        #expect(AssetIdentity.match(.init(deviceId: "other", systemUUID: nil, serial: nil, name: "laptop-9", macs: ["aa:bb:cc:00:00:02"]), among: machines) == .new)
        // A serial contradicted by UUIDs is another machine
        #expect(AssetIdentity.match(.init(deviceId: "x", systemUUID: "FFFF", serial: "SN1", name: "pc-01", macs: []), among: machines) == .new)
        // One agent id, other hardware: refused
        if case .conflict = AssetIdentity.match(.init(deviceId: "pc-01-2026-01-01-00-00-00", systemUUID: "DEAD-BEEF", serial: nil, name: "pc-02", macs: []), among: machines) {} else {
            Issue.record("two machines claiming one agent id must be a conflict")
        }
        #expect(AssetIdentity.match(.init(deviceId: "new-one", systemUUID: nil, serial: nil, name: "new", macs: []), among: []) == .new)
    }

    @Test("kinds from chassis, system and virtualisation; what each perimeter covers")
    func kindsAndCoverage() {
        #expect(AssetKind.classify(chassis: "Notebook", osName: "Microsoft Windows 11 Pro", virtualization: "Physical") == .laptop)
        #expect(AssetKind.classify(chassis: "Desktop", osName: "Microsoft Windows 10 Pro", virtualization: nil) == .workstation)
        #expect(AssetKind.classify(chassis: "Rack Mount Chassis", osName: "Debian GNU/Linux 12", virtualization: "") == .server)
        #expect(AssetKind.classify(chassis: nil, osName: "Microsoft Windows Server 2022 Standard", virtualization: "VMware") == .server)
        #expect(AssetKind.classify(chassis: nil, osName: "Debian GNU/Linux 12", virtualization: "Docker") == .virtualMachine)
        #expect(AssetKind.classify(chassis: nil, osName: nil, virtualization: nil) == .other)
        #expect(AssetCoverage.covers(.laptop, perimeter: .hardware))
        #expect(!AssetCoverage.covers(.server, perimeter: .hardware))
        #expect(AssetCoverage.covers(.server, perimeter: .infrastructure))
        #expect(!AssetCoverage.covers(.workstation, perimeter: nil))
        #expect(AssetCoverage.covers(.workstation, perimeter: .categories(["hardware.pc"]), hardwareCategoryKeys: ["hardware.pc"]))
        #expect(!AssetCoverage.covers(.workstation, perimeter: .categories(["network"]), hardwareCategoryKeys: ["hardware.pc"]))
    }

    @Test("operating systems' support: ended, ending within six months, supported, unknown")
    func osSupport() {
        let today = Day("2026-12-07")!
        #expect(OSSupport.status(of: "Microsoft Windows 10 Professionnel", on: today).status == .unsupported)
        #expect(OSSupport.status(of: "Microsoft Windows 11 Pro", on: today).status == .supported)
        #expect(OSSupport.status(of: "Microsoft Windows 8.1 Pro", on: today).end == Day("2023-01-10"))
        #expect(OSSupport.status(of: "Debian GNU/Linux 11 (bullseye)", on: today).status == .unsupported)
        #expect(OSSupport.status(of: "Debian GNU/Linux 12 (bookworm)", on: today).status == .supported)
        #expect(OSSupport.status(of: "Ubuntu 22.04.4 LTS", on: Day("2027-02-01")!).status == .endingSoon)
        #expect(OSSupport.status(of: "Haiku R1", on: today).status == .unknown)
        #expect(Day("2026-08-31")!.adding(months: 6) == Day("2027-02-28"))
    }
}
