/// Bounds on what one inventory may hold once read, whatever the agent sent, so that an absurd (or hostile) inventory
/// cannot blow the desk's memory or database later. What is over a bound is cut, not refused: a machine with 25,000
/// packages is still a machine to know about.
enum InventoryLimits {
    /// Software entries kept (a desktop has 1,000–3,000; a build server 10,000).
    static let software = 20_000
    /// Entries kept of any other list (CPUs, disks, interfaces, users, addresses…).
    static let entries = 1_000
    /// Characters kept of any string.
    static let string = 1_000
    /// Fields kept per entry of a section (HARDWARE has about 30).
    static let fieldsPerEntry = 200
    /// XML elements nested deeper than this are refused (the agents use 5 levels).
    static let depth = 32

    static func entries(of section: String) -> Int {
        section == "SOFTWARES" ? software : entries
    }
}

extension String {
    /// Cut at `InventoryLimits.string` characters.
    var bounded: String {
        let limit = InventoryLimits.string
        if utf8.count <= limit { return self }
        return count > limit ? String(prefix(limit)) : self
    }
}
