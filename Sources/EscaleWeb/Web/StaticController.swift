import Crypto
import EscaleCore
import Foundation
import Hummingbird
import NIOCore

/// The stylesheet and the script, loaded once, served with a strong ETag and revalidated by browsers.
struct StaticController {
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
        let etag: String
    }

    let assets: [String: Asset]

    static func load() throws -> StaticController {
        var assets: [String: Asset] = [:]
        for (name, type) in [("app.css", "text/css; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"),
                             ("chat.js", "text/javascript; charset=utf-8"), ("widget.js", "text/javascript; charset=utf-8"),
                             ("remote-terminal.js", "text/javascript; charset=utf-8"), ("remote-desktop.js", "text/javascript; charset=utf-8")] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "static") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Resources/static/\(name)"])
            }
            let data = try Data(contentsOf: url)
            assets[name] = Asset(bytes: ByteBuffer(bytes: data), contentType: type, etag: "\"\(Hex.encode(SHA256.hash(data: data)).prefix(16))\"")
        }
        return StaticController(assets: assets)
    }

    func register(on router: Router<EscaleContext>) {
        router.get("/static/:name") { request, context -> Response in
            guard let asset = context.parameters.get("name").flatMap({ assets[$0] }) else { throw HTTPError(.notFound) }
            if request.headers[.ifNoneMatch] == asset.etag {
                return Response(status: .notModified, headers: [.eTag: asset.etag, .cacheControl: "public, max-age=300, must-revalidate"])
            }
            return Response(status: .ok, headers: [
                .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=300, must-revalidate",
            ], body: .init(byteBuffer: asset.bytes))
        }
    }
}
