import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// On-call for staff: who is on call now on each schedule, the feeds, the escalation policies. And the page a
/// signed link in a notification opens, to acknowledge without signing in.
struct OnCallPages {
    let desk: Desk
    let views: Views

    struct ScheduleView {
        let name: String
        let onCall: String
        let until: String?
        let feed: String
    }

    struct PolicyView {
        let name: String
        let steps: [String]
        let repeats: String
    }

    struct OverviewPage {
        let frame: Frame
        let t: [String: String]
        let schedules: [ScheduleView]
        let policies: [PolicyView]
        let empty: Bool
        let hasSchedules: Bool
        let hasPolicies: Bool
        /// Administrators get a link to the pages that edit schedules and policies.
        let canManage: Bool
    }

    struct AckPage {
        let frame: Frame
        let t: [String: String]
        let intro: String
        let action: String
        let done: Bool
        let nothing: Bool
    }

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/oncall") { request, context in try await overview(request, context) }
        router.get("/oncall/ack/:incident/:user/:sig") { request, context in try await ack(request, context, confirm: false) }
        router.post("/oncall/ack/:incident/:user/:sig") { request, context in try await ack(request, context, confirm: true) }
    }

    private func overview(_ request: Request, _ context: EscaleContext) async throws -> Response {
        let s = try PageContext.requireSession(request, context)
        let l = PageContext.localizer(request: request, session: s)
        let schedules = try await desk.listSchedules(by: s.actor)
        let policies = try await desk.listOnCallPolicies(by: s.actor)
        let at = desk.clock.now()
        var now: [UUID: OnCallNowDTO] = [:]
        for sc in schedules { now[sc.id] = try await desk.onCall(scheduleId: sc.id, at: at, by: s.actor) }
        var users = Set(now.values.compactMap(\.userId))
        for p in policies { for step in p.steps { users.formUnion(step.targets.compactMap(\.userId)) } }
        let names = try await desk.names(users: users, organizations: [], groups: [])
        let scheduleNames = Dictionary(uniqueKeysWithValues: schedules.map { ($0.id, $0.name) })
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("oncall_title"), request: request)
        return views.page("oncall", OverviewPage(
            frame: frame, t: frame.t,
            schedules: schedules.map { sc in
                let who = now[sc.id]
                return ScheduleView(name: sc.name, onCall: who?.userId.flatMap { names.user($0) } ?? l.t("oncall_nobody"),
                                    until: who?.until.map { l.dateTime($0) }, feed: sc.icsURL)
            },
            policies: policies.map { p in
                PolicyView(name: p.name, steps: Self.stepLines(p, schedules: scheduleNames, names: names, l), repeats: l.t("oncall_repeat", String(p.repeat)))
            },
            empty: schedules.isEmpty && policies.isEmpty, hasSchedules: !schedules.isEmpty, hasPolicies: !policies.isEmpty,
            canManage: s.actor.role == .admin))
    }

    /// A policy's steps in words: "Step 1: Nights, Alice, then wait 15 min".
    static func stepLines(_ p: OnCallPolicyDTO, schedules: [UUID: String], names: Desk.Names, _ l: Localizer) -> [String] {
        p.steps.enumerated().map { i, step in
            let targets = step.targets.map { t in
                t.scheduleId.flatMap { schedules[$0] } ?? t.userId.flatMap { names.user($0) } ?? "?"
            }.joined(separator: ", ")
            return l.t("oncall_step_line", String(i + 1), targets, String(step.delayMinutes))
        }
    }

    static func stepLines(_ p: OnCallPolicyDTO, desk: Desk, actor: Actor, _ l: Localizer) async throws -> [String] {
        let schedules = Dictionary(uniqueKeysWithValues: try await desk.listSchedules(by: actor).map { ($0.id, $0.name) })
        let names = try await desk.names(users: p.steps.flatMap { $0.targets.compactMap(\.userId) }, organizations: [], groups: [])
        return stepLines(p, schedules: schedules, names: names, l)
    }

    /// GET shows what would be acknowledged; only the POST (the button) acknowledges, so that link previews and
    /// mail scanners that fetch the link change nothing.
    private func ack(_ request: Request, _ context: EscaleContext, confirm: Bool) async throws -> Response {
        guard let incident = context.parameters.get("incident").flatMap(UUID.init(uuidString:)),
              let user = context.parameters.get("user").flatMap(UUID.init(uuidString:)),
              let sig = context.parameters.get("sig") else { throw DomainError.notFound("page") }
        let (ticketId, actor) = try await desk.signedAcknowledgement(incidentId: incident, userId: user, signature: sig)
        let l = PageContext.localizer(request: request, session: context.session)
        let ticket = try await desk.ticket(ticketId, by: actor)
        var done = false, nothing = false
        if confirm {
            do {
                _ = try await desk.store.write { db in try await desk.acknowledge(ticketId: ticketId, by: actor, on: db) }
                done = true
            } catch DomainError.conflict {
                nothing = true
            }
        }
        let frame = PageContext.frame(l, session: context.session, title: l.t("oncall_ack_title"), request: request)
        return views.page("oncall_ack", AckPage(frame: frame, t: frame.t, intro: l.t("oncall_ack_intro", ticket.number, ticket.subject),
                                                action: request.uri.path, done: done, nothing: nothing))
    }
}
