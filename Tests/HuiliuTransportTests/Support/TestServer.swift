import Foundation
import Synchronization
@testable import HuiliuTestSupport

/// The Python loopback server (`Fixtures/testserver.py`), started once per test process.
struct TestServer: Sendable {
    let httpPort: Int
    let httpsPort: Int
    let mtlsPort: Int
    /// A listener whose backlog is full: connecting hangs until the connect timeout.
    let blackholePort: Int
    let tls: TLSFixture

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(httpPort)\(path)" }
    /// `https://127.0.0.1:<port><path>`.
    func httpsURL(_ path: String) -> String { "https://127.0.0.1:\(httpsPort)\(path)" }
    /// The mutual-TLS listener.
    func mtlsURL(_ path: String) -> String { "https://127.0.0.1:\(mtlsPort)\(path)" }

    static let shared = Task<TestServer, any Error> { try await onOwnThread(start) }

    private static func start() throws -> TestServer {
        let tls = try TLSFixture.make()
        guard let python = findExecutable("python3") else { throw FixtureError("python3 is not installed") }
        let child = try ChildProcess(python, [
            transportFixtures + "/testserver.py", "--cert", tls.serverCertificate, "--key", tls.serverKey,
            "--ca", tls.caCertificate, "--cleanup", tls.directory,
        ])
        keepAlive.withLock { $0.append(child) }
        guard let line = child.firstLine(),
              let ports = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int],
              let http = ports["http"], let https = ports["https"], let mtls = ports["mtls"],
              let blackhole = ports["blackhole"]
        else {
            throw FixtureError("testserver.py did not report its ports: \(child.errorOutput())")
        }
        return TestServer(httpPort: http, httpsPort: https, mtlsPort: mtls, blackholePort: blackhole, tls: tls)
    }

    static func get() async throws -> TestServer {
        try await shared.value
    }
}
