import AsyncHTTPClient
import EscaleAgentWire
import Foundation
import NIOCore
import NIOPosix

/// Runs one check on this machine and says what it found.
enum CheckRunner {
    static func run(_ spec: CheckSpec, http: HTTPClient) async -> CheckResult {
        let (status, value, message) = await measure(spec, http: http)
        return CheckResult(checkId: spec.id, status: status, value: value, message: message, at: Date())
    }

    static func measure(_ spec: CheckSpec, http client: HTTPClient) async -> (CheckStatus, Double?, String) {
        let threshold = spec.effectiveThreshold ?? 0
        let target = spec.target?.trimmed.nonEmpty
        switch spec.kind {
        case .disk:
            let mount = target ?? "/"
            guard let u = Collector.usage(mount) else { return (.failing, nil, "\(mount) cannot be read (not mounted?)") }
            let (s, m) = CheckVerdict.disk(mount: mount, usedPercent: u.usedPercent, threshold: threshold)
            return (s, (u.usedPercent * 10).rounded() / 10, m)
        case .memory:
            let info = Collector.meminfo()
            guard let total = info["MemTotal"], total > 0 else { return (.failing, nil, "/proc/meminfo cannot be read") }
            let available = info["MemAvailable"] ?? info["MemFree"] ?? 0
            let used = Double(total - available) / Double(total) * 100
            let (s, m) = CheckVerdict.memory(usedPercent: used, threshold: threshold)
            return (s, (used * 10).rounded() / 10, m)
        case .load:
            guard let five = Collector.read("/proc/loadavg")?.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else {
                return (.failing, nil, "/proc/loadavg cannot be read")
            }
            let per = five / Double(max(ProcessInfo.processInfo.activeProcessorCount, 1))
            let (s, m) = CheckVerdict.load(perCPU: per, threshold: threshold)
            return (s, (per * 100).rounded() / 100, m)
        case .systemd:
            guard let unit = target else { return (.failing, nil, "no unit named") }
            let state = Collector.output("/usr/bin/systemctl", ["is-active", "--", unit])?.trimmed
                ?? Collector.output("/bin/systemctl", ["is-active", "--", unit])?.trimmed
            return state == "active" ? (.ok, nil, "\(unit) is active") : (.failing, nil, "\(unit) is \(state ?? "not active")")
        case .http:
            guard let url = target else { return (.failing, nil, "no URL") }
            let started = Date()
            do {
                var r = HTTPClientRequest(url: url)
                r.method = .GET
                r.headers.add(name: "User-Agent", value: "escale-agent/\(EscaleAgent.version) (check)")
                let response = try await client.execute(r, timeout: .milliseconds(Int64(max(threshold, 0.1) * 1000)))
                _ = try? await response.body.collect(upTo: 1024 * 1024)
                let seconds = Date().timeIntervalSince(started)
                let code = Int(response.status.code)
                return code < 400 ? (.ok, seconds, "\(url) answered \(code) in \(CheckVerdict.format((seconds * 1000).rounded())) ms")
                    : (.failing, seconds, "\(url) answered \(code)")
            } catch {
                return (.failing, nil, "\(url) did not answer within \(CheckVerdict.format(threshold)) s (\(String("\(error)".prefix(120))))")
            }
        case .tcp:
            guard let target, let (host, port) = HostPort.parse(target, defaultPort: nil) else { return (.failing, nil, "no host:port") }
            let started = Date()
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.milliseconds(Int64(max(threshold, 0.1) * 1000))).connect(host: host, port: port).get()
                try? await channel.close()
                let seconds = Date().timeIntervalSince(started)
                return (.ok, seconds, "\(host):\(port) accepts connections")
            } catch {
                let text = "\(error)"
                let why = text.contains("refused") ? "refuses connections" : text.lowercased().contains("timeout") || text.contains("timedOut")
                    ? "does not answer within \(CheckVerdict.format(threshold)) s" : "cannot be reached (\(text.prefix(120)))"
                return (.failing, nil, "\(host):\(port) \(why)")
            }
        case .certificate:
            guard let target, let (host, port) = HostPort.parse(target, defaultPort: 443) else { return (.failing, nil, "no host") }
            guard let end = certificateEnd(host: host, port: port) else {
                return (.failing, nil, "no certificate could be read from \(host):\(port)")
            }
            let days = (end.timeIntervalSinceNow / 86_400 * 10).rounded() / 10
            let (s, m) = CheckVerdict.certificate(target: "\(host):\(port)", daysLeft: days, threshold: threshold)
            return (s, days, m)
        }
    }

    /// The leaf certificate's notAfter, read with the openssl tool (the agent keeps no TLS stack of its own for this).
    static func certificateEnd(host: String, port: Int) -> Date? {
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:".contains($0) }) else { return nil }
        guard let out = Collector.output("/bin/sh", ["-c",
            "echo | timeout 15 openssl s_client -connect '\(host):\(port)' -servername '\(host)' 2>/dev/null | openssl x509 -noout -enddate"]) else { return nil }
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("notAfter=") }) else { return nil }
        let text = line.dropFirst("notAfter=".count).split(separator: " ").joined(separator: " ")
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "MMM d HH:mm:ss yyyy zzz"
        return f.date(from: text)
    }
}
