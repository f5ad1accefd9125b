import Foundation

/// One message of GLPI's native inventory protocol (glpi-agent 1.x): a JSON object with an `action` — `contact`
/// first, then `inventory` whose `content` follows GLPI's inventory_format (the OCS sections, lowercase). The agent
/// also sends its id in the `GLPI-Agent-ID` header; the body's `deviceid` wins over it.
public enum GLPIRequest: Sendable, Equatable {
    /// "Here are my tasks", answered by `GLPIReply.contact`. `tasks` are the enabled ones (else the installed ones).
    case contact(deviceId: String, tasks: [String])
    /// A full inventory, answered by `GLPIReply.inventoryAccepted`.
    case inventory(deviceId: String, MachineInventory)
    /// Anything else: another action (`netdiscovery`, `getConfig`…), an inventory of something that is not a computer
    /// (`inventory/NetworkEquipment`), or a partial inventory (`inventory/partial`), which must not replace the
    /// machine's last full snapshot.
    case other(action: String, deviceId: String?)

    /// Parses a decoded body (see `InventoryBody.decode`). Throws `.malformed` for anything that is not a GLPI message.
    public static func parse(json: [UInt8], agentIdHeader: String?) throws -> GLPIRequest {
        let root = try JSONValue.object(from: json)
        let deviceId = root["deviceid"]?.text?.trimmingWhitespace.bounded.nonEmpty
            ?? agentIdHeader?.trimmingWhitespace.bounded.nonEmpty
        let action: String
        if let a = root["action"]?.text?.trimmingWhitespace.lowercased().nonEmpty {
            action = a
        } else if let q = root["query"]?.text?.trimmingWhitespace.lowercased().nonEmpty {
            action = q
        } else if root["content"] != nil {
            action = "inventory"  // glpi-agent's own default
        } else {
            throw InventoryWireError.malformed("the GLPI message has no action")
        }

        switch action {
        case "contact":
            guard let deviceId else { throw InventoryWireError.malformed("the contact has no deviceid and no GLPI-Agent-ID") }
            let tasks = root["enabled-tasks"]?.strings ?? root["installed-tasks"]?.strings ?? root["tasks"]?.strings ?? []
            return .contact(deviceId: deviceId, tasks: Array(tasks.prefix(InventoryLimits.entries)).map(\.bounded))
        case "inventory":
            guard let deviceId else { throw InventoryWireError.malformed("the inventory has no deviceid and no GLPI-Agent-ID") }
            if let itemtype = root["itemtype"]?.text?.trimmingWhitespace.nonEmpty, itemtype.lowercased() != "computer" {
                return .other(action: "inventory/\(itemtype.bounded)", deviceId: deviceId)
            }
            if root["partial"]?.text.map({ ["true", "1"].contains($0.lowercased()) }) == true {
                return .other(action: "inventory/partial", deviceId: deviceId)
            }
            guard case .object(let content)? = root["content"] else {
                throw InventoryWireError.malformed("the inventory has no content object")
            }
            let sections = sections(content)
            return .inventory(deviceId: deviceId, MachineInventory(sections: sections, deviceId: deviceId, tag: root["tag"]?.text))
        default:
            return .other(action: action.bounded, deviceId: deviceId)
        }
    }

    /// inventory_format's content as OCS sections: keys upper-cased, scalars as text, a nested object's fields as
    /// `PARENT/FIELD`.
    private static func sections(_ content: [String: JSONValue]) -> InventorySections {
        var sections = InventorySections()
        for (key, value) in content {
            let section = key.uppercased()
            guard InventorySections.kept.contains(section) else { continue }
            let items: [JSONValue]
            if case .array(let list) = value { items = Array(list.prefix(InventoryLimits.entries(of: section))) } else { items = [value] }
            for item in items {
                if case .object(let fields) = item {
                    var entry: InventorySections.Entry = [:]
                    flatten(fields, prefix: "", into: &entry)
                    sections.add(entry, to: section)
                } else if let text = item.text {
                    sections.add(["": text.bounded], to: section)
                }
            }
        }
        return sections
    }

    private static func flatten(_ fields: [String: JSONValue], prefix: String, into entry: inout InventorySections.Entry) {
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where entry.count < InventoryLimits.fieldsPerEntry {
            if let text = value.text {
                entry[prefix + key.uppercased()] = text.bounded
            } else if case .object(let nested) = value, prefix.isEmpty {
                flatten(nested, prefix: key.uppercased() + "/", into: &entry)
            }
        }
    }
}

/// The server's answers, JSON (send them as the agent sent its request: zlib, gzip or plain `application/json`).
public enum GLPIReply: Sendable {
    /// Accepts the contact and asks for an inventory, as GLPI does; the agent contacts again within `expirationHours`.
    /// `disabledTasks` are tasks the agent should not run for this server (e.g. `deploy`, `netdiscovery`).
    public static func contact(expirationHours: Int, disabledTasks: [String] = []) -> [UInt8] {
        struct Task: Encodable { let server = "glpi" }
        struct Contact: Encodable {
            let status = "ok"
            let expiration: Int
            let tasks = ["inventory": Task()]
            let disabled: [String]?
        }
        return encode(Contact(expiration: max(1, expirationHours), disabled: disabledTasks.isEmpty ? nil : disabledTasks))
    }

    public static func inventoryAccepted(expirationHours: Int) -> [UInt8] {
        struct Accepted: Encodable {
            let status = "ok"
            let expiration: Int
        }
        return encode(Accepted(expiration: max(1, expirationHours)))
    }

    /// `{"status":"error","message":…}`: the agent logs the message.
    public static func error(_ message: String) -> [UInt8] {
        struct Failure: Encodable {
            let status = "error"
            let message: String
        }
        return encode(Failure(message: message))
    }

    private static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs cannot fail.
        return Array((try? encoder.encode(value)) ?? Data(#"{"status":"error"}"#.utf8))
    }
}
