import Foundation
import PropertyBased
import Testing

@testable import EscaleMIME

/// MailComposer.compose → MailParser.parse must give back what was composed, for hostile content.
@Suite("Compose/parse round trip")
struct RoundTripPropertyTests {
    /// Fragments that break naive encoders: mbox/SMTP-sensitive line starts, "=", QP-looking escapes,
    /// encoded-word look-alikes, boundaries, long words, accents, emoji, RTL, combining marks.
    static let fragments = [
        "From ", "\nFrom me", "\n.", "\n..\n", ".", "=", "=3D", "=\n", "=?utf-8?q?x?=", "?=", "--", "\n--=_escale_",
        " ", "  ", "\t", "\n", "\r\n", "\n\n\n", "é", "à", "«", "»", "—", "💡", "👩‍💻", "漢字", "עברית", "e\u{301}",
        "\u{A0}", "<b>", "&amp;", "\"", "\\", "'", ",", ";", ":", "(x)", "[ESC-000001]",
        String(repeating: "a", count: 120), String(repeating: "é", count: 50), "Bonjour", "ticket", "x",
    ]

    static let piece = Gen.element(of: fragments).map { $0 ?? "" }
    static let scalar = Gen.unicodeScalar(in: "\u{20}"..."\u{2FFF}").map { (u: Unicode.Scalar?) -> String in
        u.map { String(Character($0)) } ?? ""
    }
    static let text = zip(piece.array(of: 0...40), scalar.array(of: 0...20)).map { (a: [String], b: [String]) -> String in
        Self.interleave(a, b)
    }

    /// Interleaves so random scalars land next to the nasty fragments.
    static func interleave(_ a: [String], _ b: [String]) -> String {
        var out = ""
        for (k, f) in a.enumerated() {
            out += f
            if k < b.count { out += b[k] }
        }
        if b.count > a.count { out += b[a.count...].joined() }
        return out
    }

    static let names = ["capture d'écran", "FAC-2026-0042", "a", "Ünïcødé 💡 fïlé",
                        String(repeating: "lông-nåme ", count: 8) + "end", "rapport (final)", "x\"y"]
    static let attachment = zip(
        Gen.element(of: names).map { $0 ?? "a" },
        Gen.element(of: ["png", "pdf", "txt", "bin"]).map { $0 ?? "bin" },
        Gen.element(of: ["image/png", "application/pdf", "text/plain", "application/octet-stream"]).map { $0 ?? "image/png" },
        Gen<UInt8>.value(in: 0...255).array(of: 0...600)
    ).map { (name: String, ext: String, type: String, data: [UInt8]) -> OutgoingAttachment in
        OutgoingAttachment(filename: name + "." + ext, contentType: type, data: data)
    }

    @Test func roundTrip() async {
        await propertyCheck(
            count: 150,
            input: Self.text, Self.text, Self.text.optional(valueRate: 0.5), Self.attachment.array(of: 0...3), Gen.bool()
        ) { subject, body, html, attachments, auto in
            let msg = OutgoingMessage(
                from: MailAddress(name: "Support Informatique « Escale »", address: "helpdesk@helpdesk.example.test"),
                to: [MailAddress(name: "Théo Châtelain", address: "theo@client.example.test"),
                     MailAddress(name: "O'Brien, \"Jim\"", address: "jim@client.example.test")],
                cc: [MailAddress(address: "cc@client.example.test")],
                replyTo: MailAddress(address: "helpdesk+123@helpdesk.example.test"),
                subject: subject, text: body, html: html,
                messageId: "ESC-000123.0f0e@helpdesk.example.test", inReplyTo: "CAF=first@mail.example.test",
                references: ["CAF=first@mail.example.test", "ESC-000123.aaaa@helpdesk.example.test"],
                date: Date(timeIntervalSince1970: 1_796_025_600), autoSubmitted: auto, language: "fr",
                attachments: attachments)
            let bytes = MailComposer.compose(msg)
            // Every line is short and 7-bit (what every MTA accepts).
            #expect(bytes.allSatisfy { $0 < 0x80 })
            #expect(Self.maxLineLength(bytes) <= 998)
            let p = MailParser.parse(bytes)
            #expect(p.warnings.isEmpty, "\(p.warnings)")
            #expect(p.subject == Self.normalizedSubject(subject))
            #expect(p.text == Self.normalizedText(body))
            #expect(p.html == html.map(Self.normalizedHTML))
            #expect(p.messageId == "ESC-000123.0f0e@helpdesk.example.test")
            #expect(p.inReplyTo == ["CAF=first@mail.example.test"])
            #expect(p.references == ["CAF=first@mail.example.test", "ESC-000123.aaaa@helpdesk.example.test"])
            #expect(p.from == msg.from)
            #expect(p.to == msg.to)
            #expect(p.cc == msg.cc)
            #expect(p.replyTo == [msg.replyTo!])
            #expect(p.date == msg.date)
            #expect(p.language == "fr")
            #expect(p.automatic.contains(.autoSubmitted) == auto)
            #expect(p.isAutomatic == auto)
            #expect(p.attachments.count == attachments.count)
            for (a, b) in zip(p.attachments, attachments) {
                #expect(a.filename == b.filename)
                #expect(a.contentType == b.contentType)
                #expect(a.data == b.data)
                #expect(!a.isInline)
            }
        }
    }

    static func maxLineLength(_ b: [UInt8]) -> Int {
        var maxLen = 0, cur = 0
        for c in b {
            if c == 0x0A { maxLen = max(maxLen, cur); cur = 0 } else if c != 0x0D { cur += 1 }
        }
        return max(maxLen, cur)
    }

    static func normalizedSubject(_ s: String) -> String {
        s.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            .map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
    }

    static func lf(_ s: String) -> [Unicode.Scalar] {
        var out = [Unicode.Scalar]()
        var prevCR = false
        for u in s.unicodeScalars {
            if u == "\r" { out.append("\n"); prevCR = true; continue }
            if u == "\n", prevCR { prevCR = false; continue }
            prevCR = false
            out.append(u)
        }
        return out
    }

    static func trimTrailing(_ u: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var u = u
        while let l = u.last, l == " " || l == "\t" || l == "\n" { u.removeLast() }
        return u
    }

    static func normalizedText(_ s: String) -> String {
        var u = trimTrailing(lf(s))
        // Leading lines made only of spaces/tabs are dropped.
        var lineStart = 0, i = 0
        while i < u.count, u[i] == " " || u[i] == "\t" || u[i] == "\n" {
            if u[i] == "\n" { lineStart = i + 1 }
            i += 1
        }
        u = i == u.count ? [] : Array(u[lineStart...])
        return String(String.UnicodeScalarView(u))
    }

    static func normalizedHTML(_ s: String) -> String { String(String.UnicodeScalarView(trimTrailing(lf(s)))) }
}
