import EscaleAPI
import EscaleCore
import Foundation
import Testing

@Suite("Business calendars through the API")
struct CalendarAPITests {
    static let office = CalendarInput(
        name: "Bureaux Paris", timeZone: "Europe/Paris",
        hours: [BusinessCalendar.Weekday.mon, .tue, .wed, .thu, .fri].flatMap {
            [OpeningHours(day: $0, start: "09:00", end: "12:00"), OpeningHours(day: $0, start: "13:30", end: "18:00")]
        },
        holidays: ["2026-12-24"], yearlyHolidays: ["12-26"], frenchHolidays: true)

    @Test("an administrator creates a calendar; staff read it; previews compute due times and business minutes")
    func createAndPreview() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let created = try await api.post("/api/v1/calendars", token: w.admin, Self.office)
            #expect(created.status == .created)
            let calendar = try created.json(CalendarDTO.self)
            #expect(created.headers[.location] == "/api/v1/calendars/\(calendar.id)")
            #expect(calendar.frenchHolidays && calendar.hours.count == 10 && calendar.yearlyHolidays == ["12-26"])
            #expect(try await api.get("/api/v1/calendars/\(calendar.id)", token: w.agent1Token).json(CalendarDTO.self).name == "Bureaux Paris")
            #expect(try await api.get("/api/v1/calendars", token: w.agent1Token).json(Page<CalendarDTO>.self).items.count == 1)

            // Wednesday 23 December 17:00 Paris + 120 min: 24 (fixed), 25 (French), 26/27 (yearly, weekend) closed → Monday 28, 10:00.
            let due = try await api.get("/api/v1/calendars/\(calendar.id)/due?start=2026-12-23T16:00:00Z&minutes=120", token: w.admin)
            #expect(due.status == .ok, "\(due.text)")
            #expect(try due.json(DueAt.self).dueAt == ISO8601DateFormatter().date(from: "2026-12-28T09:00:00Z"))
            let minutes = try await api.get("/api/v1/calendars/\(calendar.id)/business-minutes?from=2026-12-01T08:00:00Z&to=2026-12-01T17:00:00Z", token: w.admin)
            #expect(try minutes.json(BusinessMinutes.self).minutes == 7 * 60 + 30, "09:00–18:00 Paris minus lunch")

            // Contracts reference calendars that exist.
            let ok = try await api.post("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                        ContractInput(name: "Acme 2027", perimeter: "infrastructure", validFrom: Day("2027-01-01")!, calendarId: calendar.id))
            #expect(ok.status == .created)
            let unknown = try await api.post("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                                             ContractInput(name: "Acme 2028", perimeter: "infrastructure", validFrom: Day("2028-01-01")!, calendarId: UUID()))
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.problem?.field == "calendar_id")
        }
    }

    @Test("bad calendars and bad previews are 4xx with the field at fault; only administrators create and preview")
    func refusals() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            var bad = Self.office
            bad.timeZone = "Europe/Atlantis"
            #expect(try await api.post("/api/v1/calendars", token: w.admin, bad).problem?.field == "time_zone")
            bad = Self.office
            bad.hours = [OpeningHours(day: .mon, start: "09:00", end: "25:00")]
            #expect(try await api.post("/api/v1/calendars", token: w.admin, bad).problem?.field == "hours")
            bad.hours = [OpeningHours(day: .mon, start: "09:00", end: "12:00"), OpeningHours(day: .mon, start: "11:00", end: "14:00")]
            let overlap = try await api.post("/api/v1/calendars", token: w.admin, bad)
            #expect(overlap.status == .unprocessableContent && overlap.problem?.detail.contains("overlap") == true)
            bad = Self.office
            bad.holidays = ["2026-02-30"]
            #expect(try await api.post("/api/v1/calendars", token: w.admin, bad).problem?.field == "holidays")
            #expect(try await api.post("/api/v1/calendars", token: w.agent1Token, Self.office).status == .forbidden)
            #expect(try await api.post("/api/v1/calendars", token: w.aliceToken, Self.office).status == .forbidden)

            let calendar = try await api.create("/api/v1/calendars", token: w.admin, Self.office, as: CalendarDTO.self)
            #expect(try await api.post("/api/v1/calendars", token: w.admin, Self.office).status == .conflict)
            #expect(try await api.get("/api/v1/calendars/\(calendar.id)/due?start=2026-12-01T08:00:00Z", token: w.admin).problem?.field == "minutes")
            #expect(try await api.get("/api/v1/calendars/\(calendar.id)/due?start=yesterday&minutes=5", token: w.admin).problem?.field == "start")
            #expect(try await api.get("/api/v1/calendars/\(calendar.id)/due?start=2026-12-01T08:00:00Z&minutes=5", token: w.agent1Token).status == .forbidden)
            #expect(try await api.get("/api/v1/calendars/\(UUID())/due?start=2026-12-01T08:00:00Z&minutes=5", token: w.admin).status == .notFound)
            let closed = try await api.create("/api/v1/calendars", token: w.admin, CalendarInput(name: "Fermé", timeZone: "UTC", hours: []), as: CalendarDTO.self)
            #expect(try await api.get("/api/v1/calendars/\(closed.id)/due?start=2026-12-01T08:00:00Z&minutes=5", token: w.admin).status == .unprocessableContent)
        }
    }

    static func policy(calendar: UUID, name: String = "Standard") -> SLAPolicyInput {
        SLAPolicyInput(name: name, calendarId: calendar, targets: (1...5).map {
            SLATargetInput(priority: $0, firstResponseMinutes: $0 == 1 ? 15 : 60, nextUpdateMinutes: $0 <= 2 ? 120 : nil, resolutionMinutes: $0 == 1 ? 240 : 480 * $0)
        })
    }

    @Test("SLA policies: created on a calendar, read by staff, referenced by contracts; incomplete ones refused")
    func slaPolicies() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let calendar = try await api.create("/api/v1/calendars", token: w.admin, Self.office, as: CalendarDTO.self)
            let created = try await api.post("/api/v1/sla-policies", token: w.admin, Self.policy(calendar: calendar.id))
            #expect(created.status == .created, "\(created.text)")
            let policy = try created.json(SLAPolicyDTO.self)
            #expect(policy.pauseStatuses == [.pending] && policy.warningPercent == 75 && policy.targets.count == 5)
            #expect(try await api.get("/api/v1/sla-policies/\(policy.id)", token: w.agent1Token).json(SLAPolicyDTO.self).name == "Standard")
            #expect(try await api.get("/api/v1/sla-policies", token: w.agent1Token).json(Page<SLAPolicyDTO>.self).items.count == 1)
            #expect(try await api.get("/api/v1/sla-policies", token: w.aliceToken).status == .forbidden)

            var missing = Self.policy(calendar: calendar.id, name: "Trouée")
            missing.targets.removeLast()
            #expect(try await api.post("/api/v1/sla-policies", token: w.admin, missing).problem?.field == "targets")
            var badPause = Self.policy(calendar: calendar.id, name: "Pause")
            badPause.pauseStatuses = [.resolved]
            #expect(try await api.post("/api/v1/sla-policies", token: w.admin, badPause).problem?.field == "pause_statuses")
            #expect(try await api.post("/api/v1/sla-policies", token: w.admin, Self.policy(calendar: UUID(), name: "Sans calendrier")).problem?.field == "calendar_id")
            #expect(try await api.post("/api/v1/sla-policies", token: w.admin, Self.policy(calendar: calendar.id)).status == .conflict)
            #expect(try await api.post("/api/v1/sla-policies", token: w.agent1Token, Self.policy(calendar: calendar.id, name: "Agent")).status == .forbidden)

            let contract = try await api.post("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                ContractInput(name: "Acme 24/7", perimeter: "infrastructure", validFrom: Day("2027-01-01")!, calendarId: calendar.id, slaPolicyId: policy.id))
            #expect(contract.status == .created)
            let unknown = try await api.post("/api/v1/organizations/\(w.acme.id)/contracts", token: w.admin,
                ContractInput(name: "Acme bis", perimeter: "infrastructure", validFrom: Day("2027-01-01")!, slaPolicyId: UUID()))
            #expect(unknown.problem?.field == "sla_policy_id")
        }
    }
}
