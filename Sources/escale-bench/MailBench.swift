import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// The e-mail intake at load, through its HTTP contract on the real `escale serve`: messages as an MTA delivers them
/// (multipart/alternative, quoted history, a signature), half new requests from known requesters, half replies
/// threaded by the `[ESC-…]` tag — parsed, threaded and stored, each in its own transaction.
enum MailBench {
    struct Setup {
        let token: String
        let requesters: [String]
    }

    static func prepare(port: Int, adminToken: String, requesters count: Int = 50) async throws -> Setup {
        let api = SetupClient(port: port, adminToken: adminToken)
        defer { api.close() }
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let domain = "client-\(suffix).example"
        let org = try await api.post("/api/v1/organizations", OrganizationInput(name: "Mail bench \(suffix)", domains: [domain]), as: OrganizationDTO.self)
        _ = try await api.post("/api/v1/organizations/\(org.id)/contracts", ContractInput(perimeter: "infrastructure", validFrom: Day("2020-01-01")!), as: ContractDTO.self)
        let mailbox = try await api.post("/api/v1/mailboxes", MailboxInput(address: "bench-\(suffix)@helpdesk.example"), as: MailboxDTO.self)
        var requesters: [String] = []
        for i in 0..<count {
            let email = "user\(i)@\(domain)"
            _ = try await api.post("/api/v1/users", UserInput(email: email, name: "Utilisateur \(i)", role: .requester, password: "bench-password-1",
                                                           organizationId: org.id), as: UserDTO.self)
            requesters.append(email)
        }
        return Setup(token: mailbox.token!, requesters: requesters)
    }

    /// A realistic message: ~3 KB, text and HTML alternatives in quoted-printable UTF-8, a quoted history.
    static func message(from: String, subject: String, n: Int) -> [UInt8] {
        let text = """
            Bonjour,

            L'imprimante du 2e étage affiche « Erreur 0x\(String(n, radix: 16)) » depuis ce matin ; j'ai redémarré, rien n'y fait.
            Pouvez-vous passer ? Merci d'avance.

            Cordialement,
            -- 
            Utilisateur \(n)

            Le lun. 30 nov. 2026 à 10:12, Support <helpdesk@helpdesk.example> a écrit :
            > Bonjour,
            > Pouvez-vous nous dire quel message s'affiche ?
            > Merci.
            """
        let html = "<html><body><p>Bonjour,</p><p>L'imprimante du 2e étage affiche « Erreur » depuis ce matin.</p>"
            + String(repeating: "<p>Détail du journal : file d'attente bloquée, tâche \(n) en erreur.</p>", count: 12) + "</body></html>"
        func qp(_ s: String) -> String {
            var out = "", line = 0
            for b in s.utf8 {
                let piece: String
                if b == 0x0A { out += "\r\n"; line = 0; continue }
                if (b >= 33 && b <= 126 && b != 61) || b == 32 { piece = String(UnicodeScalar(b)) } else { piece = String(format: "=%02X", b) }
                if line + piece.count > 75 { out += "=\r\n"; line = 0 }
                out += piece; line += piece.count
            }
            return out
        }
        let raw = """
            Return-Path: <\(from)>\r
            From: Utilisateur \(n) <\(from)>\r
            To: helpdesk@helpdesk.example\r
            Subject: \(subject)\r
            Message-ID: <\(UUID().uuidString)@bench.example>\r
            Date: Mon, 30 Nov 2026 10:00:00 +0000\r
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary="b-\(n)"\r
            \r
            --b-\(n)\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            \(qp(text))\r
            --b-\(n)\r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            \(qp(html))\r
            --b-\(n)--\r

            """
        return Array(raw.utf8)
    }

    static func run(port: Int, adminToken: String, requests: Int, concurrency: Int) async throws -> LoadRunner.Result {
        let setup = try await prepare(port: port, adminToken: adminToken)
        let runner = LoadRunner(port: port)
        let headers: HTTPFields = [.authorization: "Bearer \(setup.token)", .contentType: "message/rfc822"]
        let path = "/api/v1/inbound/email?recipient=helpdesk%40helpdesk.example"
        // Tickets to reply to: opened by mail first (also the warm-up).
        let seedCount = max(concurrency * 10, 200)
        let seed: LoadRunner.MakeRequest = { w, i in
            let n = w * 100_000 + i
            return .init(path, method: .post, headers: headers,
                         body: ByteBuffer(bytes: message(from: setup.requesters[n % setup.requesters.count], subject: "Imprimante en panne \(n)", n: n)))
        }
        _ = try await runner.run("mail intake (warm-up)", concurrency: concurrency, requests: seedCount, expect: .created, seed)
        let numbers = try await openedNumbers(port: port, adminToken: adminToken, limit: 500)
        guard !numbers.isEmpty else { throw BenchError("no ticket was opened by mail") }
        // Replies and new requests alternate. A reply is 200, a new ticket 201: the runner checks the status per
        // request, so each worker's even requests are replies and odd ones new (each scenario counted apart below).
        // Every message is built before the clock starts: the load generator shares the server's two cores, and
        // encoding 3 KB of quoted-printable per request would be measured as the server's time.
        let perWorker = requests / concurrency
        var bodies: [[ByteBuffer]] = []
        for w in 0..<concurrency {
            var mine: [ByteBuffer] = []
            mine.reserveCapacity(perWorker)
            for i in 0..<perWorker {
                let n = 1_000_000 + w * 100_000 + i
                let from = setup.requesters[n % setup.requesters.count]
                if i % 2 == 0 {
                    let (number, requester) = numbers[(w * 7 + i) % numbers.count]
                    mine.append(ByteBuffer(bytes: message(from: requester, subject: "RE: [\(number)] Imprimante en panne", n: n)))
                } else {
                    mine.append(ByteBuffer(bytes: message(from: from, subject: "Nouvelle demande \(n)", n: n)))
                }
            }
            bodies.append(mine)
        }
        let prepared = bodies
        let mixed: LoadRunner.MakeRequest = { w, i in .init(path, method: .post, headers: headers, body: prepared[w][i]) }
        return try await runner.run("mail intake: replies and new requests, half each", concurrency: concurrency, requests: requests, expect: nil, mixed)
    }

    /// Numbers of tickets opened by mail, with their requester's address.
    static func openedNumbers(port: Int, adminToken: String, limit: Int) async throws -> [(String, String)] {
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        defer { Task { try? await client.shutdown() } }
        let r = try await client.get("/api/v1/inbound/messages?status=created&limit=\(limit)", headers: [.authorization: "Bearer \(adminToken)"])
        guard let b = r.body else { return [] }
        let page = try Wire.decoder().decode(Page<InboundMessageDTO>.self, from: Data(b.readableBytesView))
        return page.items.compactMap { m in m.number.flatMap { n in m.from.map { (n, $0) } } }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
