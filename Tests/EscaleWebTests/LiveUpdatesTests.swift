import EscaleAPI
import EscaleCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Live updates over a real socket: a page's Server-Sent Events stream hears of the tickets its reader may see.
@Suite("Live updates")
struct LiveUpdatesTests {
    /// Reads a Server-Sent Events stream on a plain TCP connection.
    final class EventStream: @unchecked Sendable {
        let connection: RawConnection
        var fd: Int32 { connection.fd }
        var received = ""

        init(port: Int, path: String, cookie: String) throws {
            connection = try #require(RawConnection(port: port))
            var tv = timeval(tv_sec: 0, tv_usec: 10_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: \(cookie)\r\n\r\n"
            _ = request.withCString { send(fd, $0, strlen($0), 0) }
        }

        /// Waits (bounded) until the stream contains `text`. Reads with a short socket timeout and sleeps between
        /// reads: the server runs in this process, on the same few threads, and must not be starved by the wait.
        func waitFor(_ text: String, seconds: Double = 30) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline {
                if received.contains(text) { return true }
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { received += String(decoding: buffer[0..<n], as: UTF8.self) } else { try? await Task.sleep(for: .milliseconds(20)) }
            }
            return received.contains(text)
        }
    }

    @Test("a new ticket, a reply and an internal note reach the pages of those who may see them, and no one else")
    func liveEvents() async throws {
        try await TestApp.run(.live) { api in
            let w = try await World.make(api)
            let port = try #require(api.client.port)
            func cookie(_ email: String) async throws -> String {
                let b = Browser(api)
                try await b.signIn(email, World.password)
                return "escale_session=\(b.cookies["escale_session"]!)"
            }
            let agentQueue = try EventStream(port: port, path: "/live", cookie: try await cookie(w.agent1.email))
            let eve = try EventStream(port: port, path: "/live", cookie: try await cookie(w.eve.email))
            #expect(await agentQueue.waitFor(": connected"))
            #expect(await eve.waitFor(": connected"))

            let t = try await w.aliceTicket("Écran bleu au démarrage")
            #expect(await agentQueue.waitFor("\"number\":\"\(t.number)\""), "the agent's queue hears of the new ticket: \(agentQueue.received)")
            #expect(agentQueue.received.contains("\"kind\":\"created\""))

            let alicePage = try EventStream(port: port, path: "/live?ticket=\(t.id)", cookie: try await cookie(w.alice.email))
            #expect(await alicePage.waitFor(": connected"))
            _ = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "note", isPublic: false))
            _ = try await api.post("/api/v1/tickets/\(t.id)/comments", token: w.agent1Token, CommentInput(body: "réponse", isPublic: true))
            #expect(await alicePage.waitFor("\"version\":3"), "the requester's page hears of the public reply: \(alicePage.received)")
            #expect(!alicePage.received.contains("\"version\":2"), "nor of the internal note")
            #expect(await agentQueue.waitFor("\"version\":2"))
            // Another organization's requester hears nothing at all.
            let eveHeard = await eve.waitFor("ticket", seconds: 0.5)
            #expect(!eveHeard)
        }
    }
}
