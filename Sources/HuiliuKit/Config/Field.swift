public import HuiliuCore
import Foundation

/// A typed configuration field: the declaration a component reads its value through.
///
/// ```swift
/// static let path = Field<String>("path", .path, "File to read.", example: "data/in.csv")
/// let path = try config[Self.path]
/// ```
public struct Field<T: ConfigValue>: Sendable {
    /// The declaration shared with lint and docs.
    public var spec: FieldSpec

    /// A field of type `type` named `name`.
    public init(_ name: String, _ type: FieldType, _ description: String, default defaultValue: Value? = nil,
                example: Value? = nil, advanced: Bool = false, range: ClosedRange<Double>? = nil) {
        spec = FieldSpec(name, type, description, default: defaultValue, example: example,
                         optional: T.isOptionalType, advanced: advanced, range: range)
    }
}

/// A Swift type a configuration field can be read as.
public protocol ConfigValue: Sendable {
    /// Reads the validated value of a field.
    static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                     in config: ParsedConfig) throws(ConfigError) -> Self
    /// True for `Optional`, whose fields may be absent.
    static var isOptionalType: Bool { get }
}

extension ConfigValue {
    public static var isOptionalType: Bool { false }

    static func mismatch(_ value: Value, _ spec: FieldSpec, _ location: SourceLocation) -> ConfigError {
        if value.isNull {
            return ConfigError(.missingField, at: location, "missing required field '\(spec.name)'")
        }
        return ConfigError(.wrongType, at: location, "'\(spec.name)' must be \(spec.type.name), got \(value.typeName)")
    }
}

extension String: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> String {
        let text: String
        switch value {
        case .string(let s): text = s
        case .integer, .decimal, .double, .bool: text = value.jsonText
        default: throw mismatch(value, spec, location)
        }
        return spec.type == .path ? config.resolvePath(text) : text
    }
}

extension Int: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> Int {
        guard let i = value.intValue else { throw mismatch(value, spec, location) }
        return i
    }
}

extension Double: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> Double {
        guard let d = value.doubleValue else { throw mismatch(value, spec, location) }
        return d
    }
}

extension Bool: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> Bool {
        guard let b = value.boolValue else { throw mismatch(value, spec, location) }
        return b
    }
}

extension Duration: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> Duration {
        if let seconds = value.doubleValue { return .milliseconds(Int64((seconds * 1000).rounded())) }
        guard let text = value.stringValue, let d = Duration(configText: text) else { throw mismatch(value, spec, location) }
        return d
    }
}

extension Secret: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> Secret {
        guard let secret else { throw mismatch(value, spec, location) }
        return secret
    }
}

extension Value: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> Value {
        value
    }
}

extension Array: ConfigValue where Element: ConfigValue {
    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> [Element] {
        var element = spec
        if case .list(let inner) = spec.type { element.type = inner }
        switch value {
        case .array(let items):
            var result: [Element] = []
            for item in items { result.append(try Element.read(item, secret: nil, spec: element, at: location, in: config)) }
            return result
        case .null: return []
        default: return [try Element.read(value, secret: nil, spec: element, at: location, in: config)]
        }
    }
}

extension Optional: ConfigValue where Wrapped: ConfigValue {
    public static var isOptionalType: Bool { true }

    public static func read(_ value: Value, secret: Secret?, spec: FieldSpec, at location: SourceLocation,
                            in config: ParsedConfig) throws(ConfigError) -> Wrapped? {
        if value.isNull && secret == nil { return nil }
        return try Wrapped.read(value, secret: secret, spec: spec, at: location, in: config)
    }
}

extension Duration {
    /// Parses `250ms`, `30s`, `5m`, `2h`, `1d` and combinations such as `1h30m`.
    public init?(configText text: String) {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { $0.isLetter }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += n * unit.1
        }
        self = .milliseconds(total)
    }

    /// The whole milliseconds of the duration.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// The duration as configuration writes it (`1h30m`, `250ms`), whole milliseconds.
    public var configText: String {
        var rest = wholeMilliseconds
        guard rest > 0 else { return "0s" }
        var text = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
