import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import Hummingbird

/// The phone channel in the console: the call log (missed calls to call back, per queue), a call's page (who called,
/// their open tickets, "new ticket from this call" or "add to ticket"), and the pop-up the answering agent gets on
/// whatever page is open (`/calls/{id}/popup`, fetched when the live stream says a call was answered).
struct CallPages {
    let desk: Desk
    let views: Views

    func register(on router: RouterGroup<EscaleContext>) {
        router.get("/calls") { r, c in try await log(r, c) }
        router.get("/calls/:id") { r, c in try await call(r, c, id: try c.uuid("id", "call")) }
        router.get("/calls/:id/popup") { r, c in try await popup(r, c, id: try c.uuid("id", "call")) }
        router.post("/calls/:id/ticket") { r, c in
            let id = try c.uuid("id", "call")
            let s = try PageContext.requireStaff(r, c)
            return try await PageContext.post(r, c, desk: desk, session: s, redraw: { message, form in try await call(r, c, id: id, error: message, form: form) }) { form, s in
                if let number = form.text("ticket") {
                    let unknown = DomainError.invalid(field: "ticket", "no such ticket: give its number (ESC-000123)")
                    guard let seq = TicketNumber.parse(number.uppercased()) ?? Int(number) else { throw unknown }
                    let t: Ticket
                    do { t = try await desk.ticket(number: seq, by: s.actor) } catch DomainError.notFound { throw unknown }
                    _ = try await desk.phoneCalls.attach(id, to: t.id, by: s.actor)
                    return "/tickets/\(t.seq)?done=call_attached"
                }
                let input = TicketInput(subject: form["subject"] ?? "", description: form["description"] ?? "",
                                        impact: form["impact"].flatMap(Level.init(rawValue:)) ?? .medium,
                                        urgency: form["urgency"].flatMap(Level.init(rawValue:)) ?? .medium,
                                        organizationId: form.uuid("organization"))
                let (ticket, _) = try await desk.phoneCalls.openTicket(id, input, by: s.actor)
                return "/tickets/\(ticket.seq)?done=created"
            }
        }
        router.post("/calls/:id/callback") { r, c in
            let id = try c.uuid("id", "call")
            let s = try PageContext.requireStaff(r, c)
            return try await PageContext.post(r, c, desk: desk, session: s, redraw: { message, _ in try await log(r, c, error: message) }) { form, s in
                _ = try await desk.phoneCalls.markCallback(id, done: form["done"] != "false", by: s.actor)
                return "/calls?callback=pending&done=saved"
            }
        }
    }

    struct Row {
        let id: String; let at: String; let atISO: String; let inbound: Bool; let from: String; let to: String; let caller: String
        let organization: String; let status: String; let missed: Bool; let queue: String; let answeredBy: String; let duration: String
        let ticket: String?; let ticketSeq: Int?; let callbackDone: Bool; let needsCallback: Bool
    }

    struct LogModel {
        let frame: Frame; let t: [String: String]; let error: String?
        let calls: [Row]; let hasCalls: Bool
        let filters: [Option]
    }

    func row(_ c: CallDTO, _ l: Localizer) -> Row {
        Row(id: c.id.uuidString, at: l.dateTime(c.startedAt), atISO: l.iso(c.startedAt), inbound: c.direction == "in", from: c.from, to: c.to,
            caller: c.userName ?? "", organization: c.organizationName ?? "", status: l.t("call_status_\(c.status)"), missed: c.status == "missed",
            queue: c.queue ?? "", answeredBy: c.answeredByName ?? "", duration: c.durationSeconds.map { Self.duration($0) } ?? "",
            ticket: c.ticketNumber, ticketSeq: c.ticketNumber.flatMap(TicketNumber.parse), callbackDone: c.callbackDoneAt != nil, needsCallback: c.status == "missed" && c.callbackDoneAt == nil)
    }

    static func duration(_ seconds: Int) -> String { String(format: "%d:%02d", seconds / 60, seconds % 60) }

    private func log(_ r: Request, _ c: EscaleContext, error: String? = nil) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let q = r.uri.queryParameters
        let chosen = q["status"].map(String.init).flatMap { PhoneCallState.Status(rawValue: $0) }?.rawValue
        let pending = q["callback"] == "pending"
        let calls = try await desk.phoneCalls.list(.init(status: chosen, queue: q["queue"].map(String.init), callbackPending: pending, limit: 200), by: s.actor)
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("calls_title"), request: r)
        let current = pending ? "callback" : (chosen ?? "")
        let filters = [("", "calls_all"), ("callback", "calls_to_call_back"), ("missed", "call_status_missed"), ("answered", "call_status_answered"),
                       ("ended", "call_status_ended"), ("ringing", "call_status_ringing")].map { Option(value: $0.0, label: l.t($0.1), selected: $0.0 == current) }
        return views.page("calls", LogModel(frame: frame, t: frame.t, error: error, calls: calls.map { row($0, l) }, hasCalls: !calls.isEmpty, filters: filters),
                          status: error == nil ? .ok : .unprocessableContent)
    }

    struct OpenTicket { let seq: Int; let number: String; let subject: String; let status: String }

    struct CallModel {
        let frame: Frame; let t: [String: String]; let error: String?
        let call: Row
        let callId: String
        let callerKnown: Bool
        let tickets: [OpenTicket]; let hasTickets: Bool
        let attached: Bool
        let organizations: [Option]
        let needsOrganization: Bool
        let subject: String; let description: String
        let levels: [Option]
    }

    private func model(_ r: Request, _ s: Desk.WebSession, _ l: Localizer, id: UUID, error: String?, form: Form?) async throws -> (CallModel, CallDTO) {
        let call = try await desk.phoneCalls.get(id, by: s.actor)
        var filter = TicketFilter()
        filter.openOnly = true; filter.limit = 10
        if let u = call.userId { filter.requesterId = u } else if let o = call.organizationId { filter.organizationId = o }
        let open = call.userId == nil && call.organizationId == nil ? [] : try await desk.listTickets(filter, by: s.actor)
        let orgs = call.userId == nil && call.organizationId == nil ? try await desk.listOrganizations(by: s.actor).filter(\.active) : []
        let frame = try await PageContext.frame(l, session: s, desk: desk, title: l.t("call_title", call.userName ?? call.from), request: r)
        let start = l.dateTime(call.startedAt)
        return (CallModel(
            frame: frame, t: frame.t, error: error, call: row(call, l), callId: call.id.uuidString, callerKnown: call.userId != nil || call.organizationId != nil,
            tickets: open.map { OpenTicket(seq: $0.seq, number: $0.number, subject: $0.subject, status: l.t("status_\($0.status.rawValue)")) }, hasTickets: !open.isEmpty,
            attached: call.ticketId != nil,
            organizations: orgs.map { Option(value: $0.id.uuidString, label: $0.name, selected: form?["organization"] == $0.id.uuidString) },
            needsOrganization: !orgs.isEmpty,
            subject: form?["subject"] ?? "", description: form?["description"] ?? l.t("call_description_default", call.from, start),
            levels: Level.allCases.map { Option(value: $0.rawValue, label: l.t("level_\($0.rawValue)"), selected: $0 == .medium) }), call)
    }

    private func call(_ r: Request, _ c: EscaleContext, id: UUID, error: String? = nil, form: Form? = nil) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let (m, _) = try await model(r, s, l, id: id, error: error, form: form)
        return views.page("call", m, status: error == nil ? .ok : .unprocessableContent)
    }

    private func popup(_ r: Request, _ c: EscaleContext, id: UUID) async throws -> Response {
        let s = try PageContext.requireStaff(r, c)
        let l = PageContext.localizer(request: r, session: s)
        let (m, _) = try await model(r, s, l, id: id, error: nil, form: nil)
        return views.page("call_popup", m)
    }
}
