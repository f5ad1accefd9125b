import EscaleDesk
import Foundation
import Synchronization

/// Stands for the outside world's mail servers: records what was sent; refuses addresses it is told to refuse.
final class RecordingMailTransport: MailTransport {
    struct Refusal: MailDeliveryError, CustomStringConvertible {
        let isPermanent: Bool
        var description: String { isPermanent ? "550 mailbox unavailable" : "451 try again later" }
    }

    private struct State {
        var sent: [OutboundMail] = []
        /// Address → permanent refusal.
        var refusing: [String: Bool] = [:]
    }

    private let state = Mutex(State())

    var sent: [OutboundMail] { state.withLock { $0.sent } }

    /// A ticket's messages to an address (their Message-ID names the ticket).
    func sent(to address: String) -> [OutboundMail] { sent.filter { $0.to.contains { $0.address == address } && !$0.messageId.hasPrefix("escale.") } }

    /// Account mail (welcome, password reset) to an address.
    func accountMail(to address: String) -> [OutboundMail] { sent.filter { $0.to.contains { $0.address == address } && $0.messageId.hasPrefix("escale.") } }

    func refuse(_ address: String, permanently: Bool) { state.withLock { $0.refusing[address] = permanently } }

    func accept(_ address: String) { state.withLock { $0.refusing[address] = nil } }

    func send(_ mail: OutboundMail) async throws {
        try state.withLock { s in
            let refusing = s.refusing
            if let permanent = mail.to.compactMap({ refusing[$0.address] }).first { throw Refusal(isPermanent: permanent) }
            s.sent.append(mail)
        }
    }
}
