import Foundation
import Testing
@testable import EscaleCore

@Suite("Service categories")
struct ServiceCategoryTests {
    @Test("Valid keys are accepted", arguments: ["printer", "ab", "a1", "my-category_2", "a" + String(repeating: "b", count: 39)])
    func validKey(key: String) throws {
        let category = try ServiceCategory(key: key, domain: .hardware, nameEn: "Name", nameFr: "Nom")
        #expect(category.key == key)
    }

    @Test("Invalid keys are refused",
          arguments: ["", "a", "Printer", "1printer", "-printer", "with space", "imprimé", "a" + String(repeating: "b", count: 40), "printer\n"])
    func invalidKey(key: String) {
        let error = #expect(throws: DomainError.self) {
            try ServiceCategory(key: key, domain: .hardware, nameEn: "Name", nameFr: "Nom")
        }
        #expect(error?.invalidField == "key")
    }

    @Test("Both names are required and trimmed")
    func names() throws {
        let category = try ServiceCategory(key: "vpn", domain: .infrastructure, nameEn: "  VPN ", nameFr: " Accès distant\n")
        #expect(category.nameEn == "VPN")
        #expect(category.nameFr == "Accès distant")
        for (en, fr, field) in [("", "Nom", "name_en"), ("Name", "  ", "name_fr"), (" ", "", "name_en")] {
            let error = #expect(throws: DomainError.self) {
                try ServiceCategory(key: "vpn", domain: .infrastructure, nameEn: en, nameFr: fr)
            }
            #expect(error?.invalidField == field, "the error names the empty name")
        }
    }

    @Test("The default catalogue has 12 unique categories, 4 of them hardware")
    func defaults() {
        let keys = ServiceCategory.defaults.map(\.key)
        #expect(keys.count == 12)
        #expect(Set(keys).count == 12)
        #expect(ServiceCategory.defaults.filter { $0.domain == .hardware }.map(\.key) == ["workstation", "peripheral", "printer", "mobile"])
        #expect(Fixture.network.domain == .infrastructure)
        #expect(Fixture.network.nameFr == "Réseau")
    }

    @Test("A category survives a JSON round trip")
    func json() throws {
        let data = try JSONEncoder().encode(Fixture.printer)
        #expect(try JSONDecoder().decode(ServiceCategory.self, from: data) == Fixture.printer)
    }
}
