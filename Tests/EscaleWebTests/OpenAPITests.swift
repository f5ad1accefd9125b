import EscaleCore
import EscaleDesk
import EscaleStore
@testable import EscaleWeb
import Foundation
import Logging
import Testing

@Suite("The OpenAPI document is true")
struct OpenAPITests {
    @Test("every routed operation is documented and every documented operation is routed")
    func documentMatchesRouter() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("escale-openapi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await Store.open(.sqlite(path: dir.appendingPathComponent("db.sqlite").path), logger: Logger(label: "test"))
        let desk = try Desk(store: store, config: DeskConfiguration(attachmentsDirectory: dir), logger: Logger(label: "test"))
        let router = buildRouter(desk: desk)
        await store.close()

        let routed = Set(router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        })
        let doc = try JSONSerialization.jsonObject(with: OpenAPIController.document.getData(at: 0, length: OpenAPIController.document.readableBytes)!) as! [String: Any]
        #expect(doc["openapi"] as? String == "3.1.0")
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "post", "put", "patch", "delete"]
        let documented = Set(paths.flatMap { path, ops in ops.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
        #expect(routed.subtracting(documented).sorted() == [], "routed but not documented")
        #expect(documented.subtracting(routed).sorted() == [], "documented but not routed")

        // Every schema reference resolves.
        let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let text = String(buffer: OpenAPIController.document)
        let refs = text.components(separatedBy: "\"#/components/schemas/").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(!refs.isEmpty)
        for ref in refs { #expect(schemas[String(ref)] != nil, "unresolved $ref \(ref)") }
    }
}
