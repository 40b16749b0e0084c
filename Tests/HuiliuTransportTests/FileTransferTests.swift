import Foundation
import HuiliuTransport
import Testing
@testable import HuiliuTestSupport

@Suite("FTP and FTPS against vsftpd")
struct FTPTests {
    func files(_ change: (inout FileTransferOptions) -> Void = { _ in }) -> FileTransferClient {
        var options = FileTransferOptions()
        change(&options)
        return FileTransferClient(options: options)
    }

    @Test func listsADirectory() async throws {
        let server = try await require(FTPServer.shared)
        let entries = try await files().list(server.url("/"))
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        #expect(Set(byName.keys) == ["a.txt", "big.bin", "sub", "gbk", ServedFiles.chineseName])
        #expect(byName[ServedFiles.chineseName]?.nameBytes == nil)
        #expect(byName["a.txt"]?.kind == .file)
        #expect(byName["a.txt"]?.size == 6)
        #expect(byName["sub"]?.kind == .directory)
        #expect(byName["big.bin"]?.size == Int64(ServedFiles.bigSize))
        // Older than six months, so ls shows the year: day precision.
        #expect(byName["a.txt"]?.modified == ServedFiles.helloModified / 86_400 * 86_400)
        #expect(byName["a.txt"]?.modifiedPrecision == .day)
        #expect(try await files().list(server.url("/sub")).map(\.name) == ["n.txt"])
    }

    @Test func exactAttributes() async throws {
        let server = try await require(FTPServer.shared)
        let attributes = try await files().attributes(of: server.url("/a.txt"))
        #expect(attributes.size == 6)
        #expect(attributes.modified == ServedFiles.helloModified)
    }

    @Test func readsAFileWithAChineseName() async throws {
        let server = try await require(FTPServer.shared)
        let encoded = ServedFiles.chineseName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
        let bytes = try await files().read(server.url("/" + encoded))
        #expect(String(decoding: bytes, as: UTF8.self) == "地区,金额\n420100,12.30\n")
    }

    /// A Chinese Windows FTP server lists names in GBK: the name reads as Chinese, and the
    /// file is fetched under the bytes the server listed (as UTF-8 it would not be found).
    @Test func readsAFileWithAGBKName() async throws {
        let server = try await require(FTPServer.shared)
        let entries = try await files().list(server.url("/gbk/"))
        #expect(entries.map(\.name) == [ServedFiles.gbkName])
        #expect(entries.first?.nameBytes == ServedFiles.gbkNameBytes)
        let path = try #require(entries.first?.urlPathComponent)
        #expect(path == "%D4%A4%CB%E3%D6%B4%D0%D0%202024.csv")
        let bytes = try await files().read(server.url("/gbk/" + path))
        #expect(String(decoding: bytes, as: UTF8.self) == "地区,金额\n420100,7.05\n")
    }

    @Test func streamsADownload() async throws {
        let server = try await require(FTPServer.shared)
        var received: [UInt8] = []
        for try await chunk in try await files().download(server.url("/big.bin")) { received += chunk }
        #expect(received.count == ServedFiles.bigSize)
        #expect(received == (0..<ServedFiles.bigSize).map { UInt8($0 % 251) })
    }

    @Test func explicitTLS() async throws {
        let server = try await require(FTPServer.shared)
        let secure = files {
            $0.ftpSecurity = .required
            $0.tls.caBundlePath = server.tls.caCertificate
        }
        #expect(try await secure.read(server.url("/a.txt")) == Array("hello\n".utf8))
        let untrusted = files { $0.ftpSecurity = .required }
        let error = await #expect(throws: TransportError.self) { try await untrusted.read(server.url("/a.txt")) }
        #expect(error?.code == .tls)
    }

    @Test func missingFile() async throws {
        let server = try await require(FTPServer.shared)
        let error = await #expect(throws: TransportError.self) { try await files().download(server.url("/nope.txt")) }
        #expect(error?.code == .notFound)
    }

    @Test func rejectedLogin() async throws {
        let server = try await require(FTPServer.shared)
        let error = await #expect(throws: TransportError.self) {
            try await files { $0.credentials = .password(user: "bob", password: "secret-pw") }.list(server.url("/"))
        }
        #expect(error?.code == .authentication)
        #expect(error?.description.contains("secret-pw") == false)
    }

    /// FTP through an HTTP proxy goes through a CONNECT tunnel: without one, libcurl sent
    /// `GET ftp://user:password@…` to the proxy and took its answer (a 407 page here) for an
    /// empty listing, so a run through a proxy refusing it succeeded reading nothing.
    @Test func throughAProxyItTunnels() async throws {
        let server = try await require(FTPServer.shared)
        let proxy = try await TestServer.get()
        let error = await #expect(throws: TransportError.self) {
            try await files { $0.proxy = .server(url: proxy.url(""), username: nil, password: nil, noProxy: nil) }.list(server.url("/"))
        }
        #expect(error?.code == .proxyRefused)
    }

    @Test func rejectsOtherSchemes() async throws {
        let error = await #expect(throws: TransportError.self) { try await files().list("http://127.0.0.1/") }
        #expect(error?.code == .invalidRequest)
    }
}

@Suite("SFTP against OpenSSH")
struct SFTPTests {
    func files(_ server: SSHServer, _ change: (inout FileTransferOptions) -> Void = { _ in }) -> FileTransferClient {
        var options = FileTransferOptions()
        options.credentials = .sshKey(user: server.user, privateKeyPath: server.userKey)
        options.hostKey = .sha256(server.hostKeySHA256)
        change(&options)
        return FileTransferClient(options: options)
    }

    @Test func listsWithKeyAuthentication() async throws {
        let server = try await require(SSHServer.shared)
        let entries = try await files(server).list(server.url("/"))
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        #expect(Set(byName.keys) == ["a.txt", "big.bin", "sub", "gbk", ServedFiles.chineseName])
        #expect(byName[ServedFiles.chineseName]?.nameBytes == nil)
        #expect(byName["a.txt"]?.size == 6)
        #expect(byName["sub"]?.kind == .directory)
    }

    @Test func exactAttributes() async throws {
        let server = try await require(SSHServer.shared)
        let attributes = try await files(server).attributes(of: server.url("/a.txt"))
        #expect(attributes.modified == ServedFiles.helloModified)
        #expect(attributes.size == 6)
    }

    @Test func streamsADownload() async throws {
        let server = try await require(SSHServer.shared)
        var count = 0
        for try await chunk in try await files(server).download(server.url("/big.bin")) { count += chunk.count }
        #expect(count == ServedFiles.bigSize)
    }

    @Test func readsAFileWithAGBKName() async throws {
        let server = try await require(SSHServer.shared)
        let entries = try await files(server).list(server.url("/gbk/"))
        #expect(entries.map(\.name) == [ServedFiles.gbkName])
        let path = try #require(entries.first?.urlPathComponent)
        #expect(try await files(server).read(server.url("/gbk/" + path)) == Array("地区,金额\n420100,7.05\n".utf8))
    }

    @Test func knownHostsFile() async throws {
        let server = try await require(SSHServer.shared)
        let bytes = try await files(server) { $0.hostKey = .knownHosts(path: server.knownHosts) }.read(server.url("/a.txt"))
        #expect(bytes == Array("hello\n".utf8))
    }

    @Test func wrongHostKeyIsRejected() async throws {
        let server = try await require(SSHServer.shared)
        let pinned = files(server) { $0.hostKey = .sha256("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") }
        let error = await #expect(throws: TransportError.self) { try await pinned.read(server.url("/a.txt")) }
        #expect(error?.code == .ssh)
        let unknown = files(server) { $0.hostKey = .knownHosts(path: "/dev/null") }
        let unknownError = await #expect(throws: TransportError.self) { try await unknown.read(server.url("/a.txt")) }
        #expect(unknownError?.code == .ssh)
        // libcurl's words name no file: which known_hosts did not vouch for the server is said.
        #expect(unknownError?.message.contains("the server's host key is not in /dev/null, or differs from the one recorded there") == true,
                "\(unknownError.map { "\($0)" } ?? "")")
    }

    @Test func wrongPasswordIsAnAuthenticationError() async throws {
        let server = try await require(SSHServer.shared)
        let error = await #expect(throws: TransportError.self) {
            try await files(server) { $0.credentials = .password(user: server.user, password: "not-the-password") }
                .read(server.url("/a.txt"))
        }
        #expect(error?.code == .authentication)
    }

    @Test func missingFile() async throws {
        let server = try await require(SSHServer.shared)
        let error = await #expect(throws: TransportError.self) { try await files(server).download(server.url("/nope.txt")) }
        #expect(error?.code == .notFound)
    }
}
