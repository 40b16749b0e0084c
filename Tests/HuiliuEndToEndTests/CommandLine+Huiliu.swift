import Foundation
import HuiliuKit
import HuiliuKitTesting
import Testing

/// Runs the built `huiliu` executable the way a user would, for end-to-end tests.
struct HuiliuCommand {
    /// The repository root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The executable next to the test bundle (both live in the build's products folder).
    static let executable: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("huiliu"),
            root.appendingPathComponent(".build/debug/huiliu"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    /// What a finished command printed and how it ended.
    struct Result {
        var stdout: String
        var stderr: String
        var status: Int32
        var killedBySignal: Bool
    }

    /// Runs `huiliu arguments…` in `directory` with a minimal environment plus `environment`.
    ///
    /// The wait happens on a thread of its own: the tests share two cooperative threads, and
    /// a test blocking one of them for a whole command stalled the asynchronous tests
    /// (a listener test's 5-second wait for an acknowledgement ran out).
    @discardableResult
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                    stdin: Data? = nil, timeout: Duration = .seconds(600)) async throws -> Result {
        // Not Foundation.Process: its exit detection can wait forever when a server started by
        // another test inherited its socket (see ChildCommand).
        let executable = executable.path, environment = Self.environment(adding: environment), input = stdin.map { [UInt8]($0) } ?? []
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildCommand.Output, any Error>) in
            Thread {
                continuation.resume(with: Swift.Result {
                    try ChildCommand.run(executable, arguments, environment: environment, directory: directory, stdin: input,
                                         timeout: timeout)
                })
            }.start()
        }
        if result.timedOut {
            Issue.record("huiliu \(arguments.joined(separator: " ")) ran past \(timeout) and was killed; it wrote:\n\(result.stderrText.suffix(20_000))")
        }
        return Result(stdout: result.stdoutText, stderr: result.stderrText, status: result.signal ?? result.status,
                      killedBySignal: result.signal != nil)
    }

    /// Waits for `process` to exit on a thread of its own (see ``run(_:in:environment:stdin:timeout:)``);
    /// one still running after `timeout` is asked for a backtrace, killed, and fails the test.
    @discardableResult
    static func exit(of process: SpawnedProcess, timeout: Duration = .seconds(600)) async -> (status: Int32, signal: Int32?) {
        let ended = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: process.wait(timeout: timeout)) }.start()
        }
        if ended.timedOut { Issue.record("huiliu (pid \(process.pid)) ran past \(timeout) and was killed") }
        return (ended.status, ended.signal)
    }

    /// The minimal environment commands run with, plus `extra`.
    static func environment(adding extra: [String: String]) -> [String: String] {
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// Starts `huiliu arguments…` in `directory`, its output going to `output` (standard error
    /// too, unless `errors` says otherwise).
    static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                      output: SpawnedProcess.Stream = .null, errors: SpawnedProcess.Stream = .standardOutput) throws -> SpawnedProcess {
        try SpawnedProcess(executable.path, arguments, environment: Self.environment(adding: environment), directory: directory,
                           standardOutput: output, standardError: errors)
    }
}

/// A fresh project directory for one test.
func temporaryProject(_ name: String) throws -> String {
    let directory = NSTemporaryDirectory() + "huiliu-e2e-\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory + "/pipelines", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
    return directory
}
