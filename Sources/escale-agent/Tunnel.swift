import EscaleAgentWire
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A remote-control session on this machine: a WebSocket to the desk (the agent connects out, as always), relayed
/// to a terminal the agent starts or to the machine's own VNC server on localhost. Ends when either side does, or
/// at the command's longest duration.
enum Tunnel {
    /// What the desk takes in one frame.
    static let frame = 16 << 10

    static func run(_ command: Command, state: AgentState, log: @escaping @Sendable (String) -> Void) async {
        guard let tunnel = command.tunnel else { return }
        let base = state.server.hasSuffix("/") ? state.server : state.server + "/"
        let url = base.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
            + AgentWire.tunnelPath(command.id)
        var logger = Logger(label: "escale-agent.tunnel")
        logger.logLevel = .warning
        let seconds = command.timeoutSeconds
        do {
            _ = try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: [.authorization: "Bearer \(state.credential)"]),
                                                  logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await Task.sleep(for: .seconds(seconds)) }
                    group.addTask {
                        switch tunnel.kind {
                        case .terminal: try await terminal(inbound, outbound)
                        case .desktop: try await desktop(port: tunnel.port ?? 5900, inbound, outbound)
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
                try? await outbound.close(.normalClosure, reason: "session ended")
            }
            log("\(command.label): session ended")
        } catch {
            log("\(command.label): \(error)")
        }
    }

    /// A login shell in a pseudo-terminal (util-linux `script` makes it), in a process group of its own.
    static func terminal(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        guard let child = Child.spawn(["/usr/bin/script", "-qfec", "/bin/bash -il", "/dev/null"],
                                      environment: ["TERM=xterm-256color", "LANG=C.UTF-8", "HOME=" + (ProcessInfo.processInfo.environment["HOME"] ?? "/root"),
                                                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "COLUMNS=100", "LINES=30"]) else {
            try await outbound.write(.text("escale-agent: cannot start a terminal (util-linux script missing?)\r\n"))
            return
        }
        defer { child.stop() }
        let (output, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(1_024))
        child.read { bytes in
            if let bytes { continuation.yield(bytes) } else { continuation.finish() }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await bytes in output {
                    var start = 0
                    while start < bytes.count {
                        let end = min(start + frame, bytes.count)
                        try await outbound.write(.binary(ByteBuffer(bytes: bytes[start..<end])))
                        start = end
                    }
                }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    switch message {
                    case let .binary(b): child.write(Array(b.readableBytesView))
                    case let .text(t): child.write(Array(t.utf8))
                    }
                }
            }
            // Whichever ends first (the shell exits, or the person leaves) ends the session.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// The machine's VNC server on localhost, byte for byte.
    static func desktop(port: Int, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(5))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        try await channel.executeThenClose { vncIn, vncOut in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await var buffer in vncIn {
                        while buffer.readableBytes > 0, let slice = buffer.readSlice(length: min(buffer.readableBytes, frame)) {
                            try await outbound.write(.binary(slice))
                        }
                    }
                }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        switch message {
                        case let .binary(b): try await vncOut.write(b)
                        case let .text(t): try await vncOut.write(ByteBuffer(string: t))
                        }
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }
}

/// A child process with its standard input and output (error merged) on pipes, in a process group of its own.
final class Child: Sendable {
    let pid: pid_t
    let input: Int32
    let output: Int32
    private let stopped = Atomic<Bool>(false)

    private init(pid: pid_t, input: Int32, output: Int32) { self.pid = pid; self.input = input; self.output = output }

    static func spawn(_ argv: [String], environment: [String]) -> Child? {
        guard FileManager.default.isExecutableFile(atPath: argv[0]) else { return nil }
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 2)
        for fd in inPipe + outPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t(); sigfillset(&all); posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t(); sigemptyset(&none); posix_spawnattr_setsigmask(&attributes, &none)
        let args: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let env: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for a in args + env { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, args, env)
        close(inPipe[0]); close(outPipe[1])
        guard rc == 0 else { close(inPipe[1]); close(outPipe[0]); return nil }
        return Child(pid: pid, input: inPipe[1], output: outPipe[0])
    }

    /// Bytes as they come on a thread of their own; nil at the end.
    func read(_ handler: @escaping @Sendable ([UInt8]?) -> Void) {
        let fd = output
        Thread {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n > 0 { handler(Array(buffer[0..<n])) } else if n < 0 && errno == EINTR { continue } else { break }
            }
            close(fd)
            handler(nil)
        }.start()
    }

    func write(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.write(input, $0.baseAddress, $0.count) }
            if n > 0 { sent += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }

    /// The whole group goes, and is reaped.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        close(input)
        kill(-pid, SIGHUP)
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}
