import Foundation

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
        let process = start(arguments, in: directory, environment: environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty command cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
                      status: process.terminationStatus, killedBySignal: process.terminationReason == .uncaughtSignal)
    }

    /// A configured but not yet started process.
    static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]
        for (key, value) in environment { env[key] = value }
        process.environment = env
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
