import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Logging
@testable import HuiliuTestSupport

/// A connector written in a test: its manifest in a throwaway project, loaded the way the
/// executable loads them, and sources built from configuration text.
struct TestConnector {
    let project: String
    let manifest: ConnectorManifest

    /// The repository's mapping resources (functions with lookups, schemas).
    static let resources: MappingResources = {
        try! MappingResources.load(configDirectory: repositoryRoot + "/config")
    }()

    /// Loads `yaml` as `connectors/<name>/connector.yaml` (with `mappings`), or fails with its problems.
    static func make(_ yaml: String, name: String = "scenario", mappings: [String: String] = [:]) throws -> TestConnector {
        let project = try makeTemporaryDirectory("huiliu-connector")
        let directory = project + "/connectors/\(name)"
        try FileManager.default.createDirectory(atPath: directory + "/mappings", withIntermediateDirectories: true)
        try yaml.write(toFile: directory + "/connector.yaml", atomically: true, encoding: .utf8)
        for (file, text) in mappings { try text.write(toFile: directory + "/mappings/\(file).yaml", atomically: true, encoding: .utf8) }
        switch load(project: project, name: name) {
        case .manifest(let manifest): return TestConnector(project: project, manifest: manifest)
        case .problems(let problems): throw FixtureError(problems.map(\.description).joined(separator: "\n"))
        case .unreadable(let message): throw FixtureError(message)
        }
    }

    /// A shipped connector of `connectors/`, with its mappings, in a throwaway project.
    static func shipped(_ name: String) throws -> TestConnector {
        let folder = repositoryRoot + "/connectors/\(name)"
        var mappings: [String: String] = [:]
        for file in (try? FileManager.default.contentsOfDirectory(atPath: folder + "/mappings")) ?? [] where file.hasSuffix(".yaml") {
            mappings[String(file.dropLast(5))] = try String(contentsOfFile: folder + "/mappings/" + file, encoding: .utf8)
        }
        return try make(try String(contentsOfFile: folder + "/connector.yaml", encoding: .utf8), name: name, mappings: mappings)
    }

    /// The loader's outcome for `connectors/<name>/connector.yaml` under `project`.
    static func load(project: String, name: String) -> ManifestLoader.Outcome {
        ManifestLoader(functions: resources.functions, projectDirectory: project).load(path: project + "/connectors/\(name)/connector.yaml")
    }

    /// The problems lint reports for `yaml`.
    static func problems(_ yaml: String, name: String = "scenario", mappings: [String: String] = [:]) throws -> [String] {
        let project = try makeTemporaryDirectory("huiliu-connector")
        let directory = project + "/connectors/\(name)"
        try FileManager.default.createDirectory(atPath: directory + "/mappings", withIntermediateDirectories: true)
        try yaml.write(toFile: directory + "/connector.yaml", atomically: true, encoding: .utf8)
        for (file, text) in mappings { try text.write(toFile: directory + "/mappings/\(file).yaml", atomically: true, encoding: .utf8) }
        switch load(project: project, name: name) {
        case .manifest: return []
        case .problems(let problems): return problems.map(\.description)
        case .unreadable(let message): return [message]
        }
    }

    /// A context for this project: mapping resources, a data directory, and optional secrets, clock and backfill.
    func context(secrets: [String: String] = [:], services: ServiceValues = ServiceValues(), backfill: BackfillRange? = nil,
                 clock: (@Sendable () -> Int64)? = nil, logger: Logger? = nil) -> ConnectorContext {
        var services = services
        services[MappingResources.self] = Self.resources
        return ConnectorContext(pipeline: "test", logger: logger ?? Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                projectDirectory: project, dataDirectory: project + "/data", configDirectory: repositoryRoot + "/config",
                                services: services, batchSize: 10, resolver: ReferenceResolver(environment: [:], secrets: SecretStore(secrets)),
                                backfill: backfill, clock: clock ?? ConnectorContext.systemClock)
    }

    /// A source for `stream` configured by YAML text (references resolved with `context`'s secrets).
    func source(_ configYAML: String, stream: String? = nil, context: ConnectorContext? = nil) throws -> DeclarativeSource {
        let context = context ?? self.context()
        let node = try YAMLDocument.parse(configYAML, file: "test-config.yaml")
        var fields = manifest.componentSpec.fields
        if let index = fields.firstIndex(where: { $0.name == "stream" }) { fields[index].isOptional = true }
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: context.resolver, baseDirectory: project)
        var config = validator.readFields(node, fields: fields, owner: "test config")
        if !validator.problems.isEmpty { throw FixtureError(validator.problems.map(\.description).joined(separator: "\n")) }
        if let stream { config.values["stream"] = .string(stream) }
        return try DeclarativeSource(manifest: manifest, config: config, context: context)
    }
}

/// Everything a source yields from `checkpoint` on.
struct Drained {
    var batches: [RecordBatch]
    var records: [Record] { batches.flatMap(\.records) }
    var rejects: [RecordBatch.Rejected] { batches.flatMap(\.rejects) }
    var lastCheckpoint: Checkpoint? { batches.last { $0.checkpoint != nil }?.checkpoint }
    /// The `id` member of every record, in order.
    var ids: [Int] { records.compactMap { $0.data["id"]?.intValue } }
}

func drained(_ source: any SourceConnector, after checkpoint: Checkpoint? = nil) async throws -> Drained {
    Drained(batches: try await drain(source, after: checkpoint))
}
