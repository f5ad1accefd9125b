import Foundation

/// Remote actions run on managed machines through the escale-agent: a library of vetted actions whose scripts are
/// built here from a checked parameter (never pasted text), and scripts administrators write.
public enum RemoteActionKind: String, Codable, Sendable, CaseIterable {
    case library, script
    /// Remote control: a terminal on the machine (as powerful as a script), or its desktop (as a library action).
    case terminal, desktop
}

/// The vetted actions. Each builds its script from a parameter it validates first, so nothing a user types is ever
/// interpreted by the shell.
public enum RemoteActionLibrary: String, Codable, Sendable, CaseIterable {
    case restartService = "restart-service"
    case applyUpdates = "apply-updates"
    case clearTemporaryFiles = "clear-temp"
    case collectLogs = "collect-logs"
    case rebootAt = "reboot-at"

    public enum Parameter: Sendable, Equatable {
        case none, unit(required: Bool), time
    }

    public var parameter: Parameter {
        switch self {
        case .restartService: .unit(required: true)
        case .collectLogs: .unit(required: false)
        case .rebootAt: .time
        case .applyUpdates, .clearTemporaryFiles: .none
        }
    }

    public var timeoutSeconds: Int {
        switch self {
        case .applyUpdates: 1_800
        case .collectLogs, .clearTemporaryFiles: 120
        case .restartService, .rebootAt: 60
        }
    }

    /// A systemd unit name: letters, digits and `@._-:` (what `systemd-escape` produces), at most 200.
    public static func isUnitName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 200 && !s.hasPrefix("-") && s.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "@._-:\\".unicodeScalars.contains($0)
        }
    }

    /// `HH:MM` (24 h) or `now`.
    public static func isRebootTime(_ s: String) -> Bool {
        if s == "now" { return true }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let h = Int(parts[0]), let m = Int(parts[1]) else { return false }
        return (0...23).contains(h) && (0...59).contains(m)
    }

    /// The script for a parameter, or the problem with it.
    public func script(parameter raw: String?) throws(DomainError) -> String {
        let p = raw?.trimmingCharacters(in: .whitespacesAndNewlines)
        switch parameter {
        case .none:
            break
        case let .unit(required):
            if let p, !p.isEmpty {
                guard Self.isUnitName(p) else {
                    throw .invalid(field: "parameter", "'\(p.prefix(60))' is not a systemd unit name (letters, digits and @._-:)")
                }
            } else if required {
                throw .invalid(field: "parameter", "name the service to restart (a systemd unit such as cups.service)")
            }
        case .time:
            guard let p, Self.isRebootTime(p) else { throw .invalid(field: "parameter", "a reboot time is HH:MM (24 h) or now") }
        }
        // The unit is quoted although it was checked: defence in depth.
        let unit = p.map { "'\($0)'" } ?? ""
        switch self {
        case .restartService:
            return "set -e\nsystemctl restart -- \(unit)\nsystemctl --no-pager status -- \(unit) | head -n 20\n"
        case .applyUpdates:
            return """
                set -e
                if command -v apt-get >/dev/null 2>&1; then
                  export DEBIAN_FRONTEND=noninteractive
                  apt-get -q update
                  apt-get -q -y -o Dpkg::Options::=--force-confold upgrade
                elif command -v dnf >/dev/null 2>&1; then
                  dnf -y upgrade
                elif command -v zypper >/dev/null 2>&1; then
                  zypper --non-interactive update
                else
                  echo "no supported package manager (apt-get, dnf, zypper)" >&2; exit 3
                fi

                """
        case .clearTemporaryFiles:
            return """
                for d in /tmp /var/tmp; do
                  n=$(find "$d" -xdev -mindepth 1 -type f -atime +7 -print -delete 2>/dev/null | wc -l)
                  echo "$d: $n file(s) unused for 7 days removed"
                done
                df -h /tmp /var/tmp 2>/dev/null

                """
        case .collectLogs:
            if let p, !p.isEmpty { return "journalctl --no-pager -n 500 -u \(unit) 2>&1 || tail -n 500 /var/log/syslog\n" }
            return "journalctl --no-pager -n 500 -p warning 2>&1 || tail -n 500 /var/log/syslog\n"
        case .rebootAt:
            return p == "now" ? "shutdown -r +1 'reboot requested from the service desk'\n" : "shutdown -r \(p!) 'reboot requested from the service desk'\n"
        }
    }
}

/// Who may run what: N1 the library on machines the contract covers; N2, N3, supervisors and administrators the
/// library anywhere they may see, and scripts. Requesters and client managers never.
public enum RemoteActionPolicy {
    public static func canRun(_ actor: Actor, kind: RemoteActionKind, covered: Bool) -> Bool {
        switch actor.role {
        case .admin, .supervisor: return true
        case .agent:
            let tier = actor.highestTier ?? .n1
            switch kind {
            case .library, .desktop: return tier >= .n2 || covered
            case .script, .terminal: return tier >= .n2
            }
        case .requester, .clientManager: return false
        }
    }

    /// Scripts are written by administrators only.
    public static func canWriteScripts(_ actor: Actor) -> Bool { actor.role == .admin }

    public static let maxTimeoutSeconds = 3_600
    public static let defaultOutputLimit = 64 * 1024
    public static let maxOutputLimit = 1024 * 1024
    /// A command not picked up by its agent within this delay expires (a machine switched off for the weekend does
    /// not run Friday's reboot on Monday).
    public static let commandLifetime: TimeInterval = 15 * 60
}
