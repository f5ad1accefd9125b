import EscaleAPI
import Foundation
import HummingbirdTesting
import NIOCore

/// What a bench's setup posts through the API as the administrator: created records, decoded, or a clear error.
struct SetupClient {
    let client: TestClient
    let token: String

    init(port: Int, adminToken: String) {
        client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
        client.connect()
        token = adminToken
    }

    func post<T: Decodable>(_ path: String, _ body: some Encodable, as: T.Type) async throws -> T {
        let r = try await client.post(path, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                      body: ByteBuffer(bytes: try Wire.encoder().encode(body)))
        guard r.status == .created, let b = r.body else { throw BenchError("POST \(path): \(r.status) \(r.body.map { String(buffer: $0) } ?? "")") }
        return try Wire.decoder().decode(T.self, from: Data(b.readableBytesView))
    }

    /// The body of a GET answered 200.
    func get(_ path: String) async throws -> ByteBuffer {
        let r = try await client.get(path, headers: [.authorization: "Bearer \(token)"])
        guard r.status == .ok, let b = r.body else { throw BenchError("GET \(path): \(r.status)") }
        return b
    }

    func close() { Task { [client] in try? await client.shutdown() } }
}
