import Foundation
import Testing
@testable import EscaleIMAP

@Suite("IMAP against a real Dovecot", .serialized, .enabled(if: DovecotServer.shouldRun, DovecotServer.skipMessage))
struct IMAPServerTests {
    @Test func mailboxWorkflowOverPlainConnection() async throws {
        try await withDovecot { server in
            let imap = try await IMAPConnection.connect(server.configuration())
            #expect(await imap.capabilities.contains("IMAP4REV1"))
            var status = try await imap.select("INBOX")
            #expect(status.exists == 0)
            #expect(status.uidValidity != 0)

            let messages = (1...3).map { imapMessage("message \($0)") }
            var uids: [UInt32] = []
            for message in messages {
                if let uid = try await imap.append(mailbox: "INBOX", data: message) { uids.append(uid) }
            }
            #expect(uids.count == 3)  // Dovecot has UIDPLUS
            try await imap.noop()
            status = try await imap.select("INBOX")
            #expect(status.exists == 3)
            #expect(status.uidNext == (uids.last ?? 0) + 1)

            #expect(try await imap.uidSearch("ALL") == uids)
            #expect(try await imap.uidSearch("UNSEEN") == uids)
            #expect(try await imap.uidSearch("UID \(uids[1]):*") == Array(uids[1...]))

            for (uid, message) in zip(uids, messages) {
                #expect(try await imap.fetchRaw(uid: uid) == message)
            }
            #expect(try await imap.fetchRaw(uid: 999_999) == nil)
            // BODY.PEEK must not mark messages as read.
            #expect(try await imap.uidSearch("UNSEEN") == uids)

            try await imap.storeFlags(uid: uids[0], add: ["\\Seen", "$Escale"])
            #expect(try await imap.uidSearch("UNSEEN") == Array(uids[1...]))
            #expect(try await imap.uidSearch("NOT KEYWORD $Escale") == Array(uids[1...]))
            #expect(try await imap.uidSearch("KEYWORD $Escale") == [uids[0]])

            try await imap.create("Escale/Done")
            try await imap.create("Escale/Done")  // already exists: not an error
            try await imap.move(uid: uids[0], to: "Escale/Done")
            #expect(try await imap.uidSearch("ALL") == Array(uids[1...]))
            let done = try await imap.select("Escale/Done")
            #expect(done.exists == 1)
            let moved = try await imap.uidSearch("ALL")
            try #require(moved.count == 1)
            #expect(try await imap.fetchRaw(uid: moved[0]) == messages[0])
            await imap.logout()
        }
    }

    @Test func moveFallbackWithoutMOVEExtension() async throws {
        try await withDovecot { server in
            let imap = try await IMAPConnection.connect(server.configuration())
            await imap.hideCapability("MOVE")
            try await imap.create("Archive")
            _ = try await imap.select("INBOX")
            let keep = try await imap.append(mailbox: "INBOX", data: imapMessage("keep"))
            let go = try await imap.append(mailbox: "INBOX", data: imapMessage("go"))
            try await imap.move(uid: try #require(go), to: "Archive")
            #expect(try await imap.uidSearch("ALL") == [try #require(keep)])
            #expect(try await imap.select("Archive").exists == 1)
            await imap.logout()
        }
    }

    @Test func startTLSAndImplicitTLS() async throws {
        try await withDovecot { server in
            let starttls = try await IMAPConnection.connect(server.configuration(.startTLS))
            #expect(try await starttls.select("INBOX").exists == 0)
            await starttls.logout()

            let tls = try await IMAPConnection.connect(server.configuration(.tls, host: "localhost"))
            #expect(try await tls.select("INBOX").exists == 0)
            await tls.logout()

            var untrusted = server.configuration(.tls)
            untrusted.trustRoots = nil
            await #expect {
                _ = try await IMAPConnection.connect(untrusted)
            } throws: { error in
                guard case .connection? = error as? IMAPError else { return false }
                return true
            }
        }
    }

    @Test func wrongPasswordIsAnAuthenticationError() async throws {
        try await withDovecot { server in
            await #expect {
                _ = try await IMAPConnection.connect(server.configuration(password: "wrong"))
            } throws: { error in
                guard case .authentication? = error as? IMAPError else { return false }
                return true
            }
            var plain = server.configuration(password: "wrong")
            plain.preferAuthenticatePlain = true
            await #expect {
                _ = try await IMAPConnection.connect(plain)
            } throws: { error in
                guard case .authentication? = error as? IMAPError else { return false }
                return true
            }
        }
    }

    @Test func authenticatePlainSucceeds() async throws {
        try await withDovecot { server in
            var c = server.configuration(.startTLS)
            c.preferAuthenticatePlain = true
            let imap = try await IMAPConnection.connect(c)
            #expect(try await imap.select("INBOX").uidValidity != 0)
            await imap.logout()
        }
    }

    @Test func literalsWithParenthesesAndBracesRoundTrip() async throws {
        try await withDovecot { server in
            let imap = try await IMAPConnection.connect(server.configuration())
            _ = try await imap.select("INBOX")
            let tricky = imapMessage("tricky ) {5}", body: "closing ) paren\r\nfake literal {5}\r\nhello\r\n\"quoted\" \\ backslash (open\r\n* 1 EXISTS\r\nE99 OK fake\r\n")
            let uid1 = try await imap.append(mailbox: "INBOX", data: tricky)
            // Without LITERAL+ the client must wait for the server's "+" before sending the literal.
            await imap.hideCapability("LITERAL+")
            let uid2 = try await imap.append(mailbox: "INBOX", data: tricky, flags: ["\\Flagged"])
            #expect(try await imap.fetchRaw(uid: try #require(uid1)) == tricky)
            #expect(try await imap.fetchRaw(uid: try #require(uid2)) == tricky)
            #expect(try await imap.uidSearch("FLAGGED") == [try #require(uid2)])
            await imap.logout()
        }
    }

    @Test func nonASCIIMailboxNames() async throws {
        try await withDovecot { server in
            let imap = try await IMAPConnection.connect(server.configuration())
            try await imap.create("Escale/Erledigt – Grüße & 日本")
            let uid = try await imap.append(mailbox: "Escale/Erledigt – Grüße & 日本", data: imapMessage("unicode"))
            #expect(uid != nil)
            #expect(try await imap.select("Escale/Erledigt – Grüße & 日本").exists == 1)
            await imap.logout()
        }
    }

    @Test func idleWakesUpOnNewMailAndTimesOut() async throws {
        try await withDovecot { server in
            let watcher = try await IMAPConnection.connect(server.configuration())
            #expect(await watcher.capabilities.contains("IDLE"))
            _ = try await watcher.select("INBOX")

            let start = ContinuousClock.now
            #expect(try await watcher.idle(timeout: .milliseconds(700)) == false)
            #expect(ContinuousClock.now - start >= .milliseconds(600))

            let config = server.configuration()
            let delivery = Task {
                try await Task.sleep(for: .milliseconds(500))
                let other = try await IMAPConnection.connect(config)
                try await other.append(mailbox: "INBOX", data: imapMessage("wake up"))
                await other.logout()
            }
            let woke = try await watcher.idle(timeout: .seconds(15))
            try await delivery.value
            // Woken by the delivery, not by the 15 s timeout (which answers false): no clock needed.
            #expect(woke)
            // The session is still in a usable state after DONE.
            #expect(try await watcher.uidSearch("ALL").count == 1)
            await watcher.logout()
        }
    }
}

@Suite("IMAP parsing and encoding")
struct IMAPUnitTests {
    func parse(_ s: String) throws -> IMAPResponse { try IMAPResponseParser.parse(Array(s.utf8)) }

    @Test func statusResponses() throws {
        #expect(try parse("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n")
            == .status(.ok, IMAPResponseText(code: "UIDVALIDITY", codeArguments: [.atom("3857529045")], text: "UIDs valid")))
        #expect(try parse("E12 NO [ALREADYEXISTS] Mailbox exists (with \"odd\" text\r\n")
            == .tagged(tag: "E12", status: .no, IMAPResponseText(code: "ALREADYEXISTS", codeArguments: [], text: "Mailbox exists (with \"odd\" text")))
        #expect(try parse("+ idling\r\n") == .continuation("idling"))
        #expect(try parse("+\r\n") == .continuation(""))
        #expect(try parse("* 23 EXISTS\r\n") == .message(number: 23, keyword: "EXISTS", []))
    }

    @Test func fetchWithLiteralsQuotedAndNil() throws {
        let response = "* 12 FETCH (UID 42 FLAGS (\\Seen $Escale) ENVELOPE (NIL \"a \\\"q\\\" \\\\ b\") BODY[HEADER.FIELDS (SUBJECT)] {5}\r\n)(x\n BODY[] {8}\r\n{5}\r\n) \")\r\n"
        let parsed = try parse(response)
        guard case .message(12, "FETCH", let values) = parsed, case .list(let items)? = values.first else {
            Issue.record("unexpected \(parsed)")
            return
        }
        #expect(items[0] == .atom("UID"))
        #expect(items[1] == .atom("42"))
        #expect(items[3] == .list([.atom("\\Seen"), .atom("$Escale")]))
        #expect(items[5] == .list([.nil, .string(Array("a \"q\" \\ b".utf8))]))
        #expect(items[6] == .atom("BODY[HEADER.FIELDS (SUBJECT)]"))
        #expect(items[7] == .string(Array(")(x\n ".utf8)))
        #expect(items[8] == .atom("BODY[]"))
        #expect(items[9] == .string(Array("{5}\r\n) \"".utf8)))
    }

    @Test func literalAnnouncements() throws {
        #expect(try IMAPResponseFramer.literalLength(Array("* 1 FETCH (BODY[] {123}".utf8)) == 123)
        #expect(try IMAPResponseFramer.literalLength(Array("A APPEND x {7+}".utf8)) == 7)
        #expect(try IMAPResponseFramer.literalLength(Array("* 1 FETCH (BINARY[] ~{9}".utf8)) == 9)
        #expect(try IMAPResponseFramer.literalLength(Array("* OK done}".utf8)) == nil)
        #expect(try IMAPResponseFramer.literalLength(Array("* OK {}".utf8)) == nil)
    }

    @Test func malformedInputIsAProtocolViolation() {
        #expect(throws: IMAPError.self) { try parse("* 1 FETCH (UID 1\r\n") }
        #expect(throws: IMAPError.self) { try parse("* LIST (\\Noselect) \"/ INBOX\r\n") }
        #expect(throws: IMAPError.self) { try parse("E1 MAYBE fine\r\n") }
    }

    @Test func modifiedUTF7() {
        let cases = [
            ("INBOX", "INBOX"), ("Entwürfe", "Entw&APw-rfe"), ("A & B", "A &- B"), ("日本語", "&ZeVnLIqe-"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"), ("😀", "&2D3eAA-"),
        ]
        for (plain, encoded) in cases {
            #expect(ModifiedUTF7.encode(plain) == encoded)
            #expect(ModifiedUTF7.decode(encoded) == plain)
        }
        #expect(ModifiedUTF7.decode("&Jjo") == nil)
    }

    @Test func argumentEncoding() throws {
        #expect(IMAPConnection.quoted("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(IMAPConnection.mailboxName("inbox") == "\"INBOX\"")
        #expect(IMAPConnection.mailboxName("Grüße") == "\"Gr&APwA3w-e\"")
        if case .literal(let bytes)? = IMAPConnection.astring("pä\"ss").first {
            #expect(bytes == Array("pä\"ss".utf8))
        } else {
            Issue.record("non-ASCII must go as a literal")
        }
        #expect(throws: IMAPError.self) { try IMAPConnection.validateFlags(["\\Seen) UID FETCH 1:* (BODY[]"]) }
        try IMAPConnection.validateFlags(["\\Seen", "$Escale", "\\Deleted"])
        #expect(IMAPConnection.base64(Array("\0desk\0secret".utf8)) == "AGRlc2sAc2VjcmV0")
    }
}
