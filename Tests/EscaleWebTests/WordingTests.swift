import EscaleAPI
import EscaleCore
import Foundation
import Testing

/// French and English as people write them: agreement, plurals, one name for the SLA.
@Suite("Wording")
struct WordingTests {
    @Test("'Urgence' agrees (Élevée, Moyenne), counts have real plurals, the SLA has one name")
    func french() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket("Imprimante en panne", impact: .high, urgency: .medium)
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            let page = try await agent.get("/tickets/\(Int(t.number.dropFirst(4))!)")
            #expect(page.contains("(Élevé × Moyenne)"), "impact is masculine, urgency feminine: \(page.html)")
            #expect(page.contains(#"<option value="medium" selected>Moyenne</option>"#) && page.contains(#"<option value="high" selected>Élevé</option>"#))
            #expect(!page.contains("(s)"))

            #expect(try await agent.get("/search?q=imprimante").contains("1 ticket trouvé."))
            _ = try await w.aliceTicket("Imprimante du 2e étage")
            #expect(try await agent.get("/search?q=imprimante").contains("2 tickets trouvés."))
            let english = Browser(api, language: "en")
            try await english.signIn(w.agent2.email, World.password)
            _ = try await english.post("/account/preferences", [("locale", "en"), ("time_zone", "Europe/Paris")])
            #expect(try await english.get("/search?q=imprimante").contains("2 tickets found."))

            // One name for the service levels: "SLA", on the queue, the ticket and the timeline alike.
            #expect(page.contains(#"<dl class="facts sla" aria-label="SLA">"#) || !page.contains("facts sla"))
            let queue = try await agent.get("/queues/breaching")
            #expect(!page.contains("Engagement") && queue.contains("Échéances SLA"))
        }
    }

    @Test("days read as people write them: a contract's validity in French and English")
    func days() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let french = Browser(api)
            try await french.signIn(TestApp.adminEmail, TestApp.adminPassword)
            #expect(try await french.get("/admin/organizations/\(w.acme.id)").contains("1 janv. 2026 → …"))
            let english = Browser(api, language: "en")
            try await english.signIn(TestApp.adminEmail, TestApp.adminPassword)
            #expect(try await english.get("/admin/organizations/\(w.acme.id)").contains("1 Jan 2026 → …"))
        }
    }
}
