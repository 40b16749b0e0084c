import Foundation
public import HuiliuExpression
public import HuiliuKit
public import HuiliuSchema
import Synchronization

/// What mapping and validation need from `config/`: the expression functions with the
/// code tables of `config/lookups/`, and the common schema of `config/schema/`.
///
/// Loaded once per configuration directory and shared by every pipeline in the process.
public struct MappingResources: Sendable {
    /// JMESPath built-ins plus Huiliu's extension functions, with the lookup tables.
    public var functions: FunctionRegistry
    /// Every schema in `config/schema/`.
    public var schemas: SchemaSet

    private static let cache = Mutex<[String: MappingResources]>([:])

    /// The resources for a context: registered by the host, or loaded from its config directory.
    public static func of(_ context: ConnectorContext) throws -> MappingResources {
        if let registered = context.services[MappingResources.self] { return registered }
        return try load(configDirectory: context.configDirectory)
    }

    /// Loads (or returns the already loaded) resources under `configDirectory`.
    public static func load(configDirectory: String) throws -> MappingResources {
        if let cached = cache.withLock({ $0[configDirectory] }) { return cached }
        let fm = FileManager.default
        var tables: [String: String] = [:]
        let lookups = configDirectory + "/lookups"
        for file in ((try? fm.contentsOfDirectory(atPath: lookups)) ?? []).sorted() where file.hasSuffix(".csv") {
            tables[String(file.dropLast(4))] = try String(contentsOfFile: lookups + "/" + file, encoding: .utf8)
        }
        let functions = FunctionRegistry.huiliu(lookups: try LookupTables(csv: tables))
        var schemas = SchemaSet()
        let schemaDirectory = configDirectory + "/schema"
        for file in ((try? fm.contentsOfDirectory(atPath: schemaDirectory)) ?? []).sorted() where file.hasSuffix(".json") {
            let text = try String(contentsOfFile: schemaDirectory + "/" + file, encoding: .utf8)
            do {
                try schemas.add(json: text)
            } catch {
                throw MappingError("config/schema/\(file): \(error)")
            }
        }
        let resources = MappingResources(functions: functions, schemas: schemas)
        cache.withLock { $0[configDirectory] = resources }
        return resources
    }
}

/// A mapping or schema that cannot be used.
public struct MappingError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
