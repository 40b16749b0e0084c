public import HuiliuCore

/// The type of a configuration field, which decides how its YAML is checked and read.
public indirect enum FieldType: Sendable, Equatable {
    /// Any scalar, read as its text.
    case string
    /// A mapping expression (JMESPath and Huiliu's functions), read as its text. Unlike a
    /// string, it never holds a literal credential, whatever its key is called.
    case expression
    /// A whole number.
    case integer
    /// A number, kept exact.
    case number
    /// `true` or `false`.
    case boolean
    /// A duration such as `30s`, `5m`, `1h30m`, `250ms`, or a number of seconds.
    case duration
    /// A credential: must be a `${secret:…}` or `${env:…}` reference, never a literal.
    case secret
    /// A file path, relative to the file that names it.
    case path
    /// An absolute URL with a scheme.
    case url
    /// One of a fixed set of strings.
    case oneOf([String])
    /// A list of values of one type; a single scalar is read as a one-item list.
    case list(FieldType)
    /// A mapping with the given fields.
    case object([FieldSpec])
    /// A mapping from free keys to values of one type.
    case map(FieldType)
    /// A component: a one-key mapping `kind: config` (or `kind: shorthand`).
    case component(ComponentKind)
    /// Anything; read as a plain value.
    case any

    /// The type's name in docs and error messages.
    public var name: String {
        switch self {
        case .string: return "string"
        case .expression: return "expression"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .duration: return "duration"
        case .secret: return "secret"
        case .path: return "path"
        case .url: return "url"
        case .oneOf: return "string"
        case .list(let t): return "list of \(t.name)"
        case .object: return "mapping"
        case .map(let t): return "mapping of \(t.name)"
        case .component(let k): return k.description
        case .any: return "any"
        }
    }
}

/// One configuration field, declared once: parsing, lint, docs and redaction read it.
public struct FieldSpec: Sendable, Equatable {
    /// The YAML key.
    public var name: String
    /// What the value is.
    public var type: FieldType
    /// One sentence for docs and `connector spec`.
    public var description: String
    /// The value used when the key is absent; `nil` makes the field required unless optional.
    public var defaultValue: Value?
    /// A realistic example, used in docs and scaffolds.
    public var example: Value?
    /// Absent is fine even without a default.
    public var isOptional: Bool
    /// Shown only in full docs.
    public var isAdvanced: Bool
    /// Still accepted but reported; the text says what to use instead.
    public var deprecation: String?
    /// Inclusive numeric bounds, checked by lint.
    public var range: ClosedRange<Double>?

    /// A field; required unless it has a default or is marked optional.
    public init(_ name: String, _ type: FieldType, _ description: String, default defaultValue: Value? = nil,
                example: Value? = nil, optional: Bool = false, advanced: Bool = false,
                deprecation: String? = nil, range: ClosedRange<Double>? = nil) {
        self.name = name
        self.type = type
        self.description = description
        self.defaultValue = defaultValue
        self.example = example
        self.isOptional = optional
        self.isAdvanced = advanced
        self.deprecation = deprecation
        self.range = range
    }

    /// True when lint must report the field's absence.
    public var isRequired: Bool { defaultValue == nil && !isOptional }

    /// True when the value must be a reference, never a literal.
    public var isSecret: Bool { type == .secret }
}
