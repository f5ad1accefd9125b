extension MachineInventory {
    /// Normalises one inventory's sections, whichever dialect they came in. Field synonyms are listed
    /// FusionInventory/GLPI first, then OCS (`CORE`/`CORES`, `ARCH`/`ARCHITECTURE`/`CPUARCH`, `MACADDR`/`MAC`…).
    init(sections s: InventorySections, deviceId: String, tag rootTag: String? = nil) {
        let hardware = s.single("HARDWARE")
        let biosEntry = s.single("BIOS")
        let osEntry = s.single("OPERATINGSYSTEM")

        let fqdn = osEntry.text("FQDN")
        self.init(
            name: hardware.text("NAME") ?? Normalise.host(fqdn) ?? Normalise.hostFromDeviceId(deviceId).bounded,
            fqdn: fqdn
        )
        systemUUID = Normalise.meaningful(hardware.text("UUID"))?.lowercased()
        serial = Normalise.meaningful(biosEntry.text("SSN"))
        manufacturer = Normalise.meaningful(biosEntry.text("SMANUFACTURER"))
        model = Normalise.meaningful(biosEntry.text("SMODEL"))
        type = Normalise.meaningful(hardware.text("CHASSIS_TYPE") ?? biosEntry.text("TYPE"))
        os = Self.operatingSystem(osEntry, hardware: hardware, cpus: s["CPUS"])
        bios = Self.bios(biosEntry)
        cpus = s["CPUS"].map { c in
            CPU(
                name: c.text("NAME", "TYPE"), manufacturer: c.text("MANUFACTURER"),
                cores: c.number("CORE", "CORES", "CORECOUNT"), threads: c.number("THREAD", "LOGICAL_CPUS", "THREADS"),
                speedMHz: c.number("SPEED").flatMap { $0 > 0 ? $0 : nil }, arch: c.text("ARCH", "CPUARCH", "ARCHITECTURE")
            )
        }
        memoryMB = hardware.number("MEMORY").flatMap { $0 > 0 ? $0 : nil }
        memories = s["MEMORIES"].compactMap { m in
            guard let capacity = m.number("CAPACITY"), capacity > 0 else { return nil }
            return MemoryModule(
                capacityMB: capacity, type: m.text("TYPE"), speed: m.text("SPEED"),
                serial: Normalise.meaningful(m.text("SERIALNUMBER", "SERIAL")), slot: m.text("NUMSLOTS", "CAPTION")
            )
        }
        disks = s["STORAGES"].map { d in
            Disk(
                name: d.text("NAME"), model: d.text("MODEL"), sizeMB: d.number("DISKSIZE").flatMap { $0 > 0 ? $0 : nil },
                serial: Normalise.meaningful(d.text("SERIALNUMBER", "SERIAL")), type: d.text("TYPE"),
                interface: d.text("INTERFACE")
            )
        }
        volumes = s["DRIVES"].map { v in
            Volume(
                mountPoint: v.text("LETTER", "TYPE", "MOUNTPOINT"), device: v.text("VOLUMN"), filesystem: v.text("FILESYSTEM"),
                totalMB: v.number("TOTAL"), freeMB: v.number("FREE"), label: v.text("LABEL")
            )
        }
        networks = Self.interfaces(s["NETWORKS"])
        monitors = s["MONITORS"].map { m in
            Monitor(
                name: m.text("CAPTION", "NAME", "DESCRIPTION"), manufacturer: m.text("MANUFACTURER"),
                serial: Normalise.meaningful(m.text("SERIAL"))
            )
        }
        printers = s["PRINTERS"].map { p in
            Printer(name: p.text("NAME"), driver: p.text("DRIVER"), port: p.text("PORT"), network: p.flag("NETWORK") ?? false)
        }
        software = Self.software(s["SOFTWARES"])
        users = Self.users(s["USERS"], hardware: hardware)
        ipAddresses = Self.unique(networks.flatMap { $0.ipv4 + $0.ipv6 }.filter { !Normalise.isLoopback($0) })
        if ipAddresses.isEmpty, let ip = hardware.text("IPADDR"), !Normalise.isLoopback(ip) { ipAddresses = [ip] }
        macAddresses = Self.unique(networks.filter { !$0.virtual }.compactMap(\.mac))
        tag = rootTag?.trimmingWhitespace.bounded.nonEmpty
            ?? s["ACCOUNTINFO"].first { $0.text("KEYNAME")?.uppercased() == "TAG" }?.text("KEYVALUE")
        agent = s.single("VERSIONCLIENT").text("")
        virtual = hardware.text("VMSYSTEM").flatMap { $0.lowercased() == "physical" ? nil : $0 }
    }

    /// FusionInventory and GLPI send OPERATINGSYSTEM; the OCS agent only HARDWARE's OSNAME, OSVERSION and OSCOMMENTS
    /// (the full name on Unix, the service pack on Windows).
    private static func operatingSystem(
        _ os: InventorySections.Entry, hardware: InventorySections.Entry, cpus: [InventorySections.Entry]
    ) -> OperatingSystem? {
        if !os.isEmpty {
            let system = OperatingSystem(
                name: os.text("NAME"), version: os.text("VERSION"), fullName: os.text("FULL_NAME"),
                kernel: os.text("KERNEL_VERSION"), arch: os.text("ARCH"), servicePack: os.text("SERVICE_PACK")
            )
            return system == OperatingSystem() ? nil : system
        }
        guard let name = hardware.text("OSNAME") else { return nil }
        let comments = hardware.text("OSCOMMENTS")
        let fullName = comments.flatMap { $0.hasPrefix(name) ? $0 : nil } ?? name
        let servicePack = comments.flatMap { $0.lowercased().contains("service pack") ? $0 : nil }
        return OperatingSystem(
            name: name, version: hardware.text("OSVERSION"), fullName: fullName, kernel: nil,
            arch: hardware.text("ARCH") ?? cpus.first?.text("CPUARCH", "ARCH"), servicePack: servicePack
        )
    }

    private static func bios(_ b: InventorySections.Entry) -> BIOS? {
        let bios = BIOS(
            manufacturer: Normalise.meaningful(b.text("BMANUFACTURER")), version: b.text("BVERSION"),
            date: Normalise.date(b.text("BDATE"), dayFirst: false), serial: Normalise.meaningful(b.text("SSN"))
        )
        return bios == BIOS() ? nil : bios
    }

    /// The agents send one entry per address; merged here into one interface per name and MAC, in order of appearance.
    private static func interfaces(_ entries: [InventorySections.Entry]) -> [NetworkInterface] {
        var merged: [NetworkInterface] = []
        var index: [String: Int] = [:]
        for e in entries {
            let mac = Normalise.mac(e.text("MACADDR", "MAC")).flatMap { Normalise.isPlaceholderMAC($0) ? nil : $0 }
            let name = e.text("DESCRIPTION", "NAME")
            let type = e.text("TYPE")?.lowercased()
            let virtual = e.flag("VIRTUALDEV") ?? false || type == "loopback" || name == "lo"
            let key = "\(name ?? "")|\(mac ?? "")"
            let i: Int
            if let known = index[key] {
                i = known
            } else {
                guard merged.count < InventoryLimits.entries else { continue }
                let speed = e.number("SPEED").flatMap { $0 > 0 ? $0 : nil }
                merged.append(NetworkInterface(description: name, mac: mac, virtual: virtual, status: e.text("STATUS")?.lowercased(), speedMbps: speed))
                i = merged.count - 1
                index[key] = i
            }
            // OCS puts IPv6 addresses in IPADDRESS too.
            for ip in [e.text("IPADDRESS"), e.text("IPADDRESS6")].compactMap({ $0 }) {
                if ip.contains(":") {
                    let v6 = ip.lowercased()
                    if !merged[i].ipv6.contains(v6) { merged[i].ipv6.append(v6) }
                } else if !merged[i].ipv4.contains(ip) {
                    merged[i].ipv4.append(ip)
                }
            }
        }
        return merged
    }

    /// Exact duplicates dropped. The OCS agent names Debian's multi-arch packages `libc6:amd64` where FusionInventory
    /// says `libc6` with ARCH amd64: the suffix that repeats the architecture is dropped, so both agents agree.
    private static func software(_ entries: [InventorySections.Entry]) -> [Software] {
        var seen = Set<Software>()
        var list: [Software] = []
        for e in entries {
            guard var name = e.text("NAME") else { continue }
            let arch = e.text("ARCH", "ARCHITECTURE")
            if let arch, name.hasSuffix(":" + arch), name.count > arch.count + 1 { name.removeLast(arch.count + 1) }
            let s = Software(
                name: name, version: e.text("VERSION"), publisher: e.text("PUBLISHER"), arch: arch,
                installDate: Normalise.date(e.text("INSTALLDATE", "INSTALL_DATE"), dayFirst: true)
            )
            if seen.insert(s).inserted { list.append(s) }
        }
        return list
    }

    /// `USERS` (logged-in users, `DOMAIN\login` when a domain is given), then `HARDWARE/USERID` (the last one).
    private static func users(_ entries: [InventorySections.Entry], hardware: InventorySections.Entry) -> [String] {
        var users = entries.compactMap { u -> String? in
            guard let login = u.text("LOGIN") else { return nil }
            return u.text("DOMAIN").map { "\($0)\\\(login)" } ?? login
        }
        if let last = hardware.text("USERID") { users.append(last) }
        return Array(unique(users).prefix(InventoryLimits.entries))
    }

    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return Array(values.filter { seen.insert($0).inserted }.prefix(InventoryLimits.entries))
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
