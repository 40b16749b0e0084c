public import HuiliuCore

/// A function callable from expressions: its signature, its documentation and its body.
///
/// The registry checks arity when an expression is compiled and argument types before
/// each call, so a body may assume its arguments match the declared types.
public struct ExpressionFunction: Sendable {
    /// One declared parameter.
    public struct Parameter: Sendable {
        /// The name shown in documentation.
        public var name: String
        /// The accepted types.
        public var type: ArgumentType
        /// True if the argument may be left out (only trailing parameters).
        public var isOptional: Bool

        /// A required parameter.
        public init(_ name: String, _ type: ArgumentType) {
            self.name = name
            self.type = type
            self.isOptional = false
        }

        /// A parameter that may be left out.
        public static func optional(_ name: String, _ type: ArgumentType) -> Parameter {
            var parameter = Parameter(name, type)
            parameter.isOptional = true
            return parameter
        }
    }

    /// A worked example: evaluating `expression` against `input` gives `result`.
    public struct Example: Sendable {
        /// The expression text.
        public var expression: String
        /// The document it is evaluated against.
        public var input: Value
        /// The expected result.
        public var result: Value

        /// An example; `input` defaults to `null` for examples that use only literals.
        public init(_ expression: String, input: Value = .null, result: Value) {
            self.expression = expression
            self.input = input
            self.result = result
        }
    }

    /// The body: receives type-checked arguments and returns the result.
    public typealias Body = @Sendable (FunctionArguments) throws(ExpressionError) -> Value

    /// The name expressions call it by.
    public let name: String
    /// The fixed parameters, optional ones last.
    public let parameters: [Parameter]
    /// A parameter that may repeat after the fixed ones (at least once), as in `merge`.
    public let variadic: Parameter?
    /// The types the function returns, for documentation.
    public let returns: ArgumentType
    /// One or two sentences on what it does.
    public let summary: String
    /// A worked example, tested and shown in the reference.
    public let example: Example
    let body: Body
    /// Checks of the arguments written out as literals (`nil` for the others), run when an
    /// expression compiles: an argument that would fail every call fails the compile, and lint.
    private(set) var literalCheck: (@Sendable ([Value?]) throws(ExpressionError) -> Void)?

    /// A function.
    /// - Parameters:
    ///   - name: what expressions call it by.
    ///   - parameters: the fixed parameters; optional ones must come last.
    ///   - variadic: a parameter that repeats one or more times after the fixed ones.
    ///   - returns: the result types, for documentation.
    ///   - summary: what it does.
    ///   - example: a worked example.
    ///   - body: the implementation.
    public init(_ name: String, _ parameters: [Parameter], variadic: Parameter? = nil, returns: ArgumentType,
                summary: String, example: Example, body: @escaping Body) {
        precondition(!parameters.drop(while: { !$0.isOptional }).contains { !$0.isOptional },
                     "\(name): optional parameters must come last")
        precondition(variadic == nil || !parameters.contains(where: \.isOptional),
                     "\(name): a function cannot have both optional and variadic parameters")
        self.name = name
        self.parameters = parameters
        self.variadic = variadic
        self.returns = returns
        self.summary = summary
        self.example = example
        self.body = body
    }

    /// This function with `check` run on its literal arguments when an expression compiles.
    public func checkingLiterals(_ check: @escaping @Sendable ([Value?]) throws(ExpressionError) -> Void) -> ExpressionFunction {
        var copy = self
        copy.literalCheck = check
        return copy
    }

    /// Checks the arguments written out as literals: their types, then ``literalCheck``. A
    /// list of literals (`['yyyyMMdd', 'yyyy-MM-dd']`) counts as one.
    func checkLiterals(_ nodes: [Node], offset: Int) throws(ExpressionError) {
        var literals: [Value?] = []
        for (i, node) in nodes.enumerated() {
            let literal: Value?
            switch node {
            case .literal(let value): literal = value
            case .multiSelectList(let members):
                let values = members.compactMap { member -> Value? in if case .literal(let value) = member { value } else { nil } }
                literal = values.count == members.count ? .array(values) : nil
            default: literal = nil
            }
            literals.append(literal)
            guard case .literal(let value) = node else { continue }
            let parameter = i < parameters.count ? parameters[i] : variadic!
            if !parameter.type.contains(.expression), !parameter.type.accepts(value) {
                throw ExpressionError(.invalidType, offset: offset,
                                      "\(name)() argument \(i + 1) (\(parameter.name)) must be \(parameter.type), found \(value.typeName)")
            }
        }
        guard let literalCheck else { return }
        do throws(ExpressionError) { try literalCheck(literals) } catch {
            throw ExpressionError(error.kind, offset: offset, error.message)
        }
    }

    /// `name(a: type, b?: type, c...: type) -> type`.
    public var signature: String {
        var parts = parameters.map { "\($0.name)\($0.isOptional ? "?" : ""): \($0.type)" }
        if let variadic { parts.append("\(variadic.name)...: \(variadic.type)") }
        return "\(name)(\(parts.joined(separator: ", "))) -> \(returns)"
    }

    var minimumArity: Int {
        parameters.filter { !$0.isOptional }.count + (variadic == nil ? 0 : 1)
    }

    func checkArity(_ count: Int, offset: Int) throws(ExpressionError) {
        let tooFew = count < minimumArity
        let tooMany = variadic == nil && count > parameters.count
        guard tooFew || tooMany else { return }
        let expected: String
        if variadic != nil {
            expected = "at least \(minimumArity)"
        } else if minimumArity == parameters.count {
            expected = "\(minimumArity)"
        } else {
            expected = "\(minimumArity) to \(parameters.count)"
        }
        throw ExpressionError(.invalidArity, offset: offset,
                              "\(name)() takes \(expected) argument\(expected == "1" ? "" : "s"), got \(count)")
    }

    func checkTypes(_ values: FunctionArguments, _ nodes: [Node]) throws(ExpressionError) {
        for i in 0..<values.count {
            // Only the type is read on the way: copying the parameter would retain its name per call.
            let type = i < parameters.count ? parameters[i].type : variadic!.type
            var parameter: Parameter { i < parameters.count ? parameters[i] : variadic! }
            if type.contains(.expression) {
                guard nodes[i].isReference else {
                    throw .invalidType("\(name)() argument \(i + 1) (\(parameter.name)) must be an expression reference such as &field")
                }
            } else if nodes[i].isReference {
                throw .invalidType("\(name)() argument \(i + 1) (\(parameter.name)) must be \(type), not an expression reference")
            } else if !type.accepts(values[i]) {
                throw .invalidType("\(name)() argument \(i + 1) (\(parameter.name)) must be \(type), found \(values[i].typeName)")
            }
        }
    }
}
