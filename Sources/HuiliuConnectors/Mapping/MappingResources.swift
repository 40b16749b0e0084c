import Foundation
import HuiliuCore
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
    /// The event types schema files declare with `x-event-type` (`land.parcel.v1`) to their
    /// URIs: a project's own entities, and new versions of the common ones, added as files
    /// beside the common schema's, are named as those are.
    public var eventTypes: [String: String] = [:]

    /// The schema URI for an event type or entity: one a schema file declares; else the common
    /// schema's (`budget.payment` is version 1, whatever later versions are added); else the
    /// project entity's only version.
    public func schemaURI(for name: String) -> String? {
        if let declared = eventTypes[name] { return declared }
        if let common = CommonSchema.uri(for: name) { return common }
        let versions = eventTypes.filter { Self.entity(of: $0.key) == name }
        return versions.count == 1 ? versions.first?.value : nil
    }

    /// The common schema's entities, then the project's own, for suggestions and listings.
    public var entityNames: [String] {
        let own = Set(eventTypes.keys.map(Self.entity(of:)))
        return CommonSchema.entities + own.subtracting(CommonSchema.entities).sorted()
    }

    /// `land.parcel` of `land.parcel.v2`.
    static func entity(of type: String) -> String {
        guard let version = type.range(of: #"\.v[0-9]+$"#, options: .regularExpression) else { return type }
        return String(type[..<version.lowerBound])
    }

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
            tables[String(file.dropLast(4))] = try lookupText(lookups + "/" + file, shown: "config/lookups/\(file)")
        }
        let functions = FunctionRegistry.huiliu(lookups: try LookupTables(csv: tables))
        var schemas = SchemaSet()
        var eventTypes: [String: String] = [:]
        let schemaDirectory = configDirectory + "/schema"
        for file in ((try? fm.contentsOfDirectory(atPath: schemaDirectory)) ?? []).sorted() where file.hasSuffix(".json") {
            guard let data = fm.contents(atPath: schemaDirectory + "/" + file) else {
                throw MappingError("config/schema/\(file): cannot be read")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw MappingError("config/schema/\(file): is not UTF-8 text, as JSON must be")
            }
            let uri: String
            do {
                uri = try schemas.add(json: text)
            } catch {
                throw MappingError("config/schema/\(file): \(error)")
            }
            if case .string(let type)? = schemas.document(uri)?["x-event-type"] { eventTypes[type] = uri }
        }
        let resources = MappingResources(functions: functions, schemas: schemas, eventTypes: eventTypes)
        cache.withLock { $0[configDirectory] = resources }
        return resources
    }
}

extension MappingResources {
    /// A lookup table's text: UTF-8 (a byte-order mark, as Excel's "CSV UTF-8" writes, left
    /// out), or GB18030, as Excel on a Chinese system saves CSV by default.
    static func lookupText(_ path: String, shown: String) throws -> String {
        guard var bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw MappingError("\(shown): cannot be read")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        switch Iconv.convert(bytes, from: "GB18030", to: "UTF-8") {
        case .success(let converted): return String(decoding: converted, as: UTF8.self)
        case .failure:
            throw MappingError("\(shown): is neither UTF-8 nor GB18030 (GBK) text; save it as CSV UTF-8")
        }
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
