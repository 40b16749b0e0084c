public import HuiliuCore

/// The evaluated arguments of one call, as a function body receives them.
public struct FunctionArguments {
    /// The argument values in order; an expression-reference argument holds `null`.
    public let values: [Value]
    let call: FunctionCall

    /// The number of arguments given.
    public var count: Int { values.count }

    /// The argument at `index`.
    public subscript(index: Int) -> Value { values[index] }

    /// The argument at `index`, or `nil` when an optional argument was left out.
    public func optional(_ index: Int) -> Value? {
        // Not a ternary: `Value` is nil-literal expressible, so `: nil` would mean `.null`.
        guard index < values.count else { return Optional<Value>.none }
        return values[index]
    }

    /// The `&expr` argument at `index` (declared with type `.expression`).
    public func reference(_ index: Int) -> ExpressionReference {
        guard case .reference(let node) = call.arguments[index] else {
            preconditionFailure("argument \(index) of \(call.function.name)() is not an expression reference")
        }
        return ExpressionReference(node: node)
    }
}

/// An unevaluated `&expr` argument, evaluated by the function against values it chooses.
public struct ExpressionReference: Sendable {
    let node: Node

    /// The expression's result for `value`.
    public func evaluate(_ value: Value) throws(ExpressionError) -> Value {
        try node.evaluate(value)
    }
}
