import Foundation
import Synchronization
@testable import HuiliuTestSupport

/// The transport tests' Python loopback server (`Tests/HuiliuTransportTests/Fixtures/testserver.py`):
/// basic auth, signatures checked by an independent implementation, resets, slow responses,
/// and HTTPS with mutual TLS.
struct PythonServer: Sendable {
    let httpPort: Int
    let mtlsPort: Int
    let tls: TLSFixture

    func url(_ path: String = "") -> String { "http://127.0.0.1:\(httpPort)\(path)" }
    func mtlsURL(_ path: String = "") -> String { "https://127.0.0.1:\(mtlsPort)\(path)" }

    static let shared = Task<PythonServer, any Error> { try await onOwnThread(start) }

    private static func start() throws -> PythonServer {
        let tls = try TLSFixture.make()
        guard let python = findExecutable("python3") else { throw FixtureError("python3 is not installed") }
        let child = try ChildProcess(python, [transportFixtures + "/testserver.py", "--cert", tls.serverCertificate,
                                              "--key", tls.serverKey, "--ca", tls.caCertificate, "--cleanup", tls.directory])
        keepAlive.withLock { $0.append(child) }
        guard let line = child.firstLine(),
              let ports = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int],
              let http = ports["http"], let mtls = ports["mtls"] else {
            throw FixtureError("testserver.py did not report its ports: \(child.errorOutput())")
        }
        return PythonServer(httpPort: http, mtlsPort: mtls, tls: tls)
    }

    static func get() async throws -> PythonServer { try await shared.value }
}
