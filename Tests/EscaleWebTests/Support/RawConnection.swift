import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the server on loopback, for what an HTTP client library hides: slow, partial or
/// malformed requests, and when the server closes. Its blocking calls run on threads of their own: an in-process
/// server shares Swift's cooperative threads with the test, and a test blocked in `recv` there would starve it.
final class RawConnection: @unchecked Sendable {
    private static let io = DispatchQueue(label: "raw-connection", attributes: .concurrent)

    private func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in Self.io.async { c.resume(returning: work()) } }
    }

    let fd: Int32

    init?(port: Int, sendTimeout: Double = 10) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); return nil }
        var tv = timeval(tv_sec: Int(sendTimeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var short = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &short, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends everything; false if the server stopped taking bytes (send timeout) or closed.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool { await offload { self.sendNow(bytes) } }

    @discardableResult
    func send(_ text: String) async -> Bool { await send(Array(text.utf8)) }

    /// Reads until the server closes the connection or `seconds` pass.
    func read(for seconds: Double) async -> (text: String, closed: Bool, elapsed: Double) { await offload { self.readNow(for: seconds) } }

    /// Reads until what was read contains `needle`, the server closes, or `seconds` pass.
    func read(until needle: String, for seconds: Double = 5) async -> (text: String, closed: Bool, elapsed: Double) {
        await offload { self.readNow(for: seconds, until: needle) }
    }

    private func sendNow(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    private func readNow(for seconds: Double, until needle: String? = nil) -> (text: String, closed: Bool, elapsed: Double) {
        let start = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date().timeIntervalSince(start) < seconds {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer[0..<n]
                if let needle, String(decoding: received, as: UTF8.self).contains(needle) { break }
                continue
            }
            if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                return (String(decoding: received, as: UTF8.self), true, Date().timeIntervalSince(start))
            }
        }
        return (String(decoding: received, as: UTF8.self), false, Date().timeIntervalSince(start))
    }

    /// The status line's code of what has been read, if any.
    static func status(_ text: String) -> Int? {
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}
