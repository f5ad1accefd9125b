import Crypto
import EscaleCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The remote-control pages' third-party code, served from the system's installation (Debian's packages), never
/// copied into the repository:
/// - xterm.js from `node-xterm` (`/usr/share/nodejs/xterm/lib`, or `ESCALE_XTERM_DIR`): Debian's `libjs-xterm`
///   ships only a stub that `require`s those CommonJS modules, so they are wrapped here, once, into one script
///   (`/vendor/xterm.js`, which defines `window.EscaleTerminal`) — no `eval`, so the pages keep `script-src 'self'`;
/// - noVNC from `novnc` (`/usr/share/novnc`, or `ESCALE_NOVNC_DIR`): its ES modules as they are, under `/vendor/novnc/`.
/// Missing packages answer 404 saying which one to install.
struct VendorController {
    let xtermDirectory: String
    let novncDirectory: String
    private let bundle = BundleCache()
    final class BundleCache: Sendable { let made = Mutex<(ByteBuffer, String)?>(nil) }

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        xtermDirectory = environment["ESCALE_XTERM_DIR"] ?? "/usr/share/nodejs/xterm/lib"
        novncDirectory = environment["ESCALE_NOVNC_DIR"] ?? "/usr/share/novnc"
    }

    func register(on router: Router<EscaleContext>) {
        let me = self
        router.get("/vendor/xterm.js") { request, _ -> Response in
            guard let (body, etag) = me.xterm() else { throw APIError.vendorMissing("node-xterm") }
            return Self.answer(request, body, type: "text/javascript; charset=utf-8", etag: etag)
        }
        router.get("/vendor/xterm.css") { request, _ -> Response in
            for path in [me.xtermDirectory + "/xterm.css", "/usr/share/javascript/xterm/xterm.css"] {
                if let data = FileManager.default.contents(atPath: path) {
                    return Self.answer(request, ByteBuffer(bytes: data), type: "text/css; charset=utf-8", etag: Self.etag(data))
                }
            }
            throw APIError.vendorMissing("node-xterm")
        }
        router.get("/vendor/novnc/**") { request, context -> Response in
            let rest = context.parameters.getCatchAll().joined(separator: "/")
            // Only plain relative paths under the directory: no "..", no hidden files, scripts and styles only.
            guard !rest.isEmpty, !rest.split(separator: "/").contains(where: { $0 == ".." || $0.hasPrefix(".") }),
                  let type = Self.types[(rest as NSString).pathExtension.lowercased()] else { throw HTTPError(.notFound) }
            guard let data = FileManager.default.contents(atPath: me.novncDirectory + "/" + rest) else {
                if !FileManager.default.fileExists(atPath: me.novncDirectory + "/core/rfb.js") { throw APIError.vendorMissing("novnc") }
                throw HTTPError(.notFound)
            }
            return Self.answer(request, ByteBuffer(bytes: data), type: type, etag: Self.etag(data))
        }
    }

    static let types = ["js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml", "png": "image/png"]

    static func etag(_ data: some DataProtocol) -> String { "\"\(Hex.encode(SHA256.hash(data: Data(data))).prefix(16))\"" }

    static func answer(_ request: Request, _ body: ByteBuffer, type: String, etag: String) -> Response {
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: [.eTag: etag, .cacheControl: "public, max-age=3600"])
        }
        return Response(status: .ok, headers: [.contentType: type, .eTag: etag, .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: body))
    }

    /// The CommonJS modules of node-xterm in one script, made on first use.
    func xterm() -> (ByteBuffer, String)? {
        if let made = bundle.made.withLock({ $0 }) { return made }
        guard let made = Self.bundle(xtermDirectory) else { return nil }
        let answer = (ByteBuffer(string: made), Self.etag(Array(made.utf8)))
        bundle.made.withLock { $0 = answer }
        return answer
    }

    static func bundle(_ root: String) -> String? {
        guard FileManager.default.fileExists(atPath: root + "/public/Terminal.js"),
              let walker = FileManager.default.enumerator(atPath: root) else { return nil }
        var out = """
            /* xterm.js (node-xterm, from this server's system installation), its CommonJS modules wrapped for the browser. */
            (function () {
            "use strict";
            var defs = {}, cache = {};
            function resolve(from, name) {
              var parts = from.split("/"); parts.pop();
              name.split("/").forEach(function (p) { if (p === "..") parts.pop(); else if (p !== ".") parts.push(p); });
              return parts.join("/");
            }
            function load(id) {
              if (!defs[id]) { throw new Error("xterm.js module missing: " + id); }
              if (cache[id]) return cache[id].exports;
              var module = { exports: {} }; cache[id] = module;
              defs[id].call(module.exports, module, module.exports, function (name) { return load(resolve(id, name)); });
              return module.exports;
            }

            """
        var files: [String] = []
        while let path = walker.nextObject() as? String {
            guard path.hasSuffix(".js"), !path.hasSuffix(".test.js"), !path.contains("TestUtils") else { continue }
            files.append(path)
        }
        for path in files.sorted() {
            guard let data = FileManager.default.contents(atPath: root + "/" + path) else { continue }
            let id = String(path.dropLast(3))
            // The source map comment points nowhere useful once wrapped.
            let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "//# sourceMappingURL=", with: "// (source map) ")
            out += "defs[\(Self.jsString(id))] = function (module, exports, require) {\n\(text)\n};\n"
        }
        out += "window.EscaleTerminal = load(\"public/Terminal\").Terminal;\n})();\n"
        return out
    }

    static func jsString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
