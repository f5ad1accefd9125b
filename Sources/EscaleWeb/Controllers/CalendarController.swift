import EscaleAPI
import EscaleCore
import EscaleDesk
import Hummingbird

/// Business calendars (with the previews administrators use to check them) and the SLA policies built on them.
struct CalendarController {
    let desk: Desk
    let runner: CommandRunner

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("calendars") { _, context in
            try JSONBody.response(Page(items: try await desk.listCalendars(by: try context.requireActor())))
        }
        api.post("calendars") { request, context in
            let input = try await JSONBody.decode(CalendarInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let calendar = try await desk.createCalendar(input.value, by: actor, on: db)
                return try CommandRunner.output(calendar, location: "/api/v1/calendars/\(calendar.id.uuidString)")
            }
        }
        api.get("calendars/:id") { _, context in
            try JSONBody.response(try await desk.calendar(try context.uuid("id", "calendar"), by: try context.requireActor()).0)
        }
        api.put("calendars/:id") { request, context in
            let id = try context.uuid("id", "calendar")
            _ = try await desk.calendar(id, by: try context.requireActor())
            let input = try await JSONBody.decode(CalendarInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.updateCalendar(id, input.value, by: actor, on: db), status: .ok)
            }
        }
        api.get("calendars/:id/due") { request, context in
            let id = try context.uuid("id", "calendar")
            // Who may ask, and whether the calendar exists, come before what is asked.
            _ = try await desk.calendar(id, by: try context.requireActor())
            let q = Query(request)
            guard let start = try q.date("start") else { throw APIError.invalidField("start", "give the start instant (ISO 8601)") }
            guard let minutes = try q.int("minutes", in: 0...5_256_000) else { throw APIError.invalidField("minutes", "give a number of business minutes") }
            return try JSONBody.response(DueAt(dueAt: try await desk.calendarDue(id, start: start, minutes: minutes, by: try context.requireActor())))
        }
        api.get("calendars/:id/business-minutes") { request, context in
            let id = try context.uuid("id", "calendar")
            _ = try await desk.calendar(id, by: try context.requireActor())
            let q = Query(request)
            guard let from = try q.date("from") else { throw APIError.invalidField("from", "give the first instant (ISO 8601)") }
            guard let to = try q.date("to") else { throw APIError.invalidField("to", "give the last instant (ISO 8601)") }
            return try JSONBody.response(BusinessMinutes(minutes: try await desk.calendarMinutes(id, from: from, to: to, by: try context.requireActor())))
        }
        api.get("sla-policies") { _, context in
            try JSONBody.response(Page(items: try await desk.listSLAPolicies(by: try context.requireActor())))
        }
        api.post("sla-policies") { request, context in
            let input = try await JSONBody.decode(SLAPolicyInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let policy = try await desk.createSLAPolicy(input.value, by: actor, on: db)
                return try CommandRunner.output(policy, location: "/api/v1/sla-policies/\(policy.id.uuidString)")
            }
        }
        api.get("sla-policies/:id") { _, context in
            try JSONBody.response(try await desk.slaPolicy(try context.uuid("id", "SLA policy"), by: try context.requireActor()))
        }
        api.put("sla-policies/:id") { request, context in
            let id = try context.uuid("id", "SLA policy")
            _ = try await desk.slaPolicy(id, by: try context.requireActor())
            let input = try await JSONBody.decode(SLAPolicyInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.updateSLAPolicy(id, input.value, by: actor, on: db), status: .ok)
            }
        }
        api.get("reports/sla") { request, context in
            let q = Query(request)
            guard let org = try q.uuid("organization_id") else { throw APIError.invalidField("organization_id", "name the organization") }
            guard let from = try q.date("from") else { throw APIError.invalidField("from", "give the start of the period (ISO 8601)") }
            guard let to = try q.date("to") else { throw APIError.invalidField("to", "give the end of the period (ISO 8601)") }
            return try JSONBody.response(try await desk.slaReport(organizationId: org, from: from, to: to, by: try context.requireActor()))
        }
    }
}
