import Foundation

/// What part of the information system a category belongs to; a `hardware` contract covers only `hardware` ones.
public enum CategoryDomain: String, Codable, Sendable, CaseIterable {
    case hardware
    case infrastructure
}

/// A service category tickets are filed under, named in French and English.
public struct ServiceCategory: Codable, Sendable, Equatable {
    public let key: String
    public let domain: CategoryDomain
    public let nameEn: String
    public let nameFr: String

    public init(key: String, domain: CategoryDomain, nameEn: String, nameFr: String) throws {
        guard key.range(of: #"\A[a-z][a-z0-9_-]{1,39}\z"#, options: .regularExpression) != nil else {  // `$` would let a trailing newline through
            throw DomainError.invalid(field: "key", "use 2–40 lowercase letters, digits, '-' or '_', starting with a letter")
        }
        for (field, name) in [("name_en", nameEn), ("name_fr", nameFr)] {
            guard !name.trimmed.isEmpty else { throw DomainError.invalid(field: field, "a category needs an English and a French name") }
            guard name.trimmed.count <= 100 else { throw DomainError.invalid(field: field, "at most 100 characters") }
        }
        self.key = key
        self.domain = domain
        self.nameEn = nameEn.trimmed
        self.nameFr = nameFr.trimmed
    }

    /// The catalogue a new installation starts with.
    public static let defaults: [ServiceCategory] = [
        ("workstation", CategoryDomain.hardware, "Workstation", "Poste de travail"),
        ("peripheral", .hardware, "Peripheral", "Périphérique"),
        ("printer", .hardware, "Printer", "Imprimante"),
        ("mobile", .hardware, "Mobile device", "Appareil mobile"),
        ("software", .infrastructure, "Software", "Logiciel"),
        ("email", .infrastructure, "Email", "Messagerie"),
        ("network", .infrastructure, "Network", "Réseau"),
        ("server", .infrastructure, "Server", "Serveur"),
        ("storage", .infrastructure, "Storage and backup", "Stockage et sauvegarde"),
        ("account", .infrastructure, "Account and access", "Compte et accès"),
        ("security", .infrastructure, "Security", "Sécurité"),
        ("telephony", .infrastructure, "Telephony", "Téléphonie"),
    ].map { try! ServiceCategory(key: $0.0, domain: $0.1, nameEn: $0.2, nameFr: $0.3) }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
