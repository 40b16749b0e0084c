import HuiliuCore

/// A compiled JMESPath expression: the abstract syntax tree the evaluator walks.
///
/// An indirect enum keeps the tree immutable and `Sendable`, so one compiled expression
/// is shared by every task that evaluates it.
indirect enum Node: Sendable {
    /// `@`: the current value.
    case current
    /// `name`: a member of an object, `null` for anything else.
    case field(FieldKey)
    /// `a.b.c`: a chain of plain fields, walked without intermediate nodes.
    case fieldPath([FieldKey])
    /// `[2]`, `[-1]`: an array element.
    case index(Int)
    /// `[start:stop:step]` (the step is never zero).
    case slice(start: Int?, stop: Int?, step: Int)
    /// `left.right`, `left[0]`: evaluate `right` against the result of `left`.
    case subexpression(Node, Node)
    /// `left[*].right`: `right` over each element of the array `left`, dropping nulls.
    case projection(Node, Node)
    /// `left.*.right`: `right` over each member value of the object `left`.
    case valueProjection(Node, Node)
    /// `left[?condition].right`.
    case filterProjection(Node, Node, condition: Node)
    /// `left[]`: the array `left` with nested arrays merged one level.
    case flatten(Node)
    /// `[a, b]`.
    case multiSelectList([Node])
    /// `{k: a, l: b}` with unique keys in order.
    case multiSelectHash(keys: [String], values: [Node])
    /// `` `json` `` or `'raw'`.
    case literal(Value)
    /// `left | right`.
    case pipe(Node, Node)
    /// `left || right`.
    case or(Node, Node)
    /// `left && right`.
    case and(Node, Node)
    /// `!expression`.
    case not(Node)
    /// `left == right` and the other comparators.
    case comparison(Comparator, Node, Node)
    /// `name(arguments…)`.
    case call(FunctionCall)
    /// `&expression`: passed to functions such as `sort_by` unevaluated.
    case reference(Node)
}

/// The comparison operators.
enum Comparator: Sendable {
    case eq, ne, lt, lte, gt, gte
}

/// A function call, resolved against the registry when the expression is compiled.
final class FunctionCall: Sendable {
    let function: ExpressionFunction
    let arguments: [Node]
    /// Where the function name starts, for error messages raised while evaluating.
    let offset: Int

    init(function: ExpressionFunction, arguments: [Node], offset: Int) {
        self.function = function
        self.arguments = arguments
        self.offset = offset
    }
}

extension Node {
    /// `left.right`, merging chains of plain fields into one path node.
    static func chain(_ left: Node, _ right: Node) -> Node {
        switch (left, right) {
        case (.field(let a), .field(let b)): return .fieldPath([a, b])
        case (.fieldPath(let path), .field(let b)): return .fieldPath(path + [b])
        default: return .subexpression(left, right)
        }
    }

    var isReference: Bool {
        if case .reference = self { return true }
        return false
    }
}
