import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// On-call schedules (with who is on call, and the calendar feed), escalation policies, contact methods, and
/// acknowledging a page.
struct OnCallController {
    let desk: Desk
    let runner: CommandRunner

    /// The calendar feed authenticates by the secret token in its URL: calendar applications send no bearer token.
    func registerPublic(on api: RouterGroup<EscaleContext>) {
        api.get("oncall/schedules/{id}.ics") { request, context in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("on-call schedule") }
            let feed = try await desk.scheduleFeed(id, token: Query(request).string("token") ?? "")
            var headers = HTTPFields()
            headers[.contentType] = "text/calendar; charset=utf-8"
            headers[.cacheControl] = "private, max-age=300"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: feed)))
        }
    }

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("oncall/schedules") { _, context in
            try JSONBody.response(Page(items: try await desk.listSchedules(by: try context.requireActor())))
        }
        api.post("oncall/schedules") { request, context in
            let input = try await JSONBody.decode(OnCallScheduleInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let s = try await desk.createSchedule(input.value, by: actor, on: db)
                return try CommandRunner.output(s, location: "/api/v1/oncall/schedules/\(s.id.uuidString)")
            }
        }
        api.get("oncall/schedules/:id") { _, context in
            try JSONBody.response(try await desk.schedule(try context.uuid("id", "on-call schedule"), by: try context.requireActor()))
        }
        api.put("oncall/schedules/:id") { request, context in
            let id = try context.uuid("id", "on-call schedule")
            _ = try await desk.schedule(id, by: try context.requireActor())
            let input = try await JSONBody.decode(OnCallScheduleInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.updateSchedule(id, input.value, by: actor, on: db), status: .ok)
            }
        }
        api.get("oncall/schedules/:id/on-call") { request, context in
            let id = try context.uuid("id", "on-call schedule")
            let at = try Query(request).date("at") ?? desk.clock.now()
            return try JSONBody.response(try await desk.onCall(scheduleId: id, at: at, by: try context.requireActor()))
        }
        api.get("oncall/policies") { _, context in
            try JSONBody.response(Page(items: try await desk.listOnCallPolicies(by: try context.requireActor())))
        }
        api.post("oncall/policies") { request, context in
            let input = try await JSONBody.decode(OnCallPolicyInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let p = try await desk.createOnCallPolicy(input.value, by: actor, on: db)
                return try CommandRunner.output(p, location: "/api/v1/oncall/policies/\(p.id.uuidString)")
            }
        }
        api.get("oncall/policies/:id") { _, context in
            try JSONBody.response(try await desk.onCallPolicy(try context.uuid("id", "on-call policy"), by: try context.requireActor()))
        }
        api.put("oncall/policies/:id") { request, context in
            let id = try context.uuid("id", "on-call policy")
            _ = try await desk.onCallPolicy(id, by: try context.requireActor())
            let input = try await JSONBody.decode(OnCallPolicyInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.updateOnCallPolicy(id, input.value, by: actor, on: db), status: .ok)
            }
        }
        api.get("users/:id/contact-methods") { _, context in
            try JSONBody.response(Page(items: try await desk.contactMethods(of: try context.uuid("id", "user"), by: try context.requireActor())))
        }
        api.post("users/:id/contact-methods") { request, context in
            let user = try context.uuid("id", "user")
            // Who may, before what is asked.
            _ = try await desk.contactMethods(of: user, by: try context.requireActor())
            let input = try await JSONBody.decode(ContactMethodInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let m = try await desk.addContactMethod(input.value, userId: user, by: actor, on: db)
                return try CommandRunner.output(m, location: "/api/v1/users/\(user.uuidString)/contact-methods/\(m.id.uuidString)")
            }
        }
        api.delete("users/:id/contact-methods/:method") { _, context in
            let user = try context.uuid("id", "user"), method = try context.uuid("method", "contact method")
            let actor = try context.requireActor()
            try await desk.store.write { db in try await desk.deleteContactMethod(method, userId: user, by: actor, on: db) }
            return Response(status: .noContent)
        }
        api.post("tickets/:id/acknowledge") { request, context in
            let id = try context.uuid("id", "ticket")
            let actor = try context.requireActor()
            _ = try await desk.ticket(id, by: actor)
            return try await runner.run(request, context: context, bodyFingerprint: "ack") { db, actor in
                let t = try await desk.acknowledge(ticketId: id, by: actor, on: db)
                return try CommandRunner.output(try await desk.dto(t, on: db), status: .ok)
            }
        }
        api.get("tickets/:id/paging") { _, context in
            let actor = try context.requireActor()
            let t = try await desk.ticket(try context.uuid("id", "ticket"), by: actor)
            guard let incident = try await desk.incident(ofTicket: t, by: actor) else { throw DomainError.notFound("paging") }
            return try JSONBody.response(incident)
        }
    }
}
