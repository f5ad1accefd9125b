import Foundation

/// Which support group a ticket goes to when it arrives at a tier (created, or escalated "by tier") and nobody named
/// one. A group that names the organization among those it serves is that client's team and wins; a group serving
/// everyone is the fallback. When that still leaves a choice, the installation's default group for the tier decides;
/// without one the ticket waits in the tier's queue, ungrouped, rather than land on a guess.
public enum GroupRouting {
    public struct Candidate: Sendable, Equatable {
        public let id: UUID
        public let tier: Tier
        public let servesAll: Bool
        public let organizationIds: Set<UUID>
        public let active: Bool

        public init(id: UUID, tier: Tier, servesAll: Bool, organizationIds: Set<UUID>, active: Bool = true) {
            self.id = id; self.tier = tier; self.servesAll = servesAll; self.organizationIds = organizationIds; self.active = active
        }

        public func serves(_ organization: UUID) -> Bool { servesAll || organizationIds.contains(organization) }
    }

    public static func group(for tier: Tier, organization: UUID, among groups: [Candidate], defaults: [Tier: UUID] = [:]) -> UUID? {
        let serving = groups.filter { $0.active && $0.tier == tier && $0.serves(organization) }
        let dedicated = serving.filter { !$0.servesAll }
        let preferred = dedicated.isEmpty ? serving : dedicated
        if preferred.count == 1 { return preferred[0].id }
        if let d = defaults[tier], preferred.contains(where: { $0.id == d }) { return d }
        return nil
    }
}

/// The language a new user gets when nobody chose one: their organization's, else the installation's; `nil` means
/// "follow the browser" (taken at each sign-in until the user picks a language).
public enum LanguageDefault {
    public static let supported = ["fr", "en"]

    public static func resolve(explicit: String?, organization: String?, installation: String?) -> String? {
        explicit ?? organization ?? installation
    }
}
