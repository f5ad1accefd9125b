import NIOCore
import NIOPosix
import NIOSSL

/// One authenticated IMAP session.
///
/// Commands are issued one at a time (the actor serialises callers); untagged
/// data that belongs to a command is collected until its tagged completion.
public actor IMAPConnection {
    /// A piece of a command line: text goes as is, literals are announced with
    /// `{n}` (waiting for the server's "+") or `{n+}` when LITERAL+ allows it.
    enum Part {
        case text(String)
        case literal([UInt8])
    }

    struct Completion {
        var status: IMAPStatus
        var text: IMAPResponseText
        var untagged: [IMAPResponse]
    }

    let configuration: IMAPConfiguration
    let channel: Channel
    private let handler: NIOLoopBound<IMAPResponseHandler>
    private let tlsContext: NIOSSLContext?
    private var rawCapabilities: Set<String> = []
    /// Test hook: pretend the server lacks these capabilities (exercises fallbacks).
    private var hiddenCapabilities: Set<String> = []
    private var tagCounter = 0
    private var broken = false
    private var lastBye: String?

    /// Upper-cased capability atoms, e.g. "IMAP4REV1", "IDLE", "MOVE", "AUTH=PLAIN".
    public var capabilities: Set<String> { rawCapabilities.subtracting(hiddenCapabilities) }

    public var isUsable: Bool { !broken && channel.isActive }

    private init(configuration: IMAPConfiguration, channel: Channel, handler: NIOLoopBound<IMAPResponseHandler>, tlsContext: NIOSSLContext?) {
        self.configuration = configuration
        self.channel = channel
        self.handler = handler
        self.tlsContext = tlsContext
    }

    deinit {
        channel.close(promise: nil)
    }

    // MARK: - Connecting

    public static func connect(_ c: IMAPConfiguration) async throws -> IMAPConnection {
        let tlsContext: NIOSSLContext? = c.security == .none ? nil : try makeTLSContext(c)
        let implicitTLS = c.security == .tls
        let serverHostname = sniHostname(c.host)
        let (maxLine, maxLiteral) = (c.maxLineLength, c.maxLiteralSize)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(c.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if implicitTLS, let tlsContext {
                        try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                    }
                    try sync.addHandler(ByteToMessageHandler(IMAPResponseFramer(maxLineLength: maxLine, maxLiteralSize: maxLiteral)))
                    try sync.addHandler(IMAPResponseHandler())
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: c.host, port: c.port).get()
        } catch {
            throw IMAPError.connection("cannot connect to \(c.host):\(c.port): \(IMAPResponseHandler.describe(error))")
        }
        let handler: NIOLoopBound<IMAPResponseHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: IMAPResponseHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            // The channel closed before we could look at it (a TLS handshake refused at once): its handlers are gone.
            try? await channel.close().get()
            throw IMAPError.connection("connection to \(c.host):\(c.port) closed during setup: \(IMAPResponseHandler.describe(error))")
        }
        let connection = IMAPConnection(configuration: c, channel: channel, handler: handler, tlsContext: tlsContext)
        do {
            try await connection.handshake()
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    private func handshake() async throws {
        let greeting = try await nextResponse(context: "greeting")
        var preauthenticated = false
        switch greeting {
        case .status(.ok, let text), .status(.preauth, let text):
            preauthenticated = { if case .status(.preauth, _) = greeting { return true } else { return false } }()
            absorbCapabilities(text)
        case .status(.bye, let text):
            throw IMAPError.connection("server refused the connection: \(text.summary)")
        default:
            throw IMAPError.protocolViolation("unexpected greeting \(greeting)")
        }
        if rawCapabilities.isEmpty { try await refreshCapabilities() }

        if configuration.security == .startTLS {
            guard !preauthenticated else { throw IMAPError.protocolViolation("PREAUTH greeting makes STARTTLS impossible") }
            guard rawCapabilities.contains("STARTTLS") else {
                throw IMAPError.protocolViolation("STARTTLS is required but \(configuration.host) does not offer it")
            }
            try await startTLS()
        }
        if !preauthenticated { try await login() }
    }

    private func startTLS() async throws {
        guard let tlsContext else { throw IMAPError.protocolViolation("no TLS context") }
        try await execute([.text("STARTTLS")])
        let channel = self.channel
        let serverHostname = Self.sniHostname(configuration.host)
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname), position: .first)
            }.get()
        } catch {
            throw IMAPError.connection("cannot start TLS: \(IMAPResponseHandler.describe(error))")
        }
        // RFC 3501 §6.2.1: capabilities from before TLS must not be trusted.
        rawCapabilities = []
        try await refreshCapabilities()
    }

    private func login() async throws {
        let caps = capabilities
        let canPlain = caps.contains("AUTH=PLAIN")
        let completion: Completion
        if canPlain && (configuration.preferAuthenticatePlain || caps.contains("LOGINDISABLED")) {
            completion = try await authenticatePlain()
        } else if caps.contains("LOGINDISABLED") {
            throw IMAPError.authentication("server disallows LOGIN and offers no AUTH=PLAIN")
        } else {
            completion = try await run([.text("LOGIN ")] + Self.astring(configuration.username) + [.text(" ")] + Self.astring(configuration.password),
                                       label: "LOGIN")
        }
        guard completion.status == .ok else { throw IMAPError.authentication(completion.text.summary) }
        // Servers often send the post-login capabilities in the OK; otherwise ask.
        if completion.text.code == "CAPABILITY" {
            absorbCapabilities(completion.text)
        } else {
            try await refreshCapabilities()
        }
    }

    private func authenticatePlain() async throws -> Completion {
        let token = Self.base64([0] + Array(configuration.username.utf8) + [0] + Array(configuration.password.utf8))
        let tag = nextTag()
        if capabilities.contains("SASL-IR") {
            try await write("\(tag) AUTHENTICATE PLAIN \(token)\r\n")
            return try await collect(tag: tag, label: "AUTHENTICATE")
        }
        try await write("\(tag) AUTHENTICATE PLAIN\r\n")
        var untagged: [IMAPResponse] = []
        while true {
            let response = try await nextResponse(context: "AUTHENTICATE")
            switch response {
            case .continuation:
                try await write("\(token)\r\n")
                var completion = try await collect(tag: tag, label: "AUTHENTICATE")
                completion.untagged = untagged + completion.untagged
                return completion
            case .tagged(let t, let status, let text) where t == tag:
                return Completion(status: status, text: text, untagged: untagged)
            default:
                untagged.append(response)
            }
        }
    }

    private func refreshCapabilities() async throws {
        let completion = try await execute([.text("CAPABILITY")])
        for case .data("CAPABILITY", let values) in completion.untagged {
            rawCapabilities = Set(values.compactMap { $0.text?.uppercased() })
        }
        if completion.text.code == "CAPABILITY" { absorbCapabilities(completion.text) }
    }

    private func absorbCapabilities(_ text: IMAPResponseText) {
        guard text.code == "CAPABILITY" else { return }
        rawCapabilities = Set(text.codeArguments.compactMap { $0.text?.uppercased() })
    }

    func hideCapability(_ name: String) { hiddenCapabilities.insert(name.uppercased()) }

    // MARK: - Mailbox commands

    public func select(_ mailbox: String) async throws -> IMAPMailboxStatus {
        let completion = try await execute([.text("SELECT " + Self.mailboxName(mailbox))])
        var status = IMAPMailboxStatus(uidValidity: 0, exists: 0, recent: 0, uidNext: nil, readOnly: completion.text.code == "READ-ONLY")
        var sawValidity = false
        for response in completion.untagged {
            switch response {
            case .message(let n, "EXISTS", _): status.exists = Int(n)
            case .message(let n, "RECENT", _): status.recent = Int(n)
            case .status(.ok, let text):
                let argument = text.codeArguments.first?.number.flatMap { UInt32(exactly: $0) }
                if text.code == "UIDVALIDITY", let argument { status.uidValidity = argument; sawValidity = true }
                if text.code == "UIDNEXT", let argument { status.uidNext = argument }
            default: break
            }
        }
        guard sawValidity else { throw IMAPError.protocolViolation("SELECT \(mailbox) returned no UIDVALIDITY") }
        return status
    }

    /// Creates a mailbox; an existing one is not an error.
    public func create(_ mailbox: String) async throws {
        let completion = try await run([.text("CREATE " + Self.mailboxName(mailbox))], label: "CREATE")
        switch completion.status {
        case .ok: return
        case .no where completion.text.code == "ALREADYEXISTS" || completion.text.text.lowercased().contains("already exists"):
            return
        default: try Self.check(completion)
        }
    }

    /// Appends a message (CRLF line endings expected) and returns its UID when the server supports UIDPLUS.
    @discardableResult
    public func append(mailbox: String, data: [UInt8], flags: [String] = []) async throws -> UInt32? {
        try Self.validateFlags(flags)
        let flagList = flags.isEmpty ? "" : "(" + flags.joined(separator: " ") + ") "
        let completion = try await execute([.text("APPEND \(Self.mailboxName(mailbox)) \(flagList)"), .literal(data)])
        if completion.text.code == "APPENDUID", completion.text.codeArguments.count >= 2,
           let uid = completion.text.codeArguments[1].number {
            return UInt32(exactly: uid)
        }
        return nil
    }

    /// `UID SEARCH <criteria>`; criteria are passed verbatim (ASCII, one line).
    public func uidSearch(_ criteria: String) async throws -> [UInt32] {
        guard !criteria.isEmpty, criteria.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw IMAPError.protocolViolation("search criteria must be a single line of printable ASCII")
        }
        let completion = try await execute([.text("UID SEARCH " + criteria)])
        var uids: [UInt32] = []
        for case .data("SEARCH", let values) in completion.untagged {
            uids += values.compactMap { $0.number.flatMap { UInt32(exactly: $0) } }
        }
        return uids.sorted()
    }

    /// The full raw message (exact bytes) without setting \Seen, or nil if the UID does not exist.
    public func fetchRaw(uid: UInt32) async throws -> [UInt8]? {
        let completion = try await execute([.text("UID FETCH \(uid) (BODY.PEEK[])")])
        for case .message(_, "FETCH", let values) in completion.untagged {
            guard case .list(let items)? = values.first else { continue }
            var itemUID: UInt64?
            var body: IMAPValue?
            var i = 0
            while i + 1 < items.count {
                let key = items[i].text?.uppercased() ?? ""
                if key == "UID" { itemUID = items[i + 1].number }
                if key.hasPrefix("BODY[]") { body = items[i + 1] }
                i += 2
            }
            // Unsolicited FETCH responses (flag changes of other messages) have no body.
            guard itemUID == UInt64(uid), let body else { continue }
            switch body {
            case .string(let bytes): return bytes
            case .nil: return nil
            default: throw IMAPError.protocolViolation("BODY[] is not a string")
            }
        }
        return nil
    }

    public func storeFlags(uid: UInt32, add flags: [String]) async throws {
        guard !flags.isEmpty else { return }
        try Self.validateFlags(flags)
        try await execute([.text("UID STORE \(uid) +FLAGS.SILENT (\(flags.joined(separator: " ")))")])
    }

    /// Moves a message; without the MOVE extension falls back to COPY + \Deleted + expunge.
    public func move(uid: UInt32, to mailbox: String) async throws {
        let target = Self.mailboxName(mailbox)
        if capabilities.contains("MOVE") {
            try await execute([.text("UID MOVE \(uid) \(target)")])
            return
        }
        try await execute([.text("UID COPY \(uid) \(target)")])
        try await execute([.text("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)")])
        if capabilities.contains("UIDPLUS") {
            try await execute([.text("UID EXPUNGE \(uid)")])
        } else {
            // Without UIDPLUS this also expunges other messages already marked \Deleted.
            try await execute([.text("EXPUNGE")])
        }
    }

    /// Waits for new mail in the selected mailbox: true when an untagged EXISTS or
    /// RECENT arrived, false after `timeout`. Uses IDLE, or NOOP polling without it.
    public func idle(timeout: Duration) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        guard capabilities.contains("IDLE") else {
            while true {
                let completion = try await execute([.text("NOOP")])
                if Self.containsNewMail(completion.untagged) { return true }
                let remaining = deadline - clock.now
                if remaining <= .zero { return false }
                try await Task.sleep(for: min(remaining, .seconds(5)))
            }
        }
        while true {
            // RFC 2177: re-issue IDLE at least every 29 minutes so the server does not log us out.
            let segmentEnd = min(deadline, clock.now + .seconds(25 * 60))
            let tag = nextTag()
            try await write("\(tag) IDLE\r\n")
            var newMail = false
            waitForContinuation: while true {
                let response = try await nextResponse(context: "IDLE")
                switch response {
                case .continuation: break waitForContinuation
                case .tagged(let t, let status, let text) where t == tag:
                    try Self.check(Completion(status: status, text: text, untagged: []))
                    throw IMAPError.protocolViolation("IDLE ended before it started")
                default:
                    if Self.containsNewMail([response]) { newMail = true }
                }
            }
            while !newMail {
                let remaining = segmentEnd - clock.now
                if remaining <= .zero { break }
                do {
                    let response = try await nextResponse(context: "IDLE", timeout: remaining, timeoutIsFatal: false)
                    if Self.containsNewMail([response]) { newMail = true }
                    if case .status(.bye, let text) = response { lastBye = text.summary }
                } catch is IMAPReadTimeout {
                    break
                }
            }
            try await write("DONE\r\n")
            try Self.check(try await collect(tag: tag, label: "IDLE"))
            if newMail { return true }
            if clock.now >= deadline { return false }
        }
    }

    public func noop() async throws {
        try await execute([.text("NOOP")])
    }

    /// Ends the session. Never throws.
    public func logout() async {
        if isUsable {
            _ = try? await run([.text("LOGOUT")], label: "LOGOUT", timeout: min(configuration.commandTimeout, .seconds(5)))
        }
        await close()
    }

    func close() async {
        broken = true
        try? await channel.close().get()
    }

    // MARK: - Command plumbing

    @discardableResult
    private func execute(_ parts: [Part]) async throws -> Completion {
        let label: String = {
            if case .text(let t)? = parts.first { return String(t.prefix(while: { $0 != " " })) }
            return "command"
        }()
        let completion = try await run(parts, label: label)
        try Self.check(completion)
        return completion
    }

    private static func check(_ completion: Completion) throws {
        switch completion.status {
        case .ok, .preauth: return
        case .no: throw IMAPError.no(completion.text.summary)
        case .bad, .bye: throw IMAPError.bad(completion.text.summary)
        }
    }

    /// Sends a command (handling synchronising literals) and collects its responses.
    private func run(_ parts: [Part], label: String, timeout: Duration? = nil) async throws -> Completion {
        let tag = nextTag()
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeString(tag + " ")
        var untagged: [IMAPResponse] = []
        for part in parts {
            switch part {
            case .text(let text):
                buffer.writeString(text)
            case .literal(let bytes):
                let nonSynchronising = capabilities.contains("LITERAL+") || (capabilities.contains("LITERAL-") && bytes.count <= 4096)
                buffer.writeString("{\(bytes.count)\(nonSynchronising ? "+" : "")}\r\n")
                if !nonSynchronising {
                    try await write(buffer)
                    buffer.clear()
                    // The server must say "+" before we may send the literal; a tagged reply means it refused.
                    awaitContinuation: while true {
                        let response = try await nextResponse(context: label, timeout: timeout)
                        switch response {
                        case .continuation: break awaitContinuation
                        case .tagged(let t, let status, let text) where t == tag:
                            return Completion(status: status, text: text, untagged: untagged)
                        default: untagged.append(response)
                        }
                    }
                }
                buffer.writeBytes(bytes)
            }
        }
        buffer.writeString("\r\n")
        try await write(buffer)
        var completion = try await collect(tag: tag, label: label, timeout: timeout)
        completion.untagged = untagged + completion.untagged
        return completion
    }

    private func collect(tag: String, label: String, timeout: Duration? = nil) async throws -> Completion {
        var untagged: [IMAPResponse] = []
        while true {
            let response = try await nextResponse(context: label, timeout: timeout)
            switch response {
            case .tagged(let t, let status, let text):
                guard t == tag else {
                    broken = true
                    throw IMAPError.protocolViolation("response for unknown tag \(t)")
                }
                return Completion(status: status, text: text, untagged: untagged)
            case .continuation:
                broken = true
                throw IMAPError.protocolViolation("unexpected continuation request during \(label)")
            case .status(.bye, let text):
                lastBye = text.summary
                untagged.append(response)
            default:
                untagged.append(response)
            }
        }
    }

    private func nextResponse(context: String, timeout: Duration? = nil, timeoutIsFatal: Bool = true) async throws -> IMAPResponse {
        let handler = self.handler
        let eventLoop = channel.eventLoop
        let amount = TimeAmount(timeout ?? configuration.commandTimeout)
        do {
            return try await eventLoop.flatSubmit { handler.value.next(timeout: amount, on: eventLoop) }.get()
        } catch let error as IMAPReadTimeout {
            if !timeoutIsFatal { throw error }
            broken = true
            channel.close(promise: nil)
            throw IMAPError.connection("timed out waiting for the response to \(context)")
        } catch let error as IMAPError {
            broken = true
            if case .connection(let message) = error, let bye = lastBye {
                throw IMAPError.connection("\(message) (BYE \(bye))")
            }
            throw error
        } catch {
            broken = true
            throw IMAPError.connection(IMAPResponseHandler.describe(error))
        }
    }

    private func write(_ line: String) async throws {
        try await write(ByteBuffer(string: line))
    }

    private func write(_ buffer: ByteBuffer) async throws {
        guard !broken else { throw IMAPError.connection("connection is closed") }
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            broken = true
            throw IMAPError.connection("write failed: \(IMAPResponseHandler.describe(error))")
        }
    }

    private func nextTag() -> String {
        tagCounter += 1
        return "E\(tagCounter)"
    }

    // MARK: - Encoding helpers

    private static func containsNewMail(_ responses: [IMAPResponse]) -> Bool {
        responses.contains {
            if case .message(_, let keyword, _) = $0 { return keyword == "EXISTS" || keyword == "RECENT" }
            return false
        }
    }

    /// A string argument: quoted when safe, otherwise a literal (CR/LF, NUL, 8-bit, very long).
    static func astring(_ value: String) -> [Part] {
        let bytes = Array(value.utf8)
        if bytes.count > 1000 || bytes.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A || $0 >= 0x80 }) {
            return [.literal(bytes)]
        }
        return [.text(quoted(value))]
    }

    static func quoted(_ value: String) -> String {
        var out = "\""
        for c in value.unicodeScalars {
            if c == "\"" || c == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out + "\""
    }

    /// Mailbox names are always modified-UTF-7 encoded (hence printable ASCII) and quoted.
    static func mailboxName(_ name: String) -> String {
        let encoded = name.uppercased() == "INBOX" ? "INBOX" : ModifiedUTF7.encode(name)
        return quoted(encoded)
    }

    /// Flags are atoms (`\Seen`, `$Escale`); anything else could break the command syntax.
    static func validateFlags(_ flags: [String]) throws {
        for flag in flags {
            let body = flag.hasPrefix("\\") ? flag.utf8.dropFirst() : flag.utf8[...]
            let valid = !body.isEmpty && body.allSatisfy { c in
                c > 0x20 && c < 0x7F && !"(){%*\"\\]".utf8.contains(c)
            }
            guard valid else { throw IMAPError.protocolViolation("invalid flag \(flag.debugDescription)") }
        }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let remaining = bytes.count - i
            let v = UInt32(bytes[i]) << 16 | UInt32(remaining > 1 ? bytes[i + 1] : 0) << 8 | UInt32(remaining > 2 ? bytes[i + 2] : 0)
            out.append(base64Alphabet[Int(v >> 18 & 63)])
            out.append(base64Alphabet[Int(v >> 12 & 63)])
            out.append(remaining > 1 ? base64Alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(remaining > 2 ? base64Alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sniHostname(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    static func makeTLSContext(_ c: IMAPConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !c.verifyCertificates { tls.certificateVerification = .none }
        if let roots = c.trustRoots { tls.trustRoots = .file(roots) }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw IMAPError.connection("cannot set up TLS: \(IMAPResponseHandler.describe(error))")
        }
    }
}
