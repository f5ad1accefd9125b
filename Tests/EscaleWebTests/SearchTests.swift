import EscaleAPI
import EscaleCore
import Foundation
import Testing

@Suite("Full-text search in French and English")
struct SearchTests {
    static func numbers(_ api: API, _ q: String, _ token: String) async throws -> [String] {
        let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let r = try await api.get("/api/v1/search?q=\(encoded)", token: token)
        try #require(r.status == .ok, "\(q): \(r.text)")
        return try r.json(SearchResults.self).items.map(\.ticket.number)
    }

    @Test("accents, case and plurals do not matter: réseau = reseau = RÉSEAU, imprimantes finds imprimante")
    func frenchNormalisation() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let network = try await w.aliceTicket("Coupure réseau au siège", description: "Plus d'accès au partage")
            let printer = try await w.aliceTicket("Imprimante bloquée", description: "L'imprimante du 3e affiche une erreur")
            let english = try await w.aliceTicket("Laptop battery drains", description: "Battery lasts one hour")
            for q in ["réseau", "reseau", "RÉSEAU", "Réseaux"] {
                #expect(try await Self.numbers(api, q, w.agent1Token) == [network.number], "\(q)")
            }
            #expect(try await Self.numbers(api, "imprimantes", w.agent1Token) == [printer.number])
            #expect(try await Self.numbers(api, "batteries", w.agent1Token) == [english.number])
            #expect(try await Self.numbers(api, "printer", w.agent1Token).isEmpty)
            // Every word must match.
            #expect(try await Self.numbers(api, "imprimante erreur", w.agent1Token) == [printer.number])
            #expect(try await Self.numbers(api, "imprimante réseau", w.agent1Token).isEmpty)
        }
    }

    @Test("results are ranked: a ticket about the word comes before one that mentions it in passing")
    func ranking() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let passing = try await w.aliceTicket("Question sur la facture", description: "Rien à voir avec le VPN, mais le portail est lent et la page de connexion met longtemps à charger puis affiche une erreur générique sans détail")
            let about = try await w.aliceTicket("VPN VPN coupé", description: "Le VPN se déconnecte")
            #expect(try await Self.numbers(api, "vpn", w.agent1Token) == [about.number, passing.number])
        }
    }

    @Test("public replies are searchable by everyone who sees the ticket, internal notes only by staff")
    func comments() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Remplacement de la carte mère prévu", isPublic: true), as: EventDTO.self)
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "Fournisseur Dataprox en retard", isPublic: false), as: EventDTO.self)
            #expect(try await Self.numbers(api, "carte mère", w.aliceToken) == [t.number])
            #expect(try await Self.numbers(api, "dataprox", w.aliceToken).isEmpty)
            #expect(try await Self.numbers(api, "dataprox", w.managerToken).isEmpty)
            #expect(try await Self.numbers(api, "dataprox", w.agent2Token) == [t.number])
            #expect(try await Self.numbers(api, "mère", w.eveToken).isEmpty)
        }
    }

    @Test("editing the subject re-indexes the ticket in the same transaction")
    func reindex() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket("Ancien sujet", description: "rien")
            var p = TicketPatch(); p.subject = "Messagerie Outlook plantée"
            let r = try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: "\"v1\""], json: p)
            #expect(r.status == .ok)
            #expect(try await Self.numbers(api, "outlook", w.agent1Token) == [t.number])
            #expect(try await Self.numbers(api, "ancien", w.agent1Token).isEmpty)
        }
    }
}
