/// Why a schedule expression was refused, and where: `column 9: minute value 61 is out of range 0-59`.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of fault it is; new kinds can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case fieldCount = "field count"
            case outOfRange = "out of range"
            case descendingRange = "descending range"
            case invalidStep = "invalid step"
            case unknownName = "unknown name"
            case misplaced = "misplaced symbol"
            case syntax = "syntax"
            case unknownMacro = "unknown macro"
            case invalidInterval = "invalid interval"
            case neverFires = "never fires"
        }
        private let base: Base

        /// Not 5, 6 or 7 fields, or a macro with more text after it.
        public static let fieldCount = Code(base: .fieldCount)
        /// A value outside its field's range.
        public static let outOfRange = Code(base: .outOfRange)
        /// A range whose start is after its end, such as `10-5`.
        public static let descendingRange = Code(base: .descendingRange)
        /// A step that is zero, missing its start, or not a number.
        public static let invalidStep = Code(base: .invalidStep)
        /// A month or weekday name that is not one.
        public static let unknownName = Code(base: .unknownName)
        /// A valid symbol in a field or position that does not take it (`?` in minutes, `W` in a list).
        public static let misplaced = Code(base: .misplaced)
        /// Text that is not cron syntax at all.
        public static let syntax = Code(base: .syntax)
        /// An `@` word that is not a known macro, including the wrong case (`@Daily`).
        public static let unknownMacro = Code(base: .unknownMacro)
        /// An `@every` duration that cannot be read or is not positive.
        public static let invalidInterval = Code(base: .invalidInterval)
        /// Valid syntax that no date satisfies, such as `0 0 31 2 *`; only schedules refuse it.
        public static let neverFires = Code(base: .neverFires)

        public var description: String { base.rawValue }
    }

    /// The kind of fault.
    public let code: Code
    /// One-based position in the expression, counted in Unicode scalars.
    public let column: Int
    /// The field the fault is in, or nil when it concerns the whole expression.
    public let field: CronField?
    /// What was found and what was expected, without the column.
    public let message: String

    /// An error at `column`, in `field` when there is one.
    public init(_ code: Code, column: Int, field: CronField? = nil, _ message: String) {
        self.code = code
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}
