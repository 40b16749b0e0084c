/// A pattern determinised at compile time: one table lookup per input scalar.
///
/// Most schema patterns (codes, identifiers, anchored `^…$` shapes) use only character
/// ranges, `^` and `$`. For those the NFA is turned into a DFA by subset construction over
/// the scalar intervals the ranges induce. Patterns with Unicode properties, `\b` or
/// lookahead, or whose DFA would exceed ``maximumStates``, keep running on the Pike VM.
final class PatternDFA: Sendable {
    /// Sorted interval starts: scalar `c` is in class `k` when `starts[k] <= c < starts[k + 1]`.
    private let starts: [UInt32]
    /// Class of each ASCII scalar, so ASCII input never searches `starts`.
    private let asciiClass: [UInt8]
    private let classCount: Int
    /// `transitions[state * classCount + class]`; -1 is the dead state.
    private let transitions: [Int32]
    /// A match has been seen: the search can stop with success.
    private let matchesNow: [Bool]
    /// The state matches if the input ends here (via `$`).
    private let matchesAtEnd: [Bool]

    static let maximumStates = 4096
    static let maximumTable = 1 << 20

    /// Builds the DFA, or returns `nil` when the program uses what a DFA cannot express.
    init?(_ program: PatternProgram, anchoredAtStart: Bool) {
        var boundaries: Set<UInt32> = [0, 0x110000]
        var setRanges: [[ClosedRange<UInt32>]] = []
        for set in program.sets {
            guard let ranges = set.plainRanges() else { return nil }
            setRanges.append(ranges)
            for r in ranges { boundaries.insert(r.lowerBound); boundaries.insert(r.upperBound + 1) }
        }
        for instruction in program.instructions {
            switch instruction {
            case .lookahead, .wordBoundary: return nil
            case .scalar(let c): boundaries.insert(c); boundaries.insert(c + 1)
            case .any: for c: UInt32 in [0x0A, 0x0D, 0x2028, 0x2029] { boundaries.insert(c); boundaries.insert(c + 1) }
            default: break
            }
        }
        let starts = boundaries.sorted().dropLast().map { $0 }
        guard starts.count < 255 else { return nil }
        let classCount = starts.count
        let builder = Builder(program: program, setRanges: setRanges, starts: starts)
        // State 0 is the start: `^` holds there and nowhere else, so it is never found again
        // by its kernel (a later state with kernel [0] is a different state).
        var kernels: [[Int]] = [[0]]
        var index: [[Int]: Int] = [:]
        var transitions: [Int32] = []
        var matchesNow: [Bool] = []
        var matchesAtEnd: [Bool] = []
        var k = 0
        while k < kernels.count {
            let atStart = k == 0
            let (threads, now) = builder.closure(kernels[k], atStart: atStart, atEnd: false)
            matchesNow.append(now)
            matchesAtEnd.append(now || builder.closure(kernels[k], atStart: atStart, atEnd: true).1)
            for c in 0..<classCount {
                var next = Set<Int>()
                for pc in threads where builder.accepts(pc, classIndex: c) { next.insert(pc + 1) }
                if !anchoredAtStart { next.insert(0) }
                let kernel = next.sorted()
                if kernel.isEmpty {
                    transitions.append(-1)
                    continue
                }
                if let known = index[kernel] {
                    transitions.append(Int32(known))
                } else {
                    // Bounded in states and in table size (4 MiB): a counted repetition such as
                    // a{1000}b needs about a thousand states, and gains a thousandfold from them.
                    guard kernels.count < Self.maximumStates, (kernels.count + 1) * classCount <= Self.maximumTable else { return nil }
                    index[kernel] = kernels.count
                    transitions.append(Int32(kernels.count))
                    kernels.append(kernel)
                }
            }
            k += 1
        }
        self.starts = starts
        self.classCount = classCount
        self.transitions = transitions
        self.matchesNow = matchesNow
        self.matchesAtEnd = matchesAtEnd
        self.asciiClass = (0..<128).map { c in UInt8(Self.classIndex(of: UInt32(c), in: starts)) }
    }

    private static func classIndex(of c: UInt32, in starts: [UInt32]) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= c { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// True if the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        withUTF8(text) { bytes in
            var state = 0
            var i = 0
            let n = bytes.count
            while true {
                if matchesNow[state] { return true }
                guard i < n else { return matchesAtEnd[state] }
                let b = bytes[i]
                let cls: Int
                if b < 0x80 {
                    cls = Int(asciiClass[Int(b)])
                    i += 1
                } else {
                    let (scalar, length) = Self.decode(bytes, i)
                    cls = Self.classIndex(of: scalar, in: starts)
                    i += length
                }
                let next = transitions[state &* classCount &+ cls]
                if next < 0 { return false }
                state = Int(next)
            }
        }
    }

    /// Decodes the multi-byte UTF-8 sequence at `i` (the string is valid UTF-8).
    @inline(__always)
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                    | UInt32(bytes[i + 3] & 0x3F), 4)
    }

    /// Subset construction helpers over the NFA.
    private struct Builder {
        let program: PatternProgram
        let setRanges: [[ClosedRange<UInt32>]]
        let starts: [UInt32]

        /// Consuming instructions reachable from `kernel`, and whether `match` is reachable.
        func closure(_ kernel: [Int], atStart: Bool, atEnd: Bool) -> ([Int], Bool) {
            var seen = Set<Int>()
            var stack = kernel
            var threads: [Int] = []
            var matched = false
            while let pc = stack.popLast() {
                guard seen.insert(pc).inserted else { continue }
                switch program.instructions[pc] {
                case .match: matched = true
                case .jump(let target): stack.append(target)
                case .save, .reset: stack.append(pc + 1)
                case .split(let a, let b): stack.append(b); stack.append(a)
                case .lineStart: if atStart { stack.append(pc + 1) }
                case .lineEnd: if atEnd { stack.append(pc + 1) }
                case .scalar, .set, .any: threads.append(pc)
                case .lookahead, .wordBoundary: break
                }
            }
            return (threads.sorted(), matched)
        }

        /// True if instruction `pc` consumes the scalars of class `classIndex`.
        func accepts(_ pc: Int, classIndex: Int) -> Bool {
            let c = starts[classIndex]  // every scalar of a class behaves alike; test the first
            switch program.instructions[pc] {
            case .scalar(let s): return s == c
            case .set(let k):
                let inside = setRanges[k].contains { $0.contains(c) }
                return inside != program.sets[k].negated
            case .any: return !PatternCharSet.isLineTerminator(c)
            default: return false
            }
        }
    }
}
