/// One request of the OCS Inventory protocol, as fusioninventory-agent 2.6 and ocsinventory-agent 2.10 send it
/// (PROTOCOLS.md §1–2): `<REQUEST>` with `DEVICEID`, `QUERY` and, for an inventory, `CONTENT`.
public enum OCSRequest: Sendable, Equatable {
    /// "May I send an inventory?", answered by `OCSReply.prolog`.
    case prolog(deviceId: String)
    /// A full snapshot of the machine (never a delta), answered by `OCSReply.inventoryAccepted`.
    case inventory(deviceId: String, MachineInventory)
    /// Another query (SNMP, network discovery…) the desk does not handle: answered politely by `OCSReply.other`.
    case other(query: String, deviceId: String?)

    /// Parses a decoded body (see `InventoryBody.decode`). Throws `.forbiddenXML` for a DTD or entity, `.malformed`
    /// for anything that is not an OCS request (not XML, another root, no `DEVICEID` or `QUERY`, no `CONTENT`).
    public static func parse(xml: [UInt8]) throws -> OCSRequest {
        let reader = OCSReader()
        try SafeXML.parse(xml, into: reader)
        guard let query = reader.fields["QUERY"]?.trimmingWhitespace.nonEmpty else {
            throw InventoryWireError.malformed("the OCS request has no QUERY")
        }
        let deviceId = reader.fields["DEVICEID"]?.trimmingWhitespace.bounded.nonEmpty
        switch query.uppercased() {
        case "PROLOG":
            guard let deviceId else { throw InventoryWireError.malformed("the PROLOG has no DEVICEID") }
            return .prolog(deviceId: deviceId)
        case "INVENTORY":
            guard let deviceId else { throw InventoryWireError.malformed("the INVENTORY has no DEVICEID") }
            guard reader.hasContent else { throw InventoryWireError.malformed("the INVENTORY has no CONTENT") }
            return .inventory(deviceId: deviceId, MachineInventory(sections: reader.sections, deviceId: deviceId))
        default:
            return .other(query: query.bounded, deviceId: deviceId)
        }
    }
}

/// The server's answers. Send them zlib-compressed (`InventoryBody.encode(_, as: .zlib)`): ocsinventory-agent 2.10
/// accepts nothing else, fusioninventory-agent 2.6 zlib at the default level or plain XML.
public enum OCSReply: Sendable {
    private static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"

    /// Asks for an inventory (`RESPONSE` `SEND`) and says when to come back (`PROLOG_FREQ`, hours, at least 1).
    public static func prolog(frequencyHours: Int) -> [UInt8] {
        Array((declaration + "<REPLY><PROLOG_FREQ>\(max(1, frequencyHours))</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>\n").utf8)
    }

    /// Acknowledges an inventory; the agent then records it as sent (fusioninventory-agent's CHECKSUM state).
    public static func inventoryAccepted() -> [UInt8] {
        Array((declaration + "<REPLY><RESPONSE>no_account_update</RESPONSE></REPLY>\n").utf8)
    }

    /// Acknowledges an inventory and rewrites the agent's administrative data (ocsinventory-agent keeps it in
    /// `ocsinv.adm` and sends it back in every later inventory's `ACCOUNTINFO`; fusioninventory-agent ignores it):
    /// how the desk moves a machine to another TAG, e.g. `[("TAG", "SITE-PARIS")]` (captured in scenario 05).
    public static func accountUpdate(_ accountInfo: [(name: String, value: String)]) -> [UInt8] {
        let infos = accountInfo.map { "<ACCOUNTINFO><KEYNAME>\(escaped($0.name))</KEYNAME><KEYVALUE>\(escaped($0.value))</KEYVALUE></ACCOUNTINFO>" }
        return Array((declaration + "<REPLY><RESPONSE>ACCOUNT_UPDATE</RESPONSE>\(infos.joined())</REPLY>\n").utf8)
    }

    private static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A valid, empty answer to a query the desk does not handle.
    public static func other() -> [UInt8] {
        Array((declaration + "<REPLY/>\n").utf8)
    }
}

/// Keeps `REQUEST`'s own fields (DEVICEID, QUERY…) and the kept sections of `CONTENT`, within the bounds.
private final class OCSReader: SAXHandler {
    var fields: [String: String] = [:]
    var sections = InventorySections()
    var hasContent = false
    private var entry: InventorySections.Entry?
    private var text = ""

    func start(_ path: [String]) throws {
        if path.count == 1, path[0] != "REQUEST" {
            throw InventoryWireError.malformed("the root element is <\(path[0].bounded)>, not <REQUEST>")
        }
        text = ""
        if path.count == 2, path[1] == "CONTENT" { hasContent = true }
        if path.count == 3, path[1] == "CONTENT", InventorySections.kept.contains(path[2]) { entry = [:] }
    }

    func text(_ chunk: String, in path: [String]) {
        // The agents' values are short; a longer one is cut (`bounded`) once complete. Reading stops growing here.
        guard text.utf8.count < InventoryLimits.string * 4 else { return }
        if path.count == 2 || (entry != nil && path.count >= 3) { text += chunk }
    }

    func end(_ path: [String]) throws {
        defer { text = "" }
        if path.count == 2, path[1] != "CONTENT", fields[path[1]] == nil, fields.count < InventoryLimits.fieldsPerEntry {
            fields[path[1]] = text.bounded
        } else if path.count >= 3, path[1] == "CONTENT", var current = entry {
            if path.count == 3 {
                if current.isEmpty, !text.trimmingWhitespace.isEmpty { current[""] = text.bounded }
                sections.add(current, to: path[2])
                entry = nil
                return
            }
            let field = path.count == 4 ? path[3] : path[3...].joined(separator: "/")
            if current[field] == nil, current.count < InventoryLimits.fieldsPerEntry, !text.trimmingWhitespace.isEmpty {
                current[field] = text.bounded
                entry = current
            }
        }
    }
}
