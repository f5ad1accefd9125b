import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleInventory
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Where inventory agents report, at the paths their protocols use, behind the organization's enrollment token (a
/// path segment: `…/enroll/{token}/ocsinventory`, `…/plugins/fusioninventory/`, `…/front/inventory.php`). OCS and
/// FusionInventory agents speak XML (PROLOG, then INVENTORY), glpi-agent speaks JSON (`contact`, then `inventory`);
/// `/front/inventory.php` takes both, told apart by the body itself. Replies are what each agent accepts (PROTOCOLS.md
/// §1–2): zlib at the default level for XML, the request's own encoding for JSON.
struct InventoryController {
    let desk: Desk

    func register(on router: Router<EscaleContext>) {
        for path in ["ocsinventory", "plugins/fusioninventory", "front/inventory.php"] {
            router.post("enroll/:token/\(path)") { request, context in try await receive(request, context) }
            // Without a token nobody is known: refused before the body is read, nothing stored.
            router.post(RouterPath(path)) { request, _ -> Response in
                _ = try? await BodyReader.collect(request, upTo: 0, tooLarge: APIError.payloadTooLarge(0))
                throw APIError.enrollmentRequired
            }
        }
    }

    func receive(_ request: Request, _ context: EscaleContext) async throws -> Response {
        guard let token = try await desk.enrollmentTokens.resolve(context.parameters.get("token") ?? "") else {
            throw APIError.enrollmentRequired
        }
        let limit = desk.config.inventoryMaxBytes
        let raw = Array(try await BodyReader.collect(request, upTo: limit, tooLarge: APIError.payloadTooLarge(limit)).readableBytesView)
        let decoded: (bytes: [UInt8], encoding: BodyEncoding)
        do {
            decoded = try InventoryBody.decode(raw, contentType: request.headers[.contentType], contentEncoding: request.headers[.contentEncoding], limit: limit)
        } catch let e as InventoryWireError {
            throw Self.refusal(e)
        }
        let isJSON = decoded.bytes.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }) == UInt8(ascii: "{")
        return isJSON ? try await glpi(decoded, request: request, token: token) : try await ocs(decoded.bytes, token: token)
    }

    func ocs(_ xml: [UInt8], token: (id: UUID, organizationId: UUID)) async throws -> Response {
        let message: OCSRequest
        do { message = try OCSRequest.parse(xml: xml) } catch let e as InventoryWireError { throw Self.refusal(e) }
        let reply: [UInt8]
        switch message {
        case let .prolog(deviceId):
            try await desk.inventoryIntake.contact(deviceId: deviceId, organization: token.organizationId)
            reply = OCSReply.prolog(frequencyHours: InventoryIntake.contactHours)
        case let .inventory(deviceId, inventory):
            _ = try await desk.inventoryIntake.receive(inventory, deviceId: deviceId, source: "ocs", token: token)
            reply = OCSReply.inventoryAccepted()
        case .other:
            reply = OCSReply.other()
        }
        // zlib at the default level: both agents accept it (FusionInventory 2.6 nothing else compressed).
        return Response(status: .ok, headers: [.contentType: "application/x-compress-zlib", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try InventoryBody.encode(reply, as: .zlib))))
    }

    func glpi(_ decoded: (bytes: [UInt8], encoding: BodyEncoding), request: Request, token: (id: UUID, organizationId: UUID)) async throws -> Response {
        let message: GLPIRequest
        do {
            message = try GLPIRequest.parse(json: decoded.bytes, agentIdHeader: request.headers[HTTPField.Name("GLPI-Agent-ID")!])
        } catch let e as InventoryWireError {
            throw Self.refusal(e)
        }
        let reply: [UInt8]
        switch message {
        case let .contact(deviceId, _):
            try await desk.inventoryIntake.contact(deviceId: deviceId, organization: token.organizationId)
            reply = GLPIReply.contact(expirationHours: InventoryIntake.contactHours)
        case let .inventory(deviceId, inventory):
            _ = try await desk.inventoryIntake.receive(inventory, deviceId: deviceId, source: "glpi", token: token)
            reply = GLPIReply.inventoryAccepted(expirationHours: InventoryIntake.contactHours)
        case let .other(action, _):
            reply = GLPIReply.error("action \(action.prefix(50)) is not supported here")
        }
        let contentType = switch decoded.encoding {
        case .zlib: "application/x-compress-zlib"
        case .gzip: "application/x-compress-gzip"
        case .deflate: "application/x-compress-deflate"
        case .plain: "application/json"
        }
        return Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try InventoryBody.encode(reply, as: decoded.encoding))))
    }

    static func refusal(_ e: InventoryWireError) -> APIError {
        switch e {
        case let .tooLarge(limit): .payloadTooLarge(limit)
        case let .forbiddenXML(why): .malformedBody("refused: \(why) (no DTD or entity is read, nothing is fetched)")
        case let .malformed(why): .malformedBody(why)
        }
    }
}
