import Crypto
import EscaleAgentWire
import EscaleInventory
import Foundation
import Testing

@Suite("escale-agent wire")
struct AgentWireTests {
    let key = Curve25519.Signing.PrivateKey()
    let agent = UUID()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func command(agent: UUID? = nil, issued: Date? = nil, expires: Date? = nil, nonce: String = Command.newNonce()) -> Command {
        Command(id: UUID(), agentId: agent ?? self.agent, nonce: nonce, issuedAt: issued ?? now, expiresAt: expires ?? now.addingTimeInterval(900),
                label: "Restart a service: cups — pc-042", script: "systemctl restart -- 'cups'", timeoutSeconds: 60, outputLimit: 65_536)
    }

    @Test("a signed command verifies once; the same command again is a replay")
    func verifiesOnce() throws {
        let c = command()
        let signed = try SignedCommand.sign(c, with: key)
        let verifier = CommandVerifier(serverKey: key.publicKey, agentId: agent)
        var ledger = NonceLedger()
        #expect(try verifier.verify(signed, now: now, ledger: &ledger) == c)
        #expect(throws: CommandRefusal.replayed) { try verifier.verify(signed, now: now.addingTimeInterval(5), ledger: &ledger) }
        // The ledger survives a restart (it is saved as JSON).
        var reloaded = try JSONDecoder().decode(NonceLedger.self, from: JSONEncoder().encode(ledger))
        #expect(throws: CommandRefusal.replayed) { try verifier.verify(signed, now: now.addingTimeInterval(5), ledger: &reloaded) }
    }

    @Test("any changed byte of the payload, another key, another agent, an expired or future command: refused")
    func refusals() throws {
        let verifier = CommandVerifier(serverKey: key.publicKey, agentId: agent)
        var ledger = NonceLedger()
        let signed = try SignedCommand.sign(command(), with: key)
        // The script changed in the stored row: the signature no longer matches.
        var bytes = Data(base64Encoded: signed.payload)!
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "cups", with: "sshd")
        bytes = Data(text.utf8)
        let tampered = SignedCommand(payload: bytes.base64EncodedString(), signature: signed.signature)
        #expect(throws: CommandRefusal.badSignature) { try verifier.verify(tampered, now: now, ledger: &ledger) }
        // Each single bit of the payload matters.
        let raw = Data(base64Encoded: signed.payload)!
        for i in stride(from: 0, to: raw.count, by: 7) {
            var flipped = raw
            flipped[i] ^= 0x01
            #expect(throws: CommandRefusal.self) {
                try verifier.verify(SignedCommand(payload: flipped.base64EncodedString(), signature: signed.signature), now: now, ledger: &ledger)
            }
        }
        let forged = try SignedCommand.sign(command(), with: Curve25519.Signing.PrivateKey())
        #expect(throws: CommandRefusal.badSignature) { try verifier.verify(forged, now: now, ledger: &ledger) }
        #expect(throws: CommandRefusal.otherAgent) { try verifier.verify(try SignedCommand.sign(command(agent: UUID()), with: key), now: now, ledger: &ledger) }
        let old = try SignedCommand.sign(command(issued: now.addingTimeInterval(-3_600), expires: now.addingTimeInterval(-600)), with: key)
        #expect(throws: CommandRefusal.expired) { try verifier.verify(old, now: now, ledger: &ledger) }
        let future = try SignedCommand.sign(command(issued: now.addingTimeInterval(3_600), expires: now.addingTimeInterval(4_000)), with: key)
        #expect(throws: CommandRefusal.notYetValid) { try verifier.verify(future, now: now, ledger: &ledger) }
        #expect(throws: CommandRefusal.malformed) { try verifier.verify(SignedCommand(payload: "%%%", signature: "x"), now: now, ledger: &ledger) }
        #expect(ledger.seen.isEmpty, "nothing refused is remembered")
        // A refusal is still reported on the run the bytes claim to be.
        #expect(CommandRefusal.claimedRun(tampered) != nil)
    }

    @Test("the ledger forgets nonces once their command has expired (a replay then fails as expired)")
    func ledgerPrunes() throws {
        var ledger = NonceLedger()
        ledger.record("a", until: now)
        ledger.record("b", until: now.addingTimeInterval(1_000))
        ledger.prune(now: now.addingTimeInterval(500), skew: 120)
        #expect(!ledger.contains("a") && ledger.contains("b"))
    }

    @Test("the agent's inventory, read back by the server's GLPI parser")
    func inventoryRoundTrip() throws {
        var m = AgentInventory(hostname: "pc-042", agentVersion: "1.0.0")
        m.fqdn = "pc-042.example.org"; m.systemUUID = "4C4C4544-0042-3510-8052-B4C04F4E3332"; m.serial = "5R2NGN2"
        m.manufacturer = "Dell Inc."; m.model = "OptiPlex 7070"; m.osName = "Debian GNU/Linux"; m.osVersion = "12"
        m.osFullName = "Debian GNU/Linux 12 (bookworm)"; m.kernel = "6.1.0-28-amd64"; m.arch = "x86_64"; m.memoryMB = 15_890
        m.cpus = [.init(name: "Intel(R) Core(TM) i7-9700 CPU @ 3.00GHz", manufacturer: "GenuineIntel", cores: 8, threads: 8, speedMHz: 3000)]
        m.disks = [.init(name: "nvme0n1", model: "PC SN520", sizeMB: 476_940, serial: nil)]
        m.volumes = [.init(mountPoint: "/", device: "/dev/nvme0n1p2", filesystem: "ext4", totalMB: 460_000, freeMB: 120_000)]
        m.interfaces = [.init(name: "enp1s0", mac: "D8:9E:F3:12:34:56", addresses: ["192.168.1.42", "fe80::1"], virtual: false, up: true),
                        .init(name: "lo", mac: nil, addresses: ["127.0.0.1"], virtual: true, up: true)]
        m.packages = [.init(name: "firefox-esr", version: "115.9.1esr-1~deb12u1", publisher: "Debian Mozilla Team", arch: "amd64"),
                      .init(name: "libc6", version: "2.36-9+deb12u4", publisher: "GNU Libc Maintainers", arch: "amd64")]
        m.users = ["marie"]
        let json = try m.glpiJSON(deviceId: "escale-agent-1")
        guard case let .inventory(deviceId, read) = try GLPIRequest.parse(json: Array(json), agentIdHeader: nil) else {
            Issue.record("not read as an inventory"); return
        }
        #expect(deviceId == "escale-agent-1")
        #expect(read.name == "pc-042" && read.fqdn == "pc-042.example.org")
        #expect(read.systemUUID == "4c4c4544-0042-3510-8052-b4c04f4e3332" && read.serial == "5R2NGN2")
        #expect(read.manufacturer == "Dell Inc." && read.model == "OptiPlex 7070")
        #expect(read.os?.fullName == "Debian GNU/Linux 12 (bookworm)" && read.os?.kernel == "6.1.0-28-amd64" && read.os?.arch == "x86_64")
        #expect(read.memoryMB == 15_890 && read.cpus.first?.cores == 8)
        #expect(read.disks.first?.sizeMB == 476_940 && read.volumes.first?.mountPoint == "/" && read.volumes.first?.freeMB == 120_000)
        #expect(read.macAddresses == ["d8:9e:f3:12:34:56"] && read.ipAddresses.contains("192.168.1.42") && !read.ipAddresses.contains("127.0.0.1"))
        #expect(read.software.count == 2 && read.software.contains { $0.name == "firefox-esr" && $0.publisher == "Debian Mozilla Team" })
        #expect(read.users == ["marie"] && read.agent == "escale-agent 1.0.0")
    }

    @Test("verdicts from measures")
    func verdicts() {
        #expect(CheckVerdict.disk(mount: "/", usedPercent: 93.2, threshold: 90).0 == .failing)
        #expect(CheckVerdict.disk(mount: "/", usedPercent: 89.9, threshold: 90).0 == .ok)
        #expect(CheckVerdict.certificate(target: "a:443", daysLeft: -1, threshold: 14).0 == .failing)
        #expect(CheckVerdict.certificate(target: "a:443", daysLeft: 30, threshold: 14).0 == .ok)
        #expect(CheckKind.disk.defaultThreshold == 90 && CheckKind.systemd.needsTarget)
    }
}
