import Foundation
import Testing
@testable import EscaleCore

@Suite("Macros: validation")
struct MacroTests {
    @Test("a macro keeps its trimmed actions; 'me' and an id are assignees; empty texts count as absent")
    func valid() throws {
        // given
        let someone = UUID()
        // when
        let m = try Macro.validated(name: "  Matériel N2 ", shared: true, actions: MacroActions(
            impact: .high, assignee: "Me", reply: "  Bonjour {{requester.first_name}} ", note: " ", escalateTier: .n2, escalateReason: " Disque dur HS "))
        let other = try Macro.validated(name: "À moi", shared: false, actions: MacroActions(assignee: someone.uuidString))
        // then
        #expect(m.name == "Matériel N2")
        #expect(m.assignee == .me)
        #expect(m.actions.assignee == "me")
        #expect(m.actions.reply == "Bonjour {{requester.first_name}}")
        #expect(m.actions.note == nil)
        #expect(m.actions.escalateReason == "Disque dur HS")
        #expect(m.setsFields)
        #expect(other.assignee == .user(someone))
        #expect(try Macro.validated(name: "Note", shared: false, actions: MacroActions(note: "vu")).setsFields == false)
    }

    @Test("no action, an escalation without a real reason, a reason without a tier and an unreadable assignee are refused together")
    func invalid() {
        #expect(throws: DomainError.self) { try Macro.validated(name: "Rien", shared: false, actions: MacroActions(reply: "  ")) }
        do {
            _ = try Macro.validated(name: "", shared: false, actions: MacroActions(assignee: "bob", escalateTier: .n3, escalateReason: "x"))
            Issue.record("accepted")
        } catch let DomainError.invalidFields(problems) {
            #expect(problems.map(\.field) == ["name", "actions.assignee", "actions.escalate_reason"])
        } catch { Issue.record("\(error)") }
        do {
            _ = try Macro.validated(name: "Raison seule", shared: false, actions: MacroActions(escalateReason: "parce que"))
            Issue.record("accepted")
        } catch let DomainError.invalid(field, _) {
            #expect(field == "actions.escalate_tier")
        } catch { Issue.record("\(error)") }
    }
}
