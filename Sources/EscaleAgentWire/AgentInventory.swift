import Foundation

/// What the escale-agent knows of its own machine, written as GLPI's native inventory JSON (the format glpi-agent
/// sends): the server reads it with the same parser and limits as every other agent's, and an escale-agent
/// machine is an asset like any other.
public struct AgentInventory: Sendable, Equatable {
    public struct CPU: Sendable, Equatable {
        public var name: String?; public var manufacturer: String?; public var cores: Int?; public var threads: Int?; public var speedMHz: Int?
        public init(name: String?, manufacturer: String?, cores: Int?, threads: Int?, speedMHz: Int?) {
            self.name = name; self.manufacturer = manufacturer; self.cores = cores; self.threads = threads; self.speedMHz = speedMHz
        }
    }
    public struct Disk: Sendable, Equatable {
        public var name: String; public var model: String?; public var sizeMB: Int?; public var serial: String?
        public init(name: String, model: String?, sizeMB: Int?, serial: String?) { self.name = name; self.model = model; self.sizeMB = sizeMB; self.serial = serial }
    }
    public struct Volume: Sendable, Equatable {
        public var mountPoint: String; public var device: String; public var filesystem: String; public var totalMB: Int; public var freeMB: Int
        public init(mountPoint: String, device: String, filesystem: String, totalMB: Int, freeMB: Int) {
            self.mountPoint = mountPoint; self.device = device; self.filesystem = filesystem; self.totalMB = totalMB; self.freeMB = freeMB
        }
    }
    public struct Interface: Sendable, Equatable {
        public var name: String; public var mac: String?; public var addresses: [String]; public var virtual: Bool; public var up: Bool
        public init(name: String, mac: String?, addresses: [String], virtual: Bool, up: Bool) {
            self.name = name; self.mac = mac; self.addresses = addresses; self.virtual = virtual; self.up = up
        }
    }
    public struct Package: Sendable, Equatable {
        public var name: String; public var version: String?; public var publisher: String?; public var arch: String?
        public init(name: String, version: String?, publisher: String?, arch: String?) { self.name = name; self.version = version; self.publisher = publisher; self.arch = arch }
    }

    public var hostname: String
    public var fqdn: String?
    public var systemUUID: String?
    public var serial: String?
    public var manufacturer: String?
    public var model: String?
    public var chassis: String?
    public var virtual: String?
    public var osName: String?
    public var osVersion: String?
    public var osFullName: String?
    public var kernel: String?
    public var arch: String?
    public var biosVendor: String?
    public var biosVersion: String?
    public var biosDate: String?
    public var memoryMB: Int?
    public var cpus: [CPU] = []
    public var disks: [Disk] = []
    public var volumes: [Volume] = []
    public var interfaces: [Interface] = []
    public var packages: [Package] = []
    public var users: [String] = []
    public var agentVersion: String

    public init(hostname: String, agentVersion: String) { self.hostname = hostname; self.agentVersion = agentVersion }

    /// `{"action": "inventory", "deviceid": …, "itemtype": "Computer", "content": {…}}`.
    public func glpiJSON(deviceId: String) throws -> Data {
        var content: [String: Any] = [:]
        var hardware: [String: Any] = ["name": hostname]
        hardware["uuid"] = systemUUID
        hardware["memory"] = memoryMB
        hardware["chassis_type"] = chassis
        hardware["vmsystem"] = virtual ?? "Physical"
        content["hardware"] = hardware
        var os: [String: Any] = [:]
        os["name"] = osName; os["version"] = osVersion; os["full_name"] = osFullName; os["kernel_version"] = kernel; os["arch"] = arch
        os["fqdn"] = fqdn
        content["operatingsystem"] = os
        var bios: [String: Any] = [:]
        bios["smanufacturer"] = manufacturer; bios["smodel"] = model; bios["ssn"] = serial
        bios["bmanufacturer"] = biosVendor; bios["bversion"] = biosVersion; bios["bdate"] = biosDate
        content["bios"] = bios
        content["cpus"] = cpus.map { c -> [String: Any] in
            var e: [String: Any] = [:]
            e["name"] = c.name; e["manufacturer"] = c.manufacturer; e["core"] = c.cores; e["thread"] = c.threads; e["speed"] = c.speedMHz
            e["arch"] = arch
            return e
        }
        content["storages"] = disks.map { d -> [String: Any] in
            var e: [String: Any] = ["name": d.name]
            e["model"] = d.model; e["disksize"] = d.sizeMB; e["serial"] = d.serial
            return e
        }
        content["drives"] = volumes.map { v -> [String: Any] in
            ["type": v.mountPoint, "volumn": v.device, "filesystem": v.filesystem, "total": v.totalMB, "free": v.freeMB]
        }
        var networks: [[String: Any]] = []
        for i in interfaces {
            let base: [String: Any] = ["description": i.name, "virtualdev": i.virtual ? 1 : 0, "status": i.up ? "Up" : "Down"]
            var withMAC = base
            withMAC["macaddr"] = i.mac
            if i.addresses.isEmpty { networks.append(withMAC) }
            for a in i.addresses {
                var e = withMAC
                e[a.contains(":") ? "ipaddress6" : "ipaddress"] = a
                networks.append(e)
            }
        }
        content["networks"] = networks
        content["softwares"] = packages.map { p -> [String: Any] in
            var e: [String: Any] = ["name": p.name]
            e["version"] = p.version; e["publisher"] = p.publisher; e["arch"] = p.arch
            return e
        }
        content["users"] = users.map { ["login": $0] }
        content["versionclient"] = "escale-agent \(agentVersion)"
        let root: [String: Any] = ["action": "inventory", "deviceid": deviceId, "itemtype": "Computer", "content": content]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }
}
