import Foundation
import Testing
@testable import EscaleSMTP

/// A real aiosmtpd server (.ci/mail/smtp-sink.py) running as a child process.
final class SMTPSink: @unchecked Sendable {
    static var isAvailable: Bool { MailTestSupport.commandSucceeds("python3", ["-c", "import aiosmtpd"]) }
    static var shouldRun: Bool { isAvailable || MailTestSupport.serversRequired }
    static let skipMessage: Comment =
        "aiosmtpd is not installed (pip install aiosmtpd); set ESCALE_REQUIRE_MAIL_SERVERS=1 to make this a failure"

    struct Options {
        var startTLS = false
        var implicitTLS = false
        var auth: String?
        var authExclude: [String] = []
        var rejectRecipients: [String] = []
        var tempfail = false
    }

    let port: Int
    let directory: URL
    let certificate: String
    private let key: String
    private let options: Options
    private var process: Process?

    private init(options: Options, port: Int? = nil, directory: URL? = nil, certificate: (String, String)? = nil) throws {
        self.options = options
        self.port = try port ?? MailTestSupport.freePort()
        self.directory = try directory ?? MailTestSupport.makeTemporaryDirectory("escale-smtp-sink")
        let pair = try certificate ?? MailTestSupport.makeCertificate(in: self.directory)
        self.certificate = pair.0
        self.key = pair.1
    }

    static func start(_ options: Options = Options()) async throws -> SMTPSink {
        guard isAvailable else { throw TestSupportError("aiosmtpd is required (ESCALE_REQUIRE_MAIL_SERVERS is set) but `import aiosmtpd` fails") }
        let sink = try SMTPSink(options: options)
        try await sink.launch()
        return sink
    }

    /// A fresh server on the same port, for reconnect tests.
    func restarted() async throws -> SMTPSink {
        stop(removeFiles: false)
        let sink = try SMTPSink(options: options, port: port, directory: directory, certificate: (certificate, key))
        try await sink.launch()
        return sink
    }

    private func launch() async throws {
        var arguments = [MailTestSupport.script("smtp-sink.py", env: "ESCALE_SMTP_SINK"), "--port", String(port), "--dir", directory.appendingPathComponent("messages").path]
        if options.startTLS { arguments += ["--starttls", certificate, key] }
        if options.implicitTLS { arguments += ["--tls", certificate, key] }
        if let auth = options.auth { arguments += ["--auth", auth] }
        for mechanism in options.authExclude { arguments += ["--auth-exclude", mechanism] }
        for address in options.rejectRecipients { arguments += ["--reject-rcpt", address] }
        if options.tempfail { arguments.append("--tempfail") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/stderr")
        try process.run()
        self.process = process
        do {
            try await MailTestSupport.waitForPort(port)
        } catch {
            stop()
            throw error
        }
    }

    func stop(removeFiles: Bool = true) {
        if let process, process.isRunning {
            process.terminate()
            // Escalate if SIGTERM is ignored, so a test can never hang here.
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        process = nil
        if removeFiles { try? FileManager.default.removeItem(at: directory) }
    }

    deinit { if let process, process.isRunning { process.terminate() } }

    /// Messages stored so far: (raw bytes, envelope JSON), in arrival order.
    func messages() throws -> [(data: [UInt8], envelope: [String: Any])] {
        let dir = directory.appendingPathComponent("messages")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let numbers = names.compactMap { $0.hasSuffix(".json") && !$0.hasPrefix(".") ? Int($0.dropLast(5)) : nil }.sorted()
        return try numbers.map { n in
            let data = try Data(contentsOf: dir.appendingPathComponent("\(n).eml"))
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(n).json"))) as? [String: Any] ?? [:]
            return ([UInt8](data), json)
        }
    }

    func configuration(security: SMTPConfiguration.Security = .none, host: String = "127.0.0.1") -> SMTPConfiguration {
        var c = SMTPConfiguration(host: host, port: port, security: security, heloName: "client.test")
        c.trustRoots = certificate
        c.commandTimeout = .seconds(20)
        return c
    }
}

/// Runs `body` against a fresh sink and always stops it.
func withSMTPSink<T>(_ options: SMTPSink.Options = .init(), _ body: (SMTPSink) async throws -> T) async throws -> T {
    let sink = try await SMTPSink.start(options)
    do {
        let result = try await body(sink)
        sink.stop()
        return result
    } catch {
        sink.stop()
        throw error
    }
}

func testMessage(subject: String = "Test", body: String = "Hello from Escale.\r\n", size: Int = 0) -> [UInt8] {
    var text = "From: desk@escale.test\r\nTo: customer@example.test\r\nSubject: \(subject)\r\nMessage-ID: <\(UUID().uuidString)@escale.test>\r\n\r\n\(body)"
    while text.utf8.count < size {
        text += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\r\n"
    }
    return Array(text.utf8)
}
