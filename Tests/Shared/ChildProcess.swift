import Foundation
import HuiliuKit
import HuiliuKitTesting
import Synchronization

/// A helper process (test server, vsftpd, sshd) that lives as long as the test process.
///
/// Its standard input is a pipe we never close: the helper (or `supervise.py` around it) exits
/// when it reads end-of-file, which happens when the test process dies however it dies.
final class ChildProcess: Sendable {
    /// No descriptor of the test process reaches it (see ``SpawnedProcess``): a helper that
    /// lives as long as the tests must not hold another test's sockets or pipes open.
    let process: SpawnedProcess

    /// Starts `executable` with `arguments`.
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process = try SpawnedProcess(executable, arguments, environment: environment, standardInput: .pipe)
    }

    /// The first line the process prints, or `nil` if it exits or stays silent for `timeout` seconds.
    func firstLine(timeout: Double = 20) -> String? {
        let handle = process.standardOutput!
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        let fd = handle.fileDescriptor
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) >= 0 else { return nil }
            if pfd.revents == 0 { continue }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else { return nil }
            if byte == 10 { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// Whatever the process wrote to standard error so far (only after it exited).
    func errorOutput() -> String {
        String(decoding: process.standardError!.availableData, as: UTF8.self)
    }

    func terminate() {
        process.signal(SIGTERM)
    }
}

/// Runs a command to completion and returns its exit status and combined output.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
    let result = try ChildCommand.run(executable, arguments, directory: directory, mergeOutput: true)
    return (result.status, result.stdoutText)
}

/// A fresh directory under the system temporary directory.
func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The repository root, through the real path of this file (the package may be reached through a symlink).
let repositoryRoot: String = {
    URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()

/// The transport tests' fixtures: the Python loopback server and the daemon supervisor.
let transportFixtures = repositoryRoot + "/Tests/HuiliuTransportTests/Fixtures"

/// The absolute path of `name` on `PATH` (or in /usr/sbin, where Debian puts daemons), if any.
func findExecutable(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Helpers stay referenced for the life of the process; their stdin pipes close only when it exits.
let keepAlive = Mutex<[ChildProcess]>([])
