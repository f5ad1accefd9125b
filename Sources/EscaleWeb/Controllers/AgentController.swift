import EscaleAgentWire
import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleInventory
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Where escale-agents call (`agent/v1/…`, at the desk's root, outside the people's API): enrollment with an
/// organization's token, then the agent's credential for its inventory, heartbeats, commands and their results.
struct AgentController {
    let desk: Desk

    static let smallBody = 256 * 1024

    func register(on router: Router<EscaleContext>) {
        let agents = desk.agents, remote = desk.remoteActions, desk = desk
        router.post(RouterPath(AgentWire.enrollPath)) { request, _ in
            let input = try await Self.decode(EnrollRequest.self, request, limit: 16 * 1024)
            guard let response = try await agents.enroll(input) else { throw APIError.enrollmentRequired }
            return try Self.reply(response, status: .created)
        }
        router.post(RouterPath(AgentWire.inventoryPath)) { request, _ in
            let agent = try await Self.agent(request, desk)
            let limit = desk.config.inventoryMaxBytes
            let raw = Array(try await BodyReader.collect(request, upTo: limit, tooLarge: APIError.payloadTooLarge(limit)).readableBytesView)
            let inventory: MachineInventory
            do {
                let decoded = try InventoryBody.decode(raw, contentType: request.headers[.contentType], contentEncoding: request.headers[.contentEncoding], limit: limit)
                guard case let .inventory(_, read) = try GLPIRequest.parse(json: decoded.bytes, agentIdHeader: nil) else {
                    throw APIError.malformedBody("expected a GLPI inventory (action inventory, itemtype Computer, a content object)")
                }
                inventory = read
            } catch let e as InventoryWireError {
                throw InventoryController.refusal(e)
            }
            return try Self.reply(try await agents.inventory(inventory, from: agent))
        }
        router.post(RouterPath(AgentWire.heartbeatPath)) { request, _ in
            let agent = try await Self.agent(request, desk)
            let beat = try await Self.decode(Heartbeat.self, request, limit: Self.smallBody)
            return try Self.reply(try await agents.heartbeat(beat, from: agent))
        }
        router.get(RouterPath(AgentWire.commandsPath)) { request, _ in
            let agent = try await Self.agent(request, desk)
            let wait = try Query(request).int("wait", in: 0...55) ?? 0
            return try Self.reply(CommandBatch(commands: try await remote.pending(for: agent, wait: .seconds(wait))))
        }
        router.post("agent/v1/runs/:id/output") { request, context in
            let agent = try await Self.agent(request, desk)
            let id = try context.uuid("id", "run")
            let chunk = try await Self.decode(RunOutput.self, request, limit: 300 * 1024)
            try await remote.output(id, chunk, from: agent)
            return Response(status: .noContent)
        }
        router.post("agent/v1/runs/:id/result") { request, context in
            let agent = try await Self.agent(request, desk)
            let id = try context.uuid("id", "run")
            let result = try await Self.decode(RunResult.self, request, limit: 16 * 1024)
            try await remote.result(id, result, from: agent)
            return Response(status: .noContent)
        }
    }

    static func agent(_ request: Request, _ desk: Desk) async throws -> AgentState.Identity {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
              let agent = try await desk.agents.authenticate(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            _ = try? await BodyReader.collect(request, upTo: 0, tooLarge: APIError.payloadTooLarge(0))
            throw APIError.agentUnknown
        }
        return agent
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        let buffer = try await BodyReader.collect(request, upTo: limit, tooLarge: APIError.payloadTooLarge(limit))
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw APIError.malformedBody("a JSON body is required") }
        do {
            return try AgentWire.decoder().decode(T.self, from: data)
        } catch let e as DecodingError {
            throw JSONBody.describe(e)
        }
    }

    static func reply(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try AgentWire.encoder().encode(value))))
    }
}

/// The people's side: checks (administrators), the action catalogue and scripts, runs and their output.
struct RemoteActionController {
    let desk: Desk
    let runner: CommandRunner

    func register(on api: RouterGroup<EscaleContext>) {
        let checks = desk.agentChecks, remote = desk.remoteActions, agents = desk.agents
        api.get("agent-checks") { request, context in
            try JSONBody.response(Page(items: try await checks.list(organization: try Query(request).uuid("organization_id"), by: try context.requireActor())))
        }
        api.post("agent-checks") { request, context in
            let input = try await JSONBody.decode(AgentCheckInput.self, from: request).value
            return try JSONBody.response(try await checks.create(input, by: try context.requireActor()), status: .created)
        }
        api.patch("agent-checks/:id") { request, context in
            let input = try await JSONBody.decode(AgentCheckInput.self, from: request).value
            return try JSONBody.response(try await checks.update(try context.uuid("id", "check"), input, by: try context.requireActor()))
        }
        api.delete("agent-checks/:id") { _, context in
            try await checks.delete(try context.uuid("id", "check"), by: try context.requireActor())
            return Response(status: .noContent)
        }
        api.get("assets/:id/agent") { _, context in
            let id = try context.uuid("id", "asset")
            _ = try await desk.assets.model(id, by: try context.requireActor())
            guard let agent = try await agents.agent(ofAsset: id) else { throw DomainError.notFound("agent: this machine has no escale-agent") }
            return try JSONBody.response(agent)
        }
        api.delete("assets/:id/agent") { _, context in
            try await agents.revoke(asset: try context.uuid("id", "asset"), by: try context.requireActor())
            return Response(status: .noContent)
        }
        api.get("remote-actions") { _, context in
            try JSONBody.response(Page(items: try await remote.catalogue(by: try context.requireActor())))
        }
        api.post("remote-actions") { request, context in
            let input = try await JSONBody.decode(RemoteScriptInput.self, from: request).value
            return try JSONBody.response(try await remote.createScript(input, by: try context.requireActor()), status: .created)
        }
        api.patch("remote-actions/:id") { request, context in
            let input = try await JSONBody.decode(RemoteScriptInput.self, from: request).value
            return try JSONBody.response(try await remote.updateScript(try context.uuid("id", "script"), input, by: try context.requireActor()))
        }
        api.post("remote-runs") { request, context in
            let input = try await JSONBody.decode(RemoteRunInput.self, from: request)
            let prepared = try await remote.prepare(input.value, by: try context.requireActor())
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(Page(items: try await remote.commit(prepared, by: actor, on: db)))
            }
        }
        api.get("remote-runs") { request, context in
            let q = Query(request)
            return try JSONBody.response(Page(items: try await remote.runs(asset: try q.uuid("asset_id"), ticket: try q.uuid("ticket_id"),
                                                                           by: try context.requireActor(), limit: try q.int("limit", in: 1...500) ?? 100)))
        }
        api.post("remote-sessions") { request, context in
            let input = try await JSONBody.decode(RemoteSessionInput.self, from: request).value
            guard let kind = Command.Tunnel.Kind(rawValue: input.kind) else { throw DomainError.invalid(field: "kind", "terminal or desktop") }
            let session = try await desk.remoteControl.open(kind, asset: input.assetId, ticket: input.ticketId, port: input.port, by: try context.requireActor())
            return try JSONBody.response(session, status: .created)
        }
        api.post("remote-sessions/:id/consent") { request, context in
            let input = try await JSONBody.decode(RemoteConsentInput.self, from: request).value
            let id = try context.uuid("id", "session")
            let actor = try context.requireActor()
            try await desk.remoteControl.consent(id, allow: input.allow, by: actor)
            return try JSONBody.response(try await desk.remoteActions.getAny(id))
        }
        api.get("remote-runs/:id") { _, context in
            try JSONBody.response(try await remote.get(try context.uuid("id", "run"), by: try context.requireActor()))
        }
    }
}
