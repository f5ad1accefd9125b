import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// On-call schedules (layers, rotations, restrictions, overrides, and a week of who is on call) and escalation
/// policies (steps, delays, repeats).
extension AdminPages {
    func registerOnCall(on router: RouterGroup<EscaleContext>) {
        router.get("/admin/oncall/schedules") { r, c in try await schedules(r, c) }
        router.post("/admin/oncall/schedules") { r, c in
            try await post(r, c, redraw: { try await schedules(r, c, error: $0, draft: $1) }) { form, s in
                let input = try Self.scheduleInput(form)
                let schedule = try await desk.store.write { db in try await desk.createSchedule(input, by: s.actor, on: db) }
                return "/admin/oncall/schedules/\(schedule.id)?done=created"
            }
        }
        router.get("/admin/oncall/schedules/:id") { r, c in try await schedule(r, c) }
        router.post("/admin/oncall/schedules/:id") { r, c in
            try await post(r, c, redraw: { try await schedule(r, c, error: $0, draft: $1) }) { form, s in
                let id = try c.uuid("id", "on-call schedule")
                let input = try Self.scheduleInput(form)
                _ = try await desk.store.write { db in try await desk.updateSchedule(id, input, by: s.actor, on: db) }
                return "/admin/oncall/schedules/\(id)?done=saved"
            }
        }
        router.get("/admin/oncall/policies") { r, c in try await onCallPolicies(r, c) }
        router.post("/admin/oncall/policies") { r, c in
            try await post(r, c, redraw: { try await onCallPolicies(r, c, error: $0, draft: $1) }) { form, s in
                let input = try Self.onCallPolicyInput(form)
                do {
                    _ = try await desk.store.write { db in try await desk.createOnCallPolicy(input, by: s.actor, on: db) }
                } catch let DomainError.invalid(field: "targets", detail) {
                    // Not the SLA targets of the same name: a step's schedules and people.
                    throw DomainError.invalid(field: "step_targets", detail)
                }
                return "/admin/oncall/policies?done=created"
            }
        }
        router.get("/admin/oncall/policies/:id") { r, c in try await onCallPolicy(r, c) }
        router.post("/admin/oncall/policies/:id") { r, c in
            try await post(r, c, redraw: { try await onCallPolicy(r, c, error: $0, draft: $1) }) { form, s in
                let id = try c.uuid("id", "on-call policy")
                let input = try Self.onCallPolicyInput(form)
                do {
                    _ = try await desk.store.write { db in try await desk.updateOnCallPolicy(id, input, by: s.actor, on: db) }
                } catch let DomainError.invalid(field: "targets", detail) {
                    throw DomainError.invalid(field: "step_targets", detail)
                }
                return "/admin/oncall/policies?done=saved"
            }
        }
    }

    struct OnCallPolicyPage {
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let id: String
        let form: OnCallPolicyForm
    }

    /// One escalation policy, its form filled with its steps (or with what was typed, after a refusal).
    private func onCallPolicy(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let id = try c.uuid("id", "on-call policy")
        let policy = try await desk.onCallPolicy(id, by: s.actor)
        var stored = Form()
        stored.fields["name"] = [policy.name]
        stored.fields["repeat"] = [String(policy.repeat)]
        for (i, step) in policy.steps.enumerated() {
            stored.fields["step\(i)_delay"] = [String(step.delayMinutes)]
            stored.fields["step\(i)_target"] = step.targets.map { t in t.scheduleId.map { "schedule:\($0)" } ?? "user:\(t.userId!)" }
        }
        let schedules = try await desk.listSchedules(by: s.actor)
        let staff = try await staffMembers(s.actor)
        let b = try await base(r, s, l, title: policy.name, tab: Tab(onCallPolicies: true), error: error)
        return views.page("admin_oncall_policy", OnCallPolicyPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, id: id.uuidString,
            form: OnCallPolicyForm(draft: draft ?? stored, schedules: schedules, staff: staff, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    /// Active support staff, by name: who can be on call or paged.
    private func staffMembers(_ actor: Actor) async throws -> [UserDTO] {
        try await desk.listUsers(by: actor).filter { $0.role.isStaff && $0.active }.sorted { $0.name.localizedCompare($1.name) == .orderedAscending }
    }

    // MARK: Schedules

    struct ScheduleForm {
        /// One ordered position of a rotation: a select of people, empty for none.
        struct Slot { let number: Int; let people: [Option] }
        struct Layer {
            let index: Int; let number: Int
            let rotations: [Option]; let hours: String; let handoff: String
            let participants: [Slot]
            let restrictions: [WeeklyHours.Field]
            let isNew: Bool
        }
        struct Override { let index: Int; let number: Int; let people: [Option]; let from: String; let to: String; let isNew: Bool }
        let action: String
        let name: String
        let timeZone: String
        let zones: [String]
        let layers: [Layer]
        let overrides: [Override]

        init(action: String, _ sc: OnCallScheduleDTO?, draft: Form?, staff: [UserDTO], now: Date, _ l: Localizer) {
            self.action = action
            name = draft?["name"] ?? sc?.name ?? ""
            let zoneName = draft?["time_zone"] ?? sc?.timeZone ?? "Europe/Paris"
            timeZone = zoneName
            zones = AuthPages.zones
            let zone = Localizer(lang: l.lang, timeZone: TimeZone(identifier: sc?.timeZone ?? zoneName) ?? l.timeZone)
            func people(_ selected: String) -> [Option] {
                [Option(value: "", label: l.t("oncall_nobody_chosen"), selected: selected.isEmpty)]
                    + staff.map { Option(value: $0.id.uuidString, label: $0.name, selected: $0.id.uuidString == selected) }
            }
            func rotations(_ selected: String) -> [Option] {
                ["daily", "weekly", "hours"].map { Option(value: $0, label: l.t("rotation_\($0)"), selected: $0 == selected) }
            }
            func slots(_ chosen: [String]) -> [Slot] {
                (chosen + Array(repeating: "", count: chosen.isEmpty ? 3 : 1)).enumerated().map { Slot(number: $0 + 1, people: people($1)) }
            }
            // A new layer starts next Monday at 09:00 in the schedule's zone.
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = zone.timeZone
            let monday = cal.nextDate(after: now, matching: DateComponents(hour: 9, minute: 0, weekday: 2), matchingPolicy: .nextTime) ?? now
            let blankLayer: (Int) -> Layer = { i in
                Layer(index: i, number: i + 1, rotations: rotations("weekly"), hours: "", handoff: zone.localInput(monday), participants: slots([]),
                      restrictions: WeeklyHours.fields("layer\(i)_restrict", hours: [], form: nil, l), isNew: true)
            }
            if let draft {
                var layers: [Layer] = []
                for i in Self.layerIndices(draft) where draft["layer\(i)_remove"] != "on" {
                    layers.append(Layer(index: i, number: layers.count + 1, rotations: rotations(draft["layer\(i)_rotation"] ?? ""),
                                        hours: draft["layer\(i)_hours"] ?? "", handoff: draft["layer\(i)_handoff"] ?? "",
                                        participants: slots(draft.all("layer\(i)_participant").filter { !$0.isEmpty }),
                                        restrictions: WeeklyHours.fields("layer\(i)_restrict", hours: [], form: draft, l), isNew: draft["layer\(i)_new"] == "1"))
                }
                if !layers.contains(where: \.isNew) { layers.append(blankLayer((Self.layerIndices(draft).max() ?? -1) + 1)) }
                self.layers = layers
                let rows = draft.rows(["override_user", "override_from", "override_to"], removed: "override_remove").filter { !($0["override_user"] ?? "").isEmpty }
                overrides = (rows + [[:]]).enumerated().map { i, row in
                    Override(index: i, number: i + 1, people: people(row["override_user"] ?? ""), from: row["override_from"] ?? "", to: row["override_to"] ?? "",
                             isNew: row.isEmpty)
                }
            } else {
                let stored = sc?.layers ?? []
                layers = stored.enumerated().map { i, layer in
                    let (rotation, hours): (String, String) = switch layer.rotation {
                    case .daily: ("daily", "")
                    case .weekly: ("weekly", "")
                    case let .hours(n): ("hours", String(n))
                    }
                    return Layer(index: i, number: i + 1, rotations: rotations(rotation), hours: hours, handoff: layer.handoff,
                                 participants: slots(layer.participants.map(\.uuidString)),
                                 restrictions: WeeklyHours.fields("layer\(i)_restrict", hours: layer.restrictions ?? [], form: nil, l), isNew: false)
                } + [blankLayer(stored.count)]
                let storedOverrides = sc?.overrides ?? []
                overrides = storedOverrides.enumerated().map { i, o in
                    Override(index: i, number: i + 1, people: people(o.userId.uuidString), from: zone.localInput(o.from), to: zone.localInput(o.to), isNew: false)
                } + [Override(index: storedOverrides.count, number: storedOverrides.count + 1, people: people(""), from: "", to: "", isNew: true)]
            }
        }

        /// The layers a form sent: `layer<i>_rotation` for i = 0, 1, … (at most 50).
        static func layerIndices(_ form: Form) -> [Int] {
            (0..<50).filter { form["layer\($0)_rotation"] != nil }
        }
    }

    /// The schedule form as the desk takes it. Override times are read in the schedule's time zone, like handoffs.
    static func scheduleInput(_ form: Form) throws -> OnCallScheduleInput {
        let zoneName = form.text("time_zone") ?? ""
        guard let zone = TimeZone(identifier: zoneName) else { throw DomainError.invalid(field: "time_zone", "unknown time zone '\(zoneName)'") }
        let local = Localizer(lang: "en", timeZone: zone)
        var layers: [OnCallLayerInput] = []
        for i in ScheduleForm.layerIndices(form) where form["layer\(i)_remove"] != "on" {
            let texts = form.all("layer\(i)_participant").filter { !$0.isEmpty }
            // The empty layer offered for adding one is not a layer until someone is in it.
            if texts.isEmpty, form["layer\(i)_new"] == "1" { continue }
            let participants = try texts.map { text in
                guard let id = UUID(uuidString: text) else { throw DomainError.invalid(field: "participants", "not a person") }
                return id
            }
            let rotation: RotationInput
            switch form["layer\(i)_rotation"] {
            case "daily": rotation = .daily
            case "weekly": rotation = .weekly
            case "hours":
                guard let n = form.int("layer\(i)_hours") else { throw DomainError.invalid(field: "rotation", "give the length of a turn in hours") }
                rotation = .hours(n)
            default: throw DomainError.invalid(field: "rotation", "daily, weekly or hours")
            }
            let restrictions = try WeeklyHours.parse("layer\(i)_restrict", from: form, field: "restrictions")
            layers.append(OnCallLayerInput(rotation: rotation, handoff: form.text("layer\(i)_handoff") ?? "", participants: participants,
                                           restrictions: restrictions.isEmpty ? nil : restrictions))
        }
        let overrides = try form.rows(["override_user", "override_from", "override_to"], removed: "override_remove").compactMap { row -> OnCallOverrideInput? in
            guard let user = row["override_user"], !user.isEmpty else { return nil }
            guard let id = UUID(uuidString: user) else { throw DomainError.invalid(field: "participants", "not a person") }
            guard let from = row["override_from"].flatMap(local.parseLocalInput), let to = row["override_to"].flatMap(local.parseLocalInput) else {
                throw DomainError.invalid(field: "override", "give the start and the end of the override")
            }
            return OnCallOverrideInput(userId: id, from: from, to: to)
        }
        return OnCallScheduleInput(name: form["name"] ?? "", timeZone: zoneName, layers: layers, overrides: overrides)
    }

    struct SchedulesPage {
        struct Row { let id: String; let name: String; let timeZone: String; let onCall: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let schedules: [Row]
        let any: Bool
        let form: ScheduleForm
    }

    private func schedules(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let schedules = try await desk.listSchedules(by: s.actor)
        let now = desk.clock.now()
        var onCall: [UUID: UUID] = [:]
        for sc in schedules { onCall[sc.id] = try await desk.onCall(scheduleId: sc.id, at: now, by: s.actor).userId }
        let names = try await desk.names(users: onCall.values, organizations: [], groups: [])
        let b = try await base(r, s, l, title: l.t("oncall_schedules"), tab: Tab(schedules: true), error: error)
        return views.page("admin_schedules", SchedulesPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            schedules: schedules.map { .init(id: $0.id.uuidString, name: $0.name, timeZone: $0.timeZone, onCall: names.user(onCall[$0.id]) ?? l.t("oncall_nobody")) },
            any: !schedules.isEmpty,
            form: ScheduleForm(action: "/admin/oncall/schedules", nil, draft: draft, staff: try await staffMembers(s.actor), now: now, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    /// Seven days of a schedule, Monday first, in its time zone: who is on call, from when to when.
    struct Week {
        struct Day { let name: String; let date: String; let shifts: [String]; let today: Bool }
        let caption: String
        let days: [Day]
        let previous: String
        let next: String
    }

    struct SchedulePage {
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let id: String
        let name: String
        let onCall: String
        let until: String?
        let feed: String
        let week: Week
        let form: ScheduleForm
    }

    private func schedule(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let sc = try await desk.schedule(try c.uuid("id", "on-call schedule"), by: s.actor)
        let now = desk.clock.now()
        let current = try await desk.onCall(scheduleId: sc.id, at: now, by: s.actor)
        let week = try await self.week(sc, asked: r.uri.queryParameters["week"].map(String.init), now: now, actor: s.actor, l)
        let names = try await desk.names(users: [current.userId].compactMap { $0 }, organizations: [], groups: [])
        let b = try await base(r, s, l, title: sc.name, tab: Tab(schedules: true), error: error)
        return views.page("admin_schedule", SchedulePage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error, id: sc.id.uuidString, name: sc.name,
            onCall: names.user(current.userId) ?? l.t("oncall_nobody"), until: current.until.map(l.dateTime), feed: sc.icsURL, week: week,
            form: ScheduleForm(action: "/admin/oncall/schedules/\(sc.id)", sc, draft: draft, staff: try await staffMembers(s.actor), now: now, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }

    private func week(_ sc: OnCallScheduleDTO, asked: String?, now: Date, actor: Actor, _ l: Localizer) async throws -> Week {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: sc.timeZone) ?? l.timeZone
        cal.firstWeekday = 2
        let anchor = asked.flatMap(EscaleCore.Day.init).flatMap { cal.date(from: DateComponents(year: $0.year, month: $0.month, day: $0.day, hour: 12)) } ?? now
        let monday = cal.dateInterval(of: .weekOfYear, for: anchor)!.start
        let starts = (0...7).map { cal.date(byAdding: .day, value: $0, to: monday)! }
        let shifts = try await desk.shifts(scheduleId: sc.id, from: starts[0], to: starts[7], by: actor)
        let names = try await desk.names(users: shifts.map(\.userId), organizations: [], groups: [])
        let dateFormat = DateFormatter()
        dateFormat.locale = Locale(identifier: l.lang == "fr" ? "fr_FR" : "en_GB")
        dateFormat.timeZone = cal.timeZone
        dateFormat.setLocalizedDateFormatFromTemplate("d MMM")
        func time(_ d: Date) -> String { String(format: "%02d:%02d", cal.component(.hour, from: d), cal.component(.minute, from: d)) }
        func day(_ code: BusinessCalendar.Weekday) -> String { l.t("weekday_\(code.rawValue)") }
        let days = BusinessCalendar.Weekday.allCases.enumerated().map { i, code -> Week.Day in
            let (start, end) = (starts[i], starts[i + 1])
            let lines = shifts.filter { $0.start < end && $0.end > start }.map { shift in
                let from = max(shift.start, start), to = min(shift.end, end)
                return l.t("oncall_week_shift", time(from), to == end ? "24:00" : time(to), names.user(shift.userId) ?? "?")
            }
            return Week.Day(name: day(code), date: dateFormat.string(from: start), shifts: lines, today: start <= now && now < end)
        }
        func link(_ d: Date) -> String {
            let c = cal.dateComponents([.year, .month, .day], from: d)
            return "/admin/oncall/schedules/\(sc.id)?week=" + String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }
        return Week(caption: l.t("oncall_week_caption", dateFormat.string(from: starts[0]), dateFormat.string(from: starts[6]), sc.timeZone),
                    days: days, previous: link(cal.date(byAdding: .day, value: -7, to: monday)!), next: link(starts[7]))
    }

    // MARK: Escalation policies

    struct OnCallPolicyForm {
        struct Step { let index: Int; let number: Int; let targets: [Option]; let delay: String }
        let name: String
        let repeats: String
        let steps: [Step]

        init(draft: Form?, schedules: [OnCallScheduleDTO], staff: [UserDTO], _ l: Localizer) {
            name = draft?["name"] ?? ""
            repeats = draft?["repeat"] ?? "0"
            let targets = schedules.map { ("schedule:\($0.id)", l.t("oncall_target_schedule", $0.name)) } + staff.map { ("user:\($0.id)", $0.name) }
            let sent = draft.map { d in Self.stepIndices(d).filter { !d.all("step\($0)_target").isEmpty } } ?? []
            steps = (sent + Array(repeating: -1, count: max(1, 3 - sent.count))).enumerated().map { i, source in
                let chosen = Set(source >= 0 ? draft!.all("step\(source)_target") : [])
                return Step(index: i, number: i + 1, targets: targets.map { Option(value: $0.0, label: $0.1, selected: chosen.contains($0.0)) },
                            delay: source >= 0 ? draft!["step\(source)_delay"] ?? "" : "15")
            }
        }

        static func stepIndices(_ form: Form) -> [Int] { (0..<50).filter { form["step\($0)_delay"] != nil } }
    }

    static func onCallPolicyInput(_ form: Form) throws -> OnCallPolicyInput {
        let steps = try OnCallPolicyForm.stepIndices(form).compactMap { i -> OnCallStepInput? in
            let chosen = form.all("step\(i)_target")
            // A step nobody is in is an unused row of the form.
            guard !chosen.isEmpty else { return nil }
            let targets = try chosen.map { value -> OnCallTargetInput in
                let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, let id = UUID(uuidString: parts[1]), ["schedule", "user"].contains(parts[0]) else {
                    throw DomainError.invalid(field: "step_targets", "'\(value)' is not a schedule or a person")
                }
                return parts[0] == "schedule" ? OnCallTargetInput(scheduleId: id) : OnCallTargetInput(userId: id)
            }
            guard let delay = form.int("step\(i)_delay") else { throw DomainError.invalid(field: "delay_minutes", "give the minutes to wait") }
            return OnCallStepInput(targets: targets, delayMinutes: delay)
        }
        var repeats = 0
        if let text = form.text("repeat") {
            guard let n = Int(text) else { throw DomainError.invalid(field: "repeat", "not a number") }
            repeats = n
        }
        return OnCallPolicyInput(name: form["name"] ?? "", steps: steps, repeat: repeats)
    }

    struct OnCallPoliciesPage {
        struct Row { let id: String; let name: String; let steps: [String]; let repeats: String }
        let frame: Frame; let t: [String: String]; let tab: Tab; let error: String?
        let policies: [Row]
        let any: Bool
        let form: OnCallPolicyForm
    }

    private func onCallPolicies(_ r: Request, _ c: EscaleContext, error: String? = nil, draft: Form? = nil) async throws -> Response {
        let s = try admin(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let policies = try await desk.listOnCallPolicies(by: s.actor)
        let schedules = try await desk.listSchedules(by: s.actor)
        let staff = try await staffMembers(s.actor)
        let scheduleNames = Dictionary(uniqueKeysWithValues: schedules.map { ($0.id, $0.name) })
        let names = try await desk.names(users: policies.flatMap { $0.steps.flatMap { $0.targets.compactMap(\.userId) } }, organizations: [], groups: [])
        let b = try await base(r, s, l, title: l.t("oncall_policies"), tab: Tab(onCallPolicies: true), error: error)
        return views.page("admin_oncall_policies", OnCallPoliciesPage(
            frame: b.frame, t: b.t, tab: b.tab, error: b.error,
            policies: policies.map { .init(id: $0.id.uuidString, name: $0.name, steps: OnCallPages.stepLines($0, schedules: scheduleNames, names: names, l),
                                           repeats: l.t("oncall_repeat", String($0.repeat))) },
            any: !policies.isEmpty, form: OnCallPolicyForm(draft: draft, schedules: schedules, staff: staff, l)),
            status: error == nil ? .ok : .unprocessableContent)
    }
}
