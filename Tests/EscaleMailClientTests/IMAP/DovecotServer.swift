import Foundation
import Testing
@testable import EscaleIMAP

/// A throwaway Dovecot (.ci/mail/dovecot-test.sh) with user desk/secret.
final class DovecotServer: Sendable {
    static var isAvailable: Bool {
        MailTestSupport.commandSucceeds("sh", ["-c", "command -v dovecot || test -x /usr/sbin/dovecot"])
    }
    static var shouldRun: Bool { isAvailable || MailTestSupport.serversRequired }
    static let skipMessage: Comment =
        "dovecot is not installed (apt-get install -y dovecot-imapd); set ESCALE_REQUIRE_MAIL_SERVERS=1 to make this a failure"

    let directory: URL
    /// Plain + STARTTLS; `port + 1` is implicit TLS.
    let port: Int
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    private static var script: String { MailTestSupport.script("dovecot-test.sh", env: "ESCALE_DOVECOT_SCRIPT") }

    private init(directory: URL, port: Int) {
        self.directory = directory
        self.port = port
    }

    static func start() throws -> DovecotServer {
        guard isAvailable else { throw TestSupportError("dovecot is required (ESCALE_REQUIRE_MAIL_SERVERS is set) but not installed") }
        let directory = try MailTestSupport.makeTemporaryDirectory("escale-dovecot")
        let port = try MailTestSupport.freePort(pair: true)
        let result = try MailTestSupport.run("bash", [script, "start", directory.path, String(port)])
        guard result.status == 0 else {
            _ = try? MailTestSupport.run("bash", [script, "stop", directory.path])
            throw TestSupportError("dovecot failed to start: \(result.output)")
        }
        return DovecotServer(directory: directory, port: port)
    }

    func stop() {
        _ = try? MailTestSupport.run("bash", [Self.script, "stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    func configuration(_ security: IMAPConfiguration.Security = .none, host: String = "127.0.0.1", password: String = "secret") -> IMAPConfiguration {
        var c = IMAPConfiguration(host: host, port: security == .tls ? port + 1 : port, security: security, username: "desk", password: password)
        c.trustRoots = certificate
        c.commandTimeout = .seconds(20)
        return c
    }
}

func withDovecot<T>(_ body: (DovecotServer) async throws -> T) async throws -> T {
    let server = try DovecotServer.start()
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}

func imapMessage(_ subject: String, body: String = "Hello.\r\n") -> [UInt8] {
    Array("From: customer@example.test\r\nTo: desk@escale.test\r\nSubject: \(subject)\r\nMessage-ID: <\(UUID().uuidString)@example.test>\r\n\r\n\(body)".utf8)
}
