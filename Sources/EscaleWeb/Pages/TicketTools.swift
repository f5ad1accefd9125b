import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Mustache

/// What the ticket page shows of the agent's own tools: the canned replies to insert (`{{>ticket_canned}}`, above the
/// reply box) and the macros to apply (`{{>ticket_macros}}`, at the top of the side panel). Kept apart from
/// `TicketPages` so the ticket page only carries one property for them.
struct TicketToolsView: MustacheParent {
    let cannedOptions: [Option]
    let macroOptions: [Option]

    func child(named name: String) -> Any? {
        switch name {
        case "cannedOptions": cannedOptions
        case "hasCanned": !cannedOptions.isEmpty
        case "macroOptions": macroOptions
        case "hasMacros": !macroOptions.isEmpty
        default: nil
        }
    }

    static func make(desk: Desk, actor: Actor, _ l: Localizer) async throws -> TicketToolsView {
        let replies = try await desk.listCannedReplies(by: actor)
        let macros = try await desk.listMacros(by: actor)
        return TicketToolsView(
            cannedOptions: replies.map { Option(value: $0.id.uuidString, label: $0.shared ? l.t("tool_shared_label", $0.title) : $0.title, selected: false) },
            macroOptions: macros.map { Option(value: $0.id.uuidString, label: $0.shared ? l.t("tool_shared_label", $0.name) : $0.name, selected: false) })
    }
}
