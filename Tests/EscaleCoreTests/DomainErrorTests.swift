import Foundation
import Testing
@testable import EscaleCore

@Suite("Domain errors")
struct DomainErrorTests {
    @Test("Each error describes itself in plain words")
    func descriptions() {
        #expect(DomainError.invalid(field: "subject", "a subject is required").description == "subject: a subject is required")
        #expect(DomainError.invalidTransition(from: .closed, to: .inProgress).description == "a ticket cannot go from closed to in_progress")
        #expect(DomainError.forbidden("no").description == "no")
        #expect(DomainError.notFound("ticket ESC-000042").description == "ticket ESC-000042 not found")
        #expect(DomainError.versionConflict(current: 5).description.contains("version 5"))
        #expect(DomainError.conflict("e-mail already used").description == "e-mail already used")
    }

    @Test("Errors compare by case and payload")
    func equality() {
        #expect(DomainError.invalidTransition(from: .new, to: .closed) == .invalidTransition(from: .new, to: .closed))
        #expect(DomainError.invalidTransition(from: .new, to: .closed) != .invalidTransition(from: .new, to: .resolved))
        #expect(DomainError.invalid(field: "a", "m") != .invalid(field: "b", "m"))
    }
}
