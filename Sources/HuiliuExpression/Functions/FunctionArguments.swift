public import HuiliuCore

/// The evaluated arguments of one call, as a function body receives them.
///
/// The first three live inline: nearly every call has at most three, and an array per
/// call would cost an allocation for every function a mapping calls on every record.
public struct FunctionArguments {
    private var first: Value = .null
    private var second: Value = .null
    private var third: Value = .null
    /// Arguments after the third.
    private var rest: [Value] = []
    /// The number of arguments given.
    public private(set) var count = 0
    /// The call being evaluated, which outlives its arguments (the compiled expression holds
    /// it): not retained, which would cost a retain and a release per function per record.
    unowned(unsafe) let call: FunctionCall

    init(call: FunctionCall) {
        self.call = call
    }

    /// Adds the next argument.
    mutating func append(_ value: Value) {
        switch count {
        case 0: first = value
        case 1: second = value
        case 2: third = value
        default: rest.append(value)
        }
        count += 1
    }

    /// The argument values in order; an expression-reference argument holds `null`.
    public var values: [Value] {
        var values: [Value] = []
        values.reserveCapacity(count)
        for index in 0..<count { values.append(self[index]) }
        return values
    }

    /// The argument at `index`.
    public subscript(index: Int) -> Value {
        precondition(index >= 0 && index < count, "argument \(index) of \(count)")
        switch index {
        case 0: return first
        case 1: return second
        case 2: return third
        default: return rest[index - 3]
        }
    }

    /// The argument at `index`, or `nil` when an optional argument was left out.
    public func optional(_ index: Int) -> Value? {
        // Not a ternary: `Value` is nil-literal expressible, so `: nil` would mean `.null`.
        guard index < count else { return Optional<Value>.none }
        return self[index]
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
