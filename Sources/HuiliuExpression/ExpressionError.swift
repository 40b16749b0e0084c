/// Why an expression could not be compiled or evaluated, and where in its text.
///
/// The kinds are the error categories of the JMESPath compliance suite, so a test
/// can check `error.kind.description == "invalid-type"` against the suite directly.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of an expression error.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case syntax, unknownFunction, invalidArity, invalidType, invalidValue
        }
        private let base: Base

        /// The text is not a well-formed expression.
        public static let syntax = Kind(base: .syntax)
        /// A function name the registry does not know.
        public static let unknownFunction = Kind(base: .unknownFunction)
        /// A function called with too few or too many arguments.
        public static let invalidArity = Kind(base: .invalidArity)
        /// A function argument of the wrong JSON type.
        public static let invalidType = Kind(base: .invalidType)
        /// An argument of the right type but an unusable value (a slice step of 0, a
        /// date that does not exist, an amount with fractions of a fen).
        public static let invalidValue = Kind(base: .invalidValue)

        /// The compliance suite's name: `syntax`, `unknown-function`, `invalid-arity`,
        /// `invalid-type` or `invalid-value`.
        public var description: String {
            switch base {
            case .syntax: "syntax"
            case .unknownFunction: "unknown-function"
            case .invalidArity: "invalid-arity"
            case .invalidType: "invalid-type"
            case .invalidValue: "invalid-value"
            }
        }
    }

    /// The category.
    public var kind: Kind
    /// Zero-based position in the expression text, counted in Unicode scalars: the
    /// offending token for syntax errors, the function name for call errors. A function
    /// body throws with −1 and the call fills in its own position.
    public var offset: Int
    /// What went wrong, in words.
    public var message: String

    /// An error of `kind` at `offset`; leave the offset out in a function body.
    public init(_ kind: Kind, offset: Int = -1, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    /// `column 7: expected identifier after '.', found ']'` (columns are one-based).
    public var description: String { "column \(offset + 1): \(message)" }
}

extension ExpressionError {
    /// An argument of the wrong type; the call site fills in the offset.
    public static func invalidType(_ message: String) -> ExpressionError {
        ExpressionError(.invalidType, offset: -1, message)
    }

    /// An argument with an unusable value; the call site fills in the offset.
    public static func invalidValue(_ message: String) -> ExpressionError {
        ExpressionError(.invalidValue, offset: -1, message)
    }
}
