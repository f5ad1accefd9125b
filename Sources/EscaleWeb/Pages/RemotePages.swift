import EscaleAgentWire
import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// Remote control in the console: opening a terminal or the desktop of a machine (from its page or a ticket naming
/// it), the session's page (xterm.js or noVNC over the session's WebSocket), and the requester's consent on their
/// ticket when the contract asks for it.
struct RemotePages {
    let desk: Desk
    let views: Views

    struct Model {
        let frame: Frame; let t: [String: String]; let id: String; let label: String; let terminal: Bool; let desktop: Bool
        let status: String; let live: Bool; let ticketSeq: Int?
    }

    func register(on router: RouterGroup<EscaleContext>) {
        let desk = desk
        router.post("/assets/:id/remote-control") { r, c in
            let s = try PageContext.requireStaff(r, c)
            let id = try c.uuid("id", "asset")
            return try await PageContext.post(r, c, desk: desk, session: s, redraw: { message, _ in
                Views.redirect("/assets/\(id.uuidString)?error=" + (message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }) { form, s in
                let session = try await desk.remoteControl.open(Self.kind(form), asset: id, ticket: nil, port: form.text("port").flatMap { Int($0) }, by: s.actor)
                return "/remote/\(session.id.uuidString)"
            }
        }
        router.post("/tickets/:seq/remote-control") { r, c in
            let s = try PageContext.requireStaff(r, c)
            guard let seq = c.parameters.get("seq").flatMap(Int.init) else { throw DomainError.notFound("ticket") }
            let ticket = try await desk.ticket(number: seq, by: s.actor)
            return try await PageContext.post(r, c, desk: desk, session: s, redraw: { _, _ in Views.redirect("/tickets/\(seq)") }) { form, s in
                guard let asset = form.uuid("asset") else { throw DomainError.invalid(field: "asset", "choose a machine") }
                let session = try await desk.remoteControl.open(Self.kind(form), asset: asset, ticket: ticket.id, by: s.actor)
                // Waiting for the requester: back to the ticket, where the request shows.
                return session.status == .awaitingConsent ? "/tickets/\(seq)?done=saved" : "/remote/\(session.id.uuidString)"
            }
        }
        router.post("/tickets/:seq/remote-consent/:id") { r, c in
            let s = try PageContext.requireSession(r, c)
            guard let seq = c.parameters.get("seq").flatMap(Int.init) else { throw DomainError.notFound("ticket") }
            let id = try c.uuid("id", "session")
            return try await PageContext.post(r, c, desk: desk, session: s, redraw: { _, _ in Views.redirect("/tickets/\(seq)") }) { form, s in
                try await desk.remoteControl.consent(id, allow: form.text("decision") == "allow", by: s.actor)
                return "/tickets/\(seq)?done=saved"
            }
        }
        router.get("/remote/:id") { r, c in
            let s = try PageContext.requireStaff(r, c)
            let l = PageContext.localizer(request: r, session: s)
            let run = try await desk.remoteControl.browserAttach(try c.uuid("id", "session"), by: s.actor)
            let label = l.t(run.kind == .terminal ? "remote_terminal" : "remote_desktop") + " — " + run.assetName
            let frame = try await PageContext.frame(l, session: s, desk: desk, title: label, request: r)
            var seq: Int?
            if let t = run.ticketId { seq = try? await TicketNumber.parse(desk.ticket(t, by: s.actor, on: desk.store.database).number) }
            return views.page("remote", Model(frame: frame, t: frame.t, id: run.id.uuidString, label: label, terminal: run.kind == .terminal,
                                              desktop: run.kind == .desktop, status: l.t("run_status_\(run.status.rawValue)"),
                                              live: [.queued, .sent, .running].contains(run.status), ticketSeq: seq))
        }
    }

    static func kind(_ form: Form) throws -> Command.Tunnel.Kind {
        guard let k = form.text("kind").flatMap(Command.Tunnel.Kind.init(rawValue:)) else {
            throw DomainError.invalid(field: "kind", "terminal or desktop")
        }
        return k
    }
}
