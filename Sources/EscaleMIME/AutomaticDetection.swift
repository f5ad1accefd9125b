/// Loop prevention: decides whether a message was sent by a machine (RFC 3834 §2, PROTOCOLS.md §4.3).
/// Any reason means the helpdesk must not answer automatically.
enum AutomaticDetection {
    static func reasons(_ m: MailMessage) -> [AutomaticReason] {
        var r = [AutomaticReason]()
        if let v = m.header("Auto-Submitted") {
            let token = v.split(separator: ";").first?.trimmed.lowercased() ?? ""
            if !token.isEmpty, token != "no" { r.append(.autoSubmitted) }
        }
        if let v = m.header("Precedence")?.trimmed.lowercased(),
            ["bulk", "junk", "list", "auto_reply"].contains(v)
        {
            r.append(.precedence)
        }
        let rp = m.header("Return-Path")?.filter { !$0.isWhitespace }
        if rp == "<>" || m.envelopeSender == "" { r.append(.nullSender) }
        if HeaderParameters(m.header("Content-Type")).value == "multipart/report" { r.append(.report) }
        if let local = m.from?.localPart, local == "mailer-daemon" || local == "postmaster" { r.append(.mailerDaemon) }
        if m.header("List-Id") != nil { r.append(.listId) }
        if m.header("X-Autoreply") != nil || m.header("X-Autorespond") != nil { r.append(.autoReplyHeader) }
        if let v = m.header("X-Auto-Response-Suppress") {
            let tokens = v.split(separator: ",").map { $0.trimmed.lowercased() }
            if tokens.contains(where: { $0 == "all" || $0 == "oof" || $0 == "autoreply" }) {
                r.append(.autoResponseSuppress)
            }
        }
        return r
    }
}
