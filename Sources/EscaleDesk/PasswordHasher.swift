import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run on the thread pool: hashing costs tens of milliseconds and must not stall an event loop.
struct PasswordHasher: Sendable {
    let cost: UInt8

    func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    static let minimumLength = 10
}
