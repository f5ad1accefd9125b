import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Business calendars (opening hours, holidays, a preview of due times) and the SLA policies counted on them.
extension AdminPages {
    func registerCalendars(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/calendars") { r, c in try await calendars(r, c) }
        router.post("/admin/calendars") { r, c in
            try await post(r, c, redraw: { try await calendars(r, c, error: $0, draft: $1) }) { form, s in
                let input = try Self.calendarInput(form)
                let calendar = try await desk.store.write { db in try await desk.createCalendar(input, by: s.actor, on: db) }
                return "/admin/calendars/\(calendar.id)?done=created"
            }
        }
        router.get("/admin/calendars/:id") { r, c in try await calendar(r, c) }
        router.post("/admin/calendars/:id") { r, c in
            try await post(r, c, redraw: { try await calendar(r, c, error: $0, draft: $1) }) { form, s in
                let id = try c.uuid("id", "calendar")
                let input = try Self.calendarInput(form)
                _ = try await desk.store.write { db in try await desk.updateCalendar(id, input, by: s.actor, on: db) }
                return "/admin/calendars/\(id)?done=saved"
            }
        }
        router.get("/admin/sla-policies") { r, c in try await slaPolicies(r, c) }
        router.post("/admin/sla-policies") { r, c in
            try await post(r, c, redraw: { try await slaPolicies(r, c, error: $0, draft: $1) }) { form, s in
                let input = try Self.slaPolicyInput(form)
                let policy = try await desk.store.write { db in try await desk.createSLAPolicy(input, by: s.actor, on: db) }
                return "/admin/sla-policies/\(policy.id)?done=created"
            }
        }
        router.get("/admin/sla-policies/:id") { r, c in try await slaPolicy(r, c) }
        router.post("/admin/sla-policies/:id") { r, c in
            try await post(r, c, redraw: { try await slaPolicy(r, c, error: $0, draft: $1) }) { form, s in
                let id = try c.uuid("id", "SLA policy")
                let input = try Self.slaPolicyInput(form)
                _ = try await desk.store.write { db in try await desk.updateSLAPolicy(id, input, by: s.actor, on: db) }
                return "/admin/sla-policies/\(id)?done=saved"
            }
        }
    }

    // MARK: Calendars

    struct CalendarForm {
        let action: String
        let name: String
        let timeZone: String
        let days: [WeeklyHours.Field]
        let holidays: String
        let yearlyHolidays: String
        let frenchHolidays: Bool
        let zones: [String]

        init(action: String, _ c: CalendarDTO?, draft: Form?, _ l: Localizer) {
            self.action = action
            name = draft?["name"] ?? c?.name ?? ""
            timeZone = draft?["time_zone"] ?? c?.timeZone ?? "Europe/Paris"
            days = WeeklyHours.fields("hours", hours: c?.hours ?? [], form: draft, l)
            holidays = draft?["holidays"] ?? c?.holidays.joined(separator: " ") ?? ""
            yearlyHolidays = draft?["yearly_holidays"] ?? c?.yearlyHolidays.joined(separator: " ") ?? ""
            frenchHolidays = draft.map { $0["french_holidays"] == "on" } ?? c?.frenchHolidays ?? false
            zones = AuthPages.zones
        }
    }

    static func calendarInput(_ form: Form) throws -> CalendarInput {
        func list(_ name: String) -> [String] {
            (form[name] ?? "").split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == ";" }).map(String.init)
        }
        return CalendarInput(name: form["name"] ?? "", timeZone: form.text("time_zone") ?? "", hours: try WeeklyHours.parse("hours", from: form, field: "hours"),
                             holidays: list("holidays"), yearlyHolidays: list("yearly_holidays"), frenchHolidays: form["french_holidays"] == "on")
    }

    struct CalendarsPage {
        struct Row { let id: String; let name: String; let timeZone: String; let hours: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let calendars: [Row]
        let any: Bool
        let form: CalendarForm
    }

    private func calendars(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let calendars = try await desk.listCalendars(by: s.actor)
        let b = try await base(r, s, l, title: l.t("admin_calendars"), tab: Tab(calendars: true), error: error)
        return views.page("admin_calendars", CalendarsPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            calendars: calendars.map { .init(id: $0.id.uuidString, name: $0.name, timeZone: $0.timeZone, hours: WeeklyHours.lines($0.hours, l).joined(separator: " · ")) },
            any: !calendars.isEmpty, form: CalendarForm(action: "/admin/calendars", nil, draft: draft, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    struct CalendarPage {
        /// The due-time preview: "from <instant> + <minutes> business minutes", and its answer.
        struct Preview { let from: String; let minutes: String; let due: String?; let dueISO: String?; let error: String? }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let id: String
        let name: String
        let timeZone: String
        let summary: [String]
        let closures: [String]
        let form: CalendarForm
        let preview: Preview
    }

    private func calendar(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let (dto, _) = try await desk.calendar(try c.uuid("id", "calendar"), by: s.actor)
        let preview = try await self.preview(dto, r, s.actor, l)
        let b = try await base(r, s, l, title: dto.name, tab: Tab(calendars: true), error: error)
        return views.page("admin_calendar", CalendarPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, id: dto.id.uuidString, name: dto.name, timeZone: dto.timeZone,
            summary: WeeklyHours.lines(dto.hours, l), closures: Self.closureLines(dto, l),
            form: CalendarForm(action: "/admin/calendars/\(dto.id)", dto, draft: draft, l), preview: preview),
            status: error == nil && preview.error == nil ? .ok : .unprocessableContent)
    }

    /// The preview asked in the query (`from`, local time in the calendar's zone, and `minutes`), through the desk's
    /// `calendarDue` — what `GET /api/v1/calendars/{id}/due` answers.
    private func preview(_ calendar: CalendarDTO, _ r: Request, _ actor: Actor, _ l: Localizer) async throws -> CalendarPage.Preview {
        let zone = Localizer(lang: l.lang, timeZone: TimeZone(identifier: calendar.timeZone) ?? l.timeZone)
        let q = r.uri.queryParameters
        guard let fromText = q["from"].map(String.init), let minutesText = q["minutes"].map(String.init) else {
            return .init(from: zone.localInput(desk.clock.now()), minutes: "60", due: nil, dueISO: nil, error: nil)
        }
        func refused(_ key: String) -> CalendarPage.Preview { .init(from: fromText, minutes: minutesText, due: nil, dueISO: nil, error: l.t(key)) }
        guard let from = zone.parseLocalInput(fromText) else { return refused("calendar_preview_bad_from") }
        guard let minutes = Int(minutesText.trimmingCharacters(in: .whitespaces)), (0...5_256_000).contains(minutes) else {
            return refused("calendar_preview_bad_minutes")
        }
        do {
            let due = try await desk.calendarDue(calendar.id, start: from, minutes: minutes, by: actor)
            return .init(from: fromText, minutes: minutesText, due: l.t("calendar_preview_due", zone.dateTime(due), calendar.timeZone), dueISO: l.iso(due), error: nil)
        } catch DomainError.invalid(field: "minutes", _) {
            return refused("calendar_preview_never")
        }
    }

    /// Holidays in words: French public holidays, closed dates, dates closed every year.
    static func closureLines(_ c: CalendarDTO, _ l: Localizer) -> [String] {
        var lines: [String] = []
        if c.frenchHolidays { lines.append(l.t("calendar_french_holidays")) }
        if !c.yearlyHolidays.isEmpty { lines.append(l.t("calendar_closed_yearly", c.yearlyHolidays.joined(separator: ", "))) }
        if !c.holidays.isEmpty { lines.append(l.t("calendar_closed_on", c.holidays.joined(separator: ", "))) }
        return lines
    }

    // MARK: SLA policies

    struct SLAPolicyForm {
        struct Target { let priority: Int; let label: String; let firstResponse: String; let nextUpdate: String; let resolution: String }
        let action: String
        let name: String
        let calendars: [Option]
        let targets: [Target]
        let pauses: [Option]
        let warningPercent: String

        init(action: String, _ p: SLAPolicyDTO?, draft: Form?, calendars: [CalendarDTO], _ l: Localizer) {
            self.action = action
            name = draft?["name"] ?? p?.name ?? ""
            let calendar = draft.map { $0["calendar"] ?? "" } ?? p?.calendarId.uuidString ?? ""
            self.calendars = calendars.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id.uuidString == calendar) }
            targets = Priority.all.map { priority in
                let n = priority.rawValue
                let t = p?.targets.first { $0.priority == n }
                func value(_ field: String, _ stored: Int?) -> String { draft.map { $0["\(field)_\(n)"] ?? "" } ?? stored.map(String.init) ?? "" }
                return Target(priority: n, label: l.t("priority_\(n)"), firstResponse: value("first_response", t?.firstResponseMinutes),
                              nextUpdate: value("next_update", t?.nextUpdateMinutes), resolution: value("resolution", t?.resolutionMinutes))
            }
            let paused = Set(draft.map { $0.all("pause") } ?? (p?.pauseStatuses ?? [.pending]).map(\.rawValue))
            // Only open statuses can pause a clock: the others are not offered.
            pauses = TicketStatus.allCases.filter(\.isOpen).map { Option(value: $0.rawValue, label: l.t("status_\($0.rawValue)"), selected: paused.contains($0.rawValue)) }
            warningPercent = draft?["warning_percent"] ?? String(p?.warningPercent ?? 75)
        }
    }

    static func slaPolicyInput(_ form: Form) throws -> SLAPolicyInput {
        guard let calendar = try reference(form, "calendar", field: "calendar_id") else { throw DomainError.invalid(field: "calendar_id", "choose a calendar") }
        func minutes(_ field: String, _ n: Int, required: Bool) throws -> Int? {
            guard let text = form.text("\(field)_\(n)") else {
                if required { throw DomainError.invalid(field: "\(field)_minutes", "give the target of priority \(n)") }
                return nil
            }
            guard let m = Int(text) else { throw DomainError.invalid(field: "\(field)_minutes", "'\(text)' is not a number of minutes") }
            return m
        }
        let targets = try Priority.all.map { p in
            let n = p.rawValue
            return SLATargetInput(priority: n, firstResponseMinutes: try minutes("first_response", n, required: true)!,
                                  nextUpdateMinutes: try minutes("next_update", n, required: false),
                                  resolutionMinutes: try minutes("resolution", n, required: true)!)
        }
        var warning: Int?
        if let text = form.text("warning_percent") {
            guard let w = Int(text) else { throw DomainError.invalid(field: "warning_percent", "not a number") }
            warning = w
        }
        let pauses = try form.all("pause").map { raw in
            guard let s = TicketStatus(rawValue: raw) else { throw DomainError.invalid(field: "pause_statuses", "unknown status '\(raw)'") }
            return s
        }
        return SLAPolicyInput(name: form["name"] ?? "", calendarId: calendar, targets: targets, pauseStatuses: pauses, warningPercent: warning)
    }

    struct SLAPoliciesPage {
        struct Row { let id: String; let name: String; let calendar: String; let p1: String; let warning: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let policies: [Row]
        let any: Bool
        let hasCalendars: Bool
        let form: SLAPolicyForm
    }

    private func slaPolicies(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let policies = try await desk.listSLAPolicies(by: s.actor)
        let calendars = try await desk.listCalendars(by: s.actor)
        let calendarNames = Dictionary(uniqueKeysWithValues: calendars.map { ($0.id, $0.name) })
        let b = try await base(r, s, l, title: l.t("admin_sla_policies"), tab: Tab(slaPolicies: true), error: error)
        return views.page("admin_sla_policies", SLAPoliciesPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            policies: policies.map { p in
                let p1 = p.targets.first { $0.priority == 1 }
                return .init(id: p.id.uuidString, name: p.name, calendar: calendarNames[p.calendarId] ?? "—",
                             p1: p1.map { l.t("sla_targets_line", l.minutes($0.firstResponseMinutes), l.minutes($0.resolutionMinutes)) } ?? "—",
                             warning: "\(p.warningPercent) %")
            }, any: !policies.isEmpty, hasCalendars: !calendars.isEmpty,
            form: SLAPolicyForm(action: "/admin/sla-policies", nil, draft: draft, calendars: calendars, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    struct SLAPolicyPage {
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let name: String
        let form: SLAPolicyForm
    }

    private func slaPolicy(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let p = try await desk.slaPolicy(try c.uuid("id", "SLA policy"), by: s.actor)
        let calendars = try await desk.listCalendars(by: s.actor)
        let b = try await base(r, s, l, title: p.name, tab: Tab(slaPolicies: true), error: error)
        return views.page("admin_sla_policy", SLAPolicyPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, name: p.name,
            form: SLAPolicyForm(action: "/admin/sla-policies/\(p.id)", p, draft: draft, calendars: calendars, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
