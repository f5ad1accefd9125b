import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Canned replies (staff only): an agent's own and the shared ones, and one rendered for a ticket.
struct CannedReplyController {
    let desk: Desk
    let runner: CommandRunner

    static func location(_ id: UUID) -> String { "/api/v1/canned-replies/\(id.uuidString)" }

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("canned-replies") { _, context in
            try JSONBody.response(Page(items: try await desk.listCannedReplies(by: try context.requireActor())))
        }
        api.post("canned-replies") { request, context in
            try AccessPolicy.require(try context.requireActor(), .workTickets)
            let input = try await JSONBody.decode(CannedReplyInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let reply = try await desk.createCannedReply(input.value, by: actor, on: db)
                return try CommandRunner.output(reply, location: Self.location(reply.id))
            }
        }
        api.get("canned-replies/:id") { _, context in
            try JSONBody.response(try await desk.cannedReply(try context.uuid("id", "canned reply"), by: try context.requireActor()))
        }
        api.patch("canned-replies/:id") { request, context in
            let id = try context.uuid("id", "canned reply")
            // Who may, and whether it exists for them, before what is asked.
            let current = try await desk.cannedReply(id, by: try context.requireActor())
            let input = try await JSONBody.mergePatch(current.input, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.updateCannedReply(id, input.value, by: actor, on: db), status: .ok)
            }
        }
        api.delete("canned-replies/:id") { _, context in
            let id = try context.uuid("id", "canned reply")
            let actor = try context.requireActor()
            try await desk.store.write { db in try await desk.deleteCannedReply(id, by: actor, on: db) }
            return Response(status: .noContent)
        }
        api.get("tickets/:id/canned-replies/:cannedId/preview") { _, context in
            let ticket = try context.uuid("id", "ticket"), canned = try context.uuid("cannedId", "canned reply")
            return try JSONBody.response(try await desk.renderCannedReply(canned, ticket: ticket, by: try context.requireActor()))
        }
    }
}
