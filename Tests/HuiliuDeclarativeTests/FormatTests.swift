import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuTransport
import Testing

/// Templates, XML and SOAP bodies, SM4-encrypted payloads and CSV responses.
struct FormatTests {
    /// One stray quote made the rest of a CSV file a single field: read into memory whole and
    /// dead-lettered as one row. Past a limit its line is rejected and the rows after it read;
    /// a real quoted field over many lines, under the limit, is one field. (The limit is 16 MiB;
    /// a small one here keeps the test's memory small.)
    @Test func aStrayQuoteLosesOnlyItsLine() throws {
        func parse(_ text: String, limit: Int) throws -> (records: [Value], rejects: [(reason: String, raw: String, line: Int)]) {
            let window = ByteWindow(input: MemoryInput(Array(text.utf8)), startingAt: 0, capacity: 4096)
            var parser = CSVParser(delimiter: UInt8(ascii: ","), header: [], line: 1)
            parser.quotedRecordLimit = limit
            try parser.readHeader(window, path: "t.csv")
            var records: [Value] = [], rejects: [(reason: String, raw: String, line: Int)] = []
            while let item = try parser.next(window) {
                switch item {
                case .record(let value, _): records.append(value)
                case .rejected(let reason, let raw, let line): rejects.append((reason, raw, line))
                }
            }
            return (records, rejects)
        }
        var text = "id,a,b\n0,\"oops,1,2\n"
        for i in 1...3_000 { text += "\(i),plain text of row \(i),and some more of it\n" }
        let stray = try parse(text, limit: 64 << 10)
        #expect(stray.rejects.map(\.line) == [2])
        #expect(stray.rejects.first?.reason.contains("runs on past 65536 bytes without its closing quote (a stray quote?)") == true,
                "\(stray.rejects)")
        #expect(stray.rejects.first?.raw == "0,\"oops,1,2")
        #expect(stray.records.count == 3_000 && stray.records.first?["id"] == "1" && stray.records.last?["id"] == "3000")
        let note = String(repeating: "note line,3,4\n", count: 3_000)
        let long = try parse("id,a,b\n1,\"\(note)\",x\n2,y,z\n", limit: 64 << 10)
        #expect(long.records.count == 2 && long.records.first?["a"]?.stringValue?.count == note.count && long.rejects.isEmpty)
    }

    /// XML in GBK: the Content-Type's charset wins over a missing declaration (RFC 7303), and a
    /// GB2312 label — in the header or the declaration — is read as GB18030, since text so
    /// labelled often holds GBK-only characters (镕, 堃) that a strict GB2312 decoder refuses.
    @Test func readsGBKXMLByItsCharsetOrItsLabel() throws {
        let name: [UInt8] = [0xD6, 0xEC, 0xE9, 0x46, 0xBB, 0xF9, 0x88, 0xD2]  // 朱镕基堃 in GBK
        func parse(_ head: String, _ contentType: String?, setting: String = "auto") throws -> Value? {
            let body = Array("\(head)<r><n>".utf8) + name + Array("</n></r>".utf8)
            let encoding = XMLValue.encoding(setting: setting, contentType: contentType, body: body)
            return try XMLValue.parse(body, options: XMLOptions(), encoding: encoding).value["n"]
        }
        #expect(try parse("", "text/xml; charset=GBK") == "朱镕基堃")
        #expect(try parse("", "text/xml; charset=\"gb2312\"") == "朱镕基堃")
        #expect(try parse(#"<?xml version="1.0" encoding="GB2312"?>"#, "text/xml") == "朱镕基堃")
        #expect(try parse("", nil, setting: "gbk") == "朱镕基堃")
        #expect(throws: XMLReadError.self) { try parse("", "text/xml") }  // UTF-8 by default: not these bytes
        #expect(XMLValue.encoding(setting: "auto", contentType: "application/soap+xml; charset=utf-8", body: []) == "UTF-8")
        #expect(XMLValue.encoding(setting: "auto", contentType: "text/xml", body: Array(#"<?xml version="1.0" encoding="ISO-8859-1"?>"#.utf8)) == nil)
        // A charset libxml2 cannot convert from is left to the declaration, not made an error.
        #expect(XMLValue.encoding(setting: "auto", contentType: "text/xml; charset=utf8x", body: []) == nil)
    }

    @Test func templatesKeepTypesRenderTextAndEscape() throws {
        let functions = TestConnector.resources.functions
        let context: Value = ["config": ["size": 50, "name": "黄冈 & <市>"], "page": ["token": .null]]
        #expect(try Template("{{ config.size }}", functions: functions).render(context) == 50)
        #expect(try Template("size={{ config.size }}", functions: functions).render(context) == "size=50")
        #expect(try Template("{{ page.token }}", functions: functions).string(context) == nil, "null leaves a parameter out")
        #expect(try Template("<n>{{ config.name }}</n>", functions: functions).string(context, escaping: .xml) == "<n>黄冈 &amp; &lt;市&gt;</n>")
        #expect(try Template("/a/{{ config.name }}", functions: functions).string(context, escaping: .pathSegment)
                == "/a/%E9%BB%84%E5%86%88%20%26%20%3C%E5%B8%82%3E")
        #expect(try Template("{{ format_time('2024-03-05T06:30:00Z', 'yyyyMMddHHmmss') }}", functions: functions).render(.null) == "20240305143000")
        #expect(throws: TemplateError.self) { try Template("{{ nope( }}", functions: functions) }
    }

    @Test func xmlBecomesValues() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ns1:Cases xmlns:ns1="urn:court" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <ns1:Case ah="（2024）鄂11民初1号" fymc="黄冈中院"><ns1:Ay>买卖合同纠纷</ns1:Ay><ns1:Party>甲</ns1:Party><ns1:Party>乙</ns1:Party>
                <ns1:Jarq xsi:nil="true"/><ns1:Note/></ns1:Case>
            </ns1:Cases>
            """
        let (name, value) = try XMLValue.parse(Array(xml.utf8), options: XMLOptions(arrays: ["Case"]))
        #expect(name == "Cases")
        let first = try #require(value["Case"]?[0])
        #expect(first["@ah"] == "（2024）鄂11民初1号")
        #expect(first["Party"] == ["甲", "乙"])
        #expect(first["Jarq"] == .null)
        #expect(first["Note"] == "")
        var keep = XMLOptions()
        keep.keepNamespaces = true
        #expect(try XMLValue.parse(Array(xml.utf8), options: keep).value["ns1:Case"]?["ns1:Ay"] == "买卖合同纠纷")
        #expect(throws: XMLReadError.self) { try XMLValue.parse(Array("<a><b></a>".utf8), options: XMLOptions()) }
        // An element's text is its value as written whether it has attributes or not; beside child
        // elements it is trimmed of the indentation around them.
        let amounts = try XMLValue.parse(Array("<r><a> 12.50 </a><b unit=\"元\"> 12.50 </b><c>\n  note\n  <d>1</d>\n</c></r>".utf8),
                                         options: XMLOptions()).value
        #expect(amounts["a"] == " 12.50 " && amounts["b"]?["#text"] == " 12.50 " && amounts["c"]?["#text"] == "note")
    }

    /// An entity the document declares inside itself is replaced by its text.
    @Test func internalEntitiesAreReplaced() throws {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY co \"黄冈中院\">]><r><court>&co;（民一庭）</court></r>"
        #expect(try XMLValue.parse(Array(xml.utf8), options: XMLOptions()).value["court"] == "黄冈中院（民一庭）")
        // In attributes too, every part of the value: only the first part was read.
        let attributes = "<!DOCTYPE r [<!ENTITY co \"Acme\">]><r><item name=\"x-&co;-1\" both=\"&co;&co;\" code=\"A&amp;B\">t</item></r>"
        let item = try XMLValue.parse(Array(attributes.utf8), options: XMLOptions()).value["item"]
        #expect(item?["@name"] == "x-Acme-1" && item?["@both"] == "AcmeAcme" && item?["@code"] == "A&B")
        // An entity's own references are decoded as XML includes its text (&amp; is how an
        // entity holds an ampersand), and its white space is a space in an attribute.
        let nested = """
            <!DOCTYPE r [<!ENTITY co "A&amp;B公司"><!ENTITY lt2 "a&lt;b&#x4E2D;"><!ENTITY nest "N&co;N"><!ENTITY ws "a\tb\nc">]>\
            <r><i a="&nest;" w="&ws;">&co;|&lt2;|&nest;</i></r>
            """
        let decoded = try XMLValue.parse(Array(nested.utf8), options: XMLOptions()).value["i"]
        #expect(decoded?["#text"] == "A&B公司|a<b中|NA&B公司N" && decoded?["@a"] == "NA&B公司N" && decoded?["@w"] == "a b c", "\(String(describing: decoded))")
    }

    /// A declared entity named over and over (a quadratic blow-up, which libxml2's guard lets
    /// through since each expansion is short of its own limit) is refused past the answer's
    /// size: 100 KB named 20,000 times was 2 GB of text and a crash. Many distinct children
    /// keep their order.
    @Test func anEntityNamedOverAndOverIsRefused() throws {
        let entity = String(repeating: "x", count: 100_000)
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"\(entity)\">]><r>\(String(repeating: "&e;", count: 2_000))</r>"
        #expect { _ = try XMLValue.parse(Array(xml.utf8), options: XMLOptions()) } throws: { "\($0)".contains("an entity bomb?") }
        let wide = "<r>" + (0..<5_000).map { "<n\($0)>\($0)</n\($0)>" }.joined() + "<n7>again</n7></r>"
        let value = try XMLValue.parse(Array(wide.utf8), options: XMLOptions()).value
        #expect(value.objectValue?.count == 5_000 && value["n4999"] == "4999" && value["n7"] == ["7", "again"])
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>"
        let value = try? XMLValue.parse(Array(xml.utf8), options: XMLOptions()).value
        #expect(value?.stringValue?.contains("root:") != true)
    }

    @Test func soapRequestsAndFaults() async throws {
        let url = try await SimulatorServer.url()
        let connector = try TestConnector.shipped("supervisory-commission")
        let config = "base_url: \(url)\nusername: huiliu\npassword: ${secret:pw}\npage_size: 25\nmapping: none"
        let good = try connector.source(config, stream: "items", context: connector.context(secrets: ["pw": "cdi-demo-password"]))
        let result = try await drained(good)
        #expect(result.records.count == 60)
        #expect(result.batches.count == 3)
        #expect(result.records.first?.data["Id"] == "JCJY-2024-001")
        let bad = try connector.source(config, stream: "items", context: connector.context(secrets: ["pw": "wrong"]))
        await #expect { _ = try await drained(bad) } throws: { "\($0)".contains("SOAP fault soap:Client: 认证失败") }
    }

    /// A stream whose records are SM4-ECB ciphertext in `data.encData`, under the `key` field.
    static let sm4ECB = """
        version: 1
        name: scenario
        summary: SM4.
        spec:
          base_url: { type: url, description: The server. }
          key: { type: secret, description: SM4 key (hex). }
        streams:
          items:
            request: { base_url: "{{ config.base_url }}", path: /sm4/items }
            response:
              decrypt: { algorithm: sm4-ecb, key: "{{ config.key }}", field: data.encData }
            records: data.encData
        """

    @Test func sm4EncryptedPayloadsAreDecrypted() async throws {
        let server = try await ScenarioServer.get()
        let connector = try TestConnector.make(Self.sm4ECB)
        let source = try connector.source("base_url: \(server.url)\nkey: ${secret:k}", stream: "items",
                                          context: connector.context(secrets: ["k": ScenarioServer.sm4Key]))
        #expect(try await drained(source).ids == [0, 1, 2, 3])
        let wrong = try connector.source("base_url: \(server.url)\nkey: ${secret:k}", stream: "items",
                                         context: connector.context(secrets: ["k": "00112233445566778899aabbccddeeff"]))
        await #expect { _ = try await drained(wrong) } throws: { "\($0)".contains("cannot decrypt") }
        // A key that is no key says which setting and what it must be, and shows none of the value.
        for bad in ["zzzz-not-hex-zzzz", "0011223344556677889900aabbccdd"] {
            await #expect {
                _ = try await drained(try connector.source("base_url: \(server.url)\nkey: ${secret:k}", stream: "items",
                                                           context: connector.context(secrets: ["k": bad])))
            } throws: { error in
                "\(error)".contains("response.decrypt.key ({{ config.key }}) is not an SM4 key in hexadecimal: it must be 16 bytes, 32 hexadecimal digits")
                    && !"\(error)".contains("zz") && !"\(error)".contains("0011")
            }
        }
    }

    /// An error a gateway answers in plain JSON where its answers are encrypted reaches the
    /// rules as JSON: as text, `{{ body.error }}` was empty and the gateway's reason lost.
    @Test func aPlainErrorAnswerOfAnEncryptedStreamReachesTheRulesAsJSON() async throws {
        let python = try await PythonServer.get()
        // The SM4 stream of ``sm4ECB`` against an endpoint that refuses in plain JSON.
        let connector = try TestConnector.make(Self.sm4ECB.replacingOccurrences(of: "path: /sm4/items", with: #"path: "/status?code=401""#)
            + "\n    errors:\n      rules:\n        - { status: [401], action: fail, message: \"the gateway refused: {{ body.error }}\" }\n")
        let source = try connector.source("base_url: \(python.url())\nkey: ${secret:k}", stream: "items",
                                          context: connector.context(secrets: ["k": ScenarioServer.sm4Key]))
        await #expect { _ = try await drained(source) } throws: { "\($0)".contains("the gateway refused: status 401") }
    }

    /// `connector record` keeps an encrypted response encrypted, but under the key the replay's
    /// dummy secret gives, so `connector test` reads it without the real key.
    @Test func aRecordedResponseIsEncryptedAgainUnderTheReplayKey() throws {
        let connector = try TestConnector.make(Self.sm4ECB)
        let plain = Array(#"[{"id":0},{"id":1,"debug":"k=\#(ScenarioServer.sm4Key)"}]"#.utf8)
        let ciphertext = try SM4(key: Hex.decode(ScenarioServer.sm4Key)).encrypt(plain, mode: .ecb)
        let body = Array(#"{"data":{"encData":"\#(Base64.encode(ciphertext))"}}"#.utf8)
        let replayKey = connector.manifest.replaySecret("key")
        #expect(replayKey.count == 32 && replayKey != ScenarioServer.sm4Key)
        #expect(connector.manifest.replaySecret("base_url") == "replay-base_url-value")
        let real = try connector.source("base_url: http://127.0.0.1:1\nkey: ${secret:k}", stream: "items",
                                        context: connector.context(secrets: ["k": ScenarioServer.sm4Key]))
        let scrubber = FixtureScrubber(secrets: [ScenarioServer.sm4Key], volatileNames: [], origin: nil)
        let recorded = try real.reencrypted(body, replaySecrets: ["key": replayKey], scrubbing: scrubber.scrub)
        #expect(!String(decoding: recorded, as: UTF8.self).contains(Base64.encode(ciphertext)))
        let replay = try connector.source("base_url: http://127.0.0.1:1\nkey: ${secret:k}", stream: "items",
                                          context: connector.context(secrets: ["k": replayKey]))
        guard case .http(let http) = replay.stream.kind else { Issue.record("not an HTTP stream"); return }
        let decoded = try ResponseDecoder(http.response, context: .object(replay.baseContext)).decode(recorded)
        // The payload is scrubbed too: the replay key is no secret.
        #expect(decoded["data"]?["encData"] == [["id": 0], ["id": 1, "debug": "k=<secret>"]])
    }

    @Test func sm4CBCBodiesAreDecryptedWithTheirIV() async throws {
        let server = try await ScenarioServer.get()
        let connector = try TestConnector.make("""
            version: 1
            name: scenario
            summary: SM4 CBC.
            spec:
              base_url: { type: url, description: The server. }
              key: { type: secret, description: SM4 key (hex). }
              iv: { type: string, description: SM4 IV (hex). }
            streams:
              items:
                request: { base_url: "{{ config.base_url }}", path: /sm4-cbc/items }
                response:
                  decrypt: { algorithm: sm4-cbc, key: "{{ config.key }}", iv: "{{ config.iv }}", encoding: hex }
                records: items
            """)
        let source = try connector.source("base_url: \(server.url)\nkey: ${secret:k}\niv: \(ScenarioServer.sm4IV)", stream: "items",
                                          context: connector.context(secrets: ["k": ScenarioServer.sm4Key]))
        #expect(try await drained(source).ids == [0, 1, 2, 3])
        let wrongIV = try connector.source("base_url: \(server.url)\nkey: ${secret:k}\niv: 0f0e0d0c0b0a09080706050403020100", stream: "items",
                                           context: connector.context(secrets: ["k": ScenarioServer.sm4Key]))
        await #expect { _ = try await drained(wrongIV) } throws: { _ in true }
    }

    /// A CSV export stream; `query` is its request query.
    static func csvConnector(query: String = "{}") throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: scenario
            summary: CSV.
            spec:
              base_url: { type: url, description: The server. }
            streams:
              items:
                request: { base_url: "{{ config.base_url }}", path: /csv/export, query: \(query) }
                response: { format: csv }
            """)
    }

    @Test func csvResponsesBecomeRows() async throws {
        let server = try await ScenarioServer.get()
        let rows = try await drained(try Self.csvConnector().source("base_url: \(server.url)", stream: "items")).records.map(\.data)
        #expect(rows == [["id": "1", "name": "甲"], ["id": "2", "name": "乙, 丙"]])
        // With a byte-order mark the first column is still `id`.
        let bom = try Self.csvConnector(query: "{ bom: \"1\" }")
        let bomRows = try await drained(try bom.source("base_url: \(server.url)", stream: "items")).records.map(\.data)
        #expect(bomRows == rows)
    }
}

/// Next links made absolute by RFC 3986 §5.2 (examples from §5.4.1).
struct LinkResolutionTests {
    @Test(arguments: [
        ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"),
        ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"), ("#s", "http://a/b/c/d;p?q#s"),
        ("..", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../g", "http://a/g"),
        ("https://other/x?page=2", "https://other/x?page=2"),
    ])
    func resolvesLikeRFC3986(reference: String, expected: String) throws {
        #expect(try RequestBuilder.resolve(reference, against: "http://a/b/c/d;p?q") == expected)
    }
}

/// Recordings never hold a secret, wherever the request carried it.
struct FixtureScrubbingTests {
    @Test func aSecretInThePathIsScrubbedAndStillMatchesOnReplay() {
        let scrubber = FixtureScrubber(secrets: ["SUPER/SECRET KEY"], volatileNames: [], origin: "http://127.0.0.1:8480")
        let exchange = scrubber.exchange(stream: "items", method: "GET", url: "http://127.0.0.1:8480/k/SUPER%2FSECRET%20KEY/items?q=1",
                                         headers: [], body: [], status: 200, responseHeaders: [], responseBody: Array("[]".utf8))
        #expect(exchange.path == "/k/<secret>/items")
        let replayed = FixtureScrubber(secrets: ["SUPER/SECRET KEY"], volatileNames: [], origin: nil)
            .matchKey(method: "GET", path: "/k/SUPER%2FSECRET%20KEY/items", rawQuery: "q=1", body: [])
        #expect(replayed.contains("/k/<secret>/items"))
    }

    /// A SOAP envelope carries a password XML-escaped, a JSON body JSON-escaped: the recording
    /// holds neither, and the replayed request, scrubbed alike, still matches it.
    @Test func aSecretEscapedInARequestBodyIsScrubbed() {
        let password = #"Tr0ub&dor"3x-2024"#
        let scrubber = FixtureScrubber(secrets: [password], volatileNames: [], origin: nil)
        let soap = Array("<wsse:Password>Tr0ub&amp;dor&quot;3x-2024</wsse:Password>".utf8)
        let json = Array(#"{"password":"Tr0ub&dor\"3x-2024"}"#.utf8)
        for body in [soap, json] {
            let exchange = scrubber.exchange(stream: "s", method: "POST", url: "http://h/api", headers: [], body: body, status: 200,
                                             responseHeaders: [], responseBody: body)
            #expect(exchange.body.contains("<secret>") && !exchange.body.contains("3x-2024"), "\(exchange.body)")
            #expect(!String(decoding: exchange.responseBody, as: UTF8.self).contains("3x-2024"))
            #expect(scrubber.matchKey(method: "POST", path: "/api", rawQuery: "", body: body).contains("<secret>"))
        }
    }

    /// The access token a recording sent is a secret of the recording: an API that echoes its
    /// request's headers quotes it, and the fixture must not.
    @Test func anAccessTokenSentIsScrubbedFromRecordedAnswers() {
        let log = ExchangeLog()
        _ = log.isNewToken("AT-rec-0123456789abcdef")
        let scrubber = FixtureScrubber(secrets: log.secretValues, volatileNames: log.volatileNames, origin: nil)
        let echoed = Array(#"{"Authorization": "Bearer AT-rec-0123456789abcdef"}"#.utf8)
        let exchange = scrubber.exchange(stream: "s", method: "GET", url: "http://h/api", headers: [], body: [], status: 200,
                                         responseHeaders: [("X-Echo-Auth", "Bearer AT-rec-0123456789abcdef")], responseBody: echoed)
        #expect(String(decoding: exchange.responseBody, as: UTF8.self) == #"{"Authorization": "Bearer <secret>"}"#)
        #expect(exchange.responseHeaders.map(\.1) == ["Bearer <secret>"])
    }
}
