/// Why a schema document could not be added to a ``SchemaSet`` or compiled into a ``Schema``.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is; compare against the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String

        /// The text is not JSON.
        public static let invalidJSON = Code(name: "invalid JSON")
        /// A keyword has a value the specification does not allow (`"minimum": "5"`).
        public static let invalidKeyword = Code(name: "invalid keyword")
        /// A `$ref` names a schema the set does not hold.
        public static let unresolvedReference = Code(name: "unresolved reference")
        /// Two documents or subschemas claim the same `$id` or `$anchor`.
        public static let duplicateIdentifier = Code(name: "duplicate identifier")
        /// A `pattern` uses regular-expression syntax the engine does not support.
        public static let unsupportedPattern = Code(name: "unsupported pattern")
        /// A keyword Huiliu does not implement (`unevaluatedProperties`, `unevaluatedItems`).
        public static let unsupportedKeyword = Code(name: "unsupported keyword")
        /// No document in the set has the requested URI.
        public static let unknownSchema = Code(name: "unknown schema")

        public var description: String { name }
    }

    /// What kind of problem it is.
    public var code: Code
    /// Where in the schema: an absolute URI with a JSON-pointer fragment.
    public var location: String
    /// What was wrong, in words.
    public var message: String

    /// An error of kind `code` at `location`.
    public init(_ code: Code, at location: String, _ message: String) {
        self.code = code
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(code): \(message)" }
}
