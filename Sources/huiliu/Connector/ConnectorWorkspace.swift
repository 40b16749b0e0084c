import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import Logging

/// Options of the connector development commands, whose `--config` is the connector's
/// configuration, not the gateway's.
struct ConnectorOptions: ParsableArguments {
    @Option(name: .customLong("gateway"), help: "The gateway config file (default: config/huiliu.yaml under the current directory).")
    var gatewayFile: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning
}

/// What the connector commands share: the project, its mapping resources, and its manifests.
struct ConnectorWorkspace {
    let gateway: GatewayConfig
    let resources: MappingResources
    let loader: ManifestLoader
    let logger: Logger

    init(_ options: ConnectorOptions) throws {
        if options.gatewayFile == nil { try requireProject(option: "--gateway") }
        do {
            gateway = try GatewayConfig.load(path: options.gatewayFile)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        do {
            resources = try MappingResources.load(configDirectory: gateway.configDirectory)
        } catch {
            printError("config: \(error)")
            throw ExitCode(2)
        }
        loader = ManifestLoader(functions: resources.functions, projectDirectory: gateway.projectDirectory)
        var logger = Logger(label: "huiliu") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = options.logLevel
        self.logger = logger
    }

    /// Services connectors get: the mapping resources.
    var services: ServiceValues {
        var services = ServiceValues()
        services[MappingResources.self] = resources
        return services
    }

    /// The folder of connector `name`.
    func directory(_ name: String) -> String { gateway.projectDirectory + "/connectors/" + name }

    /// The manifest of connector `name`; prints its problems and exits 2 when it has some.
    func manifest(_ name: String) throws -> ConnectorManifest {
        let path = directory(name) + "/connector.yaml"
        guard FileManager.default.fileExists(atPath: path) else {
            let known = loader.manifestFiles().map { (($0 as NSString).deletingLastPathComponent as NSString).lastPathComponent }
            printError("no connector manifest connectors/\(name)/connector.yaml"
                + (nearestName(to: name, in: known).map { "; did you mean '\($0)'?" } ?? ""))
            throw ExitCode(2)
        }
        switch loader.load(path: path) {
        case .manifest(let manifest): return manifest
        case .problems(let problems):
            for problem in problems { printError(problem.description) }
            throw ExitCode(2)
        case .unreadable(let message):
            printError(message)
            throw ExitCode(2)
        }
    }

    /// Reads a connector configuration file (the fields a pipeline sets under the connector's
    /// kind); `stream` picks the stream when the file does not.
    func readConfig(_ path: String, manifest: ConnectorManifest, stream: String?) throws -> ParsedConfig {
        // A file with a key given twice is read with the first of each, for its other problems too.
        let node: ConfigNode, repeats: [ConfigError]
        do {
            (node, repeats) = try YAMLDocument.loadPastRepeats(path: path)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        var fields = manifest.componentSpec.fields
        if let index = fields.firstIndex(where: { $0.name == "stream" }) { fields[index].isOptional = true }
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: ReferenceResolver(secrets: gateway.secrets),
                                        baseDirectory: gateway.projectDirectory)
        var config = validator.readFields(node, fields: fields, owner: "\(manifest.name) configuration")
        if !repeats.isEmpty || !validator.problems.isEmpty {
            for problem in ConfigErrors(repeats + validator.problems).errors { printError(problem.description) }
            throw ExitCode(2)
        }
        if let stream {
            guard manifest.stream(stream) != nil else {
                printError("\(manifest.name) has no stream '\(stream)'"
                    + (nearestName(to: stream, in: manifest.streams.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""))
                throw ExitCode(2)
            }
            config.values["stream"] = .string(stream)
        }
        return config
    }

    /// A context for running a connector outside a pipeline.
    func context(services: ServiceValues, clock: @escaping @Sendable () -> Int64 = ConnectorContext.systemClock) -> ConnectorContext {
        var services = services
        if services[OutboundProxy.self] == nil { services[OutboundProxy.self] = gateway.proxy }
        return ConnectorContext(pipeline: "connector", logger: logger, projectDirectory: gateway.projectDirectory,
                         dataDirectory: gateway.dataDirectory, configDirectory: gateway.configDirectory, services: services,
                         resolver: ReferenceResolver(secrets: gateway.secrets), clock: clock)
    }
}
