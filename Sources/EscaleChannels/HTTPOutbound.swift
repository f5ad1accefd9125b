import AsyncHTTPClient
import EscaleDesk
import Foundation
import NIOCore
import NIOHTTP1

/// Webhook and chat-hook deliveries over AsyncHTTPClient: short timeouts, no redirects (a hook that moves is a
/// configuration to fix, not a place to follow), a bounded response read.
public struct HTTPOutbound: OutboundHTTP {
    let client: HTTPClient
    let timeout: TimeAmount

    public init(client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    public func post(json: Data, to url: URL, headers: [(String, String)]) async throws -> Int {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Escale")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: json))
        let response = try await client.execute(request, timeout: timeout)
        // Drain (a little of) the body so the connection can be reused; its content does not matter.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
