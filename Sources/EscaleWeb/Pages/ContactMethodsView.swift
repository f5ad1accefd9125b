import EscaleAPI
import EscaleCore
import Foundation

/// A staff member's contact methods (where they are paged), as the administrator's user page and the person's own
/// account page show them: each with a button to remove it, and a form to add one. `action` receives the new method;
/// `<action>/<id>/delete` removes one.
struct ContactMethodsView {
    struct Row { let id: String; let type: String; let address: String }
    let action: String
    let methods: [Row]
    let any: Bool
    let types: [Option]

    /// The types the desk delivers to (`Desk.addContactMethod` refuses others).
    static let typeNames = ["email", "webhook", "slack"]

    init(_ methods: [ContactMethodDTO], action: String, _ l: Localizer) {
        self.action = action
        self.methods = methods.map { Row(id: $0.id.uuidString, type: l.t("contact_type_\($0.type)"), address: $0.address) }
        any = !methods.isEmpty
        types = Self.typeNames.map { Option(value: $0, label: l.t("contact_type_\($0)"), selected: $0 == "email") }
    }

    static func input(_ form: Form) -> ContactMethodInput {
        ContactMethodInput(type: form["type"] ?? "", address: form["address"] ?? "")
    }
}
