import EscaleCore
import EscaleStore
import FluentKit
import Foundation
import Logging
import Synchronization

public struct DeskConfiguration: Sendable {
    /// Where attachments are stored (content-addressed).
    public var attachmentsDirectory: URL
    public var maxUploadBytes: Int
    public var tokenLifetime: TimeInterval
    public var bcryptCost: UInt8
    /// Where people reach this desk (links in pages and feeds), without a trailing slash.
    public var publicURL: String
    /// The sender of outgoing mail (`ESCALE_MAIL_FROM`); absent, `escale@<mailDomain>`.
    public var mailFrom: MailboxName?
    /// Where replies to outgoing mail go (`ESCALE_MAIL_REPLY_TO`); absent, `mailFrom`.
    public var mailReplyTo: MailboxName?
    /// The largest inventory an agent may send, decompressed (`ESCALE_INVENTORY_MAX_BYTES`): beyond, 413.
    public var inventoryMaxBytes = 32 * 1024 * 1024
    /// How often escale-agents heartbeat, in seconds (`ESCALE_AGENT_HEARTBEAT_SECONDS`; their checks' changes are sent
    /// at once anyway).
    public var agentHeartbeatSeconds = 60

    /// The domain of outgoing Message-IDs: `mailFrom`'s, else the host of `publicURL`.
    public var mailDomain: String {
        mailFrom.flatMap { MailIdentity.domain(of: $0.address) } ?? URL(string: publicURL)?.host ?? "localhost"
    }

    public init(attachmentsDirectory: URL, maxUploadBytes: Int = 25 * 1024 * 1024, tokenLifetime: TimeInterval = 30 * 24 * 3600, bcryptCost: UInt8 = 12,
                publicURL: String = "http://127.0.0.1:8080", mailFrom: MailboxName? = nil, mailReplyTo: MailboxName? = nil) {
        self.attachmentsDirectory = attachmentsDirectory
        self.mailFrom = mailFrom
        self.mailReplyTo = mailReplyTo
        self.publicURL = publicURL
        self.maxUploadBytes = maxUploadBytes
        self.tokenLifetime = tokenLifetime
        self.bcryptCost = bcryptCost
    }
}

/// The service desk's use cases. Each command runs the domain rules and the store writes in one transaction,
/// resolves who may see what through `AccessPolicy` and `TicketRepository`, and appends timeline events.
public final class Desk: Sendable {
    public let store: Store
    public let clock: Clock
    public let config: DeskConfiguration
    public let files: AttachmentFiles
    let passwords: PasswordHasher
    let logger: Logger
    let cache = DirectoryCache()
    /// How failed password proofs slow further attempts (tests shorten it).
    let throttlePolicy: SignInThrottle
    let dummyPasswordHash = Mutex<String?>(nil)
    /// Ticket changes, published after commit, for live pages.
    public let live = LiveBus()
    /// Chat changes, published after commit (messages, states, read marks, typing), for open chat sockets.
    public let chatSignals = ChatSignals()
    /// Enrollment tokens agents present, resolved a few seconds at a time.
    let enrollmentCache = EnrollmentCache()
    /// Inventory agents' contacts, written together about a second after the first.
    let contacts = ContactBuffer()
    /// The escale-agents' resolved credentials, the server's signing key and the agents waiting for commands.
    public let agentState = AgentState()
    /// Webhook and chat-hook deliveries go through it (nil: they fail and are retried, then reported).
    let outbound: (any OutboundHTTP)?
    let secrets = Mutex<[UInt8]?>(nil)
    /// Outgoing mail goes through it (nil: messages are rendered and stay queued in `mail_outbox`).
    let mail: (any MailTransport)?

    public init(store: Store, clock: Clock = .system, config: DeskConfiguration, logger: Logger, outbound: (any OutboundHTTP)? = nil,
                mail: (any MailTransport)? = nil, throttle: SignInThrottle = SignInThrottle()) throws {
        self.throttlePolicy = throttle
        self.mail = mail
        self.store = store
        self.outbound = outbound
        self.clock = clock
        self.config = config
        self.files = try AttachmentFiles(root: config.attachmentsDirectory)
        self.passwords = PasswordHasher(cost: config.bcryptCost)
        self.logger = logger
    }

    var now: Date { clock.now() }

    /// Records an administrative change (ticket changes are recorded on their timeline instead). Every such change
    /// may affect what cached actors may see, so the directory cache is dropped.
    func audit(_ actor: Actor?, _ action: String, _ entity: String, _ id: UUID?, _ detail: String, on db: any Database) async throws {
        try await AuditEntryModel(actorId: actor?.userId, action: action, entity: entity, entityId: id?.uuidString, detail: detail, at: now).create(on: db)
        // Now, and again once committed: a concurrent reader may have cached the state before the commit meanwhile.
        cache.invalidateDirectory()
        let cache = cache
        Store.afterCommit { cache.invalidateDirectory() }
    }
}
