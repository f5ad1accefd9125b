import Crypto
import Foundation

extension MachineInventory {
    /// A stable digest of the normalised content: lists are sorted first, so the order the agent listed things in never
    /// matters. Equal digests mean nothing changed, so a repeated inventory costs one comparison. Hex SHA-256.
    /// The SHA-256 of the inventory as the desk stores it (`storage()`): what is stored is what was hashed.
    public var digest: String { storage().digest }

    /// The same inventory with every list in one order.
    var canonical: MachineInventory {
        var c = self
        c.cpus = Self.sorted(cpus)
        c.memories = Self.sorted(memories)
        c.disks = Self.sorted(disks)
        c.volumes = Self.sorted(volumes)
        c.networks = Self.sorted(networks.map { n in
            var n = n
            n.ipv4.sort()
            n.ipv6.sort()
            return n
        })
        c.monitors = Self.sorted(monitors)
        c.printers = Self.sorted(printers)
        c.software = software.sorted {
            ($0.name, $0.version ?? "", $0.arch ?? "", $0.publisher ?? "", $0.installDate ?? "")
                < ($1.name, $1.version ?? "", $1.arch ?? "", $1.publisher ?? "", $1.installDate ?? "")
        }
        c.users.sort()
        c.ipAddresses.sort()
        c.macAddresses.sort()
        return c
    }

    /// Sorted by each element's JSON (short lists: the software list has its own order above).
    private static func sorted<T: Encodable>(_ list: [T]) -> [T] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return list.map { ((try? encoder.encode($0)) ?? Data(), $0) }
            .sorted { $0.0.lexicographicallyPrecedes($1.0) }
            .map(\.1)
    }
}
