public import HuiliuCore

/// A configuration document as written: scalars, mappings and sequences, each with the
/// place it was written at. The YAML reader produces it; validation reads it against a
/// ``ConfigSpec`` so every problem can point at `file:line:column`.
public indirect enum ConfigNode: Sendable {
    /// A scalar's text. `isPlain` is false for quoted scalars, which are always strings.
    case scalar(String, isPlain: Bool, at: SourceLocation)
    /// Key–value pairs in document order; keys carry their own locations.
    case mapping([(key: String, keyLocation: SourceLocation, value: ConfigNode)], at: SourceLocation)
    /// Items in document order.
    case sequence([ConfigNode], at: SourceLocation)

    /// Where the node starts.
    public var location: SourceLocation {
        switch self {
        case .scalar(_, _, let at), .mapping(_, let at), .sequence(_, let at): return at
        }
    }

    /// What kind of node this is, in words, for error messages.
    public var kindName: String {
        switch self {
        case .scalar(let text, let plain, _):
            if plain, text.isEmpty || text == "~" || text == "null" { return "null" }
            return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// The node for `key` if this is a mapping that has it.
    public subscript(key: String) -> ConfigNode? {
        guard case .mapping(let pairs, _) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// The scalar text, if this is a scalar.
    public var scalarText: String? {
        if case .scalar(let text, _, _) = self { return text }
        return nil
    }

    /// True for a plain `null`, `~` or empty scalar.
    public var isNull: Bool { kindName == "null" }

    /// The node read as a plain JSON-like value (YAML 1.2 core schema for plain scalars),
    /// without any validation: for free-form parts of a configuration.
    public var plainValue: Value {
        switch self {
        case .scalar(let text, let plain, _):
            guard plain else { return .string(text) }
            return ConfigNode.coerce(plainScalar: text)
        case .mapping(let pairs, _):
            var object = Object(minimumCapacity: pairs.count)
            for pair in pairs { object[pair.key] = pair.value.plainValue }
            return .object(object)
        case .sequence(let items, _):
            return .array(items.map(\.plainValue))
        }
    }

    /// YAML 1.2 core-schema resolution of a plain scalar.
    public static func coerce(plainScalar text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let i = Int(text) { return .integer(i) }
        if text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true,
           let d = DecimalNumber(text) {
            return .decimal(d)
        }
        return .string(text)
    }
}
