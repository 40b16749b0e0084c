import Foundation

/// A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate,
/// made with the `openssl` command line tool.
struct TLSFixture: Sendable {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCertificate: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }
    /// A second CA that signed nothing we serve, to prove verification really happens.
    var otherCACertificate: String { directory + "/other-ca.pem" }

    static func make() throws -> TLSFixture {
        let directory = try makeTemporaryDirectory("huiliu-tls")
        guard let openssl = findExecutable("openssl") else { throw FixtureError("openssl is not installed") }
        let serverExtensions = directory + "/server.ext"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            .write(toFile: serverExtensions, atomically: true, encoding: .utf8)
        let clientExtensions = directory + "/client.ext"
        try "extendedKeyUsage=clientAuth\n".write(toFile: clientExtensions, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=Huiliu Test CA", "-keyout", "ca.key", "-out", "ca.pem"],
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=Other CA", "-keyout", "other-ca.key", "-out", "other-ca.pem"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "server.key", "-out", "server.csr"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", "server.ext", "-out", "server.pem"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=huiliu-client",
             "-keyout", "client.key", "-out", "client.csr"],
            ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", "client.ext", "-out", "client.pem"],
        ]
        for step in steps {
            let result = try run(openssl, step, in: directory)
            guard result.status == 0 else { throw FixtureError("openssl \(step[0]) failed: \(result.output)") }
        }
        return TLSFixture(directory: directory)
    }
}
