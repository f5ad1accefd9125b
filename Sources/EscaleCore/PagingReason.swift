import Foundation

/// Why the desk paged someone, as written on the timeline. Stored as English text (the API's readers and the
/// webhook payloads read it as is) in one fixed form, which `init?(parsing:)` reads back so pages can say it in the
/// reader's language — the writer and the reader share this one definition.
public enum PagingReason: Equatable, Sendable, CustomStringConvertible {
    /// Step `step` of `steps` of a policy, pass `pass` of `passes`; `nobodyOnCall` when its schedules had nobody.
    case step(policy: String, step: Int, steps: Int, pass: Int, passes: Int, nobodyOnCall: Bool)
    /// Every step ran and nobody acknowledged.
    case exhausted(policy: String)

    public var description: String {
        switch self {
        case let .step(policy, step, steps, pass, passes, nobody):
            "\(policy): step \(step) of \(steps), pass \(pass) of \(passes)" + (nobody ? "; nobody is on call" : "")
        case let .exhausted(policy): "nobody acknowledged: every step of \(policy) has run"
        }
    }

    public init?(parsing text: String) {
        if text.hasPrefix("nobody acknowledged: every step of "), text.hasSuffix(" has run") {
            self = .exhausted(policy: String(text.dropFirst("nobody acknowledged: every step of ".count).dropLast(" has run".count)))
            return
        }
        var body = Substring(text)
        let nobody = body.hasSuffix("; nobody is on call")
        if nobody { body = body.dropLast("; nobody is on call".count) }
        // The policy name may hold ": " itself; the numbers are after the last one.
        guard let colon = body.range(of: ": step ", options: .backwards) else { return nil }
        let policy = String(body[..<colon.lowerBound])
        let words = body[colon.upperBound...].replacingOccurrences(of: ",", with: "").split(separator: " ")
        // "1 of 3 pass 1 of 2"
        guard words.count == 7, words[1] == "of", words[3] == "pass", words[5] == "of",
              let step = Int(words[0]), let steps = Int(words[2]), let pass = Int(words[4]), let passes = Int(words[6]) else { return nil }
        self = .step(policy: policy, step: step, steps: steps, pass: pass, passes: passes, nobodyOnCall: nobody)
    }
}
