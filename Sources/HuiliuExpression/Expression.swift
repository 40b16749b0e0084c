public import HuiliuCore

/// A JMESPath expression, compiled once and evaluated against many values.
///
/// Compiling resolves function names against a ``FunctionRegistry`` and checks their
/// arity, so an unknown function or a wrong argument count fails here, before any
/// record is seen. The compiled value is immutable and `Sendable`. A class: evaluating it
/// from a mapping's list borrows its tree in place, where copying a struct out of the list
/// retained and released its parts for every expression of every record.
///
/// ```swift
/// let payee = try Expression("payments[?amount > `0`].payee")
/// let names = try payee.evaluate(record.data)
/// ```
public final class Expression: Sendable, CustomStringConvertible {
    /// The expression text as given.
    public let text: String
    let root: Node

    /// Compiles `text`.
    /// - Parameters:
    ///   - text: the JMESPath expression.
    ///   - functions: the functions it may call. The default is the JMESPath built-ins.
    ///   - keywordsAreFields: whether a bare `true` or `false` reads a field of that name, as
    ///     the specification has it. The default refuses them: a value meant is written in
    ///     backticks, a field in double quotes.
    public init(_ text: String, functions: FunctionRegistry = .standard, keywordsAreFields: Bool = false) throws(ExpressionError) {
        self.text = text
        self.root = try Parser.parse(text, functions: functions, keywordsAreFields: keywordsAreFields)
    }

    /// The result of the expression for `value`.
    public func evaluate(_ value: Value) throws(ExpressionError) -> Value {
        try root.evaluate(value)
    }

    /// The keys of a plain field chain (`data.items`, `"数据"."列表"`), `nil` for any other
    /// expression: a reader can walk such a path without the whole document.
    public var fieldPath: [String]? {
        func keys(_ node: Node) -> [String]? {
            switch node {
            case .field(let key): [key.name]
            case .fieldPath(let path): path.map(\.name)
            case .subexpression(let left, let right): keys(left).flatMap { first in keys(right).map { first + $0 } }
            default: nil
            }
        }
        return keys(root)
    }

    public var description: String { text }
}
