/// Character classes and backslash escapes, shared by atoms and class members.
extension PatternParser {
    enum ClassAtom {
        case scalar(UInt32)
        case set(PatternCharSet)
    }

    mutating func parseClass() throws(PatternError) -> PatternCharSet {
        i += 1
        var negated = false
        if isNext("^") { negated = true; i += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        var items: [PatternCharSet.Item] = []
        while true {
            guard let c = peek() else { throw error("missing ']'") }
            if c == 0x5D { i += 1; break }
            let first = try parseClassAtom()
            if isNext("-"), let after = peek(1), after != 0x5D {
                i += 1
                let second = try parseClassAtom()
                guard case .scalar(let lo) = first, case .scalar(let hi) = second else {
                    throw error("a class escape cannot bound a range")
                }
                guard lo <= hi else { throw error("range out of order in character class") }
                ranges.append(lo...hi)
                continue
            }
            switch first {
            case .scalar(let s): ranges.append(s...s)
            case .set(let set): items.append(set.negated ? .not(Self.asItem(set)) : Self.asItem(set))
            }
        }
        return PatternCharSet(ranges: ranges, items: items, negated: negated)
    }

    /// A nested class escape (always a single item or a range list) as one item.
    static func asItem(_ set: PatternCharSet) -> PatternCharSet.Item {
        if set.items.count == 1 && set.ranges.isEmpty { return set.items[0] }
        return .ranges(set.ranges)
    }

    mutating func parseClassAtom() throws(PatternError) -> ClassAtom {
        let c = peek()!
        i += 1
        guard c == 0x5C else { return .scalar(c) }
        switch try parseEscape(inClass: true) {
        case .scalar(let s): return .scalar(s)
        case .set(let set): return .set(set)
        }
    }

    /// Parses the escape after a backslash.
    mutating func parseEscape(inClass: Bool) throws(PatternError) -> ClassAtom {
        guard let c = peek() else { throw error("\\ at end of pattern") }
        i += 1
        switch Character(Unicode.Scalar(c)!) {
        case "d": return .set(PatternCharSet(items: [.digit]))
        case "D": return .set(PatternCharSet(items: [.digit], negated: true))
        case "w": return .set(PatternCharSet(items: [.word]))
        case "W": return .set(PatternCharSet(items: [.word], negated: true))
        case "s": return .set(PatternCharSet(items: [.space]))
        case "S": return .set(PatternCharSet(items: [.space], negated: true))
        case "t": return .scalar(0x09)
        case "n": return .scalar(0x0A)
        case "v": return .scalar(0x0B)
        case "f": return .scalar(0x0C)
        case "r": return .scalar(0x0D)
        case "b" where inClass: return .scalar(0x08)
        case "-" where inClass: return .scalar(0x2D)
        case "0" where !(peek().map { $0 >= 0x30 && $0 <= 0x39 } ?? false): return .scalar(0)
        case "1"..."9": throw PatternError(offset: i - 2, message: "backreferences are not supported")
        case "k" where isNext("<"): throw PatternError(offset: i - 2, message: "named backreferences are not supported")
        case "c":
            guard let letter = peek(), (letter | 0x20) >= 0x61, (letter | 0x20) <= 0x7A else { throw error("invalid control escape") }
            i += 1
            return .scalar(letter % 32)
        case "x":
            return .scalar(try readHex(count: 2))
        case "u":
            return .scalar(try readUnicodeEscape())
        case "p", "P":
            guard isNext("{") else { throw error("expected '{' after \\p") }
            i += 1
            var name = ""
            while let n = peek(), n != 0x7D { name.unicodeScalars.append(Unicode.Scalar(n)!); i += 1 }
            guard !atEnd else { throw error("missing '}' after property name") }
            i += 1
            guard let item = PatternProperties.item(named: name) else {
                throw error("unknown Unicode property '\(name)'")
            }
            return .set(PatternCharSet(items: [item], negated: c == 0x50))
        default:
            return .scalar(c)  // identity escape: \. \/ \\ \[ …
        }
    }

    mutating func readHex(count: Int) throws(PatternError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let c = peek(), let digit = Self.hexValue(c) else { throw error("invalid hexadecimal escape") }
            value = value * 16 + digit
            i += 1
        }
        return value
    }

    mutating func readUnicodeEscape() throws(PatternError) -> UInt32 {
        if isNext("{") {
            i += 1
            var value: UInt32 = 0
            var digits = 0
            while let c = peek(), let digit = Self.hexValue(c) {
                value = value &* 16 &+ digit
                digits += 1
                i += 1
            }
            guard digits > 0, isNext("}"), value <= 0x10FFFF else { throw error("invalid \\u{…} escape") }
            i += 1
            return value
        }
        let high = try readHex(count: 4)
        // A surrogate pair written as two escapes is one scalar under the u flag.
        if high >= 0xD800, high <= 0xDBFF, peek() == 0x5C, peek(1) == 0x75 {
            let saved = i
            i += 2
            if let low = try? readHex(count: 4), low >= 0xDC00, low <= 0xDFFF {
                return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            i = saved
        }
        return high
    }

    static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
