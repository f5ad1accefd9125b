@testable import EscaleInventory
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The byte-level reader against libxml2 (Foundation's `XMLParser`), the parser it replaced: on the same documents
/// both accept or both refuse, and what they accept reads the same.
@Suite("XML scanner: agrees with libxml2 on real and mutated documents")
struct XMLScannerTests {
    /// Leaf elements as `PATH=text` (text trimmed), in order, from start/text/end events whichever reader sends them.
    struct LeafRecorder {
        var path: [String] = [], text = "", out: [String] = [], hadChild = [false]
        mutating func start(_ name: String) {
            path.append(name)
            text = ""
            hadChild[hadChild.count - 1] = true
            hadChild.append(false)
        }
        mutating func end() {
            if hadChild.removeLast() == false { out.append(path.joined(separator: "/") + "=" + text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            path.removeLast()
        }
        /// Every element closed and one root: on Linux, libxml2's errors at the very end of the data (no root, a
        /// document cut short) reach no callback, so an unbalanced or empty run of events is that error.
        var complete: Bool { path.isEmpty && hadChild == [true] }
    }

    /// Read by the scanner; nil when it refuses the document.
    static func scannerLeaves(_ xml: [UInt8]) -> [String]? {
        final class Handler: SAXHandler {
            var leaves = LeafRecorder()
            func start(_ path: [String]) { leaves.start(path.last!) }
            func text(_ chunk: String, in path: [String]) { leaves.text += chunk }
            func end(_ path: [String]) { leaves.end() }
        }
        let handler = Handler()
        do { try XMLScanner.scan(xml, into: handler) } catch { return nil }
        return handler.leaves.out
    }

    /// Read by libxml2; nil when it reports an error.
    static func libxmlLeaves(_ xml: [UInt8]) -> [String]? {
        final class Delegate: NSObject, XMLParserDelegate {
            var leaves = LeafRecorder(), failed = false
            func parser(_ p: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                leaves.start(e)
            }
            func parser(_ p: XMLParser, foundCharacters s: String) { leaves.text += s }
            func parser(_ p: XMLParser, foundCDATA data: Data) { leaves.text += String(decoding: data, as: UTF8.self) }
            func parser(_ p: XMLParser, didEndElement e: String, namespaceURI: String?, qualifiedName: String?) { leaves.end() }
            func parser(_ p: XMLParser, parseErrorOccurred parseError: any Error) { failed = true }
        }
        let delegate = Delegate()
        let parser = XMLParser(data: Data(xml))
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        guard parser.parse(), !delegate.failed, delegate.leaves.complete else { return nil }
        return delegate.leaves.out
    }

    @Test("the captured inventories of both agents read exactly as libxml2 reads them")
    func captures() throws {
        for name in ["ocsinventory-agent/05-inventory-account-update/002-inventory", "fusioninventory-agent/01-prolog-send-inventory/002-inventory"] {
            let xml = try SafeXML.sanitised(try Fixtures.capture(name).decodedXML)
            let ours = try #require(Self.scannerLeaves(xml), "the scanner refused \(name)")
            #expect(ours == Self.libxmlLeaves(xml), "\(name)")
            #expect(ours.count > 100)
        }
    }

    @Test("what well-formed XML allows and what it does not", arguments: [
        ("<a>x &amp; &lt;y&gt; &quot;&apos; &#233;&#xE9;</a>", "a=x & <y> \"' éé"),
        ("<a><![CDATA[<b>&amp;</b>]]></a>", "a=<b>&amp;</b>"),
        ("<!-- before --><?pi data?><a k='1' l = \"2\"><b/><!-- in --></a> <!-- after -->\n", "a/b="),
        ("<a>\r\nx\ry</a>", "a=x\ny"),
        ("<ns:a xmlns:ns=\"u\"><ns:b>1</ns:b></ns:a>", "ns:a/ns:b=1"),
    ])
    func accepted(xml: String, leaves: String) {
        #expect(Self.scannerLeaves(Array(xml.utf8)) == [leaves])
        #expect(Self.libxmlLeaves(Array(xml.utf8)) == [leaves])
    }

    @Test("malformed documents are refused like libxml2 refuses them", arguments: [
        "", "   ", "text", "<a>", "<a></b>", "</a>", "<a></a><b/>", "<a/>text", "text<a/>", "<a>&nope;</a>", "<a>& b</a>",
        "<a>&#0;</a>", "<a>&#xD800;</a>", "<a b></a>", "<a b=1></a>", "<a b=\"<\"></a>", "<a b=\"1\"c=\"2\"></a>",
        "<a><!-- open</a>", "<a><![CDATA[open</a>", "<![CDATA[x]]><a/>", "<a><?xml version='1.0'?></a>", "<1a/>", "<a><b></a></b>",
        "<a", "<a/", "<a><!x></a>", "<a b=\"1\" b=\"2\"/>", "<a>]]></a>", "<a><!-- a -- b --></a>",
    ])
    func refused(xml: String) {
        #expect(Self.libxmlLeaves(Array(xml.utf8)) == nil, "libxml2 accepts \(xml)")
        #expect(Self.scannerLeaves(Array(xml.utf8)) == nil, "the scanner accepts \(xml)")
    }

    @Test("thousands of seeded mutations of real documents: the scanner and libxml2 agree on every one")
    func differential() throws {
        let inventory = String(decoding: try Fixtures.capture("ocsinventory-agent/05-inventory-account-update/002-inventory").decodedXML, as: UTF8.self)
        let head = inventory.components(separatedBy: "<SOFTWARES>").prefix(3).joined(separator: "<SOFTWARES>")
        let closed = head.components(separatedBy: "\n").dropLast().joined(separator: "\n") + "</CONTENT><DEVICEID>pc</DEVICEID></REQUEST>"
        let corpus = [try SafeXML.sanitised(Array(closed.utf8)), Array("<a k='v'><b>x&amp;y</b><c/><!--c--><![CDATA[d]]></a>".utf8)]
        let tokens = ["<", ">", "</", "/>", "&", "&amp;", "&#65;", "&#x0;", "]]>", "<![CDATA[", "]]", "--", "<!--", "-->", "<?p ?>", "\"", "'",
                      "=", " ", "<b>", "</b>", "&lt", ";"].map { Array($0.utf8) }
        var rng = SplitMix64(seed: FuzzTests.seed)
        var disagreements: [String] = [], accepted = 0
        for _ in 0..<FuzzTests.iterations {
            var input = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !input.isEmpty {
                let at = Int.random(in: 0..<input.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: input.removeSubrange(at..<min(input.count, at + Int.random(in: 1...8, using: &rng)))
                case 1: input.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &rng)], at: at)
                default: input[at] = Array(" <>/&;=\"'!-?[]ab".utf8).randomElement(using: &rng)!
                }
            }
            let ours = Self.scannerLeaves(input), theirs = Self.libxmlLeaves(input)
            if ours != nil { accepted += 1 }
            if ours != theirs, disagreements.count < 5 {
                disagreements.append("\(String(decoding: input, as: UTF8.self).prefix(2_000))\nscanner: \(ours.map { "\($0.count) leaves" } ?? "refused"), libxml2: \(theirs.map { "\($0.count) leaves" } ?? "refused")")
            }
        }
        #expect(disagreements.isEmpty, "seed \(FuzzTests.seed):\n\(disagreements.joined(separator: "\n---\n"))")
        #expect(accepted > FuzzTests.iterations / 10, "the mutations should leave some documents well-formed")
    }
}
