/// A set of small non-negative integers as a bit map: the values one cron field allows.
struct ValueSet: Hashable, Sendable {
    private var words: [UInt64]

    init() { words = [] }

    init(_ range: ClosedRange<Int>) {
        self.init()
        for value in range { insert(value) }
    }

    mutating func insert(_ value: Int) {
        let word = value >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word - words.count + 1)) }
        words[word] |= 1 << UInt64(value & 63)
    }

    func contains(_ value: Int) -> Bool {
        let word = value >> 6
        return value >= 0 && word < words.count && words[word] & (1 << UInt64(value & 63)) != 0
    }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The smallest member that is at least `value`, if any is at most `limit`.
    func first(atLeast value: Int, through limit: Int) -> Int? {
        var candidate = max(value, 0)
        while candidate <= limit {
            if contains(candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    /// True when every value in `range` is a member.
    func covers(_ range: ClosedRange<Int>) -> Bool {
        range.allSatisfy(contains)
    }

    static func == (a: ValueSet, b: ValueSet) -> Bool {
        let n = max(a.words.count, b.words.count)
        return (0..<n).allSatisfy { i in
            (i < a.words.count ? a.words[i] : 0) == (i < b.words.count ? b.words[i] : 0)
        }
    }

    func hash(into hasher: inout Hasher) {
        var trimmed = words
        while trimmed.last == 0 { trimmed.removeLast() }
        hasher.combine(trimmed)
    }
}
