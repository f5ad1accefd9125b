import NIOCore
import NIOPosix
import NIOSSL

/// One SMTP session. Reusable for many messages, which is what makes bulk
/// submission fast: the TCP/TLS/AUTH setup is paid once.
///
/// Not meant for concurrent `send` calls on the same connection (the actor
/// serialises them, but a reentrant call waits behind the network round trips);
/// use `SMTPClient` for parallelism.
public actor SMTPConnection {
    let configuration: SMTPConfiguration
    let channel: Channel
    private var tlsContext: NIOSSLContext?
    /// EHLO keywords (upper-cased) → parameters.
    private(set) var extensions: [String: String] = [:]
    private(set) var isTLS = false
    private var broken = false
    /// Set while a transaction may be open on the server, so the next send starts with RSET.
    private var needsReset = false
    /// Lets the pool know a failure happened before any message data was sent,
    /// so retrying on a fresh connection cannot duplicate the message.
    private(set) var lastFailureWasBeforeData = false

    private init(configuration: SMTPConfiguration, channel: Channel, tlsContext: NIOSSLContext?, isTLS: Bool) {
        self.configuration = configuration
        self.channel = channel
        self.tlsContext = tlsContext
        self.isTLS = isTLS
    }

    deinit {
        // A forgotten connection must not keep a socket open until the server times out.
        channel.close(promise: nil)
    }

    public var isUsable: Bool { !broken && channel.isActive }

    /// Connects, reads the greeting, says EHLO, upgrades with STARTTLS and authenticates as configured.
    public static func connect(_ c: SMTPConfiguration) async throws -> SMTPConnection {
        let tlsContext: NIOSSLContext? = c.security == .none ? nil : try makeTLSContext(c)
        let implicitTLS = c.security == .tls
        let serverHostname = sniHostname(c.host)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(c.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if implicitTLS, let tlsContext {
                        try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                    }
                    try sync.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try sync.addHandler(SMTPRequestHandler())
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: c.host, port: c.port).get()
        } catch {
            throw SMTPError.connection("cannot connect to \(c.host):\(c.port): \(SMTPRequestHandler.describe(error))")
        }
        let connection = SMTPConnection(configuration: c, channel: channel, tlsContext: tlsContext, isTLS: implicitTLS)
        do {
            try await connection.handshake()
        } catch {
            await connection.abort()
            throw error
        }
        return connection
    }

    // MARK: - Session setup

    private func handshake() async throws {
        let greeting = try await reply(to: nil, label: "greeting")
        guard greeting.code == 220 else { throw SMTPError.from(greeting, expecting: "220 greeting") }
        try await hello()

        switch configuration.security {
        case .startTLS, .startTLSIfAvailable:
            if extensions["STARTTLS"] != nil {
                try await startTLS()
            } else if configuration.security == .startTLS {
                throw SMTPError.protocolViolation("STARTTLS is required but \(configuration.host) does not offer it")
            }
        case .none, .tls:
            break
        }

        if let username = configuration.username {
            // Opportunistic TLS must not become a way to leak the password to a downgrading attacker.
            if !isTLS && configuration.security != .none && !SMTPConfiguration.isLoopback(configuration.host) {
                throw SMTPError.protocolViolation("refusing to send credentials without TLS to \(configuration.host)")
            }
            try await authenticate(username: username, password: configuration.password ?? "")
        }
    }

    private func hello() async throws {
        let ehlo = try await command("EHLO \(configuration.heloName)")
        if ehlo.isPositiveCompletion {
            var extensions: [String: String] = [:]
            for line in ehlo.lines.dropFirst() {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard let keyword = parts.first else { continue }
                var key = keyword.uppercased()
                var params = parts.count > 1 ? String(parts[1]) : ""
                // Some old servers still say "AUTH=LOGIN PLAIN".
                if key.hasPrefix("AUTH=") {
                    params = String(key.dropFirst(5)) + (params.isEmpty ? "" : " " + params)
                    key = "AUTH"
                    if let existing = extensions[key] { params = existing + " " + params }
                }
                extensions[key] = params
            }
            self.extensions = extensions
            return
        }
        // 5xx on EHLO means "not understood": an RFC 821 server; fall back to HELO.
        guard (500..<600).contains(ehlo.code), ehlo.code != 554 else { throw SMTPError.from(ehlo, expecting: "250 to EHLO") }
        let helo = try await command("HELO \(configuration.heloName)")
        guard helo.isPositiveCompletion else { throw SMTPError.from(helo, expecting: "250 to HELO") }
        extensions = [:]
    }

    private func startTLS() async throws {
        guard let tlsContext else { throw SMTPError.protocolViolation("no TLS context") }
        let reply = try await command("STARTTLS")
        guard reply.code == 220 else { throw SMTPError.from(reply, expecting: "220 to STARTTLS") }
        let channel = self.channel
        let serverHostname = Self.sniHostname(configuration.host)
        do {
            // The TLS handler goes in front of the decoder; the server sends nothing until our ClientHello.
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname), position: .first)
            }.get()
        } catch {
            throw SMTPError.connection("cannot start TLS: \(SMTPRequestHandler.describe(error))")
        }
        isTLS = true
        // RFC 3207: all knowledge from before TLS must be discarded.
        extensions = [:]
        try await hello()
    }

    private func authenticate(username: String, password: String) async throws {
        let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") {
            let token = SMTPEncoding.base64([0] + Array(username.utf8) + [0] + Array(password.utf8))
            var reply = try await command("AUTH PLAIN \(token)", label: "AUTH PLAIN")
            if reply.code == 334 {  // a server that ignores the initial response
                reply = try await command(token, label: "AUTH PLAIN response")
            }
            guard reply.code == 235 else { throw SMTPError.from(reply, expecting: "235 to AUTH PLAIN") }
        } else if mechanisms.contains("LOGIN") {
            var reply = try await command("AUTH LOGIN")
            guard reply.code == 334 else { throw SMTPError.from(reply, expecting: "334 to AUTH LOGIN") }
            reply = try await command(SMTPEncoding.base64(Array(username.utf8)), label: "AUTH LOGIN user name")
            guard reply.code == 334 else { throw SMTPError.from(reply, expecting: "334 to AUTH LOGIN user name") }
            reply = try await command(SMTPEncoding.base64(Array(password.utf8)), label: "AUTH LOGIN password")
            guard reply.code == 235 else { throw SMTPError.from(reply, expecting: "235 to AUTH LOGIN") }
        } else if extensions["AUTH"] == nil {
            throw SMTPError.protocolViolation("credentials configured but \(configuration.host) does not offer AUTH")
        } else {
            throw SMTPError.protocolViolation("no supported AUTH mechanism (server offers: \(extensions["AUTH"] ?? ""))")
        }
    }

    // MARK: - Sending

    /// Sends one message. Recipients refused individually are reported in the result;
    /// the call throws only when the message as a whole was not accepted.
    public func send(_ data: [UInt8], envelope: SMTPEnvelope) async throws -> SMTPSendResult {
        lastFailureWasBeforeData = true
        guard isUsable else { throw SMTPError.connection("connection is closed") }
        guard !envelope.recipients.isEmpty else { throw SMTPError.permanent(code: 0, message: "no recipients") }
        for address in [envelope.from] + envelope.recipients where !SMTPEncoding.isSafePath(address) {
            throw SMTPError.permanent(code: 0, message: "invalid address \(address.debugDescription)")
        }
        for address in envelope.recipients where address.isEmpty {
            throw SMTPError.permanent(code: 0, message: "empty recipient address")
        }

        let body = SMTPEncoding.encodeData(data)
        var parameters = ""
        if let sizeParameter = extensions["SIZE"] {
            if let limit = Int(sizeParameter), limit > 0, body.readableBytes > limit {
                throw SMTPError.permanent(code: 0, message: "message of \(body.readableBytes) bytes exceeds the server limit of \(limit)")
            }
            parameters += " SIZE=\(body.readableBytes)"
        }
        let has8Bit = SMTPEncoding.has8BitBytes(data)
        if has8Bit && extensions["8BITMIME"] != nil { parameters += " BODY=8BITMIME" }
        let envelopeIsUTF8 = ([envelope.from] + envelope.recipients).contains { $0.utf8.contains(where: { $0 >= 0x80 }) }
        if envelopeIsUTF8 || (has8Bit && SMTPEncoding.headersAre8Bit(data)) {
            if extensions["SMTPUTF8"] != nil {
                parameters += " SMTPUTF8"
            } else if envelopeIsUTF8 {
                throw SMTPError.permanent(code: 0, message: "internationalised address but the server lacks SMTPUTF8")
            }
        }

        do {
            if needsReset {
                let reset = try await command("RSET")
                guard reset.isPositiveCompletion else { throw markBrokenIfNeeded(SMTPError.from(reset, expecting: "250 to RSET")) }
            }
            needsReset = true

            // With PIPELINING the envelope costs one round trip instead of 1 + recipients.
            let pipelining = extensions["PIPELINING"] != nil
            var pending: [EventLoopFuture<SMTPReply>] = []
            pending.append(submit("MAIL FROM:<\(envelope.from)>\(parameters)\r\n", label: "MAIL FROM", flush: !pipelining))
            var mailReply: SMTPReply?
            if !pipelining { mailReply = try await resolve(pending.removeFirst()) }
            if let mailReply, !mailReply.isPositiveCompletion { throw markBrokenIfNeeded(SMTPError.from(mailReply, expecting: "250 to MAIL FROM")) }

            var accepted: [String] = []
            var refused: [(String, SMTPError)] = []
            for (index, recipient) in envelope.recipients.enumerated() {
                let isLast = index == envelope.recipients.count - 1
                pending.append(submit("RCPT TO:<\(recipient)>\r\n", label: "RCPT TO", flush: !pipelining || isLast))
            }
            if pipelining {
                mailReply = try await resolve(pending.removeFirst())
            }
            for recipient in envelope.recipients {
                let reply = try await resolve(pending.removeFirst())
                if reply.isPositiveCompletion {
                    accepted.append(recipient)
                } else {
                    refused.append((recipient, SMTPError.from(reply, expecting: "250 to RCPT TO")))
                }
            }
            if let mailReply, !mailReply.isPositiveCompletion { throw markBrokenIfNeeded(SMTPError.from(mailReply, expecting: "250 to MAIL FROM")) }
            guard !accepted.isEmpty else {
                // Retrying helps if any refusal was temporary; otherwise the message is undeliverable.
                let summary = refused.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
                if let transient = refused.first(where: { !$0.1.isPermanent }), case .transient(let code, _) = transient.1 {
                    throw SMTPError.transient(code: code, message: "all recipients refused: \(summary)")
                }
                if case .permanent(let code, _)? = refused.first?.1 {
                    throw SMTPError.permanent(code: code, message: "all recipients refused: \(summary)")
                }
                throw SMTPError.permanent(code: 0, message: "all recipients refused: \(summary)")
            }

            let dataReply = try await command("DATA")
            guard dataReply.code == 354 else { throw markBrokenIfNeeded(SMTPError.from(dataReply, expecting: "354 to DATA")) }
            lastFailureWasBeforeData = false
            let final = try await resolve(submit(body, label: "end of DATA"))
            guard final.isPositiveCompletion else { throw markBrokenIfNeeded(SMTPError.from(final, expecting: "250 after DATA")) }
            needsReset = false
            return SMTPSendResult(accepted: accepted, refused: refused, reply: final.text)
        } catch let error as SMTPError {
            if case .connection = error { broken = true }
            if case .protocolViolation = error { broken = true }
            throw error
        }
    }

    /// Politely ends the session (QUIT) and closes the socket. Never throws: at
    /// this point nothing useful can be done about a failure.
    public func close() async {
        if isUsable {
            let quit = submit("QUIT\r\n", label: "QUIT", timeout: min(configuration.commandTimeout, .seconds(5)))
            _ = try? await quit.get()
        }
        await abort()
    }

    func abort() async {
        broken = true
        try? await channel.close().get()
    }

    // MARK: - Plumbing

    private func command(_ line: String, label: String? = nil) async throws -> SMTPReply {
        try await resolve(submit(line + "\r\n", label: label ?? line))
    }

    private func reply(to bytes: ByteBuffer?, label: String) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let request = SMTPRequest(bytes: bytes, label: label, timeout: TimeAmount(configuration.commandTimeout), promise: promise)
        channel.writeAndFlush(request, promise: Self.failing(promise, label: label))
        return try await resolve(promise.futureResult)
    }

    private func submit(_ line: String, label: String, flush: Bool = true, timeout: Duration? = nil) -> EventLoopFuture<SMTPReply> {
        submit(ByteBuffer(string: line), label: label, flush: flush, timeout: timeout)
    }

    private func submit(_ bytes: ByteBuffer, label: String, flush: Bool = true, timeout: Duration? = nil) -> EventLoopFuture<SMTPReply> {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let request = SMTPRequest(bytes: bytes, label: label, timeout: TimeAmount(timeout ?? configuration.commandTimeout), promise: promise)
        if flush {
            channel.writeAndFlush(request, promise: Self.failing(promise, label: label))
        } else {
            channel.write(request, promise: Self.failing(promise, label: label))
        }
        return promise.futureResult
    }

    /// A write that never reaches the request handler (the channel closed first — a TLS handshake refused, the server
    /// gone) must still fail the reply's promise, or its caller would wait forever: no handler is left to time it out.
    /// Failing a promise the handler already completed does nothing.
    private static func failing(_ reply: EventLoopPromise<SMTPReply>, label: String) -> EventLoopPromise<Void> {
        let written = reply.futureResult.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            reply.fail((error as? SMTPError) ?? SMTPError.connection("cannot send \(label): \(SMTPRequestHandler.describe(error))"))
        }
        return written
    }

    /// Awaits a reply, translating NIO errors into `SMTPError.connection`.
    private func resolve(_ future: EventLoopFuture<SMTPReply>) async throws -> SMTPReply {
        do {
            return try await future.get()
        } catch let error as SMTPError {
            broken = true
            throw error
        } catch {
            broken = true
            throw SMTPError.connection(SMTPRequestHandler.describe(error))
        }
    }

    /// 421 means the server is closing the session: the error is transient for the
    /// message but the connection is gone.
    private func markBrokenIfNeeded(_ error: SMTPError) -> SMTPError {
        if case .transient(421, _) = error { broken = true }
        return error
    }

    static func sniHostname(_ host: String) -> String? {
        // SNI must not carry IP literals; NIOSSL then verifies against the peer's IP address.
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    static func makeTLSContext(_ c: SMTPConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !c.verifyCertificates {
            tls.certificateVerification = .none
        }
        if let roots = c.trustRoots {
            tls.trustRoots = .file(roots)
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPError.connection("cannot set up TLS: \(SMTPRequestHandler.describe(error))")
        }
    }
}
