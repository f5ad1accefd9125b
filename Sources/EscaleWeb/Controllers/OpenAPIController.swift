import Foundation
import Hummingbird
import NIOCore

/// Serves the OpenAPI 3.1 description of the API. A test keeps it true: every documented operation is routed and
/// every routed operation is documented.
struct OpenAPIController {
    static let document: ByteBuffer = {
        let url = Bundle.module.url(forResource: "openapi", withExtension: "json")!
        return ByteBuffer(bytes: try! Data(contentsOf: url))
    }()

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                     body: .init(byteBuffer: Self.document))
        }
    }
}
