import EscaleInventory
import Foundation
import Testing

@Suite("What changed between two inventories, and the digest that says whether anything did")
struct DiffTests {
    typealias M = MachineInventory

    static let before = M(
        name: "pc-1", os: .init(name: "Debian GNU/Linux", version: "12.10", fullName: "Debian GNU/Linux 12 (bookworm)"),
        cpus: [.init(name: "Intel Core i5", cores: 4, threads: 8)], memoryMB: 8192,
        disks: [.init(name: "sda", model: "Samsung 870", sizeMB: 476940, serial: "S1")],
        volumes: [.init(mountPoint: "/", filesystem: "ext4", totalMB: 450000, freeMB: 200000),
                  .init(mountPoint: "/boot", filesystem: "ext2", totalMB: 500, freeMB: 300)],
        networks: [.init(description: "eth0", mac: "aa:bb:cc:00:11:22", ipv4: ["192.0.2.7"], ipv6: ["fe80::1"]),
                   .init(description: "lo", ipv4: ["127.0.0.1"], virtual: true),
                   .init(description: "veth1", mac: "02:42:00:00:00:01", virtual: true)],
        software: [.init(name: "curl", version: "7.88.1", arch: "amd64"), .init(name: "vim", version: "9.0", arch: "amd64"),
                   .init(name: "linux-image", version: "6.1.0-30", arch: "amd64"), .init(name: "telnet", version: "0.17", arch: "amd64")],
        users: ["alice", "bob"], ipAddresses: ["192.0.2.7", "fe80::1"], macAddresses: ["aa:bb:cc:00:11:22"]
    )

    @Test("software added, removed and updated; RAM, a disk, the OS upgraded; free space and virtual interfaces ignored")
    func changes() {
        // given
        var after = Self.before
        after.software = [.init(name: "curl", version: "8.0.1", arch: "amd64"), .init(name: "vim", version: "9.0", arch: "amd64"),
                          .init(name: "linux-image", version: "6.1.0-30", arch: "amd64"), .init(name: "linux-image", version: "6.1.0-31", arch: "amd64"),
                          .init(name: "git", version: "2.39", arch: "amd64")]
        after.memoryMB = 16384
        after.disks.append(.init(name: "sdb", model: "WD Red", sizeMB: 3_815_447, serial: "W2"))
        after.os = .init(name: "Debian GNU/Linux", version: "13.0", fullName: "Debian GNU/Linux 13 (trixie)")
        after.volumes[0].freeMB = 12
        after.volumes[1].totalMB = 1000
        after.networks[0].ipv4 = ["192.0.2.8"]
        after.networks[0].ipv6 = ["fe80::2"]
        after.networks[2].mac = "02:42:00:00:00:02"
        // when
        let diff = InventoryDiff.between(Self.before, after)
        // then
        #expect(diff.softwareAdded == [.init(name: "git", version: "2.39", arch: "amd64"), .init(name: "linux-image", version: "6.1.0-31", arch: "amd64")])
        #expect(diff.softwareRemoved == [.init(name: "telnet", version: "0.17", arch: "amd64")])
        #expect(diff.softwareUpdated == [.init(name: "curl", arch: "amd64", from: "7.88.1", to: "8.0.1")])
        #expect(diff.memoryMB == .init(from: 8192, to: 16384))
        #expect(diff.os == .init(from: "Debian GNU/Linux 12 (bookworm) 12.10", to: "Debian GNU/Linux 13 (trixie) 13.0"))
        #expect(diff.disksAdded.map(\.serial) == ["W2"] && diff.disksRemoved.isEmpty)
        #expect(diff.volumesChanged == [.init(from: "/boot (ext2, 500 MB)", to: "/boot (ext2, 1000 MB)")])
        #expect(diff.networksChanged == [.init(from: "eth0 aa:bb:cc:00:11:22 192.0.2.7", to: "eth0 aa:bb:cc:00:11:22 192.0.2.8")])
        #expect(diff.cpuChanged == nil && !diff.isEmpty)
        // and the reverse is the mirror image
        let back = InventoryDiff.between(after, Self.before)
        #expect(back.softwareAdded == diff.softwareRemoved && back.softwareRemoved == diff.softwareAdded)
        #expect(back.disksRemoved == diff.disksAdded && back.memoryMB == .init(from: 16384, to: 8192))
    }

    @Test("a CPU swapped, a disk and an interface removed, a volume added: readable both ways")
    func hardware() {
        // given
        var after = Self.before
        after.cpus = [.init(name: "Intel Core i7", cores: 8, threads: 16)]
        after.disks = []
        after.networks = [after.networks[1]]
        after.volumes.append(.init(mountPoint: "/data", filesystem: "xfs", totalMB: 100_000))
        // when
        let diff = InventoryDiff.between(Self.before, after)
        // then
        #expect(diff.cpuChanged == .init(from: "Intel Core i5 (4 cores, 8 threads)", to: "Intel Core i7 (8 cores, 16 threads)"))
        #expect(diff.disksRemoved.map(\.name) == ["sda"])
        #expect(diff.networksChanged == [.init(from: "eth0 aa:bb:cc:00:11:22 192.0.2.7", to: nil)])
        #expect(diff.volumesChanged == [.init(from: nil, to: "/data (xfs, 100000 MB)")])
    }

    @Test("identical inventories, lists shuffled: the same digest and an empty diff")
    func identical() {
        // given
        var shuffled = Self.before
        var rng = SplitMix64(seed: 7)
        shuffled.software.shuffle(using: &rng)
        shuffled.volumes.reverse()
        shuffled.networks.reverse()
        shuffled.users.reverse()
        shuffled.ipAddresses.reverse()
        // then
        #expect(shuffled.digest == Self.before.digest)
        #expect(shuffled.digest.count == 64 && shuffled.digest.allSatisfy(\.isHexDigit))
        #expect(InventoryDiff.between(Self.before, shuffled).isEmpty)
        // and any change at all changes the digest, even one the timeline leaves out
        var fuller = Self.before
        fuller.volumes[0].freeMB = 1
        #expect(fuller.digest != Self.before.digest && InventoryDiff.between(Self.before, fuller).isEmpty)
    }

    @Test("two runs of the same agent on the same container: nothing for the timeline, only free space and the tag moved")
    func capturedRuns() throws {
        // given
        let first = try OCSCaptureTests.inventory("ocsinventory-agent/01-prolog-send-inventory/002-inventory")
        let tagged = try OCSCaptureTests.inventory("ocsinventory-agent/05-inventory-account-update/002-inventory")
        let fusionFirst = try OCSCaptureTests.inventory("fusioninventory-agent/01-prolog-send-inventory/002-inventory")
        let fusionForced = try OCSCaptureTests.inventory("fusioninventory-agent/03-prolog-no-send-force/002-inventory")
        // then
        #expect(InventoryDiff.between(first, tagged).isEmpty && first.digest != tagged.digest)
        #expect(InventoryDiff.between(fusionFirst, fusionForced).isEmpty)
        let again = try OCSCaptureTests.inventory("ocsinventory-agent/01-prolog-send-inventory/002-inventory")
        #expect(first.digest == again.digest)
    }

    @Test("the inventory and the diff encode with snake_case keys and decode back")
    func codable() throws {
        // given
        var after = Self.before
        after.memoryMB = 4096
        let diff = InventoryDiff.between(Self.before, after)
        // when
        let encoded = try JSONEncoder().encode(Self.before)
        let json = String(decoding: encoded, as: UTF8.self)
        // then
        #expect(json.contains(#""memory_mb":8192"#) && json.contains(#""mac_addresses""#) && json.contains(#""full_name""#))
        #expect(try JSONDecoder().decode(M.self, from: encoded) == Self.before)
        let diffJSON = try JSONEncoder().encode(diff)
        #expect(String(decoding: diffJSON, as: UTF8.self).contains(#""memory_mb":{"#))
        #expect(try JSONDecoder().decode(InventoryDiff.self, from: diffJSON) == diff)
    }
}

@Suite("How the desk stores an inventory")
struct StorageTests {
    @Test("written and read back: the same inventory in canonical order, awkward characters and absent values kept; the old JSON still read")
    func roundTrip() throws {
        var m = MachineInventory(name: "pc-42", fqdn: "pc-42.example.org", systemUUID: "4c4c", serial: "SN\t1", memoryMB: 8192)
        m.os = MachineInventory.OperatingSystem(name: "Debian", version: "12", fullName: "Debian GNU/Linux 12", kernel: nil, arch: "x86_64", servicePack: nil)
        m.software = [
            .init(name: "zsh", version: "5.9", publisher: "Debian", arch: "amd64"),
            .init(name: "a\\b\ttab\nline", version: nil, publisher: "", arch: nil, installDate: "2026-01-02"),
            .init(name: "émoji 🚀", version: "1.0", publisher: "Éditeur", arch: "all"),
        ]
        m.users = ["marie", "jean"]
        let (bytes, digest) = m.storage()
        let read = try #require(MachineInventory.fromStorage(bytes))
        #expect(Set(read.software) == Set(m.software) && read.software.count == 3)
        #expect(read.software.map(\.name) == read.software.map(\.name).sorted(), "canonical order")
        #expect(read.software.first { $0.name.hasPrefix("a\\") }?.version == nil && read.software.first { $0.name.hasPrefix("a\\") }?.publisher == "")
        #expect(read.name == "pc-42" && read.serial == "SN\t1" && read.os?.fullName == "Debian GNU/Linux 12" && Set(read.users) == ["marie", "jean"])
        #expect(read.storage().digest == digest, "stored, read and stored again: the same bytes")
        // What was stored before this format: the whole inventory as JSON.
        let legacy = Array(try JSONEncoder().encode(m))
        #expect(MachineInventory.fromStorage(legacy) == m)
        #expect(MachineInventory.fromStorage(Array("EINV1\nnot json".utf8)) == nil)
    }
}
