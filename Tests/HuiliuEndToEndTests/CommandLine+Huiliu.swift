import Foundation
import HuiliuKitTesting

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
    @discardableResult
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                    stdin: Data? = nil) throws -> Result {
        // Not Foundation.Process: its exit detection can wait forever when a server started by
        // another test inherited its socket (see ChildCommand).
        let result = try ChildCommand.run(executable.path, arguments, environment: Self.environment(adding: environment),
                                          directory: directory, stdin: stdin.map { [UInt8]($0) } ?? [])
        return Result(stdout: result.stdoutText, stderr: result.stderrText, status: result.signal ?? result.status,
                      killedBySignal: result.signal != nil)
    }

    /// The minimal environment commands run with, plus `extra`.
    static func environment(adding extra: [String: String]) -> [String: String] {
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// A configured but not yet started process.
    static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = Self.environment(adding: environment)
        return process
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
