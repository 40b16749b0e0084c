import HuiliuCore

/// Splits expression text into tokens; positions are counted in Unicode scalars.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// All tokens, ending with `.eof`.
    static func tokenize(_ text: String) throws(ExpressionError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .eof { return tokens }
        }
    }

    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private func peek(_ ahead: Int = 1) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    private mutating func single(_ kind: Token.Kind) -> Token {
        position += 1
        return Token(kind: kind, start: position - 1)
    }

    /// `first` alone, or `pair` when followed by `second`.
    private mutating func oneOrTwo(_ second: Unicode.Scalar, _ pair: Token.Kind, else alone: Token.Kind) -> Token {
        let start = position
        if peek() == second {
            position += 2
            return Token(kind: pair, start: start)
        }
        position += 1
        return Token(kind: alone, start: start)
    }

    mutating func next() throws(ExpressionError) -> Token {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { position += 1 }
        guard let c = current else { return Token(kind: .eof, start: position) }
        switch c {
        case "a"..."z", "A"..."Z", "_":
            let start = position
            while let d = current, Lexer.isIdentifierContinuation(d) { position += 1 }
            return Token(kind: .unquotedIdentifier, start: start, name: text(start, position))
        case "0"..."9", "-":
            return try number()
        case ".": return single(.dot)
        case "*": return single(.star)
        case "]": return single(.rbracket)
        case ",": return single(.comma)
        case ":": return single(.colon)
        case "@": return single(.current)
        case "(": return single(.lparen)
        case ")": return single(.rparen)
        case "{": return single(.lbrace)
        case "}": return single(.rbrace)
        case "[":
            let start = position
            if peek() == "]" { position += 2; return Token(kind: .flatten, start: start) }
            if peek() == "?" { position += 2; return Token(kind: .filter, start: start) }
            return single(.lbracket)
        case "|": return oneOrTwo("|", .or, else: .pipe)
        case "&": return oneOrTwo("&", .and, else: .expref)
        case "!": return oneOrTwo("=", .ne, else: .not)
        case "<": return oneOrTwo("=", .lte, else: .lt)
        case ">": return oneOrTwo("=", .gte, else: .gt)
        case "=":
            if peek() == "=" { position += 2; return Token(kind: .eq, start: position - 2) }
            throw ExpressionError(.syntax, offset: position, "unexpected '=', did you mean '=='?")
        case "\"": return try quotedIdentifier()
        case "'": return try rawString()
        case "`": return try jsonLiteral()
        default:
            throw ExpressionError(.syntax, offset: position, "unexpected character '\(c)'")
        }
    }

    private static func isIdentifierContinuation(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "_": true
        default: false
        }
    }

    private func text(_ from: Int, _ to: Int) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[from..<to])
        return String(s)
    }

    private mutating func number() throws(ExpressionError) -> Token {
        let start = position
        var negative = false
        if current == "-" { negative = true; position += 1 }
        var magnitude = 0
        var digits = 0
        while let d = current, d.value >= 48, d.value <= 57 {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(d.value - 48))
            if o1 || o2 { throw ExpressionError(.syntax, offset: start, "number is too large") }
            magnitude = a
            digits += 1
            position += 1
        }
        if digits == 0 { throw ExpressionError(.syntax, offset: start, "expected digits after '-'") }
        return Token(kind: .number, start: start, number: negative ? -magnitude : magnitude)
    }

    /// The text up to an unescaped `delimiter`, keeping backslashes; the position ends
    /// after the delimiter.
    private mutating func until(_ delimiter: Unicode.Scalar) throws(ExpressionError) -> String {
        let start = position
        position += 1
        var out = String.UnicodeScalarView()
        while true {
            guard var c = current else {
                throw ExpressionError(.syntax, offset: start, "unclosed \(delimiter) delimiter")
            }
            if c == delimiter { break }
            if c == "\\" {
                out.append(c)
                position += 1
                guard let escaped = current else {
                    throw ExpressionError(.syntax, offset: start, "unclosed \(delimiter) delimiter")
                }
                c = escaped
            }
            out.append(c)
            position += 1
        }
        position += 1
        return String(out)
    }

    private mutating func quotedIdentifier() throws(ExpressionError) -> Token {
        let start = position
        let body = try until("\"")
        let parsed: Value
        do {
            parsed = try JSONReader.parse("\"" + body + "\"")
        } catch {
            throw ExpressionError(.syntax, offset: start, "invalid quoted identifier: \(error.message)")
        }
        guard case .string(let name) = parsed else {
            throw ExpressionError(.syntax, offset: start, "invalid quoted identifier")
        }
        return Token(kind: .quotedIdentifier, start: start, name: name)
    }

    private mutating func rawString() throws(ExpressionError) -> Token {
        let start = position
        let body = try until("'")
        // Only \' is an escape in a raw string; every other backslash is kept as written.
        let value = body.replacing("\\'", with: "'")
        return Token(kind: .literal, start: start, value: .string(value))
    }

    private mutating func jsonLiteral() throws(ExpressionError) -> Token {
        let start = position
        let body = try until("`").replacing("\\`", with: "`")
        do {
            let value = try JSONReader.parse(body)
            return Token(kind: .literal, start: start, value: value)
        } catch {
            // At the fault, not at the opening backtick: a long inline code table is otherwise
            // searched by hand. Counted in scalars, as every offset is; an escaped backtick before
            // the fault shifts it by one.
            let scalarsBefore = String(decoding: body.utf8.prefix(error.offset), as: UTF8.self).unicodeScalars.count
            throw ExpressionError(.syntax, offset: start + 1 + scalarsBefore, "invalid JSON literal: \(error.message)")
        }
    }
}
