/// One instruction of a compiled pattern: the matcher runs these as an NFA.
enum PatternInstruction: Sendable {
    case scalar(UInt32)
    case set(Int)
    case any
    case split(Int, Int)
    case jump(Int)
    case lineStart, lineEnd
    case wordBoundary(negated: Bool)
    /// Zero-width: the sub-program from the next instruction (which ends in `match`) must
    /// (or, negated, must not) match here; execution continues at `next`.
    case lookahead(negated: Bool, next: Int)
    /// Zero-width: records the position in capture slot `n` (group `n / 2`'s start or end).
    case save(Int)
    /// Zero-width: forgets what slots `from...to` captured, as each pass of a repeated group
    /// starts (ECMA-262 RepeatMatcher: `(?:(a)|b)+` on "ab" leaves group 1 undefined).
    case reset(from: Int, to: Int)
    case match
}

/// A pattern compiled into instructions (Thompson construction).
struct PatternProgram: Sendable {
    var instructions: [PatternInstruction] = []
    var sets: [PatternCharSet] = []
    /// Capturing groups; slots `2k` and `2k + 1` hold group `k`'s bounds (group 0 is the whole match).
    var groupCount = 0

    /// Counted repetition is unrolled; this bounds what `a{1,100000}` can cost.
    static let maximumInstructions = 50_000

    static func compile(_ node: PatternNode, groups: Int = 0) throws(PatternError) -> PatternProgram {
        var program = PatternProgram()
        program.groupCount = groups
        try program.emit(node)
        program.instructions.append(.match)
        return program
    }

    private mutating func append(_ instruction: PatternInstruction) throws(PatternError) -> Int {
        guard instructions.count < Self.maximumInstructions else {
            throw PatternError(offset: 0, message: "pattern too large after expanding repetitions")
        }
        instructions.append(instruction)
        return instructions.count - 1
    }

    private mutating func emit(_ node: PatternNode) throws(PatternError) {
        switch node {
        case .empty:
            break
        case .scalar(let c):
            _ = try append(.scalar(c))
        case .any:
            _ = try append(.any)
        case .set(let set):
            sets.append(set)
            _ = try append(.set(sets.count - 1))
        case .lineStart:
            _ = try append(.lineStart)
        case .lineEnd:
            _ = try append(.lineEnd)
        case .wordBoundary(let negated):
            _ = try append(.wordBoundary(negated: negated))
        case .concat(let nodes):
            for n in nodes { try emit(n) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (k, branch) in branches.enumerated() {
                if k < branches.count - 1 {
                    let split = try append(.split(0, 0))
                    try emit(branch)
                    jumps.append(try append(.jump(0)))
                    instructions[split] = .split(split + 1, instructions.count)
                } else {
                    try emit(branch)
                }
            }
            for j in jumps { instructions[j] = .jump(instructions.count) }
        case .lookahead(let inner, let negated):
            let look = try append(.lookahead(negated: negated, next: 0))
            try emit(inner)
            _ = try append(.match)
            instructions[look] = .lookahead(negated: negated, next: instructions.count)
        case .group(let inner, let index):
            _ = try append(.save(2 * index))
            try emit(inner)
            _ = try append(.save(2 * index + 1))
        case .repetition(let inner, let minimum, let maximum, let lazy):
            // A split's first target is the preferred one: the body when greedy, the exit when lazy.
            func split(body: Int, exit: Int) -> PatternInstruction {
                lazy ? .split(exit, body) : .split(body, exit)
            }
            let groups = inner.groupRange
            func pass() throws(PatternError) {
                if let groups { _ = try append(.reset(from: 2 * groups.lowerBound, to: 2 * groups.upperBound + 1)) }
                try emit(inner)
            }
            for _ in 0..<minimum { try pass() }
            if let maximum {
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(try append(.split(0, 0)))
                    try pass()
                }
                for s in splits { instructions[s] = split(body: s + 1, exit: instructions.count) }
            } else {
                let at = try append(.split(0, 0))
                try pass()
                _ = try append(.jump(at))
                instructions[at] = split(body: at + 1, exit: instructions.count)
            }
        }
    }
}

extension PatternNode {
    /// The numbers of the capturing groups inside, first to last (they are numbered in order, so
    /// a subtree's are consecutive), or `nil` when there are none.
    var groupRange: ClosedRange<Int>? {
        switch self {
        case .empty, .scalar, .any, .set, .lineStart, .lineEnd, .wordBoundary: return nil
        case .group(let inner, let index):
            return inner.groupRange.map { index...$0.upperBound } ?? index...index
        case .concat(let nodes), .alternation(let nodes):
            let ranges = nodes.compactMap(\.groupRange)
            guard let first = ranges.first, let last = ranges.last else { return nil }
            return first.lowerBound...last.upperBound
        case .lookahead(let inner, _): return inner.groupRange
        case .repetition(let inner, _, _, _): return inner.groupRange
        }
    }
}
