import EscaleAgentWire
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command's script with `/bin/sh -c` in a process group of its own (so a timeout kills the script and
/// everything it started), standard output and error merged, standard input empty.
final class ScriptRunner: Sendable {
    struct Outcome: Sendable {
        var status: RunStatus
        var exitCode: Int?
        var startedAt: Date
        var detail: String?
    }

    /// Runs the script; `output` receives its bytes as they come (read on a thread of their own, so a script that
    /// writes a lot never blocks on a full pipe).
    static func run(_ script: String, timeout: Int, output: @escaping @Sendable ([UInt8]) -> Void) async -> Outcome {
        let started = Date()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return Outcome(status: .failed, exitCode: nil, startedAt: started, detail: "pipe: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (pgid = its pid), default signal handling and an empty mask, whatever ours are.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(script), nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            return Outcome(status: .failed, exitCode: nil, startedAt: started, detail: "could not start /bin/sh: errno \(rc)")
        }
        let readFD = fds[0]
        let child = pid
        // The reader: until end of file (every process of the group has closed the pipe).
        let reading = Thread {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(readFD, $0.baseAddress, $0.count) }
                if n > 0 { output(Array(buffer[0..<n])) } else if n < 0 && errno == EINTR { continue } else { break }
            }
            close(readFD)
        }
        reading.start()
        let timedOut = Atomic<Bool>(false)
        let killer = Task {
            try await Task.sleep(for: .seconds(timeout))
            timedOut.store(true, ordering: .relaxed)
            kill(-child, SIGTERM)
            try await Task.sleep(for: .seconds(3))
            kill(-child, SIGKILL)
        }
        let status: Int32 = await withCheckedContinuation { c in
            Thread {
                var s: Int32 = 0
                while waitpid(child, &s, 0) < 0 && errno == EINTR {}
                c.resume(returning: s)
            }.start()
        }
        killer.cancel()
        // Whatever the script left running in its group goes with it.
        kill(-child, SIGKILL)
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (macros do not import).
        let signal = status & 0x7F
        if timedOut.load(ordering: .relaxed) {
            return Outcome(status: .timedOut, exitCode: nil, startedAt: started, detail: "killed after \(timeout) s (its whole process group)")
        }
        if signal == 0 {
            let code = Int((status >> 8) & 0xFF)
            return Outcome(status: code == 0 ? .succeeded : .failed, exitCode: code, startedAt: started, detail: nil)
        }
        return Outcome(status: .failed, exitCode: 128 + Int(signal), startedAt: started, detail: "ended by signal \(signal)")
    }
}

/// Bytes of output turned into text chunks that never split a UTF-8 sequence, kept up to a limit (the rest is
/// counted and dropped).
struct OutputBuffer {
    let limit: Int
    private(set) var sent = 0
    private(set) var kept = 0
    private(set) var truncated = false
    private var pending: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    mutating func append(_ bytes: [UInt8]) {
        guard !truncated else { return }
        let room = limit - kept - pending.count
        if bytes.count > room {
            pending.append(contentsOf: bytes.prefix(max(room, 0)))
            truncated = true
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    /// The text ready to send and how many buffered bytes it is (a trailing incomplete sequence waits for its end,
    /// unless `final`). Nothing leaves the buffer until `didSend`: a chunk that failed is offered again.
    func ready(final: Bool) -> (text: String, bytes: Int)? {
        guard !pending.isEmpty else { return nil }
        var cut = pending.count
        if !final {
            // Back up over an incomplete trailing sequence: at most 3 continuation bytes after a lead byte.
            var i = pending.count - 1
            var back = 0
            while i >= 0, back < 4, pending[i] & 0xC0 == 0x80 { i -= 1; back += 1 }
            if i >= 0 {
                let lead = pending[i]
                let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
                if need > back + 1 { cut = i }
            }
        }
        guard cut > 0 else { return nil }
        return (String(decoding: pending[0..<cut], as: UTF8.self), cut)
    }

    mutating func didSend(_ chunk: (text: String, bytes: Int)) {
        pending.removeFirst(chunk.bytes)
        kept += chunk.bytes
        sent += chunk.text.utf8.count
    }
}
