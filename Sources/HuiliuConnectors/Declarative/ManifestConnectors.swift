import Foundation
import HuiliuCore
public import HuiliuExpression
public import HuiliuKit

/// The connectors a project declares in `connectors/*/connector.yaml`, registered as source
/// kinds next to the built-ins.
public enum ManifestConnectors {
    /// Loads every manifest under `projectDirectory` and registers the valid ones into
    /// `registry`; returns the problems of the others (and of names that clash).
    @discardableResult
    public static func register(projectDirectory: String, functions: FunctionRegistry,
                                into registry: inout ConnectorRegistry) -> [ConfigError] {
        let loader = ManifestLoader(functions: functions, projectDirectory: projectDirectory)
        var problems: [ConfigError] = []
        for file in loader.manifestFiles() {
            switch loader.load(path: file) {
            case .manifest(let manifest):
                do {
                    try registry.register(manifest: manifest)
                } catch {
                    problems.append(ConfigError(.invalidValue, at: SourceLocation(file: manifest.file, line: 1, column: 1),
                                                "connector '\(manifest.name)' clashes with a built-in: \(error)"))
                }
            case .problems(let found):
                problems += found
            case .unreadable(let message):
                problems.append(ConfigError(.syntax, at: SourceLocation(file: file, line: 1, column: 1), message))
            }
        }
        return problems
    }

    /// The manifests under `projectDirectory` that load without problems.
    public static func manifests(projectDirectory: String, functions: FunctionRegistry) -> [ConnectorManifest] {
        let loader = ManifestLoader(functions: functions, projectDirectory: projectDirectory)
        return loader.manifestFiles().compactMap {
            if case .manifest(let manifest) = loader.load(path: $0) { return manifest }
            return nil
        }
    }
}

extension ConnectorRegistry {
    /// Registers a manifest connector as a source kind named after it.
    public mutating func register(manifest: ConnectorManifest) throws(RegistryError) {
        try register(sourceSpec: manifest.componentSpec) { config, context in
            try DeclarativeSource(manifest: manifest, config: config, context: context)
        }
    }
}
