import Foundation
import HuiliuTransport
import Synchronization
import Testing
@testable import HuiliuTestSupport

/// nghttpd (nghttp2's reference server) serving one file, over TLS with ALPN and over h2c.
struct HTTP2Server: Sendable {
    let tlsPort: Int
    let cleartextPort: Int
    let tls: TLSFixture

    static let shared = Task<Result<HTTP2Server, FixtureUnavailable>, Never> { await onOwnThread(start) }

    private static func start() -> Result<HTTP2Server, FixtureUnavailable> {
        guard let nghttpd = findExecutable("nghttpd") else {
            return .failure(FixtureUnavailable(description: "nghttpd is not installed (Debian package nghttp2-server)", absent: true))
        }
        do {
            let tls = try TLSFixture.make()
            let root = try makeTemporaryDirectory("huiliu-h2")
            try #"{"ok":true}"#.write(toFile: root + "/ok.json", atomically: true, encoding: .utf8)
            let python = findExecutable("python3") ?? "/usr/bin/python3"
            let tlsPort = freePort(), cleartextPort = freePort()
            let secure = try ChildProcess(python, [transportFixtures + "/supervise.py", "--cleanup", tls.directory,
                                                   "--cleanup", root, nghttpd, "-d", root, "--address=127.0.0.1",
                                                   String(tlsPort), tls.serverKey, tls.serverCertificate])
            let plain = try ChildProcess(python, [transportFixtures + "/supervise.py", nghttpd, "-d", root, "--address=127.0.0.1",
                                                  "--no-tls", String(cleartextPort)])
            keepAlive.withLock { $0 += [secure, plain] }
            guard waitForListener(port: tlsPort, child: secure), waitForListener(port: cleartextPort, child: plain) else {
                return .failure(FixtureUnavailable(description: "nghttpd did not start: \(secure.errorOutput()) \(plain.errorOutput())"))
            }
            return .success(HTTP2Server(tlsPort: tlsPort, cleartextPort: cleartextPort, tls: tls))
        } catch {
            return .failure(FixtureUnavailable(description: "nghttpd fixture failed: \(error)"))
        }
    }
}

@Suite("HTTP/2 against nghttpd")
struct HTTP2Tests {
    let client = HTTPClient()

    @Test func negotiatesHTTP2OverTLSAndMultiplexes() async throws {
        let server = try await require(HTTP2Server.shared)
        let options = { var o = TransferOptions(); o.tls.caBundlePath = server.tls.caCertificate; return o }()
        let url = "https://127.0.0.1:\(server.tlsPort)/ok.json"
        let first = try await client.execute(HTTPRequest(url: url, options: options)).checkStatus()
        #expect(first.head.httpVersion == "2")
        #expect(first.head.reason == "")
        #expect(first.text == #"{"ok":true}"#)
        #expect(first.metrics.connectionsOpened == 1)
        let client = self.client
        let opened = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await client.execute(HTTPRequest(url: url, options: options)).checkStatus().metrics.connectionsOpened }
            }
            return try await group.reduce(0, +)
        }
        #expect(opened == 0, "20 concurrent requests multiplexed over the first connection")
    }

    @Test func cleartextWithPriorKnowledge() async throws {
        let server = try await require(HTTP2Server.shared)
        let options = { var o = TransferOptions(); o.httpVersion = .http2PriorKnowledge; return o }()
        for _ in 0..<3 {
            let response = try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.cleartextPort)/ok.json", options: options))
            #expect(response.status == 200)
            #expect(response.head.httpVersion == "2")
        }
    }
}
