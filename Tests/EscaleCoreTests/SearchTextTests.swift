import Foundation
import Testing
@testable import EscaleCore

@Suite("Search text normalisation")
struct SearchTextTests {
    func term(_ word: String) -> [String] { SearchText.terms(word) }

    @Test("réseau, reseau, RÉSEAU and réseaux give the same term")
    func reseau() {
        let expected = ["reseau"]
        for word in ["réseau", "reseau", "RÉSEAU", "réseaux", "RÉSEAUX", "Reseaux"] {
            #expect(term(word) == expected, "\(word)")
        }
    }

    @Test("imprimantes and imprimante give the same term")
    func imprimante() {
        #expect(term("imprimantes") == ["imprimante"])
        #expect(term("imprimante") == ["imprimante"])
        #expect(term("Imprimantes") == term("IMPRIMANTE"))
    }

    @Test("batteries, battery and batterie give the same term")
    func batterie() {
        #expect(term("batteries") == ["batterie"])
        #expect(term("battery") == ["batterie"])
        #expect(term("batterie") == ["batterie"])
        #expect(term("Battery") == term("BATTERIES"))
    }

    @Test("copy, copies and copie give the same term")
    func copie() {
        #expect(term("copy") == ["copie"])
        #expect(term("copies") == ["copie"])
        #expect(term("copie") == ["copie"])
    }

    @Test("A -y after a vowel is kept: key and keys meet as key")
    func vowelY() {
        #expect(term("key") == ["key"])
        #expect(term("keys") == ["key"])
    }

    @Test("-aux plurals become -al: journaux → journal")
    func auxPlural() {
        #expect(term("journaux") == ["journal"])
        #expect(term("journal") == ["journal"])
    }

    @Test("Stemming is conservative: short words and -ss endings are kept")
    func conservative() {
        #expect(term("bus") == ["bus"])
        #expect(term("access") == ["access"])
        #expect(term("process") == ["process"])
        #expect(term("mots") == ["mot"])
        #expect(SearchText.stem("gas") == "gas")
    }

    @Test("Stop words are dropped, in French and English", arguments: ["le", "la", "les", "the", "of", "de", "du", "des", "and", "à", "où", "Le", "THE"])
    func stopWord(word: String) {
        #expect(term(word).isEmpty)
    }

    @Test("Stop words are dropped inside a sentence, the rest keeps its order")
    func stopWordsInSentence() {
        #expect(SearchText.terms("La panne de la messagerie") == ["panne", "messagerie"])
        #expect(SearchText.terms("The printer of the third floor") == ["printer", "third", "floor"])
    }

    @Test("Elisions are dropped: l'imprimante gives the imprimante term")
    func elision() {
        #expect(SearchText.terms("l'imprimante") == ["imprimante"])
        #expect(SearchText.terms("L’imprimante") == ["imprimante"])    // typographic apostrophe
        #expect(SearchText.terms("d'accès") == ["acce"])
        #expect(SearchText.terms("qu'il") == [])
        #expect(SearchText.terms("l'imprimante") == SearchText.terms("imprimantes"))
    }

    @Test("Ligatures fold to two letters: Œuvre → oeuvre")
    func ligatures() {
        #expect(SearchText.terms("Œuvre") == ["oeuvre"])
        #expect(SearchText.terms("cœur") == ["coeur"])
        #expect(SearchText.terms("Cæsar") == ["caesar"])
        #expect(SearchText.terms("Straße") == ["strasse"])
        #expect(SearchText.fold("ŒUVRE").hasPrefix("oe"))
    }

    @Test("Folding lowercases and strips accents")
    func fold() {
        #expect(SearchText.fold("Éléphant À Noël") == "elephant a noel")
        #expect(SearchText.fold("ça") == "ca")
        #expect(SearchText.fold("plain ascii") == "plain ascii")
    }

    @Test("Digits are kept, alone or inside words, and never stemmed")
    func digits() {
        #expect(SearchText.terms("Erreur 404 sur le port 8080") == ["erreur", "404", "port", "8080"])
        #expect(SearchText.terms("Windows 11") == ["window", "11"])
        #expect(SearchText.terms("win10s") == ["win10s"])
        #expect(SearchText.terms("ESC-000042") == ["esc", "000042"])
    }

    @Test("Punctuation and whitespace separate terms")
    func separators() {
        #expect(SearchText.terms("  VPN/réseau,(lent)!\n") == ["vpn", "reseau", "lent"])
        #expect(SearchText.terms("") == [])
        #expect(SearchText.terms(" ... ") == [])
    }

    @Test("A document joins the terms of all its parts with spaces")
    func document() {
        #expect(SearchText.document("Réseaux lents", "l'imprimante du 2e étage") == "reseau lent imprimante 2e etage")
        #expect(SearchText.document() == "")
    }

    @Test("A query and a document written differently meet on the same terms")
    func queryMeetsDocument() {
        let document = Set(SearchText.terms("Les imprimantes du réseau ne répondent plus"))
        let query = SearchText.terms("IMPRIMANTE Reseaux")
        #expect(!query.isEmpty)
        #expect(query.allSatisfy(document.contains))
    }
}
