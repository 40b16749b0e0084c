import Foundation
import HuiliuKit
import HuiliuKitTesting
import Synchronization

/// A throwaway PostgreSQL server on loopback (Debian package postgresql): its own data
/// directory, trust authentication for the superuser `huiliu`, fsync off.
struct PostgresServer: Sendable {
    let port: Int

    /// The URL of its `postgres` database.
    var url: String { "postgresql://huiliu@127.0.0.1:\(port)/postgres" }

    static let shared = sharedFixture("PostgreSQL", start)

    /// The newest installed server's programs (`/usr/lib/postgresql/15/bin`).
    static func binaries() -> String? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "/usr/lib/postgresql/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/postgres") ? $0 : nil }
    }

    private static func start() throws -> PostgresServer {
        guard let bin = binaries() else {
            throw FixtureUnavailable(description: "PostgreSQL is not installed (Debian package postgresql; scripts/bootstrap installs it)", absent: true)
        }
        // PostgreSQL refuses to run as root: as root, the server runs as the package's
        // `postgres` user, in a directory that user owns outside the tests' private TMPDIR.
        let asRoot = getuid() == 0
        let directory = (asRoot ? "/tmp/" : NSTemporaryDirectory()) + "huiliu-postgres-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var prefix: [String] = []
        if asRoot {
            guard let account = getpwnam("postgres") else {
                throw FixtureUnavailable(description: "no 'postgres' user to run the server as (the postgresql package creates it)", absent: true)
            }
            guard chown(directory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw FixtureUnavailable(description: "cannot hand \(directory) to the postgres user")
            }
            prefix = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        }
        let command = prefix + [bin + "/initdb", "-D", directory + "/data", "-U", "huiliu", "-A", "trust", "-E", "UTF8",
                                "--no-locale", "--no-sync"]
        let initdb = try ChildCommand.run(command[0], Array(command.dropFirst()), mergeOutput: true)
        guard initdb.status == 0 else {
            throw FixtureUnavailable(description: "initdb failed: \(initdb.stdoutText)")
        }
        let port = freePort()
        let child = try ChildProcess(findExecutable("python3") ?? "/usr/bin/python3",
                                     [transportFixtures + "/supervise.py", "--cleanup", directory]
                                        + (asRoot ? ["--user", "postgres"] : [])
                                        + [bin + "/postgres", "-D", directory + "/data", "-p", "\(port)", "-k", directory,
                                           "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                                           "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
        keepAlive.withLock { $0.append(child) }
        guard waitForListener(port: port, child: child) else {
            throw FixtureUnavailable(description: "PostgreSQL did not start: \(child.process.isRunning ? "no listener" : child.errorOutput())")
        }
        // The port opens before the server takes connections ("the database system is starting
        // up"): wait until it answers as ready.
        for _ in 0..<300 {
            let ready = try ChildCommand.run(bin + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "huiliu"], mergeOutput: true)
            if ready.status == 0 { return PostgresServer(port: port) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw FixtureUnavailable(description: "PostgreSQL listens on \(port) but never became ready")
    }
}
