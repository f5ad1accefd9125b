import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `escale mailgate`: the program an MTA pipes each message into (`helpdesk: "|escale mailgate --url … --token …"`,
/// the Request Tracker pattern). It hands the raw message to the server and turns the answer into the exit status
/// the MTA understands (sysexits): 0 stored (also for a duplicate), 75 try again later (server unreachable,
/// overloaded, 5xx — and a refused token, a configuration error no client's mail should bounce for), another code
/// only for a message that can never be accepted (it bounces to the sender with what we print).
///
/// It runs as `nobody` without HOME, so it reads nothing but its arguments, the environment and stdin, and writes
/// nothing but stderr. Its arguments are parsed by hand: a usage error must defer (75), not bounce (64).
enum MailGateway {
    static let usage = """
        usage: escale mailgate --url URL (--token TOKEN | --token-file FILE) [--action correspond|comment] [--timeout SECONDS]
          URL    the server's base address (http://127.0.0.1:8080)
          TOKEN  the mailbox's intake token (Administration → Mailboxes)
        Reads one raw message on stdin. The envelope comes from the MTA's environment (SENDER, RECIPIENT, EXTENSION).
        Exit status: 0 stored, 75 try again later, 65 or 77 refused for good.
        """

    enum Exit: Int32 {
        case ok = 0
        case dataError = 65
        case noPermission = 77
        case tempFail = 75
    }

    static func run(_ args: [String]) async -> Int32 {
        var url: String?, token: String?, tokenFile: String?, action = "correspond", timeout: Int64 = 120
        var i = 0
        func value() -> String? {
            i += 1
            return i < args.count ? args[i] : nil
        }
        while i < args.count {
            let arg = args[i]
            switch arg {
            case "--url": url = value()
            case "--token": token = value()
            case "--token-file": tokenFile = value()
            case "--action": action = value() ?? ""
            case "--timeout": timeout = value().flatMap(Int64.init) ?? 0
            case "-h", "--help":
                print(usage)
                return Exit.ok.rawValue
            default:
                // RT's aliases say `--queue general`: accepted and ignored (the token names the mailbox).
                if arg == "--queue" { _ = value() } else { return fail(.tempFail, "unknown argument '\(arg)'\n\(usage)") }
            }
            i += 1
        }
        if token == nil, let tokenFile {
            guard let t = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { return fail(.tempFail, "cannot read the token file \(tokenFile)") }
            token = t.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let base = url, let parsed = URL(string: base), ["http", "https"].contains(parsed.scheme ?? "") else {
            return fail(.tempFail, "--url must be the server's http(s) base address\n\(usage)")
        }
        guard let token, !token.isEmpty else { return fail(.tempFail, "--token (or --token-file) is required\n\(usage)") }
        guard ["correspond", "comment"].contains(action) else { return fail(.tempFail, "--action is correspond or comment") }
        guard (1...3_600).contains(timeout) else { return fail(.tempFail, "--timeout is 1 to 3600 seconds") }

        let limit = 40 << 20
        let raw = FileHandle.standardInput.readData(ofLength: limit + 1)
        if raw.count > limit { return fail(.dataError, "message too large (the limit is \(limit) bytes)") }
        if raw.isEmpty { return fail(.dataError, "empty message on stdin") }

        let env = ProcessInfo.processInfo.environment
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "action", value: action)]
        if let s = env["SENDER"] { query.queryItems?.append(URLQueryItem(name: "sender", value: s)) }
        if let r = env["ORIGINAL_RECIPIENT"].flatMap({ $0.isEmpty ? nil : $0 }) ?? env["RECIPIENT"] {
            query.queryItems?.append(URLQueryItem(name: "recipient", value: r))
        }
        if let e = env["EXTENSION"], !e.isEmpty { query.queryItems?.append(URLQueryItem(name: "extension", value: e)) }
        // `+` is a space in a query string: spelled out so an address like a+b@c survives.
        let q = (query.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        let endpoint = base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/inbound/email?" + q

        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "message/rfc822")
        request.headers.add(name: "User-Agent", value: "escale-mailgate")
        request.body = .bytes(ByteBuffer(data: raw))
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(timeout))))
        let code = await send(request, client: client, base: base, timeout: timeout)
        try? await client.shutdown()
        return code
    }

    static func send(_ request: HTTPClientRequest, client: HTTPClient, base: String, timeout: Int64) async -> Int32 {
        do {
            let response = try await client.execute(request, timeout: .seconds(timeout))
            let body = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            let detail = Self.detail(body)
            switch response.status.code {
            case 200..<300: return Exit.ok.rawValue
            case 401, 403: return fail(.tempFail, "the server refused the mailbox token (\(detail)); mail is kept queued until the alias is fixed")
            case 413: return fail(.dataError, "message too large: \(detail)")
            case 422: return fail(.noPermission, detail)
            case 400: return fail(.dataError, "unreadable message: \(detail)")
            default: return fail(.tempFail, "the server answered \(response.status.code) (\(detail)); try again later")
            }
        } catch {
            return fail(.tempFail, "cannot reach \(base): \(error); try again later")
        }
    }

    /// A problem+json `detail`, else the start of the body.
    static func detail(_ body: String) -> String {
        if let data = body.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let d = object["detail"] as? String { return d }
        return String(body.prefix(200))
    }

    static func fail(_ code: Exit, _ message: String) -> Int32 {
        FileHandle.standardError.write(Data("escale mailgate: \(message)\n".utf8))
        return code.rawValue
    }
}
