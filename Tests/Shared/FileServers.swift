import Foundation
import HuiliuKit
import HuiliuKitTesting
import Synchronization
import Testing

/// Why a fixture could not be had. When the machine lacks what it needs (`absent`), tests
/// skip (cancel) with the reason instead of passing; when it is there but failed to start,
/// they fail — `make test` installs every fixture, so a broken one must not pass for a skip.
struct FixtureUnavailable: Error, CustomStringConvertible {
    let description: String
    var absent = false
}

/// A fixture started once, on first use, for every test that needs it; `name` says which
/// fixture failed when starting it threw something other than ``FixtureUnavailable``.
func sharedFixture<T: Sendable>(_ name: String, _ start: @escaping @Sendable () throws -> T) -> Task<Result<T, FixtureUnavailable>, Never> {
    Task {
        do {
            return .success(try await onOwnThread(start))
        } catch let reason as FixtureUnavailable {
            return .failure(reason)
        } catch {
            return .failure(FixtureUnavailable(description: "\(name) fixture failed: \(error)"))
        }
    }
}

/// The fixture; or the running test cancelled with the reason it is absent, or failed with
/// the reason it did not start.
func require<T: Sendable>(_ fixture: Task<Result<T, FixtureUnavailable>, Never>) async throws -> T {
    switch await fixture.value {
    case .success(let value): return value
    case .failure(let reason) where reason.absent: try Test.cancel(Comment(rawValue: reason.description))
    case .failure(let reason): throw reason
    }
}

/// Files both servers serve, with known contents and times.
struct ServedFiles: Sendable {
    let root: String
    static let helloModified: Int64 = 1_700_000_000  // 2023-11-14 22:13:20 UTC
    static let bigSize = 3 * 1024 * 1024 + 17
    static let chineseName = "报表 2024.csv"
    /// The name of the file in `gbk/`, which is spelled in GBK on disk, as a Chinese Windows
    /// FTP server lists it: 预算执行 2024.csv.
    static let gbkName = "预算执行 2024.csv"
    static let gbkNameBytes: [UInt8] = [212, 164, 203, 227, 214, 180, 208, 208, 32, 50, 48, 50, 52, 46, 99, 115, 118]

    static func make() throws -> ServedFiles {
        let root = try makeTemporaryDirectory("huiliu-files")
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        try "hello\n".write(toFile: root + "/a.txt", atomically: true, encoding: .utf8)
        try "地区,金额\n420100,12.30\n".write(toFile: root + "/" + chineseName, atomically: true, encoding: .utf8)
        try Data((0..<bigSize).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: root + "/big.bin"))
        try "nested\n".write(toFile: root + "/sub/n.txt", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: root + "/gbk", withIntermediateDirectories: true)
        let gbkPath = (Array((root + "/gbk/").utf8) + gbkNameBytes).map { CChar(bitPattern: $0) } + [0]
        let descriptor = gbkPath.withUnsafeBufferPointer { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        guard descriptor >= 0 else { throw FixtureUnavailable(description: "cannot create the GBK-named file") }
        let content = Array("地区,金额\n420100,7.05\n".utf8)
        _ = content.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(helloModified))], ofItemAtPath: root + "/a.txt")
        for path in ["", "/sub", "/gbk"] { try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + path) }
        for path in ["/a.txt", "/" + chineseName, "/big.bin", "/sub/n.txt"] {
            try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: root + path)
        }
        return ServedFiles(root: root)
    }
}

/// A free loopback TCP port for a server the test starts, below Linux's ephemeral range
/// (32768 and up): a port the kernel hands out could be taken by any outgoing connection
/// between the check and the server binding it; these only by another server choosing one.
func freePort() -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if bound { return port }
    }
    fatalError("no free loopback port between 20000 and 32000")
}

/// Waits until something accepts connections on `port`.
func waitForListener(port: Int, child: ChildProcess, seconds: Double = 60) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline && child.process.isRunning {
        if loopbackAcceptsConnections(port: port) { return true }
        usleep(50_000)
    }
    return false
}

/// vsftpd on loopback: anonymous, read-only, TLS offered with the test CA's certificate.
struct FTPServer: Sendable {
    let port: Int
    let files: ServedFiles
    let tls: TLSFixture

    func url(_ path: String) -> String { "ftp://127.0.0.1:\(port)\(path)" }

    static let shared = sharedFixture("vsftpd", start)

    private static func start() throws -> FTPServer {
        guard let vsftpd = findExecutable("vsftpd") else {
            throw FixtureUnavailable(description: "vsftpd is not installed (Debian package vsftpd; scripts/bootstrap installs it)", absent: true)
        }
        let files = try ServedFiles.make()
        let tls = try TLSFixture.make()
        let directory = try makeTemporaryDirectory("huiliu-vsftpd")
        try FileManager.default.createDirectory(atPath: directory + "/empty", withIntermediateDirectories: true)
        let port = freePort()
        let config = """
            listen=YES
            listen_ipv6=NO
            listen_address=127.0.0.1
            listen_port=\(port)
            background=NO
            run_as_launching_user=YES
            seccomp_sandbox=NO
            secure_chroot_dir=\(directory)/empty
            anonymous_enable=YES
            no_anon_password=YES
            anon_root=\(files.root)
            local_enable=NO
            write_enable=NO
            pasv_enable=YES
            pasv_address=127.0.0.1
            xferlog_enable=NO
            ssl_enable=YES
            allow_anon_ssl=YES
            force_anon_logins_ssl=NO
            force_anon_data_ssl=NO
            require_ssl_reuse=NO
            ssl_ciphers=HIGH
            rsa_cert_file=\(tls.serverCertificate)
            rsa_private_key_file=\(tls.serverKey)
            """
        try config.write(toFile: directory + "/vsftpd.conf", atomically: true, encoding: .utf8)
        let child = try ChildProcess(findExecutable("python3") ?? "/usr/bin/python3",
                                     [transportFixtures + "/supervise.py", "--cleanup", directory, "--cleanup", files.root,
                                      "--cleanup", tls.directory, vsftpd, directory + "/vsftpd.conf"])
        keepAlive.withLock { $0.append(child) }
        guard waitForListener(port: port, child: child) else {
            throw FixtureUnavailable(description: "vsftpd did not start: \(child.process.isRunning ? "no listener" : child.errorOutput())")
        }
        return FTPServer(port: port, files: files, tls: tls)
    }
}

/// OpenSSH's sshd on loopback with a throwaway host key and an authorized key for the current user.
struct SSHServer: Sendable {
    let port: Int
    let files: ServedFiles
    let user: String
    let userKey: String
    let hostKeySHA256: String
    let knownHosts: String

    func url(_ path: String) -> String { "sftp://127.0.0.1:\(port)\(files.root)\(path)" }

    static let shared = sharedFixture("sshd", start)

    private static func start() throws -> SSHServer {
        guard let sshd = findExecutable("sshd"), let keygen = findExecutable("ssh-keygen") else {
            throw FixtureUnavailable(description: "sshd or ssh-keygen is not installed (Debian package openssh-server; scripts/bootstrap installs it)", absent: true)
        }
        guard getuid() == 0 else {
            throw FixtureUnavailable(description: "sshd needs root to switch to the test user; tests run as uid \(getuid())", absent: true)
        }
        // sshd refuses to start without its privilege-separation directory, which only the
        // package's service unit creates; a test machine never ran that unit.
        if !FileManager.default.fileExists(atPath: "/run/sshd") {
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        let files = try ServedFiles.make()
        let directory = try makeTemporaryDirectory("huiliu-sshd")
        for (name, format) in [("hostkey", [String]()), ("userkey", ["-m", "PEM"])] {
            let result = try run(keygen, ["-q", "-t", "ecdsa", "-N", ""] + format + ["-f", "\(directory)/\(name)"])
            guard result.status == 0 else { throw FixtureUnavailable(description: "ssh-keygen failed: \(result.output)") }
        }
        try FileManager.default.copyItem(atPath: directory + "/userkey.pub", toPath: directory + "/authorized_keys")
        let fingerprint = try run(keygen, ["-l", "-f", directory + "/hostkey.pub"]).output  // "256 SHA256:… comment (ECDSA)"
        guard let sha = fingerprint.split(separator: " ").first(where: { $0.hasPrefix("SHA256:") }) else {
            throw FixtureUnavailable(description: "cannot read the host key fingerprint: \(fingerprint)")
        }
        let port = freePort()
        let hostPublic = try String(contentsOfFile: directory + "/hostkey.pub", encoding: .utf8).split(separator: " ")
        try "[127.0.0.1]:\(port) \(hostPublic[0]) \(hostPublic[1])\n".write(toFile: directory + "/known_hosts", atomically: true, encoding: .utf8)
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory)/hostkey
            PidFile \(directory)/sshd.pid
            AuthorizedKeysFile \(directory)/authorized_keys
            UsePAM no
            StrictModes no
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            Subsystem sftp internal-sftp
            LogLevel ERROR
            """
        try config.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        let child = try ChildProcess(findExecutable("python3") ?? "/usr/bin/python3",
                                     [transportFixtures + "/supervise.py", "--cleanup", directory, "--cleanup", files.root,
                                      sshd, "-D", "-e", "-f", directory + "/sshd_config"])
        keepAlive.withLock { $0.append(child) }
        guard waitForListener(port: port, child: child) else {
            throw FixtureUnavailable(description: "sshd did not start: \(child.process.isRunning ? "no listener" : child.errorOutput())")
        }
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        return SSHServer(port: port, files: files, user: user, userKey: directory + "/userkey",
                         hostKeySHA256: String(sha), knownHosts: directory + "/known_hosts")
    }
}
