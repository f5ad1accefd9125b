/// What the desk keeps of a machine, normalised from either dialect: OCS/FusionInventory XML (whose field names differ:
/// `CORE`/`CORES`, `ARCH`/`ARCHITECTURE`, …) or GLPI's native JSON (the same names, lowercase). Sizes are in MB;
/// dates are ISO-8601 strings (`2025-04-20`, `2025-04-20T14:36:34`) when the agent's format is recognised, else as given.
///
/// Lists are bounded (`InventoryLimits`): at most 20,000 software entries, 1,000 of any other list, strings cut at
/// 1,000 characters, so an absurd inventory cannot blow the desk's memory later.
public struct MachineInventory: Codable, Sendable, Equatable {
    /// `HARDWARE/NAME`, else the host part of `OPERATINGSYSTEM/FQDN`, else the device id without its timestamp.
    public var name: String
    public var fqdn: String?
    /// `HARDWARE/UUID` (the BIOS's), lowercased; placeholders (all zeros, all F) left out.
    public var systemUUID: String?
    /// `BIOS/SSN`; placeholders such as "To be filled by O.E.M.", "0", "None" or all zeros left out.
    public var serial: String?
    /// `BIOS/SMANUFACTURER`, `BIOS/SMODEL` and the chassis type.
    public var manufacturer: String?
    public var model: String?
    public var type: String?
    public var os: OperatingSystem?
    public var bios: BIOS?
    public var cpus: [CPU]
    /// `HARDWARE/MEMORY`.
    public var memoryMB: Int?
    /// Installed modules only (an empty slot is not a module).
    public var memories: [MemoryModule]
    /// Physical disks (`STORAGES`).
    public var disks: [Disk]
    /// File systems (`DRIVES`).
    public var volumes: [Volume]
    /// One per interface: the agents send one entry per address, merged here by name and MAC.
    public var networks: [NetworkInterface]
    public var monitors: [Monitor]
    public var printers: [Printer]
    /// Exact duplicates removed.
    public var software: [Software]
    /// Logged-in and last users (`USERS/LOGIN`, `HARDWARE/USERID`); local accounts (`LOCAL_USERS`) are not users.
    public var users: [String]
    /// Every address of the interfaces but loopback ones.
    public var ipAddresses: [String]
    /// Non-virtual interfaces' MACs, lowercased `aa:bb:cc:dd:ee:ff`; placeholders (all zeros, broadcast) left out.
    public var macAddresses: [String]
    /// `ACCOUNTINFO` `KEYNAME=TAG` (GLPI: `tag`).
    public var tag: String?
    /// The agent's own name and version (`VERSIONCLIENT`).
    public var agent: String?
    /// `HARDWARE/VMSYSTEM` when not "Physical" (Docker, VMware, KVM, …).
    public var virtual: String?

    public init(
        name: String, fqdn: String? = nil, systemUUID: String? = nil, serial: String? = nil,
        manufacturer: String? = nil, model: String? = nil, type: String? = nil,
        os: OperatingSystem? = nil, bios: BIOS? = nil, cpus: [CPU] = [], memoryMB: Int? = nil,
        memories: [MemoryModule] = [], disks: [Disk] = [], volumes: [Volume] = [], networks: [NetworkInterface] = [],
        monitors: [Monitor] = [], printers: [Printer] = [], software: [Software] = [], users: [String] = [],
        ipAddresses: [String] = [], macAddresses: [String] = [], tag: String? = nil, agent: String? = nil,
        virtual: String? = nil
    ) {
        self.name = name
        self.fqdn = fqdn
        self.systemUUID = systemUUID
        self.serial = serial
        self.manufacturer = manufacturer
        self.model = model
        self.type = type
        self.os = os
        self.bios = bios
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.memories = memories
        self.disks = disks
        self.volumes = volumes
        self.networks = networks
        self.monitors = monitors
        self.printers = printers
        self.software = software
        self.users = users
        self.ipAddresses = ipAddresses
        self.macAddresses = macAddresses
        self.tag = tag
        self.agent = agent
        self.virtual = virtual
    }

    enum CodingKeys: String, CodingKey {
        case name, fqdn
        case systemUUID = "system_uuid"
        case serial, manufacturer, model, type, os, bios, cpus
        case memoryMB = "memory_mb"
        case memories, disks, volumes, networks, monitors, printers, software, users
        case ipAddresses = "ip_addresses"
        case macAddresses = "mac_addresses"
        case tag, agent, virtual
    }
}

extension MachineInventory {
    public struct OperatingSystem: Codable, Sendable, Equatable, Hashable {
        public var name: String?
        public var version: String?
        public var fullName: String?
        public var kernel: String?
        public var arch: String?
        public var servicePack: String?

        public init(
            name: String? = nil, version: String? = nil, fullName: String? = nil, kernel: String? = nil,
            arch: String? = nil, servicePack: String? = nil
        ) {
            self.name = name
            self.version = version
            self.fullName = fullName
            self.kernel = kernel
            self.arch = arch
            self.servicePack = servicePack
        }

        enum CodingKeys: String, CodingKey {
            case name, version
            case fullName = "full_name"
            case kernel, arch
            case servicePack = "service_pack"
        }
    }

    public struct BIOS: Codable, Sendable, Equatable, Hashable {
        public var manufacturer: String?
        public var version: String?
        public var date: String?
        public var serial: String?

        public init(manufacturer: String? = nil, version: String? = nil, date: String? = nil, serial: String? = nil) {
            self.manufacturer = manufacturer
            self.version = version
            self.date = date
            self.serial = serial
        }

        enum CodingKeys: String, CodingKey {
            case manufacturer, version, date, serial
        }
    }

    public struct CPU: Codable, Sendable, Equatable, Hashable {
        public var name: String?
        public var manufacturer: String?
        public var cores: Int?
        public var threads: Int?
        public var speedMHz: Int?
        public var arch: String?

        public init(
            name: String? = nil, manufacturer: String? = nil, cores: Int? = nil, threads: Int? = nil,
            speedMHz: Int? = nil, arch: String? = nil
        ) {
            self.name = name
            self.manufacturer = manufacturer
            self.cores = cores
            self.threads = threads
            self.speedMHz = speedMHz
            self.arch = arch
        }

        enum CodingKeys: String, CodingKey {
            case name, manufacturer, cores, threads
            case speedMHz = "speed_mhz"
            case arch
        }
    }

    public struct MemoryModule: Codable, Sendable, Equatable, Hashable {
        public var capacityMB: Int?
        public var type: String?
        /// As given ("1867", "2400 MHz").
        public var speed: String?
        public var serial: String?
        public var slot: String?

        public init(capacityMB: Int? = nil, type: String? = nil, speed: String? = nil, serial: String? = nil, slot: String? = nil) {
            self.capacityMB = capacityMB
            self.type = type
            self.speed = speed
            self.serial = serial
            self.slot = slot
        }

        enum CodingKeys: String, CodingKey {
            case capacityMB = "capacity_mb"
            case type, speed, serial, slot
        }
    }

    public struct Disk: Codable, Sendable, Equatable, Hashable {
        public var name: String?
        public var model: String?
        public var sizeMB: Int?
        public var serial: String?
        public var type: String?
        public var interface: String?

        public init(
            name: String? = nil, model: String? = nil, sizeMB: Int? = nil, serial: String? = nil, type: String? = nil,
            interface: String? = nil
        ) {
            self.name = name
            self.model = model
            self.sizeMB = sizeMB
            self.serial = serial
            self.type = type
            self.interface = interface
        }

        enum CodingKeys: String, CodingKey {
            case name, model
            case sizeMB = "size_mb"
            case serial, type, interface
        }
    }

    public struct Volume: Codable, Sendable, Equatable, Hashable {
        /// The mount point (`/`, `/home`) or, on Windows, the letter (`C:`).
        public var mountPoint: String?
        /// The device or volume behind it (`DRIVES/VOLUMN`: `/dev/vda1`).
        public var device: String?
        public var filesystem: String?
        public var totalMB: Int?
        public var freeMB: Int?
        public var label: String?

        public init(
            mountPoint: String? = nil, device: String? = nil, filesystem: String? = nil, totalMB: Int? = nil,
            freeMB: Int? = nil, label: String? = nil
        ) {
            self.mountPoint = mountPoint
            self.device = device
            self.filesystem = filesystem
            self.totalMB = totalMB
            self.freeMB = freeMB
            self.label = label
        }

        enum CodingKeys: String, CodingKey {
            case mountPoint = "mount_point"
            case device, filesystem
            case totalMB = "total_mb"
            case freeMB = "free_mb"
            case label
        }
    }

    public struct NetworkInterface: Codable, Sendable, Equatable, Hashable {
        /// The interface's name (`eth0`) or, on Windows, its description.
        public var description: String?
        public var mac: String?
        public var ipv4: [String]
        public var ipv6: [String]
        /// Loopback, bridges, tunnels, containers' interfaces…: as the agent says (`VIRTUALDEV`), loopback always.
        public var virtual: Bool
        /// Lowercased: "up", "down".
        public var status: String?
        /// In Mbit/s; unknown (the agents' -1 or 0) is nil.
        public var speedMbps: Int?

        public init(
            description: String? = nil, mac: String? = nil, ipv4: [String] = [], ipv6: [String] = [], virtual: Bool = false,
            status: String? = nil, speedMbps: Int? = nil
        ) {
            self.description = description
            self.mac = mac
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.virtual = virtual
            self.status = status
            self.speedMbps = speedMbps
        }

        enum CodingKeys: String, CodingKey {
            case description, mac, ipv4, ipv6, virtual, status
            case speedMbps = "speed_mbps"
        }
    }

    public struct Monitor: Codable, Sendable, Equatable, Hashable {
        public var name: String?
        public var manufacturer: String?
        public var serial: String?

        public init(name: String? = nil, manufacturer: String? = nil, serial: String? = nil) {
            self.name = name
            self.manufacturer = manufacturer
            self.serial = serial
        }

        enum CodingKeys: String, CodingKey {
            case name, manufacturer, serial
        }
    }

    public struct Printer: Codable, Sendable, Equatable, Hashable {
        public var name: String?
        public var driver: String?
        public var port: String?
        public var network: Bool

        public init(name: String? = nil, driver: String? = nil, port: String? = nil, network: Bool = false) {
            self.name = name
            self.driver = driver
            self.port = port
            self.network = network
        }

        enum CodingKeys: String, CodingKey {
            case name, driver, port, network
        }
    }

    public struct Software: Codable, Sendable, Equatable, Hashable {
        public var name: String
        public var version: String?
        public var publisher: String?
        public var arch: String?
        public var installDate: String?

        public init(name: String, version: String? = nil, publisher: String? = nil, arch: String? = nil, installDate: String? = nil) {
            self.name = name
            self.version = version
            self.publisher = publisher
            self.arch = arch
            self.installDate = installDate
        }

        enum CodingKeys: String, CodingKey {
            case name, version, publisher, arch
            case installDate = "install_date"
        }
    }
}
