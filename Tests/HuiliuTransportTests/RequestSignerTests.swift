import HuiliuCore
import HuiliuTransport
import Testing

@Suite("Request signing for government gateways")
struct RequestSignerTests {
    /// A signer with a fixed clock and nonce.
    static func signer(_ appKey: String = "demo", secret: String = "appSecret-demo", at milliseconds: Int64 = 1_700_000_000_000,
                       nonce: String = "abc123") -> RequestSigner {
        var signer = RequestSigner(appKey: appKey, secret: secret)
        signer.clock = { milliseconds }
        signer.nonce = { nonce }
        return signer
    }

    @Test func hmacSM3OverSortedParametersMatchesTheDomainVector() {
        var signer = Self.signer()
        signer.algorithm = .hmacSM3
        let signed = signer.sign(HTTPRequest(url: "https://gov.example/api/list"))
        #expect(signed.headers["appKey"] == "demo")
        #expect(signed.headers["timestamp"] == "1700000000000")
        #expect(signed.headers["nonce"] == "abc123")
        #expect(signed.headers["sign"] == "3915ca2490bb2a9e5d71705061e4eed6360d20d8f3b6539c2454c75ac642b30e")
        let details = signer.signature(for: HTTPRequest(url: "https://gov.example/api/list"), timestamp: "1700000000000", nonce: "abc123")
        #expect(details.canonical == "appKey=demo&nonce=abc123&timestamp=1700000000000")
    }

    @Test func tifHeadersMatchTheDomainVector() throws {
        var signer = Self.signer("paas-001", secret: "DEMO_PAAS_TOKEN_0123456789abcdef", at: 1_717_200_000_123, nonce: "18fd1c2e000-a1b2c3")
        signer.template = try SigningTemplate("{timestamp}{secret}{nonce}{timestamp}")
        signer.algorithm = .sha256
        signer.timestampFormat = .seconds
        signer.names = .init(appKey: "x-tif-paasid", timestamp: "x-tif-timestamp", nonce: "x-tif-nonce", signature: "x-tif-signature")
        let signed = signer.sign(HTTPRequest(url: "https://gov.example/ebus/api"))
        #expect(signed.headers["x-tif-paasid"] == "paas-001")
        #expect(signed.headers["x-tif-timestamp"] == "1717200000")
        #expect(signed.headers["x-tif-signature"] == "20bead1674a49eea42d09818a87b6e54a7ae7a70525058cf0e112656df27bb00")
    }

    @Test func sortedParametersIncludeQueryFormBodyAndExtras() {
        var signer = Self.signer()
        signer.extraParameters = ["signType": "HMAC-SHA256", "version": "1.0"]
        var request = HTTPRequest(method: .post, url: "https://gov.example/api?region=420100&b=2&a=x+y&a=%E4%B8%AD",
                                  text: "page=1&name=%E5%BC%A0%E4%B8%89")
        request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        let canonical = signer.canonicalString(for: request, timestamp: "1", nonce: "n")
        #expect(canonical == "a=x y&a=中&appKey=demo&b=2&name=张三&nonce=n&page=1&region=420100&signType=HMAC-SHA256&timestamp=1&version=1.0")

        signer.valueEncoding = .percentEncoded
        #expect(signer.canonicalString(for: request, timestamp: "1", nonce: "n").hasPrefix("a=x%20y&a=%E4%B8%AD&appKey=demo"))
    }

    @Test func jsonBodiesAreNotParameters() {
        var request = HTTPRequest(method: .post, url: "https://gov.example/api?z=1", text: #"{"page":1}"#)
        request.headers["Content-Type"] = "application/json"
        #expect(Self.signer().canonicalString(for: request, timestamp: "1", nonce: "n") == "appKey=demo&nonce=n&timestamp=1&z=1")
    }

    @Test func emptyValuesCanBeOmitted() {
        var signer = Self.signer()
        signer.omitsEmptyValues = true
        let request = HTTPRequest(url: "https://gov.example/api?empty=&z=1")
        #expect(signer.canonicalString(for: request, timestamp: "1", nonce: "n") == "appKey=demo&nonce=n&timestamp=1&z=1")
    }

    @Test func fullTemplateExpandsEveryPlaceholder() throws {
        var signer = Self.signer()
        signer.template = try SigningTemplate("{method}|{path}|{query}|{bodyDigest}|{body}|{appKey}|{timestamp}|{nonce}|{header:Content-Type}|{{x}}")
        signer.bodyDigest = .sm3
        var request = HTTPRequest(method: .post, url: "https://gov.example/a/b%20c?y=2&x=1#frag", text: "abc")
        request.headers["content-type"] = "text/plain"
        #expect(signer.canonicalString(for: request, timestamp: "T", nonce: "N")
            == "POST|/a/b%20c|x=1&y=2|66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0|abc|demo|T|N|text/plain|{x}")
        #expect(signer.canonicalString(for: HTTPRequest(url: "https://gov.example"), timestamp: "T", nonce: "N").hasPrefix("GET|/||"))
    }

    @Test func plainDigestsPlaceTheSecret() throws {
        var signer = Self.signer(secret: "S")
        signer.template = try SigningTemplate("{appKey}")
        signer.algorithm = .sm3
        let request = HTTPRequest(url: "https://gov.example/")
        #expect(signer.signature(for: request, timestamp: "", nonce: "").value == Digest.sm3.hex("demoS"))
        signer.secretPlacement = .prepend
        #expect(signer.signature(for: request, timestamp: "", nonce: "").value == Digest.sm3.hex("Sdemo"))
        signer.template = try SigningTemplate("{appKey}&key={secret}")
        signer.algorithm = .sha256
        signer.encoding = .uppercaseHex
        #expect(signer.signature(for: request, timestamp: "", nonce: "").value == Digest.sha256.hex("demo&key=S").uppercased())
    }

    @Test func base64Signature() throws {
        var signer = Self.signer()
        signer.encoding = .base64
        let value = signer.signature(for: HTTPRequest(url: "https://gov.example/"), timestamp: "1", nonce: "n").value
        let expected = HMAC.authenticationCode(for: Array("appKey=demo&nonce=n&timestamp=1".utf8), key: Array("appSecret-demo".utf8), digest: .sha256)
        #expect(try Base64.decode(value) == expected)
    }

    @Test func queryLocationAppendsEncodedParameters() {
        var signer = Self.signer("应用 1")
        signer.location = .query
        signer.extraParameters = ["signType": "SM3"]
        let signed = signer.sign(HTTPRequest(url: "https://gov.example/api?page=1#top"))
        let sign = signer.signature(for: HTTPRequest(url: "https://gov.example/api?page=1"), timestamp: "1700000000000", nonce: "abc123").value
        #expect(signed.url == "https://gov.example/api?page=1&appKey=%E5%BA%94%E7%94%A8%201&timestamp=1700000000000&nonce=abc123&signType=SM3&sign=\(sign)#top")
        #expect(signed.headers.isEmpty)
    }

    @Test func emptyNamesAreNotSent() {
        var signer = Self.signer()
        signer.names = .init(appKey: "", timestamp: "X-Ts", nonce: "", signature: "X-Sign")
        let signed = signer.sign(HTTPRequest(url: "https://gov.example/"))
        #expect(signed.headers.count == 2)
        #expect(signer.canonicalString(for: HTTPRequest(url: "https://gov.example/"), timestamp: "1", nonce: "n") == "X-Ts=1")
    }

    @Test(arguments: [
        (RequestSigner.TimestampFormat.milliseconds, "1700000000123"),
        (.seconds, "1700000000"),
        (.compact(), "20231115061320"),
        (.compact(utcOffsetSeconds: 0), "20231114221320"),
    ])
    func timestampFormats(format: RequestSigner.TimestampFormat, expected: String) {
        var signer = Self.signer()
        signer.timestampFormat = format
        #expect(signer.formatTimestamp(1_700_000_000_123) == expected)
    }

    @Test func defaultsUseTheClockAndFreshNonces() {
        let signer = RequestSigner(appKey: "k", secret: "s")
        let a = signer.sign(HTTPRequest(url: "https://gov.example/")), b = signer.sign(HTTPRequest(url: "https://gov.example/"))
        #expect(a.headers["nonce"]?.count == 32)
        #expect(a.headers["nonce"] != b.headers["nonce"])
        let now = RequestSigner.systemMilliseconds()
        #expect(abs(now - (Int64(a.headers["timestamp"] ?? "") ?? 0)) < 5000)
    }

    @Test func templateErrors() {
        #expect(throws: SigningError.self) { try SigningTemplate("{appkey}") }
        #expect(throws: SigningError.self) { try SigningTemplate("{method") }
        #expect(throws: SigningError.self) { try SigningTemplate("a}b") }
        #expect(throws: SigningError.self) { try SigningTemplate("{header:}") }
        let error = #expect(throws: SigningError.self) { try SigningTemplate("{sorted}") }
        #expect(error?.message.contains("{sortedParams}") == true)
    }
}

@Suite("Signed requests verified by an independent Python implementation")
struct SignedRequestLiveTests {
    let client = HTTPClient()

    @Test func queryHMACSM3() async throws {
        let server = try await TestServer.get()
        var signer = RequestSigner(appKey: "app-1", secret: "test-secret")
        signer.algorithm = .hmacSM3
        signer.location = .query
        let request = HTTPRequest(url: server.url("/verify/query-hmac-sm3?name=%E5%BC%A0+%E4%B8%89&region=420100&z=&a=1"))
        let response = try await client.execute(signer.sign(request))
        #expect(response.status == 200, "\(response.text)")

        signer.secret = "wrong"
        #expect(try await client.execute(signer.sign(request)).status == 401)
    }

    @Test func headerHMACSHA256OverBodyDigest() async throws {
        let server = try await TestServer.get()
        var signer = RequestSigner(appKey: "app-2", secret: "test-secret")
        signer.template = try SigningTemplate("{method}\n{path}\n{query}\n{bodyDigest}\n{appKey}\n{timestamp}\n{nonce}")
        signer.encoding = .base64
        signer.names = .init(appKey: "X-Ca-Key", timestamp: "X-Ca-Timestamp", nonce: "X-Ca-Nonce", signature: "X-Ca-Signature")
        var request = HTTPRequest(method: .post, url: server.url("/verify/header-sha256?page=2&size=50"),
                                  text: #"{"统一社会信用代码":"91420100MA4KXXXX0X"}"#)
        request.headers["Content-Type"] = "application/json"
        let response = try await client.execute(signer.sign(request))
        #expect(response.status == 200, "\(response.text)")
    }
}
