import Foundation
import Testing
@testable import EscaleCore

@Suite("Canned replies: validation, language and variables")
struct CannedReplyTests {
    let values = ReplyVariables.Values(requesterName: "Alice Martin", ticketNumber: "ESC-000042", ticketSubject: "Imprimante",
                                       agentName: "Agent1", organizationName: "Acme Industrie")

    @Test("every variable is replaced by its value")
    func variables() {
        // given
        let template = "Bonjour {{requester.first_name}} ({{requester.name}}), {{ticket.number}} « {{ticket.subject}} » — {{agent.name}}, {{ organization.name }}"
        // when
        let r = ReplyVariables.render(template, values)
        // then
        #expect(r.text == "Bonjour Alice (Alice Martin), ESC-000042 « Imprimante » — Agent1, Acme Industrie")
        #expect(r.unknown.isEmpty)
    }

    @Test("an unknown variable stays visible and is reported once; an unclosed one is left as typed")
    func unknown() {
        let r = ReplyVariables.render("{{requester.email}} {{x}} {{requester.email}} {{ticket.number", values)
        #expect(r.text == "{{requester.email}} {{x}} {{requester.email}} {{ticket.number")
        #expect(r.unknown == ["requester.email", "x"])
    }

    @Test("values are inserted as plain text: a value that looks like a variable or markup is not read again")
    func noReinterpretation() {
        var v = values
        v.ticketSubject = "{{agent.name}} <script>alert(1)</script>"
        let r = ReplyVariables.render("Sujet : {{ticket.subject}}", v)
        #expect(r.text == "Sujet : {{agent.name}} <script>alert(1)</script>")
        #expect(r.unknown.isEmpty)
    }

    @Test("the body follows the reader's language and falls back to the other one")
    func language() throws {
        let both = try CannedReply.validated(title: "Merci", bodyFr: "Bonjour", bodyEn: "Hello", shared: false)
        #expect(both.body(for: "fr") == "Bonjour")
        #expect(both.body(for: "en") == "Hello")
        let frenchOnly = try CannedReply.validated(title: "Merci", bodyFr: "Bonjour", bodyEn: "", shared: false)
        #expect(frenchOnly.body(for: "en") == "Bonjour")
        let englishOnly = try CannedReply.validated(title: "Thanks", bodyFr: " ", bodyEn: "Hello", shared: true)
        #expect(englishOnly.body(for: "fr") == "Hello")
    }

    @Test("a title and at least one body are required, all problems at once")
    func validation() {
        #expect(throws: DomainError.self) { try CannedReply.validated(title: "x", bodyFr: "", bodyEn: "  ", shared: false) }
        do {
            _ = try CannedReply.validated(title: " ", bodyFr: "", bodyEn: "", shared: false)
            Issue.record("accepted")
        } catch let DomainError.invalidFields(problems) {
            #expect(problems.map(\.field) == ["title", "body_fr"])
        } catch { Issue.record("\(error)") }
    }

    @Test("staff see their own and the shared tools; only supervisors and admins manage shared ones; requesters nothing")
    func access() {
        let me = UUID(), other = UUID()
        let agent = Actor(userId: me, role: .agent), supervisor = Actor(userId: me, role: .supervisor), admin = Actor(userId: me, role: .admin)
        let requester = Actor(userId: me, role: .requester, organizationId: UUID())
        #expect(AccessPolicy.canSeeAgentTool(agent, ownerId: me, shared: false))
        #expect(!AccessPolicy.canSeeAgentTool(agent, ownerId: other, shared: false))
        #expect(AccessPolicy.canSeeAgentTool(agent, ownerId: other, shared: true))
        #expect(!AccessPolicy.canSeeAgentTool(requester, ownerId: me, shared: false))
        #expect(AccessPolicy.canManageAgentTool(agent, ownerId: me, shared: false))
        #expect(!AccessPolicy.canManageAgentTool(agent, ownerId: me, shared: true))
        #expect(!AccessPolicy.canManageAgentTool(supervisor, ownerId: other, shared: false))
        #expect(AccessPolicy.canManageAgentTool(supervisor, ownerId: other, shared: true))
        #expect(AccessPolicy.canManageAgentTool(admin, ownerId: other, shared: true))
        #expect(!AccessPolicy.canManageAgentTool(requester, ownerId: me, shared: false))
    }
}
