import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// What ties tickets together: links between tickets, merges, and the staff who follow a ticket.
struct TicketRelationController {
    let desk: Desk
    let runner: CommandRunner

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("tickets/:id/links") { _, context in
            try JSONBody.response(Page(items: try await desk.links(of: try context.uuid("id", "ticket"), by: try context.requireActor())))
        }

        api.post("tickets/:id/links") { request, context in
            let id = try context.uuid("id", "ticket")
            // Visibility before the body: another tenant's ticket is a 404 whatever is sent.
            _ = try await desk.ticket(id, by: try context.requireActor())
            let input = try await JSONBody.decode(TicketLinkInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let link = try await desk.link(id, input.value, by: actor, on: db)
                return try CommandRunner.output(link, location: "/api/v1/tickets/\(id.uuidString)/links/\(link.id.uuidString)")
            }
        }

        api.delete("tickets/:id/links/:link") { _, context in
            let id = try context.uuid("id", "ticket"), link = try context.uuid("link", "link")
            let actor = try context.requireActor()
            try await desk.store.write { db in try await desk.unlink(id, linkId: link, by: actor, on: db) }
            return Response(status: .noContent)
        }

        api.post("tickets/:id/merge") { request, context in
            let id = try context.uuid("id", "ticket")
            let actor = try context.requireActor()
            // Existence and visibility first, like PATCH: another tenant's ticket is a 404 whatever the headers say.
            _ = try await desk.ticket(id, by: actor)
            guard let ifMatch = request.headers[.ifMatch] else { throw APIError.preconditionRequired }
            guard let expected = TicketController.version(fromETag: ifMatch) else {
                throw APIError.invalidField("If-Match", "expected an ETag such as \"v3\" from a previous response")
            }
            let input = try await JSONBody.decode(MergeInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint + ifMatch) { db, actor in
                let t = try await desk.merge(id, into: input.value.into, expectedVersion: expected, by: actor, on: db)
                return try CommandRunner.output(try await desk.dto(t, on: db), status: .ok, etag: TicketController.etag(t))
            }
        }

        api.get("tickets/:id/watchers") { _, context in
            try JSONBody.response(Page(items: try await desk.watchers(of: try context.uuid("id", "ticket"), by: try context.requireActor())))
        }

        api.post("tickets/:id/watchers") { request, context in
            let id = try context.uuid("id", "ticket")
            _ = try await desk.ticket(id, by: try context.requireActor())
            let input = try await JSONBody.decode(WatcherInput.self, from: request)
            let response = try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try await desk.watch(id, userId: input.value.userId, by: actor, on: db)
                return try CommandRunner.output(Page<WatcherDTO>(items: []), status: .ok)
            }
            return try await watchers(id, response, context)
        }

        api.post("tickets/:id/watchers/me") { request, context in
            let id = try context.uuid("id", "ticket")
            let response = try await runner.run(request, context: context, bodyFingerprint: "watch") { db, actor in
                try await desk.watch(id, userId: actor.userId, by: actor, on: db)
                return try CommandRunner.output(Page<WatcherDTO>(items: []), status: .ok)
            }
            return try await watchers(id, response, context)
        }

        api.delete("tickets/:id/watchers/me") { _, context in
            let id = try context.uuid("id", "ticket")
            let actor = try context.requireActor()
            try await desk.store.write { db in try await desk.unwatch(id, by: actor, on: db) }
            return Response(status: .noContent)
        }
    }

    /// A follow answers with who follows now, read once the write has committed.
    private func watchers(_ id: UUID, _ response: Response, _ context: EscaleContext) async throws -> Response {
        guard response.status == .ok else { return response }
        var r = try JSONBody.response(Page(items: try await desk.watchers(of: id, by: try context.requireActor())))
        r.headers[.idempotentReplayed] = response.headers[.idempotentReplayed]
        return r
    }
}
