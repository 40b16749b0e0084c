public import HuiliuCore

/// A problem in a configuration file, with the place it was found.
///
/// `huiliu lint` prints one per line as `file:line:column: message`; loading a pipeline
/// fails with the whole list, never just the first.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The category of a problem; extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A key the specification does not define.
        public static let unknownKey = Code("unknown-key")
        /// A required field is absent.
        public static let missingField = Code("missing-field")
        /// A value of the wrong type.
        public static let wrongType = Code("wrong-type")
        /// A value outside the allowed options or range.
        public static let invalidValue = Code("invalid-value")
        /// A component kind no connector provides.
        public static let unknownComponent = Code("unknown-component")
        /// `${env:NAME}` names an unset variable.
        public static let unsetVariable = Code("unset-variable")
        /// `${secret:key}` or `${file:path}` cannot be resolved.
        public static let unresolvedReference = Code("unresolved-reference")
        /// A secret field holds a literal value instead of a reference.
        public static let literalSecret = Code("literal-secret")
        /// The document is not valid YAML.
        public static let syntax = Code("syntax")
        /// A field that still works but will go away.
        public static let deprecated = Code("deprecated")
    }

    /// What kind of problem this is.
    public var code: Code
    /// Where it was found.
    public var location: SourceLocation
    /// What was wrong and what was expected.
    public var message: String
    /// A likely intended spelling, for unknown keys and options.
    public var suggestion: String?

    /// A problem at `location`.
    public init(_ code: Code, at location: SourceLocation, _ message: String, suggestion: String? = nil) {
        self.code = code
        self.location = location
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        "\(location): \(message)" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
    }
}

/// Several configuration problems, reported together.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// Every problem found, in file order.
    public var errors: [ConfigError]

    /// The problems, sorted by location.
    public init(_ errors: [ConfigError]) {
        self.errors = errors.sorted { $0.location < $1.location }
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
