import Foundation
import Testing
@testable import EscaleSMTP

@Suite("SMTP against a real aiosmtpd server", .serialized, .enabled(if: SMTPSink.shouldRun, SMTPSink.skipMessage))
struct SMTPServerTests {
    @Test func plainSendDeliversExactBytes() async throws {
        try await withSMTPSink { sink in
            let connection = try await SMTPConnection.connect(sink.configuration())
            let message = testMessage(subject: "plain")
            let result = try await connection.send(message, envelope: SMTPEnvelope(from: "desk@escale.test", recipients: ["customer@example.test"]))
            await connection.close()
            #expect(result.accepted == ["customer@example.test"])
            #expect(result.refused.isEmpty)
            #expect(result.reply.contains("queued as SINK1"))
            let stored = try sink.messages()
            try #require(stored.count == 1)
            #expect(stored[0].data == message)
            #expect(stored[0].envelope["mail_from"] as? String == "desk@escale.test")
            #expect(stored[0].envelope["rcpt_tos"] as? [String] == ["customer@example.test"])
            #expect(stored[0].envelope["tls"] as? Bool == false)
        }
    }

    @Test func startTLSWithAuthPlainFromURL() async throws {
        try await withSMTPSink(.init(startTLS: true, auth: "desk@escale.test:p@ss word")) { sink in
            var c = try SMTPConfiguration(url: "smtp://desk%40escale.test:p%40ss%20word@127.0.0.1:\(sink.port)")
            #expect(c.security == .startTLSIfAvailable)  // loopback: opportunistic
            c.trustRoots = sink.certificate
            let connection = try await SMTPConnection.connect(c)
            #expect(await connection.isTLS)
            _ = try await connection.send(testMessage(), envelope: SMTPEnvelope(from: "desk@escale.test", recipients: ["a@example.test"]))
            await connection.close()
            let stored = try sink.messages()
            try #require(stored.count == 1)
            #expect(stored[0].envelope["tls"] as? Bool == true)
            #expect(stored[0].envelope["authenticated"] as? Bool == true)
        }
    }

    @Test func startTLSWithAuthLogin() async throws {
        try await withSMTPSink(.init(startTLS: true, auth: "desk:secret", authExclude: ["PLAIN"])) { sink in
            var c = sink.configuration(security: .startTLS)
            c.username = "desk"
            c.password = "secret"
            let connection = try await SMTPConnection.connect(c)
            #expect(await connection.extensions["AUTH"]?.uppercased().contains("PLAIN") == false)
            _ = try await connection.send(testMessage(), envelope: SMTPEnvelope(from: "desk@escale.test", recipients: ["a@example.test"]))
            await connection.close()
            #expect(try sink.messages().first?.envelope["authenticated"] as? Bool == true)
        }
    }

    @Test func wrongPasswordIsRejected() async throws {
        try await withSMTPSink(.init(startTLS: true, auth: "desk:secret")) { sink in
            var c = sink.configuration(security: .startTLS)
            c.username = "desk"
            c.password = "wrong"
            await #expect {
                _ = try await SMTPConnection.connect(c)
            } throws: { error in
                guard case .permanent(535, _)? = error as? SMTPError else { return false }
                return true
            }
        }
    }

    @Test func implicitTLSWithHostnameVerification() async throws {
        try await withSMTPSink(.init(implicitTLS: true)) { sink in
            var c = try SMTPConfiguration(url: "smtps://localhost:\(sink.port)")
            #expect(c.security == .tls)
            c.trustRoots = sink.certificate
            let connection = try await SMTPConnection.connect(c)
            _ = try await connection.send(testMessage(), envelope: SMTPEnvelope(from: "", recipients: ["a@example.test"]))
            await connection.close()
            let stored = try sink.messages()
            #expect(stored.first?.envelope["tls"] as? Bool == true)
            #expect(stored.first?.envelope["mail_from"] as? String == "<>")  // aiosmtpd's spelling of the null sender
        }
    }

    @Test func untrustedCertificateFailsUnlessVerificationIsOff() async throws {
        try await withSMTPSink(.init(implicitTLS: true)) { sink in
            var c = sink.configuration(security: .tls, host: "localhost")
            c.trustRoots = nil  // system roots do not know the self-signed certificate
            await #expect {
                _ = try await SMTPConnection.connect(c)
            } throws: { error in
                guard case .connection? = error as? SMTPError else { return false }
                return true
            }
            c.verifyCertificates = false
            let connection = try await SMTPConnection.connect(c)
            await connection.close()
        }
    }

    @Test func dotStuffingAndLineEndingsSurviveByteExact() async throws {
        try await withSMTPSink { sink in
            let connection = try await SMTPConnection.connect(sink.configuration())
            let body = "Subject: dots\r\n\r\n.\r\n.foo\r\n..bar\r\nmiddle . dot\r\n.\nbare-lf line\n.\r\nend"
            _ = try await connection.send(Array(body.utf8), envelope: SMTPEnvelope(from: "a@x.test", recipients: ["b@x.test"]))
            // 8-bit content with BODY=8BITMIME and UTF-8 headers with SMTPUTF8.
            let utf8 = Array("Subject: Grüße\r\n\r\nÄrger? Nein.\r\n".utf8)
            _ = try await connection.send(utf8, envelope: SMTPEnvelope(from: "a@x.test", recipients: ["b@x.test"]))
            await connection.close()
            let stored = try sink.messages()
            try #require(stored.count == 2)
            let expected = "Subject: dots\r\n\r\n.\r\n.foo\r\n..bar\r\nmiddle . dot\r\n.\r\nbare-lf line\r\n.\r\nend\r\n"
            #expect(String(decoding: stored[0].data, as: UTF8.self) == expected)
            #expect(stored[1].data == utf8)
            let options = stored[1].envelope["mail_options"] as? [String] ?? []
            #expect(options.contains("BODY=8BITMIME"))
            #expect(options.contains("SMTPUTF8"))
            #expect(options.contains { $0.hasPrefix("SIZE=") })
        }
    }

    @Test func rejectedRecipientsArePermanentAndPerRecipient() async throws {
        try await withSMTPSink(.init(rejectRecipients: ["nobody@example.test"])) { sink in
            let connection = try await SMTPConnection.connect(sink.configuration())
            let partial = try await connection.send(testMessage(), envelope: SMTPEnvelope(
                from: "desk@escale.test", recipients: ["nobody@example.test", "ok@example.test"]))
            #expect(partial.accepted == ["ok@example.test"])
            #expect(partial.refused.count == 1)
            #expect(partial.refused.first?.0 == "nobody@example.test")
            #expect(partial.refused.first?.1.isPermanent == true)

            await #expect {
                _ = try await connection.send(testMessage(), envelope: SMTPEnvelope(from: "desk@escale.test", recipients: ["nobody@example.test"]))
            } throws: { error in
                guard let error = error as? SMTPError, case .permanent(550, _) = error else { return false }
                return error.isPermanent
            }
            // The session survives a refused transaction (RSET) and keeps delivering.
            #expect(await connection.isUsable)
            let ok = try await connection.send(testMessage(), envelope: SMTPEnvelope(from: "desk@escale.test", recipients: ["ok@example.test"]))
            #expect(ok.accepted == ["ok@example.test"])
            await connection.close()
            let stored = try sink.messages()
            #expect(stored.count == 2)
            #expect(stored.first?.envelope["rcpt_tos"] as? [String] == ["ok@example.test"])
        }
    }

    @Test func temporaryFailureIsTransient() async throws {
        try await withSMTPSink(.init(tempfail: true)) { sink in
            let connection = try await SMTPConnection.connect(sink.configuration())
            for _ in 0..<2 {
                await #expect {
                    _ = try await connection.send(testMessage(), envelope: SMTPEnvelope(from: "a@x.test", recipients: ["b@x.test"]))
                } throws: { error in
                    guard let error = error as? SMTPError, case .transient(451, _) = error else { return false }
                    return !error.isPermanent
                }
            }
            #expect(await connection.isUsable)
            await connection.close()
        }
    }

    @Test func connectionRefusedIsAConnectionError() async throws {
        let port = try MailTestSupport.freePort()
        var c = SMTPConfiguration(host: "127.0.0.1", port: port, security: .none)
        c.connectTimeout = .seconds(2)
        await #expect {
            _ = try await SMTPConnection.connect(c)
        } throws: { error in
            guard let error = error as? SMTPError, case .connection = error else { return false }
            return !error.isPermanent
        }
    }

    /// Correctness of a long session; the rate printed is informative (figures come from `escale-bench --mail`: a
    /// timed assertion fails on a busy machine).
    @Test func reusesOneConnectionFor200MessagesAndMeasuresThroughput() async throws {
        try await withSMTPSink { sink in
            let connection = try await SMTPConnection.connect(sink.configuration())
            let messages = (0..<200).map { testMessage(subject: "bulk \($0)", size: 5 * 1024) }
            let envelope = SMTPEnvelope(from: "desk@escale.test", recipients: ["bulk@example.test"])
            let start = ContinuousClock.now
            for message in messages {
                _ = try await connection.send(message, envelope: envelope)
            }
            let elapsed = ContinuousClock.now - start
            await connection.close()
            let rate = 200.0 / Self.seconds(elapsed)
            print("SMTP throughput, 1 connection: 200 × ~5 KB in \(elapsed) → \(Int(rate)) msg/s")
            let stored = try sink.messages()
            #expect(stored.count == 200)
            #expect(stored.last?.data == messages.last)
        }
    }

    @Test func poolSendsConcurrentlyAndMeasuresThroughput() async throws {
        try await withSMTPSink { sink in
            let client = SMTPClient(sink.configuration(), maxConnections: 4)
            let count = 400
            let message = testMessage(subject: "pooled", size: 5 * 1024)
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<count {
                    group.addTask {
                        _ = try await client.send(message, envelope: SMTPEnvelope(from: "desk@escale.test", recipients: ["r\(i)@example.test"]))
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            await client.shutdown()
            let rate = Double(count) / Self.seconds(elapsed)
            print("SMTP throughput, pool of 4: \(count) × ~5 KB in \(elapsed) → \(Int(rate)) msg/s")
            #expect(try sink.messages().count == count)
        }
    }

    @Test func poolReconnectsWhenAPooledSessionDied() async throws {
        let sink = try await SMTPSink.start()
        var current = sink
        do {
            let client = SMTPClient(sink.configuration(), maxConnections: 1)
            let envelope = SMTPEnvelope(from: "desk@escale.test", recipients: ["a@example.test"])
            _ = try await client.send(testMessage(subject: "before"), envelope: envelope)
            // Kill the server under the idle pooled session and bring up a new one.
            current = try await sink.restarted()
            let result = try await client.send(testMessage(subject: "after"), envelope: envelope)
            #expect(result.accepted == ["a@example.test"])
            await client.shutdown()
            // The new sink numbers from 1 again, so it holds exactly the second message.
            let stored = try current.messages()
            #expect(stored.count == 1)
            let text = String(decoding: stored.first?.data ?? [], as: UTF8.self)
            #expect(text.contains("Subject: after"))
            current.stop()
        } catch {
            current.stop()
            throw error
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

@Suite("SMTP configuration and encoding")
struct SMTPUnitTests {
    @Test func urlParsing() throws {
        let a = try SMTPConfiguration(url: "smtp://user%40x:p%3Ass@mail.example.com")
        #expect(a.host == "mail.example.com")
        #expect(a.port == 587)
        #expect(a.security == .startTLS)  // credentials to a remote host: TLS is mandatory
        #expect(a.username == "user@x")
        #expect(a.password == "p:ss")

        let b = try SMTPConfiguration(url: "smtp://mail.example.com")
        #expect(b.port == 25)
        #expect(b.security == .startTLSIfAvailable)
        #expect(b.username == nil)

        let c = try SMTPConfiguration(url: "smtps://mail.example.com")
        #expect(c.port == 465)
        #expect(c.security == .tls)

        let d = try SMTPConfiguration(url: "smtp://u:p@mail.example.com:2525?tls=none")
        #expect(d.port == 2525)
        #expect(d.security == .none)

        let e = try SMTPConfiguration(url: "smtp://[::1]:25?tls=starttls")
        #expect(e.host == "::1")
        #expect(e.security == .startTLS)

        let f = try SMTPConfiguration(url: "smtp://u:p@localhost:2525")
        #expect(f.security == .startTLSIfAvailable)  // loopback relay may be plain
    }

    @Test(arguments: ["mail.example.com", "http://x", "smtp://", "smtp://host:99999", "smtp://host:abc",
                      "smtp://host?tls=maybe", "smtps://host?tls=none", "smtp://u:%zz@host", "smtp://host/path"])
    func badURLsAreRejected(_ url: String) {
        #expect(throws: SMTPConfiguration.URLError.self) { try SMTPConfiguration(url: url) }
    }

    @Test func badURLErrorRedactsPassword() {
        do {
            _ = try SMTPConfiguration(url: "smtp://user:hunter2@host:xx")
            Issue.record("expected an error")
        } catch {
            #expect(!String(describing: error).contains("hunter2"))
        }
    }

    @Test func dataEncoding() {
        func encode(_ s: String) -> String {
            var buffer = SMTPEncoding.encodeData(Array(s.utf8))
            return buffer.readString(length: buffer.readableBytes)!
        }
        #expect(encode("") == ".\r\n")
        #expect(encode("a") == "a\r\n.\r\n")
        #expect(encode(".\r\n") == "..\r\n.\r\n")
        #expect(encode(".a\n.b\r.c\r\n") == "..a\r\n..b\r\n..c\r\n.\r\n")
        #expect(encode("x.\r\n") == "x.\r\n.\r\n")
        #expect(encode("a\r\r\nb\n\n.") == "a\r\n\r\nb\r\n\r\n..\r\n.\r\n")
        #expect(SMTPEncoding.has8BitBytes(Array("plain ascii text, long enough".utf8)) == false)
        #expect(SMTPEncoding.has8BitBytes(Array("long enough ascii then ü".utf8)))
    }

    @Test func base64() {
        #expect(SMTPEncoding.base64(Array("\0user\0pass".utf8)) == "AHVzZXIAcGFzcw==")
        #expect(SMTPEncoding.base64(Array("ab".utf8)) == "YWI=")
        #expect(SMTPEncoding.base64([]) == "")
    }

    @Test func addressSafety() {
        #expect(SMTPEncoding.isSafePath("a@b.test"))
        #expect(SMTPEncoding.isSafePath(""))
        #expect(!SMTPEncoding.isSafePath("a@b.test>\r\nRCPT TO:<evil@x"))
        #expect(!SMTPEncoding.isSafePath("a@b>"))
    }
}
