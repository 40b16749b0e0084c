/// A regular expression in ECMA-262 syntax with the `u` flag, matched in time linear in the input.
///
/// JSON Schema's `pattern` keyword and the mapping functions `regex_match` and `regex_extract`
/// share it, so a code pattern means the same in a schema and in a mapping. Swift's `Regex`
/// differs on exactly the points that matter (`\d` and `\w` match non-ASCII digits and
/// letters, `$` accepts a final newline) and backtracks, so `(a+)+b` against a long run of
/// `a` never finishes. Huiliu runs its own engine instead: a Pike VM over Unicode scalars,
/// linear in the input for every pattern, with no allocation for patterns of ordinary size.
/// Patterns that need no Unicode properties, `\b` or lookahead are also determinised
/// (``PatternDFA``) for matching without captures.
///
/// Deviations from ECMA-262: backreferences and lookbehind are refused at compile time,
/// `\p{Script=…}` knows only `Han`, groups inside a lookahead capture nothing, and a pass of a
/// quantified group that matches nothing is not refused, which changes which match patterns
/// such as `(a??)?` or `(?:a*?)*` find (never whether one exists). A lookahead is evaluated
/// afresh at each position, so a pattern with one takes time quadratic in the text at worst.
///
/// ```swift
/// let code = try Pattern(#"^(\d{6})(\d{8})"#)
/// code.matches("421181199001011234")              // true
/// code.firstMatch(in: "421181199001011234")?[2]    // the range of "19900101"
/// ```
public final class Pattern: Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let source: String
    let program: PatternProgram
    let anchoredAtStart: Bool
    private let dfa: PatternDFA?

    /// Compiles `source`.
    /// - Throws: ``PatternError`` naming the character where the syntax is wrong or unsupported.
    public init(_ source: String) throws(PatternError) {
        self.source = source
        let parsed = try PatternParser.parseCounting(source)
        program = try PatternProgram.compile(parsed.node, groups: parsed.groups)
        if case .lineStart = program.instructions[0] { anchoredAtStart = true } else { anchoredAtStart = false }
        dfa = PatternDFA(program, anchoredAtStart: anchoredAtStart)
    }

    /// True if `source` is a syntactically valid pattern (the `regex` format), whatever its size.
    public static func isValidSyntax(_ source: String) -> Bool {
        (try? PatternParser.parse(source)) != nil
    }

    /// Capturing groups in the pattern (not counting the whole match).
    public var groupCount: Int { program.groupCount }

    /// True when the pattern runs as a DFA (for tests).
    var isDeterministic: Bool { dfa != nil }

    public var description: String { source }

    /// True if the pattern matches somewhere in `text`.
    public func matches(_ text: String) -> Bool {
        if let dfa { return dfa.matches(text) }
        return matchesWithVM(text)
    }

    /// The Pike VM path, which handles every pattern (tests compare it with the DFA).
    func matchesWithVM(_ text: String) -> Bool {
        let view = text.unicodeScalars
        return program.run(view, from: view.startIndex, previous: nil, entry: 0, anchored: anchoredAtStart)
    }
}

extension PatternProgram {
    /// Runs the NFA from `entry` at `start`. Unanchored runs start a new thread at every
    /// position, which is a search without a backtracking loop.
    func run(_ view: String.UnicodeScalarView, from start: String.Index, previous: UInt32?, entry: Int,
             anchored: Bool) -> Bool {
        let n = instructions.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * n) { buffer -> Bool in
            let base = buffer.baseAddress!
            var current = base
            var next = base + n
            let stack = base + 2 * n
            let marks = base + 3 * n
            marks.initialize(repeating: 0, count: n)
            var generation: Int32 = 1
            var index = start
            var prev = previous
            var cur: UInt32? = index < view.endIndex ? view[index].value : nil
            var currentCount = 0
            if closure(entry, into: current, count: &currentCount, stack: stack, marks: marks, generation: generation,
                       view: view, index: index, prev: prev, cur: cur) {
                return true
            }
            while currentCount > 0 || !anchored {
                guard let c = cur else { return false }
                let nextIndex = view.index(after: index)
                let nextCur: UInt32? = nextIndex < view.endIndex ? view[nextIndex].value : nil
                generation += 1
                var nextCount = 0
                for k in 0..<currentCount {
                    let pc = Int(current[k])
                    let accepted: Bool
                    switch instructions[pc] {
                    case .scalar(let s): accepted = s == c
                    case .set(let s): accepted = sets[s].contains(c)
                    case .any: accepted = !PatternCharSet.isLineTerminator(c)
                    default: accepted = false
                    }
                    if accepted && closure(pc + 1, into: next, count: &nextCount, stack: stack, marks: marks,
                                           generation: generation, view: view, index: nextIndex, prev: c, cur: nextCur) {
                        return true
                    }
                }
                if !anchored && closure(entry, into: next, count: &nextCount, stack: stack, marks: marks,
                                        generation: generation, view: view, index: nextIndex, prev: c, cur: nextCur) {
                    return true
                }
                swap(&current, &next)
                currentCount = nextCount
                index = nextIndex
                prev = c
                cur = nextCur
            }
            return false
        }
    }

    /// Adds the threads reachable from `pc` without consuming input; true if one matches.
    private func closure(_ pc: Int, into list: UnsafeMutablePointer<Int32>, count: inout Int,
                         stack: UnsafeMutablePointer<Int32>, marks: UnsafeMutablePointer<Int32>, generation: Int32,
                         view: String.UnicodeScalarView, index: String.Index, prev: UInt32?, cur: UInt32?) -> Bool {
        guard marks[pc] != generation else { return false }
        marks[pc] = generation
        stack[0] = Int32(pc)
        var depth = 1
        @inline(__always) func push(_ target: Int) {
            if marks[target] != generation {
                marks[target] = generation
                stack[depth] = Int32(target)
                depth += 1
            }
        }
        while depth > 0 {
            depth -= 1
            let pc = Int(stack[depth])
            switch instructions[pc] {
            case .match:
                return true
            case .jump(let target):
                push(target)
            case .save, .reset:
                push(pc + 1)
            case .split(let first, let second):
                push(second)
                push(first)
            case .lineStart:
                if index == view.startIndex { push(pc + 1) }
            case .lineEnd:
                if cur == nil { push(pc + 1) }
            case .wordBoundary(let negated):
                let before = prev.map(PatternCharSet.isWord) ?? false
                let after = cur.map(PatternCharSet.isWord) ?? false
                if (before != after) != negated { push(pc + 1) }
            case .lookahead(let negated, let next):
                if run(view, from: index, previous: prev, entry: pc + 1, anchored: true) != negated { push(next) }
            case .scalar, .set, .any:
                list[count] = Int32(pc)
                count += 1
            }
        }
        return false
    }
}
