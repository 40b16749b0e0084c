import HuiliuCore

/// A Pratt (top-down operator precedence) parser for JMESPath.
///
/// The binding powers and the projection rules follow the reference implementation
/// (jmespath.py), which is what the compliance suite was written against.
struct Parser {
    let tokens: [Token]
    private(set) var index = 0
    private var depth = 0
    let functions: FunctionRegistry
    /// Whether a bare `true`, `false` or `null` is a field name, as the specification has it.
    let keywordsAreFields: Bool
    /// Set while the name after a `.` is read: `a.true` can only be a field.
    var afterDot = false

    /// Nesting deeper than this is refused rather than risking the stack of the task
    /// that compiles (and later evaluates) the expression.
    static let maximumDepth = 512

    init(tokens: [Token], functions: FunctionRegistry, keywordsAreFields: Bool = false) {
        self.tokens = tokens
        self.functions = functions
        self.keywordsAreFields = keywordsAreFields
    }

    /// Parses a whole expression text.
    static func parse(_ text: String, functions: FunctionRegistry, keywordsAreFields: Bool = false) throws(ExpressionError) -> Node {
        var parser = Parser(tokens: try Lexer.tokenize(text), functions: functions, keywordsAreFields: keywordsAreFields)
        let node = try parser.expression(0)
        guard parser.currentKind == .eof else {
            throw parser.unexpected(parser.token, expected: "end of expression")
        }
        return node
    }

    var token: Token { tokens[index] }
    var currentKind: Token.Kind { tokens[index].kind }

    func lookahead(_ ahead: Int) -> Token.Kind {
        let i = index + ahead
        return i < tokens.count ? tokens[i].kind : .eof
    }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    func unexpected(_ token: Token, expected: String) -> ExpressionError {
        ExpressionError(.syntax, offset: token.start, "expected \(expected), found \(token.display)")
    }

    mutating func match(_ kind: Token.Kind, _ expected: String) throws(ExpressionError) {
        guard currentKind == kind else { throw unexpected(token, expected: expected) }
        advance()
    }

    mutating func expression(_ bindingPower: Int) throws(ExpressionError) -> Node {
        let first = token
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maximumDepth {
            throw ExpressionError(.syntax, offset: first.start, "the expression nests more than \(Parser.maximumDepth) levels deep")
        }
        advance()
        var left = try nud(first)
        while bindingPower < token.bindingPower {
            let operatorToken = token
            advance()
            left = try led(operatorToken, left)
        }
        return left
    }

    // MARK: prefix positions

    private mutating func nud(_ token: Token) throws(ExpressionError) -> Node {
        // Only the name right after the dot: `a.b[?c == true]` is refused for its second.
        let dotted = afterDot
        afterDot = false
        switch token.kind {
        case .literal:
            return .literal(token.value)
        case .unquotedIdentifier:
            // `valid: true` in a mapping, `ok == true` in a filter: JMESPath reads a field named
            // "true", null in every record, and the value was dropped without a word. A bare
            // `null` reads null too (short of a field of that name), so `x || null` stays right.
            if !keywordsAreFields, !dotted, token.name == "true" || token.name == "false", currentKind != .lparen {
                // In YAML a backtick cannot start a value: the quotes are said too.
                throw ExpressionError(.syntax, offset: token.start, """
                    a bare \(token.name) would read a field named '\(token.name)': the value is written in backticks, \
                    `\(token.name)` (in YAML, quoted: '`\(token.name)`'), and such a field in double quotes, "\(token.name)"
                    """)
            }
            return .field(FieldKey(token.name))
        case .quotedIdentifier:
            if currentKind == .lparen {
                throw ExpressionError(.syntax, offset: self.token.start, "a quoted identifier cannot name a function")
            }
            return .field(FieldKey(token.name))
        case .star:
            let right: Node = currentKind == .rbracket ? .current : try projectionRight(20)
            return .valueProjection(.current, right)
        case .filter:
            return try filter(.current)
        case .lbrace:
            return try multiSelectHash()
        case .lparen:
            let inner = try expression(0)
            try match(.rparen, "')'")
            return inner
        case .flatten:
            return .projection(.flatten(.current), try projectionRight(9))
        case .not:
            return .not(try expression(45))
        case .lbracket:
            if currentKind == .number || currentKind == .colon {
                return try projectIfSlice(.current, try indexOrSlice())
            }
            if currentKind == .star && lookahead(1) == .rbracket {
                advance()
                advance()
                return .projection(.current, try projectionRight(20))
            }
            return try multiSelectList()
        case .current:
            return .current
        case .expref:
            return .reference(try expression(0))
        case .eof:
            throw ExpressionError(.syntax, offset: token.start, "the expression is incomplete")
        case .number:
            // Numbers stand alone only in slices and indexes; `amount > 0` is the common slip.
            // The lexer reads only whole numbers: `0.5` and `1e3` go on past this token.
            let whole = [.dot, .unquotedIdentifier].contains(currentKind) ? "such as `0.5`" : "`\(token.number)`"
            throw ExpressionError(.syntax, offset: token.start, "unexpected \(token.display): a number as a value is a literal, written in backticks: \(whole)")
        default:
            throw ExpressionError(.syntax, offset: token.start, "unexpected \(token.display)")
        }
    }

    // MARK: infix positions

    private mutating func led(_ op: Token, _ left: Node) throws(ExpressionError) -> Node {
        switch op.kind {
        case .dot:
            if currentKind == .star {
                advance()
                return .valueProjection(left, try projectionRight(40))
            }
            return Node.chain(left, try dotRight(40, after: op))
        case .pipe:
            return .pipe(left, try expression(1))
        case .or:
            return .or(left, try expression(2))
        case .and:
            return .and(left, try expression(3))
        case .lparen:
            return try call(left, openParen: op)
        case .filter:
            return try filter(left)
        case .eq: return .comparison(.eq, left, try expression(5))
        case .ne: return .comparison(.ne, left, try expression(5))
        case .lt: return .comparison(.lt, left, try expression(5))
        case .lte: return .comparison(.lte, left, try expression(5))
        case .gt: return .comparison(.gt, left, try expression(5))
        case .gte: return .comparison(.gte, left, try expression(5))
        case .flatten:
            return .projection(.flatten(left), try projectionRight(9))
        case .lbracket:
            if currentKind == .number || currentKind == .colon {
                return try projectIfSlice(left, try indexOrSlice())
            }
            try match(.star, "a number, ':' or '*' after '['")
            try match(.rbracket, "']'")
            return .projection(left, try projectionRight(20))
        default:
            throw ExpressionError(.syntax, offset: op.start, "unexpected \(op.display)")
        }
    }
}
