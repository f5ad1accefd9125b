import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Per-request context: the authenticated actor (set by `AuthMiddleware`) and the request id.
public struct EscaleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var actor: Actor?
    /// The signed-in browser, on web pages (set by `WebSessionMiddleware`).
    public var session: Desk.WebSession?
    public var requestId: String
    /// The peer's IP address.
    public let remoteAddress: String?
    /// The client's address: the peer's, or what a trusted proxy says it is (`ClientAddressMiddleware`). Sign-in
    /// throttling and logs use it.
    public var clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        actor = nil
        session = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
        clientAddress = remoteAddress
        requestId = ""
    }

    /// JSON bodies are read through `Request.decodeJSON`, which enforces its own 1 MiB limit; uploads stream.
    public var maxUploadSize: Int { JSONBody.limit }

    public func requireActor() throws -> Actor {
        guard let actor else { throw APIError.unauthenticated }
        return actor
    }

    /// A path id; a malformed one names nothing, so it is not found.
    public func uuid(_ name: String, _ what: String) throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else { throw DomainError.notFound(what) }
        return id
    }
}
