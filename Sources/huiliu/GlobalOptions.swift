public import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuEngine
import HuiliuExpression
import HuiliuHJ212
import HuiliuIngest
import HuiliuKit
import HuiliuStore
import Logging

/// Options every command that touches the gateway takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The gateway config file (default: config/huiliu.yaml under the current directory).")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (default: warning; info for serve).")
    var logLevel: Logger.Level?

    /// Loads the gateway config, exiting with status 2 and the problems if it is invalid.
    /// The project's configuration. Unless `anywhere`, a directory that is not a project is
    /// refused rather than treated as an empty one (``requireProject(option:)``).
    func gateway(anywhere: Bool = false) throws -> GatewayConfig {
        if config == nil && !anywhere { try requireProject(option: "--config") }
        do {
            return try GatewayConfig.load(path: config)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }

    /// A logger writing plain text to standard error.
    func logger(label: String = "huiliu") -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel ?? .warning
        return logger
    }
}

/// Exits 2 unless the current directory is a project (`config/huiliu.yaml`, `config/`,
/// `pipelines/` or `connectors/`): `huiliu runs` in the wrong folder would report "no runs" and
/// leave a store; `connector test` would test nothing and succeed.
func requireProject(option: String) throws {
    let directory = FileManager.default.currentDirectoryPath
    guard isProject(directory) else {
        printError("\(directory) is not a Huiliu project (no config/, pipelines/ or connectors/ here): run huiliu from the project's folder, or name its configuration with \(option)")
        throw ExitCode(2)
    }
}

/// True when `directory` holds a project: `config/`, `pipelines/` or `connectors/`.
func isProject(_ directory: String) -> Bool {
    ["/config", "/pipelines", "/connectors"].contains { FileManager.default.fileExists(atPath: directory + $0) }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// The registry of every built-in component and every connector manifest of the project
/// (`connectors/*/connector.yaml`): the one place the executable meets the connectors.
/// Manifests with problems are left out here; `huiliu lint` reports them.
func builtInRegistry(_ gateway: GatewayConfig? = nil) throws -> ConnectorRegistry {
    var registry = ConnectorRegistry()
    try BuiltInConnectors.register(into: &registry)
    try registry.register(source: HJ212Source.self)
    try registry.register(source: WebhookSource.self)
    if let gateway = gateway ?? (try? GatewayConfig.load(path: nil)),
       let resources = try? MappingResources.load(configDirectory: gateway.configDirectory) {
        ManifestConnectors.register(projectDirectory: gateway.projectDirectory, functions: resources.functions, into: &registry)
    }
    return registry
}

/// Writes a line to standard error.
func printError(_ message: String) {
    StandardStreams.writeError(scrubbed(message) + "\n")
}

/// Prints a message that may quote configuration to standard output, secrets scrubbed.
func printScrubbed(_ message: String) {
    print(scrubbed(message))
}

/// `message` with every secret configuration has used replaced by `***`: a message about a value
/// a secret was filled into (a rule or schema name, an expression) would otherwise print it.
func scrubbed(_ message: String) -> String {
    SecretStore.scrubFilledIn(message)
}

/// True when standard output (or error, with fd 2) is a terminal.
func isTerminal(_ descriptor: Int32 = 1) -> Bool {
    isatty(descriptor) == 1
}

/// Services every pipeline of this gateway shares: expression functions with the code
/// tables, and the common schema. Loaded once per process.
func gatewayServices(_ gateway: GatewayConfig) throws -> ServiceValues {
    var services = ServiceValues()
    do {
        let resources = try MappingResources.load(configDirectory: gateway.configDirectory)
        services[MappingResources.self] = resources
        // For the engine's own expressions (a sink's `when`), which know no MappingResources.
        services[FunctionRegistry.self] = resources.functions
    } catch {
        printError("config: \(error)")
        throw ExitCode(2)
    }
    // A source reading a listener's buffer must find the file that listener writes: its
    // path as the listener reads its settings (references resolved, defaults applied).
    var buffers = ListenerBuffers()
    for settings in ListenerSections.read(gateway).settings {
        switch settings {
        case .hj212(let hj212): buffers.paths["hj212"] = hj212.bufferPath
        case .webhook(let webhook): buffers.paths["webhook"] = webhook.bufferPath
        }
    }
    services[ListenerBuffers.self] = buffers
    return services
}

/// The bytes of `file`, or of standard input without one; exits 2 when the file cannot be read.
/// A UTF-8 byte-order mark (Windows tools write one) is dropped, or, for JSON, made three
/// spaces, which JSON skips: the byte offsets its errors give still count from the file's start.
func readInput(_ file: String?, json: Bool = false) throws -> Data {
    var data = try readInputBytes(file)
    guard data.starts(with: [0xEF, 0xBB, 0xBF]) else { return data }
    if json {
        data.replaceSubrange(data.startIndex..<data.startIndex + 3, with: [0x20, 0x20, 0x20])
        return data
    }
    return Data(data.dropFirst(3))
}

private func readInputBytes(_ file: String?) throws -> Data {
    guard let file else {
        switch StandardStreams.readInput() {
        case .success(let data): return data
        case .failure(let failure):
            printError("standard input: cannot read: \(failure.reason)")
            throw ExitCode(2)
        }
    }
    guard let contents = FileManager.default.contents(atPath: file) else {
        var isDirectory: ObjCBool = false
        let reason = !FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) ? "no such file"
            : isDirectory.boolValue ? "a directory, not a file" : "permission denied"
        printError("\(file): cannot read: \(reason)")
        throw ExitCode(2)
    }
    return contents
}
