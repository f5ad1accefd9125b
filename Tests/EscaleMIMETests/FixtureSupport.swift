import Foundation

/// Locates `shared/fixtures/email` by walking up from this file: works both in the standalone package
/// (/work/pkg-mime/Tests/…) and in the main repo (/work/main/Tests/…), where `shared/` is a sibling of an ancestor.
enum Fixtures {
    static let root: URL? = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<12 {
            let candidate = dir.appendingPathComponent("shared/fixtures/email")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }()

    static func bytes(_ relative: String) throws -> [UInt8] {
        guard let root else { throw FixtureError.notFound("shared/fixtures/email") }
        let url = root.appendingPathComponent(relative)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw FixtureError.notFound(url.path) }
        return [UInt8](data)
    }

    static func received(_ name: String) throws -> [UInt8] { try bytes("received/\(name).eml") }

    static func allEML() -> [String] {
        guard let root else { return [] }
        return ["received", "extra"].flatMap { sub -> [String] in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(sub).path)) ?? []
            return names.filter { $0.hasSuffix(".eml") }.sorted().map { "\(sub)/\($0)" }
        }
    }

    enum FixtureError: Error { case notFound(String) }
}
