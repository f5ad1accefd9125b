import EscaleAPI
import EscaleCore
import Foundation
import Testing

/// `escale mailgate` as an MTA runs it: the real binary, the raw message on stdin, the envelope in Postfix's
/// environment, no HOME; its exit status is what Postfix acts on (0 delivered, 75 deferred, anything else bounced).
@Suite("escale mailgate: exit statuses an MTA understands")
struct MailGatewayTests {
    struct Run { let status: Int32; let stderr: String }

    static func mailgate(_ args: [String], stdin: [UInt8], env: [String: String] = [:]) async throws -> Run {
        try #require(FileManager.default.isExecutableFile(atPath: SchedulerProcessTests.binary.path), "build escale first")
        let p = Process()
        p.executableURL = SchedulerProcessTests.binary
        p.arguments = ["mailgate"] + args
        // What Postfix's local(8) passes: no HOME, LANG=C, a bare PATH.
        p.environment = ["LANG": "C", "PATH": "/usr/bin:/bin", "SENDER": "marie.dupont@client.example.test",
                         "RECIPIENT": "helpdesk@helpdesk.example.test", "LOCAL": "helpdesk", "DOMAIN": "helpdesk.example.test"].merging(env) { $1 }
        let input = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        try input.fileHandleForWriting.write(contentsOf: Data(stdin))
        try input.fileHandleForWriting.close()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("stored is 0 (a duplicate too); a wrong token, a dead server or a bad alias defer (75); a refused message bounces (77)")
    func exitStatuses() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let url = "http://127.0.0.1:\(port)"
            let d = try await MailIntakeTests.desk(api)
            let raw = try MailIntakeTests.fixture("01-plain-utf8-qp")

            // Stored, then the same message again (the MTA redelivers after a crash): both 0, one ticket
            let first = try await Self.mailgate(["--url", url, "--token", d.token, "--action", "correspond"], stdin: raw)
            let again = try await Self.mailgate(["--url", url, "--token", d.token], stdin: raw)
            #expect(first.status == 0 && again.status == 0, "\(first.stderr) \(again.stderr)")
            let held = try await api.get("/api/v1/inbound/messages", token: d.w.admin).json(Page<InboundMessageDTO>.self).items
            #expect(held.count == 1 && held.first?.status == "created")

            // The +extension Postfix passes threads onto that ticket
            let t = try #require(held.first?.number)
            let reply = try await Self.mailgate(["--url", url, "--token", d.token], stdin: MailIntakeTests.mail(from: "marie.dupont@client.example.test", subject: "suite"),
                                                env: ["EXTENSION": String(t.dropFirst(4)), "RECIPIENT": "helpdesk+\(t.dropFirst(4))@helpdesk.example.test"])
            #expect(reply.status == 0)
            let ticketId = try #require(held.first?.ticketId)
            let events = try await MailIntakeTests.timeline(api, ticketId, token: d.w.agent1Token)
            #expect(events.contains { $0.kind == .reply && $0.body?.contains("toujours pas") == true })

            // A wrong token is a configuration error: deferred with a clear line, nobody's mail bounces
            let wrong = try await Self.mailgate(["--url", url, "--token", "nope"], stdin: raw)
            #expect(wrong.status == 75 && wrong.stderr.contains("token"))
            // A mistyped alias defers too (ArgumentParser would say 64, which bounces)
            let typo = try await Self.mailgate(["--url", url, "--tokn", d.token], stdin: raw)
            #expect(typo.status == 75 && typo.stderr.contains("unknown argument"))
            // RT's `--queue` is accepted
            #expect(try await Self.mailgate(["--queue", "general", "--url", url, "--token", d.token], stdin: raw).status == 0)

            // A mailbox that refuses unknown senders: the message bounces to its sender with the reason
            let strict: MailboxDTO = try await api.create("/api/v1/mailboxes", token: d.w.admin,
                                                          MailboxInput(address: "strict@helpdesk.example.test", unknownSenders: .reject))
            let refused = try await Self.mailgate(["--url", url, "--token", strict.token!], stdin: MailIntakeTests.mail(from: "x@nowhere.example", subject: "spam"))
            #expect(refused.status == 77 && refused.stderr.contains("unknown_sender"))
            // An empty message can never be taken
            #expect(try await Self.mailgate(["--url", url, "--token", d.token], stdin: []).status == 65)
        }
        // No server listening any more: deferred, the MTA keeps the message
        let dead = try await Self.mailgate(["--url", "http://127.0.0.1:9", "--token", "t"], stdin: Array("Subject: x\n\ny".utf8))
        #expect(dead.status == 75 && dead.stderr.contains("try again later"))
    }
}
