import Crypto
import EscaleAlerts
import EscaleAPI
import EscaleCore
import EscaleCTI
import EscaleDesk
import EscaleStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Integrations that push into the desk — monitoring (Alertmanager's webhook, Events v2) and the PBX (CTI) —
/// their administration, and the call log. The wire formats are decoded by `EscaleAlerts` and `EscaleCTI`; what
/// they do is decided in the Desk (`AlertIntake`, `PhoneCalls`).
struct IntegrationController {
    let desk: Desk
    let runner: CommandRunner

    /// Largest Alertmanager delivery taken (a group of 1,000 alerts with their annotations is well under).
    static let maxAlertBody = 4 << 20
    /// Largest Events v2 event (the format's own limit is 512 KB).
    static let maxEventBody = 512 << 10

    // MARK: Public: authenticated by the integration's token in the URL

    func registerPublic(on api: RouterGroup<EscaleContext>) {
        api.post("alerts/alertmanager/:token") { request, context in
            let integration = try await open(request, token: context.parameters.get("token") ?? "", types: [.alertmanager])
            let body = try await read(request, integration: integration, limit: Self.maxAlertBody, what: "an Alertmanager delivery")
            let hook: AlertmanagerWebhook
            do {
                hook = try AlertmanagerWebhook.decode(body, maxAlerts: integration.maxAlerts)
            } catch let e as AlertPayloadError {
                throw await refuse(integration, e)
            }
            return try await intake(hook.signals, integration: integration, body: body)
        }
        api.post("alerts/events/:token") { request, context in
            let token = context.parameters.get("token") ?? ""
            let integration = try await open(request, token: token, types: [.eventsV2])
            return try await event(request, integration: integration, token: token)
        }
        // The Events v2 address itself: the routing key in the body says which integration.
        api.post("alerts/events/v2/enqueue") { request, _ in
            let body = try await BodyReader.collect(request, upTo: Self.maxEventBody, tooLarge: APIError.payloadTooLarge(Self.maxEventBody))
            let key = (try? EventsV2Event.decode(Array(body.readableBytesView)))?.routingKey
                ?? ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any])?["routing_key"] as? String ?? ""
            guard let integration = try await desk.integrations.integration(token: key, types: [.eventsV2]) else { throw APIError.integrationNotFound }
            return try await event(Array(body.readableBytesView), integration: integration, token: key)
        }
        api.post("cti/:token") { request, context in
            let integration = try await open(request, token: context.parameters.get("token") ?? "", types: [.cti])
            let body = try await read(request, integration: integration, limit: CTIEvent.maxBodyBytes, what: "a CTI event")
            let event: CTIEvent
            do {
                event = try CTIEvent.decode(body, contentType: request.headers[.contentType])
            } catch let e as CTIEvent.DecodeError {
                let status = 400
                await desk.integrations.recordRefusal(integration, status: status, detail: e.description, events: 1)
                throw APIError.payloadRefused(status: status, e.description)
            }
            _ = try await desk.phoneCalls.receive(event, integration: integration)
            // What the generic CTI protocol expects back: an empty object (no action asked of the PBX).
            return try JSONBody.response([String: String]())
        }
    }

    func open(_ request: Request, token: String, types: Set<IntegrationType>) async throws -> IntegrationModel {
        guard let integration = try await desk.integrations.integration(token: token, types: types) else {
            _ = try? await BodyReader.collect(request, upTo: 0, tooLarge: APIError.payloadTooLarge(0))
            throw APIError.integrationNotFound
        }
        return integration
    }

    func read(_ request: Request, integration: IntegrationModel, limit: Int, what: String) async throws -> [UInt8] {
        do {
            let body = try await BodyReader.collect(request, upTo: limit, tooLarge: APIError.payloadTooLarge(limit))
            return Array(body.readableBytesView)
        } catch APIError.payloadTooLarge {
            let detail = "\(what) over \(limit >> 10) KiB" + (integration.type == IntegrationType.alertmanager.rawValue
                ? ": set max_alerts in Alertmanager's webhook_config (this integration takes \(integration.maxAlerts) alerts)" : "")
            await desk.integrations.recordRefusal(integration, status: 413, detail: detail)
            throw APIError.payloadRefused(status: 413, detail)
        }
    }

    func refuse(_ integration: IntegrationModel, _ e: AlertPayloadError) async -> APIError {
        let status = if case .tooManyAlerts = e { 413 } else { 400 }
        let events = if case let .tooManyAlerts(count, _) = e { count } else { 0 }
        await desk.integrations.recordRefusal(integration, status: status, detail: e.description, events: events)
        return APIError.payloadRefused(status: status, e.description)
    }

    func event(_ request: Request, integration: IntegrationModel, token: String) async throws -> Response {
        let body = try await read(request, integration: integration, limit: Self.maxEventBody, what: "an Events v2 event")
        return try await event(body, integration: integration, token: token)
    }

    func event(_ body: [UInt8], integration: IntegrationModel, token: String) async throws -> Response {
        let e: EventsV2Event
        do {
            e = try EventsV2Event.decode(body)
        } catch let error as AlertPayloadError {
            throw await refuse(integration, error)
        }
        guard e.routingKey == token else {
            throw await refuse(integration, .invalid(["routing_key does not match the integration this address belongs to"]))
        }
        let receipt = try await receive([e.signal], integration: integration, body: body, retries: false)
        // The answer Events v2 senders expect, with the key to acknowledge and resolve the problem by.
        return try JSONBody.response(["status": "success", "message": "Event processed", "dedup_key": e.key, "outcome": receipt.outcome],
                                     status: .accepted)
    }

    func intake(_ signals: [AlertSignal], integration: IntegrationModel, body: [UInt8]) async throws -> Response {
        try JSONBody.response(try await receive(signals, integration: integration, body: body))
    }

    func receive(_ signals: [AlertSignal], integration: IntegrationModel, body: [UInt8], retries: Bool = true) async throws -> AlertReceiptDTO {
        let sha = Hex.encode(SHA256.hash(data: Data(body)))
        do {
            return try await desk.alertIntake.receive(signals, integration: integration, bodySHA: sha, retryOf: retries)
        } catch is AlertIntake.RetryLater {
            throw APIError.retryLater
        } catch let e as DomainError {
            // The desk cannot take them (the organization is deactivated…): refused, and said in the delivery log.
            await desk.integrations.recordRefusal(integration, status: 422, detail: e.description, events: signals.count)
            throw e
        }
    }

    // MARK: Administration and the call log

    func register(on api: RouterGroup<EscaleContext>) {
        let integrations = desk.integrations
        api.get("integrations") { _, context in
            try JSONBody.response(Page(items: try await integrations.list(by: try context.requireActor())))
        }
        api.post("integrations") { request, context in
            let input = try await JSONBody.decode(IntegrationInput.self, from: request)
            try await integrations.warm()
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let m = try await integrations.create(input.value, by: actor, on: db)
                return try CommandRunner.output(m, location: "/api/v1/integrations/\(m.id.uuidString)")
            }
        }
        api.get("integrations/:id") { _, context in
            try JSONBody.response(try await integrations.get(try context.uuid("id", "integration"), by: try context.requireActor()))
        }
        api.patch("integrations/:id") { request, context in
            let id = try context.uuid("id", "integration")
            let actor = try context.requireActor()
            let patch = try await JSONBody.mergePatch(try await integrations.get(id, by: actor).input, from: request)
            try await integrations.warm()
            return try JSONBody.response(try await desk.store.write { db in try await integrations.update(id, patch.value, by: actor, on: db) })
        }
        api.post("integrations/:id/token") { _, context in
            let id = try context.uuid("id", "integration")
            let actor = try context.requireActor()
            try await integrations.warm()
            return try JSONBody.response(try await desk.store.write { db in try await integrations.rotateToken(id, by: actor, on: db) })
        }
        api.get("integrations/:id/deliveries") { _, context in
            try JSONBody.response(Page(items: try await integrations.deliveries(of: try context.uuid("id", "integration"), by: try context.requireActor())))
        }

        let calls = desk.phoneCalls
        api.get("calls") { request, context in
            let q = Query(request)
            let status = try q.choice("status", PhoneCallState.Status.allCases.map(\.rawValue))
            let callback = try q.choice("callback", ["pending"])
            let filter = PhoneCalls.Filter(status: status, queue: q.string("queue"), callbackPending: callback == "pending",
                                           limit: try q.int("limit", in: 1...500) ?? 100)
            return try JSONBody.response(Page(items: try await calls.list(filter, by: try context.requireActor())))
        }
        api.get("calls/:id") { _, context in
            try JSONBody.response(try await calls.get(try context.uuid("id", "call"), by: try context.requireActor()))
        }
        api.post("calls/:id/ticket") { request, context in
            let id = try context.uuid("id", "call")
            let actor = try context.requireActor()
            // Who may is settled before the body is read: a refusal names no field of it.
            try AccessPolicy.require(actor, .workTickets)
            let input = try await JSONBody.decode(CallTicketInput.self, from: request).value
            switch (input.ticketId, input.ticket) {
            case let (ticketId?, nil):
                return try JSONBody.response(try await calls.attach(id, to: ticketId, by: actor))
            case let (nil, ticket?):
                let (_, call) = try await calls.openTicket(id, ticket, by: actor)
                return try JSONBody.response(call, status: .created)
            default:
                throw APIError.invalidField("ticket_id", "give either ticket_id (attach to that ticket) or ticket (open one from the call)")
            }
        }
        api.post("calls/:id/callback") { request, context in
            let id = try context.uuid("id", "call")
            let actor = try context.requireActor()
            try AccessPolicy.require(actor, .workTickets)
            let input = try await JSONBody.decode(CallbackInput.self, from: request).value
            return try JSONBody.response(try await calls.markCallback(id, done: input.done, by: actor))
        }
    }
}
