/// A parsed regular expression, before it is compiled into matcher instructions.
indirect enum PatternNode: Sendable {
    case empty
    case scalar(UInt32)
    case any
    case set(PatternCharSet)
    case lineStart, lineEnd
    case wordBoundary(negated: Bool)
    case concat([PatternNode])
    case alternation([PatternNode])
    case lookahead(PatternNode, negated: Bool)
    /// A capturing group, numbered from 1 in order of its opening parenthesis.
    case group(PatternNode, index: Int)
    /// `lazy` (`*?`, `+?`, `??`, `{n,m}?`) prefers fewer repetitions.
    case repetition(PatternNode, min: Int, max: Int?, lazy: Bool)
}

/// Why pattern text was refused, and at which character.
public struct PatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The character (Unicode scalar) offset the problem was found at.
    public var offset: Int
    /// What is wrong.
    public var message: String
    public var description: String { "at character \(offset): \(message)" }
}

/// Recursive-descent parser for the ECMA-262 pattern grammar with the `u` flag, minus
/// backreferences and lookbehind. Annex B leniencies that patterns in the wild rely on are
/// kept: a `{` that starts no quantifier and a lone `]` or `}` are literals.
struct PatternParser {
    let scalars: [UInt32]
    var i = 0
    /// Capturing groups opened so far.
    var groupCount = 0

    init(_ source: String) {
        scalars = source.unicodeScalars.map(\.value)
    }

    static func parse(_ source: String) throws(PatternError) -> PatternNode {
        try parseCounting(source).node
    }

    /// The parsed pattern and how many capturing groups it has.
    static func parseCounting(_ source: String) throws(PatternError) -> (node: PatternNode, groups: Int) {
        var parser = PatternParser(source)
        let node = try parser.parseAlternation()
        if parser.i < parser.scalars.count {
            throw parser.error("unmatched ')'")
        }
        return (node, parser.groupCount)
    }

    func error(_ message: String) -> PatternError { PatternError(offset: i, message: message) }
    var atEnd: Bool { i >= scalars.count }
    func peek(_ offset: Int = 0) -> UInt32? { i + offset < scalars.count ? scalars[i + offset] : nil }
    func isNext(_ c: Character) -> Bool { peek() == c.unicodeScalars.first!.value }

    mutating func parseAlternation() throws(PatternError) -> PatternNode {
        var branches = [try parseConcat()]
        while isNext("|") {
            i += 1
            branches.append(try parseConcat())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func parseConcat() throws(PatternError) -> PatternNode {
        var terms: [PatternNode] = []
        while let c = peek(), c != 0x7C /* | */, c != 0x29 /* ) */ {
            terms.append(try parseTerm())
        }
        switch terms.count {
        case 0: return .empty
        case 1: return terms[0]
        default: return .concat(terms)
        }
    }

    mutating func parseTerm() throws(PatternError) -> PatternNode {
        let c = peek()!
        switch c {
        case 0x5E: i += 1; return .lineStart          // ^
        case 0x24: i += 1; return .lineEnd            // $
        case 0x2A, 0x2B, 0x3F:                        // * + ?
            throw error("nothing to repeat")
        case 0x7B where quantifierAhead():            // {n,m} with nothing before it
            throw error("nothing to repeat")
        default:
            break
        }
        if c == 0x5C, let next = peek(1), next == 0x62 || next == 0x42 {  // \b \B
            i += 2
            return .wordBoundary(negated: next == 0x42)
        }
        let atom = try parseAtom()
        return try parseQuantifier(on: atom)
    }

    mutating func parseAtom() throws(PatternError) -> PatternNode {
        let c = peek()!
        switch c {
        case 0x2E:  // .
            i += 1
            return .any
        case 0x28:  // (
            return try parseGroup()
        case 0x5B:  // [
            return .set(try parseClass())
        case 0x5C:  // \
            i += 1
            switch try parseEscape(inClass: false) {
            case .scalar(let s): return .scalar(s)
            case .set(let set): return .set(set)
            }
        default:
            i += 1
            return .scalar(c)
        }
    }

    mutating func parseGroup() throws(PatternError) -> PatternNode {
        i += 1
        var lookahead: Bool?
        var captures = true
        if isNext("?") {
            captures = false
            switch peek(1) {
            case 0x3A: i += 2                                       // (?:
            case 0x3D: i += 2; lookahead = false                    // (?=
            case 0x21: i += 2; lookahead = true                     // (?!
            case 0x3C where peek(2) == 0x3D || peek(2) == 0x21:     // (?<= (?<!
                throw error("lookbehind is not supported")
            case 0x3C:                                              // (?<name>
                captures = true
                i += 2
                while let n = peek(), n != 0x3E { i += 1 }
                guard !atEnd else { throw error("unterminated group name") }
                i += 1
            default:
                throw error("invalid group")
            }
        }
        var index = 0
        if captures {
            groupCount += 1
            index = groupCount
        }
        let inner = try parseAlternation()
        guard isNext(")") else { throw error("missing ')'") }
        i += 1
        if let negated = lookahead { return .lookahead(inner, negated: negated) }
        return captures ? .group(inner, index: index) : inner
    }

    /// True if the text at `i` is `{n}`, `{n,}` or `{n,m}`.
    func quantifierAhead() -> Bool {
        var j = i + 1
        var digits = 0
        while j < scalars.count, scalars[j] >= 0x30, scalars[j] <= 0x39 { j += 1; digits += 1 }
        guard digits > 0, j < scalars.count else { return false }
        if scalars[j] == 0x7D { return true }
        guard scalars[j] == 0x2C else { return false }
        j += 1
        while j < scalars.count, scalars[j] >= 0x30, scalars[j] <= 0x39 { j += 1 }
        return j < scalars.count && scalars[j] == 0x7D
    }

    mutating func readNumber() -> Int {
        var n = 0
        while let c = peek(), c >= 0x30, c <= 0x39 {
            n = min(n * 10 + Int(c - 0x30), 1_000_000)
            i += 1
        }
        return n
    }

    mutating func parseQuantifier(on atom: PatternNode) throws(PatternError) -> PatternNode {
        guard let c = peek() else { return atom }
        var minimum = 0
        var maximum: Int?
        switch c {
        case 0x2A: i += 1                                 // *
        case 0x2B: i += 1; minimum = 1                    // +
        case 0x3F: i += 1; maximum = 1                    // ?
        case 0x7B where quantifierAhead():                // {
            i += 1
            minimum = readNumber()
            maximum = minimum
            if isNext(",") {
                i += 1
                maximum = isNext("}") ? nil : readNumber()
            }
            i += 1
            if let maximum, maximum < minimum { throw error("numbers out of order in {} quantifier") }
        default:
            return atom
        }
        // Laziness changes which match is found (and what groups capture), never whether one exists.
        var lazy = false
        if isNext("?") {
            i += 1
            lazy = true
        }
        if let next = peek(), next == 0x2A || next == 0x2B || next == 0x3F || (next == 0x7B && quantifierAhead()) {
            throw error("nothing to repeat")
        }
        return .repetition(atom, min: minimum, max: maximum, lazy: lazy)
    }
}
