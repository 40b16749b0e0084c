import HuiliuTransport
import Testing
@testable import HuiliuTestSupport

@Suite("HTTPS, custom CAs and mutual TLS")
struct HTTPSTests {
    let client = HTTPClient()

    func request(_ url: String, _ change: (inout TLSOptions) -> Void = { _ in }) -> HTTPRequest {
        var options = TransferOptions()
        change(&options.tls)
        return HTTPRequest(url: url, options: options)
    }

    func failure(_ request: HTTPRequest) async -> TransportError? {
        do {
            _ = try await client.execute(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func trustsACustomCABundle() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(request(server.httpsURL("/json")) { $0.caBundlePath = server.tls.caCertificate })
        #expect(response.status == 200)
        #expect(response.metrics.tlsHandshake > .zero)
    }

    @Test func systemStoreRejectsAPrivateCA() async throws {
        let server = try await TestServer.get()
        let error = await failure(request(server.httpsURL("/json")))
        #expect(error?.code == .tls)
    }

    @Test func wrongCABundleIsRejected() async throws {
        let server = try await TestServer.get()
        let error = await failure(request(server.httpsURL("/json")) { $0.caBundlePath = server.tls.otherCACertificate })
        #expect(error?.code == .tls)
    }

    @Test func verificationCanBeTurnedOffForTests() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(request(server.httpsURL("/json")) {
            $0.verifyPeer = false
            $0.verifyHost = false
        })
        #expect(response.status == 200)
    }

    @Test func presentsAClientCertificate() async throws {
        let server = try await TestServer.get()
        let response = try await client.execute(request(server.mtlsURL("/json")) {
            $0.caBundlePath = server.tls.caCertificate
            $0.clientCertificatePath = server.tls.clientCertificate
            $0.clientKeyPath = server.tls.clientKey
        })
        #expect(response.status == 200)
    }

    @Test func mutualTLSWithoutCertificateFails() async throws {
        let server = try await TestServer.get()
        let error = await failure(request(server.mtlsURL("/json")) { $0.caBundlePath = server.tls.caCertificate })
        // With TLS 1.3 the server rejects the missing certificate after the handshake, with an
        // alert the client reads on its first receive; when the server resets the connection
        // before that read (a loaded machine), the alert is lost and the client sees a reset.
        #expect(error?.code == .tls || error?.code == .connection, "\(String(describing: error))")
        #expect(error.map { "\($0)".contains("/json") } == true)
    }

    @Test func missingClientKeyFileIsATLSError() async throws {
        let server = try await TestServer.get()
        let error = await failure(request(server.mtlsURL("/json")) {
            $0.caBundlePath = server.tls.caCertificate
            $0.clientCertificatePath = server.tls.clientCertificate
            $0.clientKeyPath = "/nonexistent/client.key"
        })
        #expect(error?.code == .tls)
    }
}
