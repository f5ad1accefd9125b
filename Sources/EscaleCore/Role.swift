import Foundation

public enum Role: String, Codable, Sendable, CaseIterable {
    /// An employee of a client company who asks for help.
    case requester
    /// Sees every ticket of their organization (and, later, its reports).
    case clientManager = "client_manager"
    /// Works tickets as a member of one or more support groups.
    case agent
    case supervisor
    case admin

    /// Staff work for the desk (the provider); the others belong to a client organization.
    public var isStaff: Bool { self == .agent || self == .supervisor || self == .admin }
}
