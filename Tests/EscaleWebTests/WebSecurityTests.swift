import EscaleCore
@testable import EscaleWeb
import Foundation
import Testing

@Suite("Markdown from users is rendered safely")
struct SafeMarkdownTests {
    @Test("ordinary Markdown renders: emphasis, lists, code, links")
    func ordinary() {
        let html = SafeMarkdown.html("Bonjour **équipe**\n\n- un\n- deux\n\n`code` et [doc](https://example.com/a?b=c)")
        #expect(html.contains("<strong>équipe</strong>"))
        #expect(html.contains("<li>un</li>"))
        #expect(html.contains("<code>code</code>"))
        #expect(html.contains("<a href=\"https://example.com/a?b=c\" rel=\"nofollow\">doc</a>"))
    }

    @Test("raw HTML, inline or in blocks, is shown as text", arguments: [
        "<script>alert(1)</script>",
        "texte <img src=x onerror=alert(1)> suite",
        "<div onclick=\"alert(1)\">clic</div>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg onload=alert(1)>",
    ])
    func rawHTML(_ input: String) {
        let html = SafeMarkdown.html(input)
        #expect(!html.contains("<script"), "\(html)")
        #expect(!html.contains("<img"), "\(html)")
        #expect(!html.contains("<div"), "\(html)")
        #expect(!html.contains("<iframe"), "\(html)")
        #expect(!html.contains("<svg"), "\(html)")
        #expect(html.contains("&lt;"), "\(html)")
    }

    @Test("links keep only safe schemes and cannot break out of their attribute", arguments: [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](//evil.example/a)",
        "[x](https://ok.example/\" onmouseover=\"alert(1))",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ])
    func unsafeLinks(_ input: String) {
        let html = SafeMarkdown.html(input)
        #expect(!html.lowercased().contains("href=\"javascript"), "\(html)")
        #expect(!html.contains("href=\"data:"), "\(html)")
        #expect(!html.contains("href=\"//"), "\(html)")
        #expect(!html.contains("onmouseover=\""), "\(html)")
    }

    @Test("line breaks are kept; text that looks like HTML never turns Markdown off; lists and code blocks stay what they are")
    func lineBreaksAndTags() {
        let address = SafeMarkdown.html("Bonjour,\nle poste 12 ne démarre plus.\nMerci\n\n**Paul**")
        #expect(address.contains("Bonjour,<br>"), "\(address)")
        #expect(address.contains("plus.<br>"), "\(address)")
        #expect(address.contains("<strong>Paul</strong>"))
        let tagged = SafeMarkdown.html("<div>\nLe <b>serveur</b> est **arrêté**\n\n- un\n- deux")
        #expect(tagged.contains("&lt;div&gt;") && tagged.contains("&lt;b&gt;serveur&lt;/b&gt;"), "\(tagged)")
        #expect(tagged.contains("<strong>arrêté</strong>"), "Markdown still applies after the tag: \(tagged)")
        #expect(tagged.contains("<li>un</li><li>deux</li>"), "\(tagged)")
        #expect(!tagged.contains("<div") && !tagged.contains("<b>"))
        let code = SafeMarkdown.html("```\nif a < b {\n  x()\n}\n```")
        #expect(code.contains("if a &lt; b {\n  x()\n}") && !code.contains("<br>"), "\(code)")
        #expect(SafeMarkdown.html("`a<b`").contains("<code>a&lt;b</code>"))
        #expect(!SafeMarkdown.html("x\u{E000}y").contains("&lt;"), "a stray private-use character is not taken for a tag")
    }

    @Test("images are not loaded; a code fence's language cannot inject markup")
    func imagesAndFences() {
        #expect(!SafeMarkdown.html("![chat](https://evil.example/track.png)").contains("<img"))
        let fence = SafeMarkdown.html("```a\"><script>alert(1)</script>\nlet x = 1 < 2\n```")
        #expect(!fence.contains("<script"), "\(fence)")
        #expect(fence.contains("<pre><code>"))
        #expect(fence.contains("1 &lt; 2"))
        #expect(SafeMarkdown.html("```swift\nlet a = 1\n```").contains("class=\"language-swift\""))
    }
}

@Suite("Localisation")
struct LocalisationTests {
    static let templates: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/EscaleWeb/Resources/templates")

    @Test("French and English catalogues have exactly the same keys, none empty")
    func sameKeys() {
        let fr = Catalogue.shared.table("fr"), en = Catalogue.shared.table("en")
        #expect(Set(fr.keys).subtracting(en.keys).sorted() == [])
        #expect(Set(en.keys).subtracting(fr.keys).sorted() == [])
        #expect(fr.filter { $0.value.isEmpty }.keys.sorted() == [])
        #expect(en.filter { $0.value.isEmpty }.keys.sorted() == [])
    }

    @Test("every {{t.key}} a template uses exists in the catalogue")
    func templateKeys() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.templates, includingPropertiesForKeys: nil).filter { $0.pathExtension == "mustache" }
        #expect(files.count >= 15)
        let table = Catalogue.shared.table("en")
        var used = Set<String>()
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let regex = try NSRegularExpression(pattern: #"\{\{[#^/]?t\.([a-z0-9_]+)\}\}"#)
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                used.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        #expect(used.count > 100)
        #expect(used.subtracting(table.keys).sorted() == [], "keys missing from the catalogue")
    }

    @Test("Accept-Language picks the best supported language, French by default")
    func negotiation() {
        #expect(Catalogue.negotiate("en-US,en;q=0.9,fr;q=0.8") == "en")
        #expect(Catalogue.negotiate("de-DE,fr;q=0.5,en;q=0.4") == "fr")
        #expect(Catalogue.negotiate("de-DE") == "fr")
        #expect(Catalogue.negotiate(nil) == "fr")
        #expect(Catalogue.negotiate("fr-CA;q=0.2, en-GB;q=0.7") == "en")
    }

    @Test("dates follow the reader's language and time zone")
    func dates() {
        let d = Date(timeIntervalSince1970: 1_796_112_000)  // 2026-12-01T08:00:00Z
        let paris = Localizer(lang: "fr", timeZone: TimeZone(identifier: "Europe/Paris")!)
        let newYork = Localizer(lang: "en", timeZone: TimeZone(identifier: "America/New_York")!)
        #expect(paris.dateTime(d).contains("9:00"), "\(paris.dateTime(d))")
        #expect(paris.dateTime(d).contains("déc"), "\(paris.dateTime(d))")
        #expect(newYork.dateTime(d).contains("3:00"), "\(newYork.dateTime(d))")
        #expect(newYork.dateTime(d).contains("Dec"), "\(newYork.dateTime(d))")
        #expect(paris.localInput(d) == "2026-12-01T09:00")
        #expect(paris.parseLocalInput("2026-12-01T09:00") == d)
    }
}

@Suite("Search highlighting")
struct HighlightTests {
    @Test("matches are marked the way the engine matched them, and everything is escaped")
    func marks() {
        let html = Highlight.html("L'imprimante <b>réseau</b> est bloquée", terms: Set(SearchText.terms("imprimante bloquée")))
        #expect(html.contains("<mark>imprimante</mark>"), "\(html)")
        #expect(html.contains("<mark>bloquée</mark>"), "\(html)")
        #expect(html.contains("&lt;b&gt;"), "\(html)")
        #expect(!html.contains("<b>"))
    }
}
