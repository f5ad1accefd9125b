import Foundation
import Testing

@testable import EscaleMIME

@Suite("Components")
struct ComponentTests {
    @Test func charsets() {
        #expect(Charset.decode([0x63, 0x61, 0x66, 0xE9], label: "ISO-8859-1") == "café")
        #expect(Charset.decode([0x63, 0x61, 0x66, 0xE9], label: "latin1") == "café")
        #expect(Charset.decode([0x80, 0x96], label: "cp1252") == "€–")
        #expect(Charset.decode([0xA4, 0xBD], label: "iso-8859-15") == "€œ")
        #expect(Charset.decode([0xC3, 0xA9], label: "us-ascii") == "é")
        #expect(Charset.decode([0xE9, 0x74, 0xE9], label: "utf-8") == "été")
        #expect(Charset.decode([0xF0, 0x9F, 0x92, 0xA1], label: "x-whatever") == "💡")
        #expect(Charset.decode([0x41], label: nil) == "A")
        #expect(!Charset.isKnown("x-unknown"))
        #expect(Charset.isKnown("\"UTF-8\""))
    }

    @Test func encodedWords() {
        #expect(EncodedWords.decode("=?utf-8?q?Imprimante_du_2e_=C3=A9tage?=") == "Imprimante du 2e étage")
        #expect(EncodedWords.decode("RE: [#123] 2e =?iso-8859-1?Q?=E9tage_en_panne?=") == "RE: [#123] 2e étage en panne")
        #expect(EncodedWords.decode("=?utf-8?q?a?= \r\n =?utf-8?q?b?=") == "ab")
        #expect(EncodedWords.decode("=?utf-8?q?a?= plain =?utf-8?q?b?=") == "a plain b")
        // A character split across two words.
        #expect(EncodedWords.decode("=?utf-8?q?=C3?= =?utf-8?q?=A9?=") == "é")
        #expect(EncodedWords.decode("=?broken") == "=?broken")
        #expect(EncodedWords.decode("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=")
        let long = String(repeating: "Écran 💡 qui clignote – ", count: 10)
        let enc = EncodedWords.encode(long)
        #expect(enc.split(separator: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(EncodedWords.decode(enc) == long)
        #expect(EncodedWords.encode("plain ascii") == "plain ascii")
    }

    @Test func quotedPrintableAndBase64() {
        func qp(_ s: String) -> [UInt8] { Array(s.utf8).withUnsafeBufferPointer { TransferEncoding.decodeQuotedPrintable($0) } }
        #expect(qp("caf=c3=a9=\nx") == Array("caféx".utf8))
        #expect(qp("a=ZZb =\r\nc") == Array("a=ZZb c".utf8))
        #expect(qp("trailing   \nnext") == Array("trailing\nnext".utf8))
        #expect(TransferEncoding.decodeBase64(Array("SGVs\nbG8".utf8)) == Array("Hello".utf8))
        #expect(TransferEncoding.decodeBase64(Array("SG!!V*sbG8=\n".utf8)) == Array("Hello".utf8))
        let text = "From here\n.dot\n" + String(repeating: "é=", count: 80) + "\ntrailing \t"
        let enc = TransferEncoding.encodeQuotedPrintable(text)
        #expect(RoundTripPropertyTests.maxLineLength(enc) <= 76)
        let dec = enc.withUnsafeBufferPointer { TransferEncoding.decodeQuotedPrintable($0) }
        #expect(String(decoding: dec, as: UTF8.self) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func addresses() {
        let list = AddressParser.parseList(
            "\"Dupont, Marie\" <Marie.Dupont@Client.Example.test>, bob@x.test (Bob B), Undisclosed recipients:;, =?utf-8?q?Th=C3=A9o?= <t@x.test>, <@route:r@x.test>")
        #expect(list.map(\.address) == ["marie.dupont@client.example.test", "bob@x.test", "t@x.test", "r@x.test"])
        #expect(list.map(\.name) == ["Dupont, Marie", "Bob B", "Théo", nil])
        #expect(list[0].localPart == "marie.dupont")
        #expect(list[0].domain == "client.example.test")
        #expect(MailAddress(name: "O'Brien, \"Jim\"", address: "j@x.test").formatted == "\"O'Brien, \\\"Jim\\\"\" <j@x.test>")
        #expect(MailAddress(name: "Marie Dupont", address: "m@x.test").formatted == "Marie Dupont <m@x.test>")
    }

    @Test func dates() {
        #expect(MailDate.parse("Tue,  1 Dec 2026 00:12:37 +0000 (UTC)") == Date(timeIntervalSince1970: 1_796_083_957))
        #expect(MailDate.parse("30 Nov 2026 12:00 +0100") == Date(timeIntervalSince1970: 1_796_036_400))
        #expect(MailDate.parse("garbage") == nil)
        #expect(MailDate.format(Date(timeIntervalSince1970: 1_796_025_600)) == "Mon, 30 Nov 2026 08:00:00 +0000")
    }

    @Test func htmlText() {
        let html = """
            <html><head><title>t</title><style>p{}</style></head><body><!-- c --><h1>Titre</h1><p>Un &amp; deux &eacute;t&#233; &#x1F4A1; &laquo;x&raquo;</p>
            <p>Voir <a href="https://example.test/a">la page</a> ou <a href="https://example.test/b">https://example.test/b</a>.</p>
            <img src="https://t.test/p.gif"><img src="cid:x" alt="Logo"><script>alert(1)</script><div>a</div><div>b</div>
            <table><tr><td>c1</td><td>c2</td></tr></table><p></p><p></p><p>fin &unknown; &lt;b&gt;</p></body></html>
            """
        let t = HTMLText.toText(html)
        #expect(t == "Titre\n\nUn & deux été 💡 «x»\n\nVoir la page (https://example.test/a) ou https://example.test/b.\n\n[Logo]\na\nb\nc1 c2\n\nfin &unknown; <b>")
    }

    @Test func replySplitting() {
        let gmailWrapped = "Merci !\n\nLe lun. 30 nov. 2026 à 10:12, Support Informatique <helpdesk@x.test>\na écrit :\n> old"
        #expect(ReplyText.split(gmailWrapped) == ReplySplit(reply: "Merci !", quoted: "Le lun. 30 nov. 2026 à 10:12, Support Informatique <helpdesk@x.test>\na écrit :\n> old"))
        #expect(ReplyText.split("Thanks\n\nOn Mon, Nov 30, 2026 at 10:12 AM Support <h@x.test> wrote:\n> old").reply == "Thanks")
        #expect(ReplyText.split("Ok\n\nLe 30 nov. 2026 à 10:12, Support a écrit :\n\n> old").reply == "Ok")
        #expect(ReplyText.split("Ok\n\nOn 30 Nov 2026, at 10:12, Support wrote:\n> old").reply == "Ok")
        #expect(ReplyText.split("Ok\n-----Original Message-----\nFrom: x").reply == "Ok")
        #expect(ReplyText.split("Ok\n-----Message d'origine-----\nDe : x").reply == "Ok")
        #expect(ReplyText.split("Ok\n________________________________\nFrom: x\nSent: y").reply == "Ok")
        #expect(ReplyText.split("Ok\n\n-- \nJean\nTel").reply == "Ok")
        #expect(ReplyText.split("Ok\n\nEnvoyé de mon iPhone").reply == "Ok")
        #expect(ReplyText.split("Ok\n\nSent from my iPhone").reply == "Ok")
        #expect(ReplyText.split("Ok\n\nEnvoyé depuis Outlook pour Android").reply == "Ok")
        #expect(ReplyText.split("Ok\n\n> a\n> b\n").reply == "Ok")
        #expect(ReplyText.split("> only quoted\n> text") == ReplySplit(reply: "> only quoted\n> text", quoted: nil))
        #expect(ReplyText.split("Just text") == ReplySplit(reply: "Just text", quoted: nil))
    }

    @Test func subjectTags() {
        #expect(SubjectTag.ticketNumber(in: "[ESC-001234] x") == 1234)
        #expect(SubjectTag.ticketNumber(in: "Re: [esc-1234] x") == 1234)
        #expect(SubjectTag.ticketNumber(in: "TR: [#123]") == 123)
        #expect(SubjectTag.ticketNumber(in: "AW: foo [helpdesk.example.test #123] bar") == 123)
        #expect(SubjectTag.ticketNumber(in: "tickets #98, #101 and #117") == nil)
        #expect(SubjectTag.ticketNumber(in: "[two words #5]") == nil)
        #expect(SubjectTag.ticketNumber(in: "[#]") == nil)
        #expect(SubjectTag.clean("Re: RE : Réf. : TR: Fwd: [ESC-000123] Imprimante") == "Imprimante")
        #expect(SubjectTag.clean("AW: WG: RV: SV: Antw: Fw: re[2]: x") == "x")
        #expect(SubjectTag.clean("Rapport: ventes") == "Rapport: ventes")
        #expect(SubjectTag.tagged("Imprimante", number: 123) == "[ESC-000123] Imprimante")
        #expect(SubjectTag.tagged("[ESC-000123] Imprimante", number: 123) == "[ESC-000123] Imprimante")
    }

    @Test func messageIDs() {
        let id = MessageID.make(ticketNumber: 123, domain: "helpdesk.example.test")
        #expect(id.hasPrefix("ESC-000123."))
        #expect(id.hasSuffix("@helpdesk.example.test"))
        #expect(MessageID.ticketNumber(in: "<" + id + ">", domain: "HELPDESK.example.test") == 123)
        #expect(MessageID.ticketNumber(in: id, domain: "other.test") == nil)
        let plain = MessageID.make(ticketNumber: nil, domain: "h.test")
        #expect(plain.hasPrefix("escale."))
        #expect(MessageID.ticketNumber(in: plain, domain: "h.test") == nil)
    }

    @Test func composerHeaders() {
        let m = OutgoingMessage(
            from: MailAddress(name: "Support", address: "h@x.test"), to: [MailAddress(address: "a@x.test")],
            subject: "Évasion\r\nBcc: evil@x.test", text: "hi", messageId: "m1@x.test",
            date: Date(timeIntervalSince1970: 0), autoSubmitted: true,
            extraHeaders: [("X-Ticket", "123"), ("Bad\nName", "v\r\nInjected: 1")])
        let s = String(decoding: MailComposer.compose(m), as: UTF8.self)
        #expect(!s.contains("\r\nBcc:"))
        #expect(!s.contains("\r\nInjected:"))
        #expect(s.contains("Auto-Submitted: auto-generated\r\nPrecedence: bulk\r\nX-Auto-Response-Suppress: All\r\n"))
        #expect(s.contains("Date: Thu, 1 Jan 1970 00:00:00 +0000\r\n"))
        #expect(s.contains("X-Ticket: 123\r\n"))
        let p = MailParser.parse(Array(s.utf8))
        #expect(p.subject == "Évasion Bcc: evil@x.test")
        #expect(p.automatic.contains(.autoSubmitted))
    }
}
