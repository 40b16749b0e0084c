import HuiliuCore

/// The parts of the grammar below operators: calls, filters, slices, projections and
/// multi-selects.
extension Parser {
    mutating func call(_ left: Node, openParen: Token) throws(ExpressionError) -> Node {
        let nameToken = tokens[index - 2]
        guard case .field(let field) = left, nameToken.kind == .unquotedIdentifier else {
            throw ExpressionError(.syntax, offset: openParen.start, "only a plain identifier can be called as a function")
        }
        let name = field.name
        var arguments: [Node] = []
        while currentKind != .rparen {
            arguments.append(try expression(0))
            if currentKind == .comma {
                advance()
                if currentKind == .rparen { throw unexpected(token, expected: "an argument after ','") }
            } else if currentKind != .rparen {
                throw unexpected(token, expected: "',' or ')'")
            }
        }
        advance()
        guard let function = functions.function(named: name) else {
            throw ExpressionError(.unknownFunction, offset: nameToken.start, "unknown function '\(name)()'")
        }
        try function.checkArity(arguments.count, offset: nameToken.start)
        try function.checkLiterals(arguments, offset: nameToken.start)
        return .call(FunctionCall(function: function, arguments: arguments, offset: nameToken.start))
    }

    mutating func filter(_ left: Node) throws(ExpressionError) -> Node {
        let condition = try expression(0)
        try match(.rbracket, "']' to close the filter")
        let right: Node = currentKind == .flatten ? .current : try projectionRight(21)
        return .filterProjection(left, right, condition: condition)
    }

    /// After `[` with a number or colon next: `[n]` or a slice.
    mutating func indexOrSlice() throws(ExpressionError) -> Node {
        if currentKind == .colon || lookahead(1) == .colon {
            return try slice()
        }
        let value = token.number
        advance()
        try match(.rbracket, "']' after the index")
        return .index(value)
    }

    mutating func slice() throws(ExpressionError) -> Node {
        var parts: [Int?] = [nil, nil, nil]
        var part = 0
        let open = tokens[index - 1]
        while currentKind != .rbracket {
            switch currentKind {
            case .colon:
                part += 1
                if part == 3 { throw unexpected(token, expected: "']' (a slice has at most three parts)") }
                advance()
            case .number:
                if parts[part] != nil { throw unexpected(token, expected: "':' or ']'") }
                parts[part] = token.number
                advance()
            default:
                throw unexpected(token, expected: "a number, ':' or ']' in the slice")
            }
        }
        advance()
        let step = parts[2] ?? 1
        if step == 0 { throw ExpressionError(.invalidValue, offset: open.start, "a slice step cannot be 0") }
        return .slice(start: parts[0], stop: parts[1], step: step)
    }

    mutating func projectIfSlice(_ left: Node, _ right: Node) throws(ExpressionError) -> Node {
        if case .slice = right {
            return .projection(.subexpression(left, right), try projectionRight(20))
        }
        return .subexpression(left, right)
    }

    /// What follows a projection: nothing (identity) if the next token ends it.
    mutating func projectionRight(_ bindingPower: Int) throws(ExpressionError) -> Node {
        if token.bindingPower < Token.projectionStop { return .current }
        switch currentKind {
        case .lbracket, .filter:
            return try expression(bindingPower)
        case .dot:
            let dot = token
            advance()
            return try dotRight(bindingPower, after: dot)
        default:
            throw unexpected(token, expected: "'.', '[' or the end of the projection")
        }
    }

    /// After `.`: an identifier, `*`, a multi-select list or hash, or a function call.
    mutating func dotRight(_ bindingPower: Int, after dot: Token) throws(ExpressionError) -> Node {
        switch currentKind {
        case .unquotedIdentifier, .quotedIdentifier, .star:
            afterDot = true
            return try expression(bindingPower)
        case .lbracket:
            advance()
            return try multiSelectList()
        case .lbrace:
            advance()
            return try multiSelectHash()
        default:
            throw unexpected(token, expected: "identifier after '.'")
        }
    }

    mutating func multiSelectList() throws(ExpressionError) -> Node {
        var items: [Node] = []
        while true {
            items.append(try expression(0))
            if currentKind == .rbracket { break }
            try match(.comma, "',' or ']'")
        }
        advance()
        return .multiSelectList(items)
    }

    mutating func multiSelectHash() throws(ExpressionError) -> Node {
        var keys: [String] = []
        var values: [Node] = []
        while true {
            guard currentKind == .unquotedIdentifier || currentKind == .quotedIdentifier else {
                throw unexpected(token, expected: "a key name")
            }
            let key = token.name
            advance()
            try match(.colon, "':' after the key")
            let value = try expression(0)
            // A repeated key keeps its first position and takes the last value.
            if let i = keys.firstIndex(of: key) {
                values[i] = value
            } else {
                keys.append(key)
                values.append(value)
            }
            if currentKind == .comma {
                advance()
            } else if currentKind == .rbrace {
                advance()
                break
            } else {
                throw unexpected(token, expected: "',' or '}'")
            }
        }
        return .multiSelectHash(keys: keys, values: values)
    }
}
