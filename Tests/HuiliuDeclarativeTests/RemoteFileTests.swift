import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import Testing
@testable import HuiliuTestSupport

/// File streams over FTP (vsftpd) and SFTP (OpenSSH) on loopback, started by the tests.
struct RemoteFileTests {
    /// The connector the tests read through; `tls` is the FTP stream's.
    static func connector(tls: String = "none") throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: exchange
            summary: Remote files.
            spec:
              url: { type: string, description: Folder URL. }
              user: { type: string, description: User., optional: true }
              key: { type: path, description: SSH key., optional: true }
              host_key: { type: string, description: Host key fingerprint., optional: true }
              ca: { type: string, description: CA bundle., optional: true }
            streams:
              reports:
                files:
                  location: "{{ config.url }}"
                  pattern: "*.csv"
                  username: "{{ config.user }}"
                  private_key: "{{ config.key }}"
                  host_key: "{{ config.host_key }}"
                  tls: \(tls)
                  ca_bundle: "{{ config.ca }}"
            """, name: "exchange")
    }

    @Test func ftp() async throws {
        let ftp = try await require(FTPServer.shared)
        let connector = try Self.connector()
        let result = try await drained(try connector.source("url: \(ftp.url("/"))", stream: "reports"))
        #expect(result.records.map(\.data) == [["地区": "420100", "金额": "12.30"]])
        #expect(result.records.first?.origin.description == "\(ServedFiles.chineseName):2")
        // Remembered: a second run reads nothing.
        #expect(try await drained(try connector.source("url: \(ftp.url("/"))", stream: "reports"), after: result.lastCheckpoint).records.isEmpty)
    }

    /// A server without SIZE that cuts a download short and says it is complete: the listing's
    /// size tells, and the file is not read (its first half was read, and remembered as the whole).
    @Test func aDownloadShorterThanItsListingIsNotRead() async throws {
        let python = try #require(findExecutable("python3"))
        let server = try ChildProcess(python, [transportFixtures + "/cutftp.py"])
        defer { server.terminate() }
        let line = try #require(server.firstLine())
        let port = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int])?["ftp"])
        let connector = try Self.connector()
        let source = try connector.source("url: ftp://127.0.0.1:\(port)/\nuser: anonymous", stream: "reports")
        await #expect { _ = try await drained(source) } throws: { error in
            "\(error)".contains("report.csv: downloaded 15450 bytes of the 30900 the listing gave")
        }
    }

    /// Files a GBK server lists under GBK names are read, and named in Chinese in origins.
    @Test func ftpWithGBKNames() async throws {
        let ftp = try await require(FTPServer.shared)
        let connector = try Self.connector()
        let result = try await drained(try connector.source("url: \(ftp.url("/gbk/"))", stream: "reports"))
        #expect(result.records.map(\.data) == [["地区": "420100", "金额": "7.05"]])
        #expect(result.records.first?.origin.description == "\(ServedFiles.gbkName):2")
    }

    /// FTPS against a server whose certificate a private CA signed: the stream names the CA
    /// bundle (without it, the certificate cannot be verified and the run fails saying so).
    @Test func ftpsWithAPrivateCA() async throws {
        let ftp = try await require(FTPServer.shared)
        let connector = try Self.connector(tls: "required")
        let trusted = try await drained(try connector.source("url: \(ftp.url("/"))\nca: \(ftp.tls.caCertificate)", stream: "reports"))
        #expect(trusted.records.map(\.data) == [["地区": "420100", "金额": "12.30"]])
        // Named as an HTTP stream's failures are, by connector and stream.
        await #expect { _ = try await drained(try connector.source("url: \(ftp.url("/"))", stream: "reports")) } throws: {
            "\($0)".hasPrefix("exchange/reports: TLS failed for ftp://")
        }
        await #expect { _ = try await drained(try connector.source("url: \(ftp.url("/"))\nca: ca/missing.pem", stream: "reports")) } throws: {
            "\($0)".contains("files.ca_bundle: no readable CA bundle at \(connector.project)/ca/missing.pem")
        }
    }

    @Test func sftpWithAKeyAndAPinnedHostKey() async throws {
        let ssh = try await require(SSHServer.shared)
        let connector = try Self.connector()
        let config = "url: \(ssh.url("/"))\nuser: \(ssh.user)\nkey: \(ssh.userKey)\nhost_key: \(ssh.hostKeySHA256)"
        let result = try await drained(try connector.source(config, stream: "reports"))
        #expect(result.records.map(\.data) == [["地区": "420100", "金额": "12.30"]])
        let wrongKey = "url: \(ssh.url("/"))\nuser: \(ssh.user)\nkey: \(ssh.userKey)\nhost_key: SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        let error = try await #require(throws: (any Error).self) { _ = try await drained(try connector.source(wrongKey, stream: "reports")) }
        #expect("\(error)".contains("mismatch sha256 fingerprint"), "\(error)")
        // The fingerprint as ssh-keygen prints it, and a known_hosts file named relative to the
        // project like every path in its files (it was taken for a fingerprint).
        let printed = "url: \(ssh.url("/"))\nuser: \(ssh.user)\nkey: \(ssh.userKey)\nhost_key: SHA256:\(ssh.hostKeySHA256)"
        #expect(try await drained(try connector.source(printed, stream: "reports")).records.count == 1)
        try FileManager.default.copyItem(atPath: ssh.knownHosts, toPath: connector.project + "/known_hosts")
        let relative = "url: \(ssh.url("/"))\nuser: \(ssh.user)\nkey: \(ssh.userKey)\nhost_key: known_hosts"
        #expect(try await drained(try connector.source(relative, stream: "reports")).records.count == 1)
        // A key file that is not there is said so, not reported as a login denied.
        let noKey = "url: \(ssh.url("/"))\nuser: \(ssh.user)\nkey: keys/missing\nhost_key: \(ssh.hostKeySHA256)"
        let missing = try await #require(throws: (any Error).self) { _ = try await drained(try connector.source(noKey, stream: "reports")) }
        #expect("\(missing)".contains("files.private_key: no readable key file at \(connector.project)/keys/missing"), "\(missing)")
    }
}
