import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Server-Sent Events: a page listens and, when a ticket it may see changes, reloads the parts that show it. The
/// event carries no ticket content, only which ticket changed; the page fetches what its reader may see.
struct LiveController {
    let desk: Desk
    /// A comment line this often keeps proxies from closing an idle stream.
    static let heartbeat: Duration = .seconds(20)
    /// A stream re-checks its session at once after a directory change on this instance, and at least this often
    /// (a change made on another instance reaches this one's cache within its lifetime).
    static let sessionRecheck: Duration = .seconds(15)

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/live") { request, context -> Response in
            guard let s = context.session else { throw WebError.signInRequired(next: "/") }
            let only = request.uri.queryParameters["ticket"].flatMap { UUID(uuidString: String($0)) }
            // A page with nothing live on it listens for the calls its reader answers only.
            let callsOnly = request.uri.queryParameters["calls"] == "only"
            let scope = AccessPolicy.ticketScope(of: s.actor)
            let staff = s.actor.role.isStaff
            let stream = desk.live.subscribe()
            let calls = desk.live.subscribeCalls()
            let me = s.actor.userId
            let cookie = request.cookies[WebSessionMiddleware.cookieName]?.value ?? ""
            let desk = desk
            return Response(status: .ok, headers: [
                .contentType: "text/event-stream; charset=utf-8",
                .cacheControl: "no-store",
                .init("X-Accel-Buffering")!: "no",
            ], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                // One stream of chunks to write: visible ticket changes, and a heartbeat.
                let (chunks, output) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(100))
                let feeder = Task {
                    for await event in stream {
                        guard !callsOnly, only == nil || event.ticketId == only, staff || event.isPublic,
                              AccessPolicy.canSee(TicketAccessFacts(organizationId: event.organizationId, requesterId: event.requesterId), scope: scope)
                        else { continue }
                        output.yield("event: ticket\ndata: {\"kind\":\"\(event.kind.rawValue)\",\"number\":\"\(event.number)\",\"ticket_id\":\"\(event.ticketId.uuidString)\",\"version\":\(event.version)}\n\n")
                    }
                }
                // A call this person just answered: the page shows who calls (`/calls/{id}/popup`).
                let callFeeder = Task {
                    for await call in calls where call.userId == me && staff {
                        output.yield("event: call\ndata: {\"call_id\":\"\(call.callId.uuidString)\"}\n\n")
                    }
                }
                let heartbeat = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.heartbeat)
                        output.yield(": keep-alive\n\n")
                    }
                }
                // A revoked session (signed out elsewhere, password reset, account deactivated) or a changed scope
                // ends the stream: it must not outlive the access it was opened with.
                let watchdog = Task {
                    var seen = desk.directoryGeneration
                    var checked = ContinuousClock.now
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        let generation = desk.directoryGeneration
                        guard generation != seen || ContinuousClock.now - checked >= Self.sessionRecheck else { continue }
                        seen = generation; checked = .now
                        let current = try? await desk.session(cookie: cookie)
                        if current?.actor != s.actor { output.finish(); return }
                    }
                }
                defer { feeder.cancel(); callFeeder.cancel(); heartbeat.cancel(); watchdog.cancel() }
                // Writing fails once the client has gone away, which ends the response and both tasks; a server
                // shutting down ends the stream at once rather than waiting for open pages to go away.
                try await withGracefulShutdownHandler {
                    for await chunk in chunks { try await writer.write(ByteBuffer(string: chunk)) }
                } onGracefulShutdown: {
                    output.finish()
                }
                try await writer.finish(nil)
            })
        }
    }
}
