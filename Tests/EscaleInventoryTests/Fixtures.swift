import EscaleInventory
import Foundation
import Testing

/// The real agents' captures in `shared/fixtures/{fusioninventory-agent,ocsinventory-agent}`, found by walking up from
/// this file to a directory holding `shared/fixtures`.
enum Fixtures {
    static let root: URL? = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/fixtures")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("fusioninventory-agent").path) {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static let agents = ["fusioninventory-agent", "ocsinventory-agent"]

    struct Capture: CustomStringConvertible {
        /// `fusioninventory-agent/01-prolog-send-inventory/002-inventory`.
        let name: String
        let directory: URL
        let stem: String

        var description: String { name }
        var body: [UInt8] { get throws { try Fixtures.read(directory.appendingPathComponent(stem + ".request.body.bin")) } }
        var decodedXML: [UInt8] { get throws { try Fixtures.read(directory.appendingPathComponent(stem + ".request.body.xml")) } }
        var reply: [UInt8] { get throws { try Fixtures.read(directory.appendingPathComponent(stem + ".response.body.xml")) } }
        var headers: String { get throws { String(decoding: try Fixtures.read(directory.appendingPathComponent(stem + ".request.headers")), as: UTF8.self) } }

        /// A request header's value, as the agent sent it.
        func header(_ name: String) throws -> String? {
            try headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Every captured request, in order; fails the test clearly when the fixtures are not there.
    static func captures() throws -> [Capture] {
        let root = try #require(root, "shared/fixtures is missing: looked upward from \(#filePath)")
        var all: [Capture] = []
        for agent in agents {
            let agentDir = root.appendingPathComponent(agent)
            for scenario in try FileManager.default.contentsOfDirectory(atPath: agentDir.path).sorted() {
                let dir = agentDir.appendingPathComponent(scenario)
                let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
                for file in files.sorted() where file.hasSuffix(".request.body.bin") {
                    let stem = String(file.dropLast(".request.body.bin".count))
                    all.append(Capture(name: "\(agent)/\(scenario)/\(stem)", directory: dir, stem: stem))
                }
            }
        }
        try #require(all.count >= 17, "expected the 17 captured requests under \(root.path), found \(all.count)")
        return all
    }

    static func capture(_ name: String) throws -> Capture {
        try #require(try captures().first { $0.name == name }, "no capture \(name)")
    }

    /// A local-mode export (`--local`): the same INVENTORY document, never compressed.
    static func localExport(_ agent: String) throws -> [UInt8] {
        let root = try #require(root, "shared/fixtures is missing")
        let dir = root.appendingPathComponent(agent)
        let paths = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
        let ocs = try #require(paths.first { $0.hasSuffix(".ocs") }, "no .ocs export under \(dir.path)")
        return try read(dir.appendingPathComponent(ocs))
    }

    static func read(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// How many times `<TAG>` opens in a document.
    static func count(_ tag: String, in xml: [UInt8]) -> Int {
        String(decoding: xml, as: UTF8.self).components(separatedBy: "<\(tag)>").count - 1
    }
}

/// The `InventoryWireError` a call threw, nil if it threw nothing (or something else).
func wireError(_ body: () throws -> Any) -> InventoryWireError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? InventoryWireError
    }
}

func isMalformed(_ e: InventoryWireError?, saying words: String = "") -> Bool {
    if case .malformed(let message) = e { return words.isEmpty || message.contains(words) }
    return false
}

func isForbidden(_ e: InventoryWireError?) -> Bool {
    if case .forbiddenXML = e { return true }
    return false
}
