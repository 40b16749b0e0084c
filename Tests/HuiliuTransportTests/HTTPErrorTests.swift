import Foundation
import HuiliuTransport
import Testing
@testable import HuiliuTestSupport

@Suite("Errors say what failed and for which URL")
struct HTTPErrorTests {
    let client = HTTPClient()

    func failure(_ request: HTTPRequest) async -> TransportError? {
        do {
            _ = try await client.execute(request).checkStatus()
            return nil
        } catch {
            return error
        }
    }

    func options(_ change: (inout TransferOptions) -> Void) -> TransferOptions {
        var options = TransferOptions()
        change(&options)
        return options
    }

    /// A loopback port nothing listens on.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        close(fd)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func refusedConnection() async throws {
        let port = Self.closedPort()
        let error = await failure(HTTPRequest(url: "http://127.0.0.1:\(port)/x"))
        #expect(error?.code == .connect)
        #expect(error?.url == "http://127.0.0.1:\(port)/x")
        #expect(error?.isTransient == true)
    }

    @Test func connectTimeout() async throws {
        let server = try await TestServer.get()
        let started = ContinuousClock.now
        let error = await failure(HTTPRequest(url: "http://127.0.0.1:\(server.blackholePort)/",
                                              options: options { $0.connectTimeout = .milliseconds(500) }))
        #expect(error?.code == .connectTimeout, "\(String(describing: error))")
        // The system's own connect timeout to a full backlog is about two minutes.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func totalTimeout() async throws {
        let server = try await TestServer.get()
        // Long enough to connect on a loaded machine (a timeout before that is a connect
        // timeout); the server's thread sleeps out its 30 seconds on its own.
        let error = await failure(HTTPRequest(url: server.url("/slow?delay=30"), options: options { $0.timeout = .seconds(3) }))
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("timed out") == true)
    }

    @Test func stallTimeout() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/slow-body?chunks=3&interval=3"),
                                              options: options { $0.stallTimeout = .seconds(1) }))
        #expect(error?.code == .timeout)
    }

    @Test func connectionReset() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/reset")))
        #expect(error?.code == .connection)
        #expect(error?.isTransient == true)
    }

    @Test func truncatedBody() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/truncated")))
        #expect(error?.code == .connection)
    }

    @Test func dnsFailure() async throws {
        // Resolution goes to our own DNS-over-HTTPS endpoint, which answers NXDOMAIN, so the
        // test sends no query off this machine.
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: "http://no-such-host.huiliu.test/x", options: options {
            $0.dnsOverHTTPS = server.httpsURL("/dns-query")
            $0.tls.caBundlePath = server.tls.caCertificate
        }))
        #expect(error?.code == .dns)
        #expect(error?.description.contains("no-such-host.huiliu.test") == true)
    }

    @Test func serverErrorStatus() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/status?code=500")))
        #expect(error?.code == .httpStatus)
        #expect(error?.status == 500)
        #expect(error?.isTransient == true)
        #expect(error?.bodyExcerpt?.contains("status 500") == true)
    }

    @Test func tooManyRequestsCarriesRetryAfter() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(HTTPRequest(url: server.url("/status?code=429&retry_after=7")))
        #expect(response.status == 429, "execute returns any status; checking is separate")
        let error = #expect(throws: TransportError.self) { try response.checkStatus() }
        #expect(error?.retryAfter == .seconds(7))
        #expect(error?.isTransient == true)
    }

    @Test func clientErrorIsNotTransient() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/status?code=404")))
        #expect(error?.status == 404)
        #expect(error?.isTransient == false)
        let accepted = try await client.execute(HTTPRequest(url: server.url("/status?code=404"))).checkStatus(accepting: 200...404)
        #expect(accepted.status == 404)
    }

    @Test func redirectLoop() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/redirect-loop"), options: options { $0.maximumRedirects = 3 }))
        #expect(error?.code == .tooManyRedirects)
    }

    @Test func undecodableBody() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/bad-encoding")))
        #expect(error?.code == .decoding)
    }

    @Test func collectedBodyTooLarge() async throws {
        let server = try await TestServer.get()
        let error = await failure(HTTPRequest(url: server.url("/stream?bytes=5000"), options: options { $0.maximumBodySize = 1000 }))
        #expect(error?.code == .bodyTooLarge)
    }

    @Test func invalidRequests() async throws {
        let error = await failure(HTTPRequest(url: "file:///etc/passwd"))
        #expect(error?.code == .invalidRequest)
        let injected = await failure(HTTPRequest(url: "http://127.0.0.1:1/", headers: ["X-A": "1\r\nX-Injected: 2"]))
        #expect(injected?.code == .invalidRequest)
    }

    @Test func errorsRedactCredentials() async throws {
        let port = Self.closedPort()
        let url = "http://bob:hunter2@127.0.0.1:\(port)/api?page=1&sign=ABCDEF&access_token=tok&appSecret=s&x-tif-signature=q"
        let error = await failure(HTTPRequest(url: url))
        #expect(error?.url == "http://***@127.0.0.1:\(port)/api?page=1&sign=***&access_token=***&appSecret=***&x-tif-signature=***")
        let text = error.map(String.init(describing:)) ?? ""
        for secret in ["hunter2", "bob", "ABCDEF", "tok&", "=s&"] {
            #expect(!text.contains(secret), "\(secret) leaked into \(text)")
        }
    }

    @Test func shutDownClientRefusesWork() async throws {
        let server = try await TestServer.get()
        let client = HTTPClient()
        #expect(try await client.execute(HTTPRequest(url: server.url("/json"))).status == 200)
        client.shutdown()
        let error = await #expect(throws: TransportError.self) {
            try await client.execute(HTTPRequest(url: server.url("/json")))
        }
        #expect(error?.code == .cancelled)
    }
}
