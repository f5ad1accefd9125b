import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Macros (staff only): an agent's own and the shared ones, and applying one to a ticket (with `If-Match`, like PATCH).
struct MacroController {
    let desk: Desk
    let runner: CommandRunner

    static func location(_ id: UUID) -> String { "/api/v1/macros/\(id.uuidString)" }

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("macros") { _, context in
            try JSONBody.response(Page(items: try await desk.listMacros(by: try context.requireActor())))
        }
        api.post("macros") { request, context in
            try AccessPolicy.require(try context.requireActor(), .workTickets)
            let input = try await JSONBody.decode(MacroInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let macro = try await desk.createMacro(input.value, by: actor, on: db)
                return try CommandRunner.output(macro, location: Self.location(macro.id))
            }
        }
        api.get("macros/:id") { _, context in
            try JSONBody.response(try await desk.macro(try context.uuid("id", "macro"), by: try context.requireActor()))
        }
        api.patch("macros/:id") { request, context in
            let id = try context.uuid("id", "macro")
            let current = try await desk.macro(id, by: try context.requireActor())
            let input = try await JSONBody.mergePatch(current.input, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.updateMacro(id, input.value, by: actor, on: db), status: .ok)
            }
        }
        api.delete("macros/:id") { _, context in
            let id = try context.uuid("id", "macro")
            let actor = try context.requireActor()
            try await desk.store.write { db in try await desk.deleteMacro(id, by: actor, on: db) }
            return Response(status: .noContent)
        }
        api.post("tickets/:id/macros/:macroId") { request, context in
            let id = try context.uuid("id", "ticket")
            let actor = try context.requireActor()
            // Existence and visibility first: another tenant's ticket is a 404 whatever the headers say.
            _ = try await desk.ticket(id, by: actor)
            let macroId = try context.uuid("macroId", "macro")
            guard let ifMatch = request.headers[.ifMatch] else { throw APIError.preconditionRequired }
            guard let expected = TicketController.version(fromETag: ifMatch) else {
                throw APIError.invalidField("If-Match", "expected an ETag such as \"v3\" from a previous response")
            }
            return try await runner.run(request, context: context, bodyFingerprint: "macro:\(macroId.uuidString):\(expected)") { db, actor in
                let t = try await desk.applyMacro(macroId, to: id, expectedVersion: expected, by: actor, on: db)
                return try CommandRunner.output(try await desk.dto(t, on: db), status: .ok, etag: TicketController.etag(t))
            }
        }
    }
}
