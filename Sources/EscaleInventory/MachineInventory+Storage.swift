import Crypto
import Foundation

/// How the desk keeps a machine's last inventory: its canonical form (`canonical`: every list in one order) written as
/// `EINV1`, a line of JSON for the hardware (software left out), then one tab-separated line per package
/// (name, version, publisher, arch, install date; `\t`, `\n` and `\\` escaped, an absent value as `\0`). A thousand
/// packages are most of an inventory: as lines they are written and read back several times faster than as JSON,
/// and the digest is the SHA-256 of these very bytes, so one encoding serves both.
extension MachineInventory {
    static let storageMagic = Array("EINV1\n".utf8)

    /// The stored bytes and their digest (hex SHA-256).
    public func storage() -> (bytes: [UInt8], digest: String) {
        let c = canonical
        var hardware = c
        hardware.software = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var out = Self.storageMagic
        out.append(contentsOf: (try? encoder.encode(hardware)) ?? Data("{}".utf8))
        out.append(0x0A)
        out.reserveCapacity(out.count + c.software.count * 80)
        for s in c.software {
            Self.field(s.name, into: &out); out.append(0x09)
            Self.field(s.version, into: &out); out.append(0x09)
            Self.field(s.publisher, into: &out); out.append(0x09)
            Self.field(s.arch, into: &out); out.append(0x09)
            Self.field(s.installDate, into: &out); out.append(0x0A)
        }
        let digest = SHA256.hash(data: out).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        return (out, digest)
    }

    /// Reads stored bytes back: this format, or the JSON of the whole inventory that was stored before it.
    public static func fromStorage(_ bytes: [UInt8]) -> MachineInventory? {
        guard bytes.starts(with: storageMagic) else { return try? JSONDecoder().decode(MachineInventory.self, from: Data(bytes)) }
        var i = storageMagic.count
        guard let end = bytes[i...].firstIndex(of: 0x0A),
              var inventory = try? JSONDecoder().decode(MachineInventory.self, from: Data(bytes[i..<end])) else { return nil }
        i = end + 1
        var software: [Software] = []
        var fields: [String?] = []
        var current: [UInt8] = []
        var absent = false
        var escaped = false
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if escaped {
                switch b {
                case UInt8(ascii: "t"): current.append(0x09)
                case UInt8(ascii: "n"): current.append(0x0A)
                case UInt8(ascii: "0"): absent = true
                default: current.append(b)
                }
                escaped = false
                continue
            }
            switch b {
            case UInt8(ascii: "\\"): escaped = true
            case 0x09, 0x0A:
                fields.append(absent ? nil : String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true); absent = false
                if b == 0x0A {
                    if fields.count == 5, let name = fields[0] {
                        software.append(Software(name: name, version: fields[1], publisher: fields[2], arch: fields[3], installDate: fields[4]))
                    }
                    fields.removeAll(keepingCapacity: true)
                }
            default: current.append(b)
            }
        }
        inventory.software = software
        return inventory
    }

    private static func field(_ value: String?, into out: inout [UInt8]) {
        guard let value else { out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "0")); return }
        for b in value.utf8 {
            switch b {
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            default: out.append(b)
            }
        }
    }
}
