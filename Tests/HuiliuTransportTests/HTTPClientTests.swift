import Foundation
import HuiliuCore
import HuiliuTransport
import Testing

@Suite("HTTPClient against the loopback server")
struct HTTPClientTests {
    let client = HTTPClient()

    @Test func getsJSON() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(HTTPRequest(url: server.url("/json?page=2&size=2"))).checkStatus()
        #expect(response.status == 200)
        #expect(response.head.reason == "OK")
        #expect(response.head.httpVersion == "1.1")
        #expect(response.headers["content-type"] == "application/json")
        let json = try response.json()
        #expect(json["page"]?.intValue == 2)
        #expect(json["items"]?[1]?["name"]?.stringValue == "记录 1")
        #expect(response.metrics.total > .zero)
        #expect(response.metrics.bytesReceived == Int64(response.body.count))
    }

    @Test func reusesTheKeptAliveConnection() async throws {
        let server = try await TestServer.get()
        var ports: Set<Int> = []
        var opened = 0
        for _ in 0..<5 {
            let response = try await client.execute(HTTPRequest(url: server.url("/conn")))
            ports.insert(try response.json()["client_port"]?.intValue ?? -1)
            opened += response.metrics.connectionsOpened
        }
        #expect(ports.count == 1, "every request came from one client port, so one TCP connection")
        #expect(opened == 1)
    }

    @Test func runsManyTransfersConcurrentlyOnOneLoop() async throws {
        let server = try await TestServer.get()
        let client = self.client
        let pages = try await withThrowingTaskGroup(of: Int.self) { group in
            for page in 1...40 {
                group.addTask {
                    let response = try await client.execute(HTTPRequest(url: server.url("/json?page=\(page)"))).checkStatus()
                    return try response.json()["page"]?.intValue ?? -1
                }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(pages == Set(1...40))
    }

    @Test func keepsRepeatedHeaders() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(HTTPRequest(url: server.url("/multi")))
        #expect(response.headers.values(for: "set-cookie") == ["a=1", "b=2"])
        #expect(response.headers["X-TRACE"] == "x")
    }

    @Test func sendsMethodHeadersAndBody() async throws {
        let server = try await TestServer.get()
        for method in [HTTPMethod.post, .put, .patch, .delete] {
            var request = HTTPRequest(method: method, url: server.url("/echo?a=1"), text: #"{"名称":"值"}"#)
            request.headers["Content-Type"] = "application/json"
            request.headers["X-Empty"] = ""
            let echo = try await client.execute(request).checkStatus().json()
            #expect(echo["method"]?.stringValue == method.rawValue)
            #expect(echo["body"]?.stringValue == #"{"名称":"值"}"#)
            #expect(echo["query"]?.stringValue == "a=1")
            let headers = echo["headers"]?.arrayValue?.compactMap { pair in
                pair[0]?.stringValue.map { ($0.lowercased(), pair[1]?.stringValue ?? "") }
            } ?? []
            #expect(headers.contains { $0 == ("content-type", "application/json") })
            #expect(headers.contains { $0 == ("x-empty", "") })
            #expect(!headers.contains { $0.0 == "expect" }, "no Expect: 100-continue round trip")
        }
    }

    @Test func sendsALargeBodyWithoutExpectContinue() async throws {
        let server = try await TestServer.get()
        let text = String(repeating: "数据", count: 50_000)
        let echo = try await client.execute(HTTPRequest(method: .post, url: server.url("/echo"), text: text)).json()
        #expect(echo["body"]?.stringValue == text)
        // libcurl would otherwise announce a body this large with `Expect: 100-continue` and
        // wait up to a second for a server that never answers it.
        let headers = echo["headers"]?.arrayValue?.compactMap { $0[0]?.stringValue?.lowercased() } ?? []
        #expect(!headers.isEmpty)
        #expect(!headers.contains("expect"))
    }

    @Test func headHasNoBody() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(HTTPRequest(method: .head, url: server.url("/json")))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.headers["Content-Length"] != nil)
    }

    @Test(arguments: ["gzip", "deflate", "br"])
    func decodesContentEncoding(_ encoding: String) async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(HTTPRequest(url: server.url("/\(encoding)"))).checkStatus()
        #expect(response.headers["Content-Encoding"] == encoding)
        #expect(try response.json()["encoding"]?.stringValue == encoding)
    }

    @Test func advertisesEncodingsAndCanTurnThemOff() async throws {
        let server = try await TestServer.get()
        let echo = try await client.execute(HTTPRequest(url: server.url("/echo"))).json()
        let sent = echo["headers"]?.arrayValue?.first { $0[0]?.stringValue == "Accept-Encoding" }?[1]?.stringValue ?? ""
        #expect(sent.contains("gzip") && sent.contains("deflate") && sent.contains("br"))

        var options = TransferOptions()
        options.automaticDecompression = false
        let raw = try await client.execute(HTTPRequest(url: server.url("/gzip"), options: options))
        #expect(raw.body.starts(with: [0x1f, 0x8b]), "still gzip")
    }

    @Test func followsRedirects() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(HTTPRequest(url: server.url("/redirect?to=/json%3Fpage%3D7"))).checkStatus()
        #expect(response.url.hasSuffix("/json?page=7"))
        #expect(response.metrics.redirectCount == 1)
        #expect(try response.json()["page"]?.intValue == 7)

        var options = TransferOptions()
        options.followRedirects = false
        let unfollowed = try await client.execute(HTTPRequest(url: server.url("/redirect?to=/json"), options: options))
        #expect(unfollowed.status == 302)
        #expect(unfollowed.headers["Location"] == "/json")
    }

    @Test func usesBasicCredentials() async throws {
        let server = try await TestServer.get()
        var options = TransferOptions()
        options.basicAuth = BasicCredentials(username: "alice", password: "s3cret")
        let response = try await client.execute(HTTPRequest(url: server.url("/basic"), options: options)).checkStatus()
        #expect(try response.json()["user"]?.stringValue == "alice")

        let anonymous = try await client.execute(HTTPRequest(url: server.url("/basic")))
        #expect(anonymous.status == 401)
    }

    @Test func goesThroughAnAuthenticatedProxy() async throws {
        let server = try await TestServer.get()
        var options = TransferOptions()
        options.proxy = .server(url: server.url(""), username: "proxyuser", password: "proxy pass")
        // The host never resolves: only the proxy (our server) sees the name.
        let echo = try await client.execute(HTTPRequest(url: "http://upstream.example.invalid/echo?x=1", options: options))
            .checkStatus().json()
        #expect(echo["proxied"]?.boolValue == true)
        let proxyAuth = echo["headers"]?.arrayValue?.first { $0[0]?.stringValue == "Proxy-Authorization" }?[1]?.stringValue
        #expect(proxyAuth == "Basic " + Data("proxyuser:proxy pass".utf8).base64EncodedString())
    }

    /// A proxy that refuses the tunnel (407, its login refused) is named as the proxy, and the
    /// failure is not one to retry: it was reported as a broken connection and tried five times.
    @Test func aProxyRefusingTheTunnelIsNamedAndNotRetried() async throws {
        let server = try await TestServer.get()
        var options = TransferOptions()
        options.proxy = .server(url: server.url(""), username: "proxyuser", password: "wrong pass")
        await #expect { try await client.execute(HTTPRequest(url: "https://upstream.example.invalid/", options: options)) } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error.code == .proxyRefused && !error.isTransient && error.message.contains("through the proxy \(server.url(""))")
                && error.message.contains("407") && !"\(error)".contains("wrong pass")
        }
    }
}
