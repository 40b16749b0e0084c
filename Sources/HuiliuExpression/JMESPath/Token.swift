import HuiliuCore

/// One lexical token of a JMESPath expression.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case eof
        case unquotedIdentifier, quotedIdentifier, literal, number
        case rbracket, rparen, rbrace, comma, colon
        case current, expref
        case pipe, or, and, not
        case eq, ne, lt, lte, gt, gte
        case flatten, star, filter, dot, lbrace, lbracket, lparen
    }

    var kind: Kind
    /// Scalar offset of the first character.
    var start: Int
    /// The identifier name (both kinds of identifier).
    var name: String = ""
    /// The value of a literal (JSON or raw string).
    var value: Value = .null
    /// The value of a number.
    var number: Int = 0

    /// How tightly the token binds as an infix operator; the Pratt parser's table,
    /// taken from the reference implementation so precedence matches it exactly.
    var bindingPower: Int {
        switch kind {
        case .eof, .unquotedIdentifier, .quotedIdentifier, .literal, .rbracket, .rparen, .comma,
             .rbrace, .number, .current, .expref, .colon:
            return 0
        case .pipe: return 1
        case .or: return 2
        case .and: return 3
        case .eq, .ne, .lt, .lte, .gt, .gte: return 5
        case .flatten: return 9
        case .star: return 20
        case .filter: return 21
        case .dot: return 40
        case .not: return 45
        case .lbrace: return 50
        case .lbracket: return 55
        case .lparen: return 60
        }
    }

    /// Tokens binding less than this end a projection's right-hand side.
    static let projectionStop = 10

    /// The token as a person would name it in an error message.
    var display: String {
        switch kind {
        case .eof: "end of expression"
        case .unquotedIdentifier: "identifier '\(name)'"
        case .quotedIdentifier: "quoted identifier \"\(name)\""
        case .literal: "literal \(value.jsonText)"
        case .number: "number \(number)"
        case .rbracket: "']'"
        case .rparen: "')'"
        case .rbrace: "'}'"
        case .comma: "','"
        case .colon: "':'"
        case .current: "'@'"
        case .expref: "'&'"
        case .pipe: "'|'"
        case .or: "'||'"
        case .and: "'&&'"
        case .not: "'!'"
        case .eq: "'=='"
        case .ne: "'!='"
        case .lt: "'<'"
        case .lte: "'<='"
        case .gt: "'>'"
        case .gte: "'>='"
        case .flatten: "'[]'"
        case .star: "'*'"
        case .filter: "'[?'"
        case .dot: "'.'"
        case .lbrace: "'{'"
        case .lbracket: "'['"
        case .lparen: "'('"
        }
    }
}
