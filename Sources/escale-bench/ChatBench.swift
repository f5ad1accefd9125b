import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

/// Live chat at scale on the real `escale serve`: `sockets` open WebSockets (half visitors, half agents' sockets;
/// one chat per visitor), then messages sent by visitors and timed until the agent's socket receives them (stored,
/// on the ticket's timeline, delivered). The server runs with 127.0.0.1 as a trusted proxy so that each visitor
/// starts its chat from an address of its own (`X-Forwarded-For`), as they would, under the per-address limit.
enum ChatBench {
    struct Outcome { let sockets: Int; let messages: Int; let latencies: [Double]; let errors: Int; let seconds: Double }

    static func run(port: Int, adminToken: String, sockets: Int, messages: Int, rate: Int) async throws -> Outcome {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
        client.connect()
        defer { Task { try? await client.shutdown() } }
        func send<T: Decodable>(_ method: HTTPRequest.Method, _ path: String, _ body: some Encodable, token: String?, forwarded: String? = nil,
                                as: T.Type) async throws -> T {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let token { headers[.authorization] = "Bearer \(token)" }
            if let forwarded { headers[.init("X-Forwarded-For")!] = forwarded }
            let buffer = ByteBuffer(bytes: try Wire.encoder().encode(body))
            let r: TestClient.Response = switch method {
            case .get: try await client.get(path, headers: headers)
            case .put: try await client.put(path, headers: headers, body: buffer)
            default: try await client.post(path, headers: headers, body: buffer)
            }
            guard r.status.code < 300, let b = r.body else { throw BenchError("\(method) \(path): \(r.status) \(r.body.map { String(buffer: $0) } ?? "")") }
            return try Wire.decoder().decode(T.self, from: Data(b.readableBytesView))
        }
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let org = try await send(.post, "/api/v1/organizations", OrganizationInput(name: "Chat bench \(suffix)", domain: "chat-\(suffix).example"),
                                 token: adminToken, as: OrganizationDTO.self)
        _ = try await send(.post, "/api/v1/organizations/\(org.id)/contracts", ContractInput(perimeter: "infrastructure", validFrom: Day("2020-01-01")!),
                           token: adminToken, as: ContractDTO.self)
        let group = try await send(.post, "/api/v1/groups", GroupInput(name: "Chat N1 \(suffix)", tier: .n1), token: adminToken, as: GroupDTO.self)
        let chats = sockets / 2
        // Enough agents for every chat to be assigned at once (20 chats each).
        let agentCount = max(1, (chats + 19) / 20)
        var agentTokens: [String] = []
        for i in 0..<agentCount {
            let email = "chat-agent-\(i)-\(suffix)@bench.example"
            _ = try await send(.post, "/api/v1/users", UserInput(email: email, name: "Agent \(i)", role: .agent, password: "bench-password-1", groupIds: [group.id]),
                               token: adminToken, as: UserDTO.self)
            let t = try await send(.post, "/api/v1/auth/token", TokenRequest(email: email, password: "bench-password-1"), token: nil, as: TokenResponse.self).token
            _ = try await send(.put, "/api/v1/chat/availability", AgentAvailabilityInput(availability: .available, maxChats: 20), token: t, as: AgentAvailabilityDTO.self)
            agentTokens.append(t)
        }
        let channel = try await send(.post, "/api/v1/chat/channels", ChatChannelInput(name: "Bench \(suffix)", organizationId: org.id),
                                     token: adminToken, as: ChatChannelDTO.self)
        var started: [ChatStartedDTO] = []
        for i in 0..<chats {
            let ip = "10.\(i / 65_536 % 256).\(i / 256 % 256).\(i % 256)"
            started.append(try await send(.post, "/api/v1/chat/widget/\(channel.key)/chats",
                                          ChatStartInput(name: "Visitor \(i)", email: "v\(i)@chat-\(suffix).example", text: "Bonjour \(i)"),
                                          token: nil, forwarded: ip, as: ChatStartedDTO.self))
        }
        // Which agent has which chat: their console says.
        var agentOf: [UUID: Int] = [:]
        for (i, t) in agentTokens.enumerated() {
            for c in try await send(.get, "/api/v1/chat/console", [String: String](), token: t, as: ChatConsoleDTO.self).mine { agentOf[c.id] = i }
        }
        // Sent-at per client id; delivery measured when the agent's socket sees the message.
        let sentAt = Shared<[String: ContinuousClock.Instant]>([:])
        let latencies = Shared<[Double]>([])
        let opened = Shared(0)
        // The last frame any socket received: the measurement starts once the sockets' welcome (queue, history) is over.
        let lastFrame = Shared(ContinuousClock.now)
        let logger = Logger(label: "chat-bench")
        let base = "ws://127.0.0.1:\(port)"
        var tasks: [Task<Void, Never>] = []
        // Agents' sockets: each agent has one; the other half of the sockets are more agent connections (a console per tab).
        for i in 0..<(sockets - chats) {
            let token = agentTokens[i % agentTokens.count]
            tasks.append(Task {
                _ = try? await WebSocketClient.connect(url: "\(base)/api/v1/chat/agent/socket",
                                                       configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]), logger: logger) { inbound, _, _ in
                    opened.value.withLock { $0 += 1 }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        lastFrame.value.withLock { $0 = .now }
                        guard case let .text(text) = message, let f = try? Wire.decoder().decode(ChatFrame.self, from: Data(text.utf8)),
                              f.type == "message", let m = f.message, m.author == .visitor,
                              let at = sentAt.value.withLock({ $0.removeValue(forKey: m.clientId) }) else { continue }
                        let d = at.duration(to: .now)
                        latencies.value.withLock { $0.append(Double(d.components.seconds) * 1_000 + Double(d.components.attoseconds) / 1e15) }
                    }
                }
            })
        }
        // Visitors' sockets.
        let writers = Shared<[WebSocketOutboundWriter]>([])
        for s in started {
            tasks.append(Task {
                _ = try? await WebSocketClient.connect(url: "\(base)/api/v1/chat/socket?token=\(s.token)", logger: logger) { inbound, outbound, _ in
                    writers.value.withLock { $0.append(outbound) }
                    opened.value.withLock { $0 += 1 }
                    for try await _ in inbound.messages(maxSize: 1 << 20) { lastFrame.value.withLock { $0 = .now } }
                }
            })
        }
        let deadline = Date().addingTimeInterval(60)
        while opened.value.withLock({ $0 }) < sockets && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let open = opened.value.withLock { $0 }
        let quiet = Date().addingTimeInterval(120)
        while lastFrame.value.withLock({ $0.duration(to: .now) }) < .seconds(2) && Date() < quiet { try await Task.sleep(for: .milliseconds(100)) }
        // Messages from visitors, spread over the chats, at a steady pace.
        let all = writers.value.withLock { $0 }
        let start = ContinuousClock.now
        var errors = 0
        for i in 0..<messages where !all.isEmpty {
            let id = "bench-\(i)"
            sentAt.value.withLock { $0[id] = .now }
            do {
                try await all[i % all.count].write(.text(String(decoding: try Wire.encoder().encode(ChatFrame(type: "message", text: "Message \(i)", clientId: id)), as: UTF8.self)))
            } catch { errors += 1 }
            // A steady pace: `rate` messages a second across all chats (people type; they do not flood).
            let due = start.advanced(by: .milliseconds(Int64((i + 1) * 1_000 / max(rate, 1))))
            if due > .now { try await Task.sleep(until: due) }
        }
        let end = Date().addingTimeInterval(30)
        while latencies.value.withLock({ $0.count }) + errors < messages && Date() < end { try await Task.sleep(for: .milliseconds(50)) }
        let elapsed = start.duration(to: .now)
        let lost = messages - latencies.value.withLock { $0.count } - errors
        for t in tasks { t.cancel() }
        _ = agentOf
        return Outcome(sockets: open, messages: messages, latencies: latencies.value.withLock { $0 }.sorted(), errors: errors + max(0, lost),
                       seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

/// A lock shared by the benchmark's tasks.
final class Shared<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ v: T) { value = Mutex(v) }
}
