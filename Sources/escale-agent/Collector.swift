import EscaleAgentWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This machine's inventory, read from /proc, /sys, /etc/os-release, statvfs and the package database (dpkg, or
/// rpm). Whatever cannot be read (DMI serials need root) is left out, never guessed.
enum Collector {
    static func collect(agentVersion: String) -> AgentInventory {
        let host = read("/proc/sys/kernel/hostname")?.trimmed ?? ProcessInfo.processInfo.hostName
        var m = AgentInventory(hostname: String(host.split(separator: ".").first ?? Substring(host)), agentVersion: agentVersion)
        let domain = read("/proc/sys/kernel/domainname")?.trimmed
        m.fqdn = host.contains(".") ? host : (domain.flatMap { $0.isEmpty || $0 == "(none)" ? nil : "\(host).\($0)" })
        let dmi = "/sys/class/dmi/id/"
        m.systemUUID = read(dmi + "product_uuid")?.trimmed.nonEmpty
        m.serial = read(dmi + "product_serial")?.trimmed.nonEmpty
        m.manufacturer = read(dmi + "sys_vendor")?.trimmed.nonEmpty
        m.model = read(dmi + "product_name")?.trimmed.nonEmpty
        m.biosVendor = read(dmi + "bios_vendor")?.trimmed.nonEmpty
        m.biosVersion = read(dmi + "bios_version")?.trimmed.nonEmpty
        m.biosDate = (read(dmi + "bios_date")?.trimmed.nonEmpty).map(usDate)
        m.chassis = (read(dmi + "chassis_type")?.trimmed).flatMap(chassis)
        m.virtual = virtualization()
        let os = keyValues(read("/etc/os-release") ?? "")
        m.osName = os["NAME"]; m.osVersion = os["VERSION_ID"]; m.osFullName = os["PRETTY_NAME"]
        m.kernel = read("/proc/sys/kernel/osrelease")?.trimmed
        var u = utsname()
        uname(&u)
        m.arch = withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        m.memoryMB = meminfo()["MemTotal"].map { $0 / 1024 }
        m.cpus = cpus()
        m.disks = disks()
        m.volumes = volumes()
        m.interfaces = interfaces()
        m.packages = packages()
        m.users = users()
        return m
    }

    static func read(_ path: String) -> String? {
        guard let d = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: d, as: UTF8.self)
    }

    static func keyValues(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var v = String(line[line.index(after: eq)...])
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            out[String(line[..<eq])] = v
        }
        return out
    }

    /// kB values of /proc/meminfo.
    static func meminfo() -> [String: Int] {
        var out: [String: Int] = [:]
        for line in (read("/proc/meminfo") ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let v = Int(parts[1].split(separator: " ").first ?? "") else { continue }
            out[String(parts[0])] = v
        }
        return out
    }

    static func cpus() -> [AgentInventory.CPU] {
        // One entry per physical package: its model, cores and threads.
        var packages: [String: (name: String?, vendor: String?, cores: Int?, threads: Int, mhz: Int?)] = [:]
        for block in (read("/proc/cpuinfo") ?? "").components(separatedBy: "\n\n") where !block.isEmpty {
            var f: [String: String] = [:]
            for line in block.split(separator: "\n") {
                let p = line.split(separator: ":", maxSplits: 1)
                if p.count == 2 { f[p[0].trimmingCharacters(in: .whitespaces)] = p[1].trimmingCharacters(in: .whitespaces) }
            }
            guard f["processor"] != nil else { continue }
            let id = f["physical id"] ?? "0"
            var e = packages[id] ?? (f["model name"], f["vendor_id"], f["cpu cores"].flatMap { Int($0) }, 0, f["cpu MHz"].flatMap { Double($0) }.map { Int($0) })
            e.threads += 1
            packages[id] = e
        }
        return packages.keys.sorted().map { k in
            let e = packages[k]!
            return AgentInventory.CPU(name: e.name, manufacturer: e.vendor, cores: e.cores ?? e.threads, threads: e.threads, speedMHz: e.mhz)
        }
    }

    static func disks() -> [AgentInventory.Disk] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return names.sorted().compactMap { name -> AgentInventory.Disk? in
            guard !name.hasPrefix("loop"), !name.hasPrefix("ram"), !name.hasPrefix("zram"), !name.hasPrefix("dm-") else { return nil }
            let sectors = (read("/sys/block/\(name)/size")?.trimmed).flatMap { Int($0) } ?? 0
            guard sectors > 0 else { return nil }
            return AgentInventory.Disk(name: name, model: read("/sys/block/\(name)/device/model")?.trimmed.nonEmpty,
                                       sizeMB: sectors / 2048, serial: read("/sys/block/\(name)/device/serial")?.trimmed.nonEmpty)
        }
    }

    static let realFilesystems: Set<String> = ["ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "ntfs", "ntfs3", "zfs", "f2fs", "jfs", "reiserfs", "overlay"]

    static func volumes() -> [AgentInventory.Volume] {
        var seen = Set<String>()
        var out: [AgentInventory.Volume] = []
        for line in (read("/proc/mounts") ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3, realFilesystems.contains(String(f[2])) else { continue }
            let mount = String(f[1]).replacingOccurrences(of: "\\040", with: " ")
            guard seen.insert(mount).inserted, let s = usage(mount) else { continue }
            out.append(AgentInventory.Volume(mountPoint: mount, device: String(f[0]), filesystem: String(f[2]), totalMB: s.total, freeMB: s.free))
        }
        return out
    }

    /// Total and available MB of a mount point.
    static func usage(_ path: String) -> (total: Int, free: Int, usedPercent: Double)? {
        var s = statvfs()
        guard statvfs(path, &s) == 0, s.f_blocks > 0 else { return nil }
        let unit = Double(s.f_frsize)
        let total = Double(s.f_blocks) * unit, avail = Double(s.f_bavail) * unit, free = Double(s.f_bfree) * unit
        let used = total - free
        // As df computes it: used over what non-root users can have.
        let percent = used + avail > 0 ? used / (used + avail) * 100 : 0
        return (Int(total / 1_048_576), Int(avail / 1_048_576), percent)
    }

    static func interfaces() -> [AgentInventory.Interface] {
        var addresses: [String: [String]] = [:]
        var list: UnsafeMutablePointer<ifaddrs>?
        if getifaddrs(&list) == 0, let first = list {
            var p: UnsafeMutablePointer<ifaddrs>? = first
            while let a = p {
                if let sa = a.pointee.ifa_addr, sa.pointee.sa_family == UInt16(AF_INET) || sa.pointee.sa_family == UInt16(AF_INET6) {
                    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                    let len = socklen_t(sa.pointee.sa_family == UInt16(AF_INET) ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
                    if getnameinfo(sa, len, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                        let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: "%").first.map(String.init) ?? ""
                        addresses[String(cString: a.pointee.ifa_name), default: []].append(text)
                    }
                }
                p = a.pointee.ifa_next
            }
            freeifaddrs(first)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []
        return names.sorted().map { name in
            let mac = read("/sys/class/net/\(name)/address")?.trimmed.nonEmpty
            // Physical interfaces have a device link; bridges, veths, loopback and tunnels do not.
            let physical = FileManager.default.fileExists(atPath: "/sys/class/net/\(name)/device")
            let up = read("/sys/class/net/\(name)/operstate")?.trimmed == "up"
            return AgentInventory.Interface(name: name, mac: mac == "00:00:00:00:00:00" ? nil : mac, addresses: addresses[name] ?? [],
                                            virtual: !physical, up: up)
        }
    }

    static func packages() -> [AgentInventory.Package] {
        if let status = read("/var/lib/dpkg/status") {
            var out: [AgentInventory.Package] = []
            for block in status.components(separatedBy: "\n\n") {
                var f: [String: String] = [:]
                for line in block.split(separator: "\n") where !line.hasPrefix(" ") {
                    let p = line.split(separator: ":", maxSplits: 1)
                    if p.count == 2 { f[String(p[0])] = p[1].trimmingCharacters(in: .whitespaces) }
                }
                guard let name = f["Package"], f["Status"]?.hasSuffix(" installed") == true else { continue }
                let publisher = f["Maintainer"].map { m in m.split(separator: "<").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? m }
                out.append(AgentInventory.Package(name: name, version: f["Version"], publisher: publisher, arch: f["Architecture"]))
            }
            return out
        }
        guard let text = output("/usr/bin/rpm", ["-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{ARCH}\n"]) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4 else { return nil }
            return AgentInventory.Package(name: f[0], version: f[1], publisher: f[2] == "(none)" ? nil : f[2], arch: f[3])
        }
    }

    static func users() -> [String] {
        guard let text = output("/usr/bin/who", []) else { return [] }
        var seen: [String] = []
        for line in text.split(separator: "\n") {
            if let u = line.split(separator: " ").first.map(String.init), !seen.contains(u) { seen.append(u) }
        }
        return seen
    }

    static func virtualization() -> String? {
        if FileManager.default.fileExists(atPath: "/.dockerenv") { return "Docker" }
        if let v = output("/usr/bin/systemd-detect-virt", [])?.trimmed, !v.isEmpty, v != "none" { return v }
        return nil
    }

    /// DMI's chassis type number, named as the inventory agents name it.
    static func chassis(_ n: String) -> String? {
        switch Int(n) ?? 0 {
        case 3, 4, 5, 6, 7, 15, 16, 24: "Desktop"
        case 8, 9, 10, 14, 31, 32: "Laptop"
        case 17, 23, 28, 29: "Server"
        case 30: "Tablet"
        case 35, 36: "Mini PC"
        default: nil
        }
    }

    /// DMI writes dates MM/DD/YYYY.
    static func usDate(_ s: String) -> String {
        let p = s.split(separator: "/")
        guard p.count == 3 else { return s }
        return "\(p[2])-\(p[0])-\(p[1])"
    }

    /// A program's standard output, or nil when it is missing or fails.
    static func output(_ path: String, _ args: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
    var nonEmpty: String? { isEmpty ? nil : self }
}
