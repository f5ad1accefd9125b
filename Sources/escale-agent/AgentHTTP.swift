import AsyncHTTPClient
import EscaleAgentWire
import Foundation
import NIOCore
import NIOHTTP1

/// The agent's calls to the desk: JSON in and out, the credential as a bearer token, clear errors from the desk's
/// refusals.
final class AgentHTTP: Sendable {
    let base: String
    let credential: String?
    let client: HTTPClient

    init(server: String, credential: String?) {
        base = server.hasSuffix("/") ? server : server + "/"
        self.credential = credential
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(10), read: .seconds(60))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    func shutdown() { try? client.syncShutdown() }

    func request(_ path: String, method: HTTPMethod, body: Data?, contentType: String = "application/json", timeout: TimeAmount = .seconds(30)) async throws -> Data {
        var r = HTTPClientRequest(url: base + path)
        r.method = method
        r.headers.add(name: "User-Agent", value: "escale-agent/\(EscaleAgent.version)")
        if let credential { r.headers.add(name: "Authorization", value: "Bearer \(credential)") }
        if let body {
            r.headers.add(name: "Content-Type", value: contentType)
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(r, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            let problem = try? JSONDecoder().decode(AgentProblem.self, from: data)
            let message = problem.map { [$0.title, $0.detail].compactMap { $0 }.joined(separator: ": ") } ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw AgentFailure("\(method.rawValue) /\(path): \(response.status.code) \(message)")
        }
        return data
    }

    func post<Body: Encodable, Reply: Decodable>(_ path: String, json body: Body) async throws -> Reply {
        let data = try await request(path, method: .POST, body: try AgentWire.encoder().encode(body))
        return try AgentWire.decoder().decode(Reply.self, from: data)
    }

    func postNoReply<Body: Encodable>(_ path: String, json body: Body) async throws {
        _ = try await request(path, method: .POST, body: try AgentWire.encoder().encode(body))
    }

    func postInventory(_ machine: AgentInventory, deviceId: String) async throws -> InventoryReceipt {
        let data = try await request(AgentWire.inventoryPath, method: .POST, body: try machine.glpiJSON(deviceId: deviceId), timeout: .seconds(120))
        return try AgentWire.decoder().decode(InventoryReceipt.self, from: data)
    }

    func commands(wait: Int) async throws -> CommandBatch {
        let data = try await request("\(AgentWire.commandsPath)?wait=\(wait)", method: .GET, body: nil, timeout: .seconds(Int64(wait + 30)))
        return try AgentWire.decoder().decode(CommandBatch.self, from: data)
    }
}
