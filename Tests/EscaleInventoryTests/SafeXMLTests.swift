import EscaleInventory
import Foundation
import Testing

@Suite("OCS XML read safely: what is refused, what is tolerated, what is cut")
struct SafeXMLTests {
    static func parseError(_ xml: String) -> InventoryWireError? {
        wireError { try OCSRequest.parse(xml: Array(xml.utf8)) }
    }

    @Test("a DTD or an entity, in any case and anywhere, is refused before parsing: billion laughs, file: and http: entities")
    func declarations() {
        let prolog = "<REQUEST><DEVICEID>&x;</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>"
        let documents = [
            // billion laughs
            """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY x "&lol3;&lol3;&lol3;">]>
            """ + prolog,
            #"<!DOCTYPE REQUEST [<!ENTITY x SYSTEM "file:///etc/passwd">]>"# + prolog,
            #"<!DOCTYPE REQUEST [<!ENTITY x SYSTEM "http://127.0.0.1:1/">]>"# + prolog,
            #"<!DOCTYPE REQUEST SYSTEM "http://127.0.0.1:1/inventory.dtd">"# + prolog,
            #"<!doctype request [<!entity x "y">]>"# + prolog,
            #"<?xml version="1.0" encoding="ISO-8859-1"?><!DocType REQUEST>"# + prolog,
            "\u{FEFF}  \n<!DOCTYPE REQUEST>" + prolog,
            #"<REQUEST><!ENTITY x "y"><DEVICEID>a</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>"#,
            #"<REQUEST><DEVICEID>a</DEVICEID><QUERY>PROLOG</QUERY></REQUEST><! DOCTYPE x>"#,
        ]
        for xml in documents {
            let e = Self.parseError(xml)
            #expect(isForbidden(e), "\(xml): \(String(describing: e))")
            #expect(!"\(String(describing: e))".contains("root:"), "nothing of /etc/passwd may show")
        }
    }

    @Test("what is not an OCS request is malformed, and says why: not XML, another root, no DEVICEID, no QUERY, no CONTENT")
    func notOCS() {
        #expect(isMalformed(Self.parseError("hello"), saying: "not XML"))
        #expect(isMalformed(Self.parseError(#"{"action":"contact"}"#)))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID>a</DEVICEID><QUERY>PROLOG</QUERY>"), saying: "well-formed"))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID>a</DEVICEID><QUERY>PROLOG</QUERY></REQUEST><REQUEST/>")))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID>a</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>junk")))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID>a</DEVICEID><QUERY>PROLOG</QUERY></REQUEST><?xml version='1.0'?>")))
        #expect(isMalformed(Self.parseError("<REPLY><RESPONSE>SEND</RESPONSE></REPLY>"), saying: "<REPLY>"))
        #expect(isMalformed(Self.parseError("<REQUEST><QUERY>PROLOG</QUERY></REQUEST>"), saying: "DEVICEID"))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID> </DEVICEID><QUERY>INVENTORY</QUERY><CONTENT/></REQUEST>"), saying: "DEVICEID"))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID>a</DEVICEID></REQUEST>"), saying: "QUERY"))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID>a</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>"), saying: "CONTENT"))
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(isMalformed(Self.parseError("<REQUEST>\(deep)</REQUEST>"), saying: "deep"))
        #expect(isMalformed(wireError { try OCSRequest.parse(xml: [0xFF, 0xFE] + Array("<\0R\0".utf8)) }, saying: "UTF-16"))
        #expect(isMalformed(wireError { try OCSRequest.parse(xml: [0x4C, 0x6F, 0xA7, 0x94]) }), "EBCDIC")
        #expect(isMalformed(Self.parseError(#"<?xml version="1.0" encoding="UTF-7"?><REQUEST/>"#), saying: "utf-7"))
        #expect(isMalformed(Self.parseError("<REQUEST><DEVICEID>a&#0;</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>")))
    }

    @Test("text survives what it can: invalid UTF-8 and control characters become U+FFFD, Latin-1 is decoded, CDATA read")
    func tolerated() throws {
        // given
        let invalid = Array("<REQUEST><DEVICEID>pc-".utf8) + [0xC3, 0x28, 0x01] + Array("</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>".utf8)
        let latin1 = Array(#"<?xml version="1.0" encoding="ISO-8859-1"?><REQUEST><DEVICEID>caf"#.utf8) + [0xE9]
            + Array("</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>".utf8)
        let cdata = "\u{FEFF}<REQUEST><DEVICEID><![CDATA[pc<1>]]></DEVICEID><QUERY>PROLOG</QUERY></REQUEST>"
        // then
        #expect(try OCSRequest.parse(xml: invalid) == .prolog(deviceId: "pc-\u{FFFD}(\u{FFFD}"))
        #expect(try OCSRequest.parse(xml: latin1) == .prolog(deviceId: "café"))
        #expect(try OCSRequest.parse(xml: Array(cdata.utf8)) == .prolog(deviceId: "pc<1>"))
    }

    @Test("an absurd inventory is cut to the bounds: 20,000 packages, 1,000 of anything else, 1,000 characters a string")
    func bounds() throws {
        // given
        let packages = (0..<25_000).map { "<SOFTWARES><NAME>p\($0)</NAME></SOFTWARES>" }.joined()
        let cpus = String(repeating: "<CPUS><NAME>x</NAME></CPUS>", count: 1_500)
        let long = String(repeating: "é", count: 5_000)
        let xml = "<REQUEST><CONTENT><HARDWARE><NAME>\(long)</NAME></HARDWARE>\(cpus)\(packages)</CONTENT>"
            + "<DEVICEID>pc</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>"
        // when
        guard case .inventory(_, let m) = try OCSRequest.parse(xml: Array(xml.utf8)) else {
            Issue.record("not an inventory")
            return
        }
        // then
        #expect(m.software.count == 20_000 && m.software.last?.name == "p19999")
        #expect(m.cpus.count == 1_000)
        #expect(m.name.count == 1_000 && m.name.allSatisfy { $0 == "é" })
    }
}
