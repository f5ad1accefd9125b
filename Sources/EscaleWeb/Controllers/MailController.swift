import EscaleAPI
import EscaleChannels
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The e-mail channel: the intake the mail gateway and the IMAP fetcher hand messages to, mailboxes, and the
/// messages held for triage.
struct MailController {
    let desk: Desk
    let runner: CommandRunner

    /// `POST /api/v1/inbound/email`: authenticated by the mailbox's intake token, not by a user.
    func registerPublic(on api: RouterGroup<EscaleContext>) {
        api.post("inbound/email") { request, _ in
            let token = request.headers[.authorization].flatMap { h -> String? in
                let parts = h.split(separator: " ", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
            } ?? ""
            let intake = desk.mailIntake
            let mailbox: MailboxModel
            do {
                mailbox = try await intake.mailbox(token: token)
            } catch MailIntake.IntakeError.unknownMailbox {
                _ = try? await BodyReader.collect(request, upTo: 0, tooLarge: APIError.payloadTooLarge(0))
                throw APIError.mailboxTokenRefused
            }
            let query = Query(request)
            let action = try query.string("action").map { raw -> InboundMail.Action in
                guard let a = InboundMail.Action(rawValue: raw) else { throw APIError.invalidField("action", "correspond or comment") }
                return a
            } ?? .correspond
            let envelope = MailEnvelope(sender: query.string("sender"), recipient: query.string("recipient"),
                                        extension: query.string("extension"), action: action)
            let body = try await BodyReader.collect(request, upTo: MailIntake.maxMessageBytes, tooLarge: APIError.payloadTooLarge(MailIntake.maxMessageBytes))
            guard body.readableBytes > 0 else { throw APIError.malformedBody("the body is the raw message (RFC 5322), and it is empty") }
            let receipt = try await intake.receive(Array(body.readableBytesView), mailbox: mailbox, envelope: envelope)
            if receipt.status == "rejected" { throw APIError.mailRejected(receipt.detail ?? "refused by the mailbox's policy") }
            let status: HTTPResponse.Status = switch (receipt.duplicate, receipt.status) {
            case (false, "created"): .created
            case (false, "held"), (false, "failed"): .accepted
            default: .ok
            }
            return try JSONBody.response(receipt, status: status)
        }
    }

    func register(on api: RouterGroup<EscaleContext>) {
        let mailboxes = desk.mailboxes
        api.get("mailboxes") { _, context in
            try JSONBody.response(Page(items: try await mailboxes.list(by: try context.requireActor())))
        }
        api.post("mailboxes") { request, context in
            let input = try await JSONBody.decode(MailboxInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let m = try await mailboxes.create(input.value, by: actor, on: db)
                return try CommandRunner.output(m, location: "/api/v1/mailboxes/\(m.id.uuidString)")
            }
        }
        api.get("mailboxes/:id") { _, context in
            try JSONBody.response(try await mailboxes.get(try context.uuid("id", "mailbox"), by: try context.requireActor()))
        }
        api.patch("mailboxes/:id") { request, context in
            let id = try context.uuid("id", "mailbox")
            let actor = try context.requireActor()
            let patch = try await JSONBody.mergePatch(try await mailboxes.get(id, by: actor).input, from: request)
            return try JSONBody.response(try await desk.store.write { db in try await mailboxes.update(id, patch.value, by: actor, on: db) })
        }
        api.post("mailboxes/:id/token") { _, context in
            let id = try context.uuid("id", "mailbox")
            let actor = try context.requireActor()
            return try JSONBody.response(try await desk.store.write { db in try await mailboxes.rotateToken(id, by: actor, on: db) })
        }
        api.post("mailboxes/:id/test") { _, context in
            let account = try await mailboxes.imapAccount(try context.uuid("id", "mailbox"), by: try context.requireActor())
            return try JSONBody.response(await IMAPFetcher.test(account))
        }
        api.get("tickets/:id/mail-cc") { _, context in
            try JSONBody.response(Page(items: try await mailboxes.copies(of: try context.uuid("id", "ticket"), by: try context.requireActor())))
        }
        api.get("inbound/messages") { request, context in
            let q = Query(request)
            let status = q.string("status")
            if let status, !MailController.statuses.contains(status) {
                throw APIError.invalidField("status", "one of \(MailController.statuses.joined(separator: ", "))")
            }
            let limit = try q.int("limit", in: 1...500) ?? 100
            return try JSONBody.response(Page(items: try await mailboxes.messages(status: status, limit: limit, by: try context.requireActor())))
        }
        api.get("inbound/messages/:id") { _, context in
            try JSONBody.response(try await mailboxes.message(try context.uuid("id", "inbound message"), by: try context.requireActor()))
        }
        api.get("inbound/messages/:id/raw") { _, context in
            let bytes = try await mailboxes.raw(try context.uuid("id", "inbound message"), by: try context.requireActor())
            // Served as bytes to download, never rendered: it is whatever a stranger sent.
            return Response(status: .ok, headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"message.eml\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        api.post("inbound/messages/:id/decision") { request, context in
            let id = try context.uuid("id", "inbound message")
            let actor = try context.requireActor()
            // Who may decide is settled before the body is read: a refusal names no field of it.
            try AccessPolicy.require(actor, .manageDirectory)
            let input = try await JSONBody.decode(InboundDecisionInput.self, from: request)
            let receipt = try await mailboxes.decide(id, input.value, by: actor)
            return try JSONBody.response(receipt)
        }
    }

    static let statuses = ["created", "replied", "noted", "automatic", "bounce", "held", "rejected", "failed", "discarded"]
}

