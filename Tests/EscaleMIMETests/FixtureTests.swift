import Foundation
import Testing

@testable import EscaleMIME

/// One test per captured Postfix delivery (shared/fixtures/email/received + extra).
@Suite("Fixtures")
struct FixtureTests {
    private func parse(_ name: String) throws -> MailMessage { MailParser.parse(try Fixtures.received(name)) }

    @Test func fixturesAreFound() {
        #expect(Fixtures.root != nil)
        #expect(Fixtures.allEML().count >= 17)
    }

    @Test func every_fixture_parses_with_subject_from_and_no_warnings() throws {
        for name in Fixtures.allEML() {
            let m = MailParser.parse(try Fixtures.bytes(name))
            #expect(!m.subject.isEmpty, "\(name)")
            #expect(m.from != nil, "\(name)")
            #expect(m.messageId != nil, "\(name)")
            #expect(m.date != nil, "\(name)")
            #expect(m.warnings.isEmpty, "\(name): \(m.warnings)")
            #expect(!m.text.isEmpty, "\(name)")
        }
    }

    @Test func m01_plainUTF8QP() throws {
        let m = try parse("01-plain-utf8-qp")
        #expect(m.subject == "Imprimante du 2e étage en panne")
        #expect(m.from == MailAddress(name: "Marie Dupont", address: "marie.dupont@client.example.test"))
        #expect(m.to.map(\.address) == ["helpdesk@helpdesk.example.test"])
        #expect(m.text.contains("l'imprimante du 2e étage (bâtiment Sud) affiche « Bourrage papier » alors"))
        #expect(m.text.contains("coincée. J'ai déjà essayé"))
        #expect(m.text.contains("Service Comptabilité — poste 4242"))
        #expect(m.text.hasPrefix("Bonjour,\n\nDepuis"))
        #expect(m.messageId == "CAF=first-request-0001@mail.client.example.test")
        #expect(m.envelopeSender == "marie.dupont@client.example.test")
        #expect(m.date == Date(timeIntervalSince1970: 1_796_025_600))
        #expect(m.automatic.isEmpty)
        #expect(m.attachments.isEmpty)
        #expect(m.html == nil)
        #expect(m.header("x-original-to") == "helpdesk@helpdesk.example.test")
        #expect(m.header("Received")?.contains("by helpdesk.example.test (Postfix)") == true)
    }

    @Test func m02_latin1QP() throws {
        let m = try parse("02-plain-latin1-qp")
        #expect(m.subject == "Accès refusé au dossier partagé")
        #expect(m.from?.name == "Renée Lévesque")
        #expect(m.from?.address == "renee.levesque@client.example.test")
        #expect(m.text.contains("du 2e étage (bâtiment Sud) affiche \" Bourrage papier \" alors"))
        #expect(m.text.contains("J'ai déjà essayé"))
        #expect(m.header("X-Mailer") == "Microsoft Outlook 14.0")
    }

    @Test func m03_utf8Base64() throws {
        let m = try parse("03-plain-utf8-base64")
        #expect(m.subject == "Mot de passe expiré")
        #expect(m.from == MailAddress(name: "Jérôme Écuyer", address: "jerome.ecuyer@client.example.test"))
        #expect(m.text.contains("Bonjour l'équipe,"))
        #expect(m.text.contains("me connecter à l'intranet. Pourriez-vous le réinitialiser ?"))
        #expect(m.text.hasSuffix("Jérôme Écuyer"))
    }

    @Test func m04_latin1Base64() throws {
        let m = try parse("04-plain-latin1-base64")
        #expect(m.subject == "Scanner du hall hors service")
        #expect(m.from == MailAddress(name: "François Maître", address: "francois.maitre@client.example.test"))
        #expect(m.text.contains("les numérisations par e-mail"))
        #expect(m.text.contains("« Échec de connexion au serveur SMTP »"))
        #expect(m.text.contains("Bien à vous,"))
    }

    @Test func m05_htmlOnlyIsSanitized() throws {
        let m = try parse("05-html-only")
        #expect(m.subject == "VPN instable")
        #expect(m.from == MailAddress(name: "Luc Martin", address: "luc.martin@client.example.test"))
        #expect(m.html?.contains("<script>") == true)
        #expect(m.text.contains("Le VPN se déconnecte toutes les 10 minutes depuis la mise à jour d'hier."))
        #expect(m.text.contains("Poste : PC-COMPTA-07"))
        #expect(m.text.contains("Merci,\nLuc Martin"))
        #expect(!m.text.contains("alert"))
        #expect(!m.text.contains("xss"))
        #expect(!m.text.contains("tracker"))
        #expect(!m.text.contains("pixel"))
        #expect(!m.text.contains("<"))
        #expect(m.attachments.isEmpty)
    }

    @Test func m06_alternativePrefersPlain() throws {
        let m = try parse("06-multipart-alternative")
        #expect(m.subject == "Demande de matériel : second écran")
        #expect(m.from == MailAddress(name: "Sophie Bernard", address: "sophie.bernard@client.example.test"))
        #expect(m.text == "Bonjour,\n\nJe souhaiterais obtenir un second écran 27\" pour mon poste.\n\nMerci,\nSophie Bernard")
        #expect(m.html?.contains("<b>second écran 27\"</b>") == true)
        #expect(m.header("user-agent") == "Mozilla Thunderbird 115.5.0")
    }

    @Test func m07_pngAttachmentRFC2231() throws {
        let m = try parse("07-attachment-png")
        #expect(m.subject == "Erreur au lancement de SAP")
        #expect(m.from == MailAddress(name: "Paul Girard", address: "paul.girard@client.example.test"))
        #expect(m.text.contains("Voici une capture d'écran du message d'erreur."))
        try #require(m.attachments.count == 1)
        let a = m.attachments[0]
        #expect(a.filename == "capture d'écran.png")
        #expect(a.contentType == "image/png")
        #expect(!a.isInline)
        #expect(Array(a.data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    @Test func m08_pdfAttachment() throws {
        let m = try parse("08-attachment-pdf")
        #expect(m.subject == "Facture licences Office")
        #expect(m.from == MailAddress(name: "Anne Petit", address: "anne.petit@client.example.test"))
        #expect(m.text.contains("Ci-joint la facture du fournisseur"))
        try #require(m.attachments.count == 1)
        #expect(m.attachments[0].filename == "FAC-2026-0042.pdf")
        #expect(m.attachments[0].contentType == "application/pdf")
        #expect(Array(m.attachments[0].data.prefix(4)) == Array("%PDF".utf8))
        #expect(Array(m.attachments[0].data.suffix(6)) == Array("%%EOF\n".utf8))
    }

    @Test func m09_replyThreadingAndGmailQuote() throws {
        let m = try parse("09-reply-ticket-tag-references")
        #expect(m.subject == "Re: [helpdesk.example.test #123] Imprimante du 2e étage en panne")
        #expect(m.from == MailAddress(name: "Marie Dupont", address: "marie.dupont@client.example.test"))
        #expect(SubjectTag.ticketNumber(in: m.subject) == 123)
        #expect(SubjectTag.clean(m.subject) == "Imprimante du 2e étage en panne")
        #expect(m.inReplyTo == ["rt-4.4.6-12345-1796025600-123.0-7-0@helpdesk.example.test"])
        #expect(m.references == ["CAF=first-request-0001@mail.client.example.test",
                                 "rt-4.4.6-12345-1796025600-123.0-7-0@helpdesk.example.test"])
        #expect(m.text.contains("Le technicien est passé mais le problème revient. L'imprimante affiche de nouveau l'erreur."))
        let split = ReplyText.split(m.text)
        #expect(split.reply == "Bonjour,\n\nLe technicien est passé mais le problème revient. L'imprimante affiche de nouveau l'erreur.\n\nMarie")
        #expect(split.quoted?.hasPrefix("Le lun. 30 nov. 2026 à 10:12, Support Informatique") == true)
        #expect(split.quoted?.contains("> Votre demande a bien été enregistrée sous le numéro #123.") == true)
        #expect(!split.reply.contains("a écrit"))
    }

    @Test func m10_outlookReply() throws {
        let m = try parse("10-outlook-reply-quoted-history")
        #expect(m.subject == "RE: [#123] Imprimante du 2e étage en panne")
        #expect(m.from == MailAddress(name: "Dupont Marie", address: "marie.dupont@client.example.test"))
        #expect(SubjectTag.ticketNumber(in: m.subject) == 123)
        #expect(m.messageId == "PR3P194MB0841A1B2C3D4E5F6A7B8C9D0E1@PR3P194MB0841.EURP194.PROD.OUTLOOK.COM")
        #expect(m.inReplyTo == ["rt-4.4.6-12345-1796040300-123.2-7-0@helpdesk.example.test"])
        #expect(m.references.count == 3)
        #expect(m.references.last == "rt-4.4.6-12345-1796040300-123.2-7-0@helpdesk.example.test")
        #expect(m.language == "fr")
        #expect(m.decodedHeader("Thread-Topic") == "[#123] Imprimante du 2e étage en panne")
        #expect(m.text.contains("Service Comptabilité"))
        #expect(m.text.contains("Le problème est résolu (rouleau d'entraînement remplacé). Nous clôturons le ticket."))
        #expect(m.html?.contains("divRplyFwdMsg") == true)
        let split = ReplyText.split(m.text)
        #expect(split.reply.contains("C'est de nouveau en panne ce matin, pouvez-vous rappeler le prestataire ?"))
        #expect(split.reply.hasSuffix("Marie DUPONT\nService Comptabilité"))
        #expect(!split.reply.contains("Le problème est résolu"))
        #expect(!split.reply.contains("____"))
        #expect(split.quoted?.contains("De : Support Informatique") == true)
        #expect(split.quoted?.contains("Nous clôturons le ticket.") == true)
    }

    @Test func m11_outOfOffice() throws {
        let m = try parse("11-auto-reply-out-of-office")
        #expect(m.subject == "Réponse automatique : [#123] Imprimante du 2e étage en panne")
        #expect(m.from == MailAddress(name: "Marie Dupont", address: "marie.dupont@client.example.test"))
        #expect(m.isAutomatic)
        #expect(m.automatic.contains(.autoSubmitted))
        #expect(m.automatic.contains(.precedence))
        #expect(m.automatic.contains(.autoReplyHeader))
        #expect(m.automatic.contains(.autoResponseSuppress))
        #expect(!m.automatic.contains(.nullSender))
        #expect(SubjectTag.ticketNumber(in: m.subject) == 123)
        #expect(m.inReplyTo == ["rt-4.4.6-12345-1796025600-123.0-7-0@helpdesk.example.test"])
        #expect(m.text.contains("Je suis absente du 30 novembre au 4 décembre inclus, sans accès à ma messagerie."))
    }

    @Test func m12_postfixBounce() throws {
        let m = try parse("12-bounce-dsn")
        #expect(m.subject == "Undelivered Mail Returned to Sender")
        #expect(m.from == MailAddress(name: "Mail Delivery System", address: "mailer-daemon@helpdesk.example.test"))
        #expect(m.envelopeSender == "")
        #expect(m.isAutomatic)
        for r in [AutomaticReason.autoSubmitted, .nullSender, .report, .mailerDaemon] {
            #expect(m.automatic.contains(r), "\(r)")
        }
        let r = try #require(m.deliveryReport)
        #expect(r.action == "failed")
        #expect(r.status == "5.0.0")
        #expect(r.isPermanentFailure)
        #expect(r.finalRecipients == ["inconnu@no-such-domain.invalid"])
        #expect(r.diagnostic == "no-such-domain.invalid")
        #expect(r.originalMessageId == "rt-4.4.6-12345-1796031600-124.0-7-0@helpdesk.example.test")
        #expect(r.originalSubject == "[helpdesk.example.test #124] Accusé de réception")
        #expect(SubjectTag.ticketNumber(in: r.originalSubject ?? "") == 124)
        #expect(m.text.contains("could not\nbe delivered to one or more recipients"))
        #expect(!m.text.contains("Votre demande #124"))  // the returned original is not the body
        #expect(m.attachments.isEmpty)
    }

    @Test func m13_encodedWordSubjectFoldedAfterColon() throws {
        let m = try parse("13-encoded-word-subject")
        #expect(m.subject == "Écran qui clignote 💡 – portable HP #882")
        #expect(m.from == MailAddress(name: "Zoé Lefèvre", address: "zoe.lefevre@client.example.test"))
        #expect(m.cc == [MailAddress(name: "Théo Châtelain", address: "theo.chatelain@client.example.test")])
        #expect(m.text.contains("L'écran de mon portable clignote 💡 depuis la chute d'hier."))
        #expect(SubjectTag.ticketNumber(in: m.subject) == nil)
    }

    @Test func m14_veryLongSubject() throws {
        let m = try parse("14-very-long-subject")
        #expect(m.subject.count == 369)
        #expect(m.subject.hasPrefix("Problème récurrent de synchronisation des calendriers partagés entre Outlook, l'application"))
        #expect(m.subject.contains("serveur de messagerie — les rendez-vous créés depuis le téléphone n'apparaissent"))
        #expect(m.subject.hasSuffix("(voir tickets précédents #98, #101 et #117)"))
        #expect(!m.subject.contains("  "))
        #expect(SubjectTag.ticketNumber(in: m.subject) == nil)
        #expect(m.from == MailAddress(name: "Charles Moreau", address: "charles.moreau@client.example.test"))
        #expect(m.text.contains("Tout est dans l'objet."))
    }

    @Test func m15_relatedInlineImage() throws {
        let m = try parse("15-related-inline-image")
        #expect(m.subject == "Badge stagiaire")
        #expect(m.from == MailAddress(name: "Julie Roux", address: "julie.roux@client.example.test"))
        #expect(m.text.contains("Le badge d'accès de notre stagiaire ne fonctionne pas."))
        #expect(m.html?.contains("cid:logo-001@client.example.test") == true)
        try #require(m.attachments.count == 1)
        let a = m.attachments[0]
        #expect(a.isInline)
        #expect(a.contentId == "logo-001@client.example.test")
        #expect(a.contentType == "image/png")
        #expect(a.filename == "logo.png")
        #expect(Array(a.data.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }

    @Test func extra_plusAddress() throws {
        let m = MailParser.parse(try Fixtures.bytes("extra/plus-address-helpdesk+123.eml"))
        #expect(m.subject == "plus-address test")
        #expect(m.from == MailAddress(name: "Marie Dupont", address: "marie.dupont@client.example.test"))
        #expect(m.to.first?.address == "helpdesk+123@helpdesk.example.test")
        #expect(m.to.first?.localPart == "helpdesk+123")
        #expect(m.header("X-Original-To") == "helpdesk+123@helpdesk.example.test")
        #expect(m.text == "Routed via recipient_delimiter.")
    }

    @Test func extra_bodyLineStartingWithFrom() throws {
        let m = MailParser.parse(try Fixtures.bytes("extra/body-line-starting-with-From.eml"))
        #expect(m.subject == "body line starting with From")
        #expect(m.from == MailAddress(name: "Luc Martin", address: "luc.martin@client.example.test"))
        #expect(m.text == "Hello,\nFrom now on the printer is fine.\n.leading dot line\nBye")
        #expect(m.date == Date(timeIntervalSince1970: 1_796_036_400))  // 12:00 +0100
        let sent = MailParser.parse(try Fixtures.bytes("extra/body-line-starting-with-From.sent.eml"))
        #expect(sent.text == m.text)
        #expect(sent.envelopeSender == nil)
    }

    @Test func sentAndReceivedAgree() throws {
        // received = Postfix lines + sent with CRLF→LF: both must parse to the same content.
        for name in ["01-plain-utf8-qp", "07-attachment-png", "10-outlook-reply-quoted-history", "15-related-inline-image"] {
            let r = MailParser.parse(try Fixtures.received(name))
            let s = MailParser.parse(try Fixtures.bytes("sent/\(name).eml"))
            #expect(r.subject == s.subject)
            #expect(r.text == s.text)
            #expect(r.html == s.html)
            #expect(r.attachments.map(\.data) == s.attachments.map(\.data))
        }
    }
}
