import Foundation
public import HuiliuCore
public import HuiliuExpression
public import HuiliuKit

/// Reads connector manifests: YAML → located nodes → the format's field specs (unknown
/// keys, types, missing fields) → templates and expressions compiled → a
/// ``ConnectorManifest``, or every problem at `file:line:column`.
///
/// ```swift
/// let loader = ManifestLoader(functions: resources.functions, projectDirectory: root)
/// switch loader.load(path: root + "/connectors/budget-network/connector.yaml") {
/// case .manifest(let manifest): try registry.register(manifest: manifest)
/// case .problems(let problems): problems.forEach { print($0) }
/// case .unreadable(let message): print(message)
/// }
/// ```
public struct ManifestLoader: Sendable {
    /// The functions templates and expressions may call.
    public var functions: FunctionRegistry
    /// The project root, so messages name files relative to it.
    public var projectDirectory: String

    /// A loader compiling against `functions`.
    public init(functions: FunctionRegistry, projectDirectory: String) {
        self.functions = functions
        self.projectDirectory = projectDirectory
    }

    /// The outcome of reading one manifest.
    public enum Outcome: Sendable {
        /// Valid.
        case manifest(ConnectorManifest)
        /// Readable, with problems.
        case problems([ConfigError])
        /// Not readable at all.
        case unreadable(String)
    }

    /// Reads and checks the manifest at `path`.
    public func load(path: String) -> Outcome {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let display = Self.display(absolute, relativeTo: projectDirectory)
        let node: ConfigNode, repeats: [ConfigError]
        do {
            (node, repeats) = try YAMLDocument.loadPastRepeats(path: absolute, displayPath: display)
        } catch {
            if case .unreadable = error { return .unreadable(error.description) }
            return .problems(error.problems)
        }
        let decoded = decode(node, absolute: absolute, display: display)
        guard !repeats.isEmpty else { return decoded }
        // The repeats and everything else wrong with the manifest, in one pass.
        guard case .problems(let more) = decoded else { return .problems(repeats) }
        return .problems(repeats + more)
    }

    private func decode(_ node: ConfigNode, absolute: String, display: String) -> Outcome {
        let directory = (absolute as NSString).deletingLastPathComponent
        var decoder = ManifestDecoder(functions: functions, directory: directory, file: display)
        let manifest = decoder.decode(node)
        if let manifest, decoder.problems.isEmpty { return .manifest(manifest) }
        return .problems(ConfigErrors(Self.unique(decoder.problems)).errors)
    }

    /// Every `connectors/*/connector.yaml` under the project, sorted.
    public func manifestFiles() -> [String] {
        let root = projectDirectory + "/connectors"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().map { root + "/" + $0 + "/connector.yaml" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    static func display(_ path: String, relativeTo base: String) -> String {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Problems found through `defaults` appear once per stream; report each once.
    static func unique(_ problems: [ConfigError]) -> [ConfigError] {
        var seen: Set<ConfigError> = []
        return problems.filter { seen.insert($0).inserted }
    }
}
