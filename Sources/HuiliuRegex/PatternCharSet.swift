/// A set of Unicode scalars from a pattern: `[a-z\d]`, `\w`, `\p{Letter}` or their negations.
///
/// ASCII membership is precomputed into a 128-bit map, since codes, dates and identifiers are
/// nearly all ASCII; other scalars walk the ranges and class escapes.
struct PatternCharSet: Sendable {
    /// One class escape or property inside a set.
    enum Item: Sendable {
        case digit, word, space
        case category(Set<Unicode.GeneralCategory>)
        case alphabetic, whitespaceProperty, uppercase, lowercase, assigned, any
        case ranges([ClosedRange<UInt32>])
        indirect case not(Item)
    }

    var ranges: [ClosedRange<UInt32>] = []
    var items: [Item] = []
    var negated = false
    private var asciiLow: UInt64 = 0
    private var asciiHigh: UInt64 = 0

    init(ranges: [ClosedRange<UInt32>] = [], items: [Item] = [], negated: Bool = false) {
        self.ranges = ranges
        self.items = items
        self.negated = negated
        for c in UInt32(0)..<128 where slowContains(c) {
            if c < 64 { asciiLow |= 1 << UInt64(c) } else { asciiHigh |= 1 << UInt64(c - 64) }
        }
    }

    @inline(__always)
    func contains(_ c: UInt32) -> Bool {
        if c < 64 { return asciiLow & (1 << UInt64(c)) != 0 }
        if c < 128 { return asciiHigh & (1 << UInt64(c - 64)) != 0 }
        return slowContains(c)
    }

    private func slowContains(_ c: UInt32) -> Bool {
        var found = false
        for range in ranges where range.contains(c) {
            found = true
            break
        }
        if !found {
            for item in items where Self.matches(item, c) {
                found = true
                break
            }
        }
        return found != negated
    }

    static func matches(_ item: Item, _ c: UInt32) -> Bool {
        switch item {
        case .digit: return c >= 0x30 && c <= 0x39
        case .word: return isWord(c)
        case .space: return isSpace(c)
        case .ranges(let ranges): return ranges.contains { $0.contains(c) }
        case .not(let inner): return !matches(inner, c)
        case .any: return true
        default:
            guard let scalar = Unicode.Scalar(c) else { return false }
            let properties = scalar.properties
            switch item {
            case .category(let set): return set.contains(properties.generalCategory)
            case .alphabetic: return properties.isAlphabetic
            case .whitespaceProperty: return properties.isWhitespace
            case .uppercase: return properties.isUppercase
            case .lowercase: return properties.isLowercase
            case .assigned: return properties.generalCategory != .unassigned
            default: return false
            }
        }
    }

    /// The set (ignoring `negated`) as scalar ranges, or `nil` when it uses a Unicode
    /// property that ranges cannot express cheaply.
    func plainRanges() -> [ClosedRange<UInt32>]? {
        var result = ranges
        for item in items {
            guard let extra = Self.ranges(of: item) else { return nil }
            result += extra
        }
        return result
    }

    private static func ranges(of item: Item) -> [ClosedRange<UInt32>]? {
        switch item {
        case .digit: return [0x30...0x39]
        case .word: return [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
        case .space:
            return [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
                    0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF]
        case .ranges(let ranges): return ranges
        case .any: return [0...0x10FFFF]
        case .not(let inner):
            guard let inside = ranges(of: inner) else { return nil }
            return complement(inside)
        default: return nil
        }
    }

    /// The scalars in none of `ranges`.
    private static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > next { result.append(next...(r.lowerBound - 1)) }
            next = max(next, r.upperBound + 1)
        }
        if next <= 0x10FFFF { result.append(next...0x10FFFF) }
        return result
    }

    /// ECMA-262 `\w`: ASCII letters, digits and underscore only.
    static func isWord(_ c: UInt32) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
    }

    /// ECMA-262 `\s`: WhiteSpace and LineTerminator.
    static func isSpace(_ c: UInt32) -> Bool {
        switch c {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// ECMA-262 LineTerminator, which `.` does not match.
    static func isLineTerminator(_ c: UInt32) -> Bool {
        c == 0x0A || c == 0x0D || c == 0x2028 || c == 0x2029
    }
}

/// Calls `body` with the UTF-8 bytes of `text`, copying only for non-native strings.
@inline(__always)
package func withUTF8<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    return Array(text.utf8).withUnsafeBufferPointer(body)
}
