import EscaleDesk
import EscaleMIME
import EscaleSMTP
import Foundation

/// The desk's outgoing mail over SMTP: each `OutboundMail` composed as RFC 5322/MIME (`EscaleMIME.MailComposer`) and
/// submitted through a small pool of reusable SMTP sessions (`EscaleSMTP.SMTPClient`). A 5xx answer is permanent
/// (the outbox marks the message failed and the ticket says so); anything else is retried by the scheduler.
public final class SMTPMailTransport: MailTransport {
    let client: SMTPClient
    /// The envelope sender (bounces come back there, to the mailbox the intake reads).
    let envelopeFrom: String

    public init(url: String, envelopeFrom: String, maxConnections: Int = 4) throws {
        client = SMTPClient(try SMTPConfiguration(url: url), maxConnections: maxConnections)
        self.envelopeFrom = envelopeFrom
    }

    public struct Refused: MailDeliveryError, CustomStringConvertible {
        public let isPermanent: Bool
        public let description: String
    }

    public func send(_ mail: OutboundMail) async throws {
        let bytes = MailComposer.compose(Self.message(mail))
        let recipients = (mail.to + mail.cc).map(\.address)
        do {
            let result = try await client.send(bytes, envelope: SMTPEnvelope(from: envelopeFrom, recipients: recipients))
            // Some recipients refused, others taken: what was taken is sent; a retry would send it twice.
            if result.accepted.isEmpty, let first = result.refused.first {
                throw Refused(isPermanent: first.1.isPermanent, description: "\(first.0): \(first.1)")
            }
        } catch let e as SMTPError {
            throw Refused(isPermanent: e.isPermanent, description: e.description)
        }
    }

    public func shutdown() async { await client.shutdown() }

    static func address(_ m: MailboxName) -> MailAddress { MailAddress(name: m.name, address: m.address) }

    static func message(_ m: OutboundMail) -> OutgoingMessage {
        OutgoingMessage(from: address(m.from), to: m.to.map(address), cc: m.cc.map(address), replyTo: m.replyTo.map(address),
                        subject: m.subject, text: m.text, html: m.html, messageId: m.messageId, inReplyTo: m.inReplyTo,
                        references: m.references, date: m.date, autoSubmitted: m.autoSubmitted, language: m.language,
                        attachments: m.attachments.map { OutgoingAttachment(filename: $0.filename, contentType: $0.contentType, data: $0.data) })
    }
}
