import Foundation

/// How outgoing mail names itself, shared with inbound mail (which recognises replies by these formats).
public enum MailIdentity {
    /// `ESC-000123.<uuid>@<domain>` for a ticket's mail, `escale.<uuid>@<domain>` otherwise; without angle brackets.
    public static func messageId(ticketNumber: String?, id: UUID, domain: String) -> String {
        "\(ticketNumber ?? "escale").\(id.uuidString.lowercased())@\(domain)"
    }

    /// `[ESC-000123] subject`, or `Re: [ESC-000123] subject` for a reply in the thread.
    public static func subject(number: String, subject: String, reply: Bool) -> String {
        let flat = subject.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return (reply ? "Re: " : "") + "[\(number)] \(flat)"
    }

    /// How many earlier Message-IDs a message's `References` keeps: the newest ones.
    public static let maxReferences = 20

    /// `References` of a new message of a thread: the thread's earlier Message-IDs, oldest first, bounded.
    /// The first message (it names the thread for every mail client) and the latest ones.
    public static func references(thread: [String]) -> [String] {
        guard thread.count > maxReferences, let first = thread.first else { return thread }
        return [first] + thread.suffix(maxReferences - 1)
    }

    /// How many automatic mails one address may receive per hour: a robot answering each of them cannot make a loop
    /// snowball.
    public static let requesterMailsPerHour = 5

    /// The domain part of an address (`support@desk.example` → `desk.example`).
    public static func domain(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let d = address[address.index(after: at)...]
        return d.isEmpty ? nil : String(d)
    }
}
