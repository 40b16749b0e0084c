@testable import HuiliuRegex
import Testing

/// `firstMatch(in:)`: the match and captures ECMA-262's backtracking order picks, found in linear time.
struct PatternCaptureTests {
    /// The captured texts of the first match, `nil` for a group that took no part.
    static func captures(_ pattern: String, _ text: String) throws -> [String?]? {
        try Pattern(pattern).firstMatch(in: text).map { ranges in
            ranges.map { $0.map { String(text.unicodeScalars[$0]) } }
        }
    }

    @Test func groupsAreNumberedByTheirOpeningParenthesis() throws {
        #expect(try Self.captures(#"HT-(\d{4})-(\d+)"#, "合同编号：HT-2024-017") == ["HT-2024-017", "2024", "017"])
        #expect(try Self.captures("((a)(b))c", "xabc") == ["abc", "ab", "a", "b"])
        #expect(try Self.captures("(?<year>\\d{4})年", "2024年3月") == ["2024年", "2024"])
        #expect(try Self.captures("(?:a)(b)", "ab") == ["ab", "b"])
        #expect(try Pattern("(a)(?:b)(?=c)(?<n>d)").groupCount == 2)
    }

    @Test func theLeftmostMatchWinsThenTheEarlierAlternative() throws {
        #expect(try Self.captures("b|ab", "xab") == ["ab"])
        #expect(try Self.captures("(a|ab)(c|bcd)", "abcd") == ["abcd", "a", "bcd"])
        #expect(try Self.captures("(ab|a)(c|bcd)?", "abcd") == ["abc", "ab", "c"])
    }

    /// Each pass of a repeated group starts with its groups undefined (ECMA-262 RepeatMatcher).
    @Test func groupsOfAnEarlierPassAreForgotten() throws {
        #expect(try Self.captures(#"(?:(\d+)元|(\d+)角)+"#, "5元3角") == ["5元3角", nil, "3"])
        #expect(try Self.captures("^(?:(a)|(b))*$", "ab") == ["ab", nil, "b"])
        #expect(try Self.captures("(?:(a)|b)+", "ab") == ["ab", nil])
    }

    @Test func greedyAndLazyQuantifiers() throws {
        #expect(try Self.captures("(.*)-(.*)", "a-b-c") == ["a-b-c", "a-b", "c"])
        #expect(try Self.captures("(.*?)-(.*)", "a-b-c") == ["a-b-c", "a", "b-c"])
        #expect(try Self.captures("a(b{1,3}?)", "abbb") == ["ab", "b"])
        #expect(try Self.captures("a(b??)b", "abb") == ["ab", ""])
        #expect(try Self.captures("(a)+", "aaa") == ["aaa", "a"])
    }

    @Test func groupsThatTakeNoPartAreNil() throws {
        #expect(try Self.captures("a(x)?b", "ab") == ["ab", nil])
        #expect(try Self.captures("(x)|(y)", "y") == ["y", nil, "y"])
        #expect(try Self.captures("x", "abc") == nil)
        #expect(try Self.captures("^$", "") == [""])
        #expect(try Self.captures("b*", "abc") == [""])
    }

    @Test func digitsAndWordCharactersAreASCII() throws {
        #expect(try Self.captures(#"(\d+)"#, "编号１２３-456") == ["456", "456"])
        #expect(try Self.captures(#"\w+"#, "数据abc") == ["abc"])
        #expect(try Self.captures("a$", "a\n") == nil)
    }

    /// Patterns that make a backtracking engine take exponential time answer at once.
    @Test func noCatastrophicBacktracking() throws {
        let text = String(repeating: "a", count: 5_000) + "c"
        #expect(try Self.captures("(a+)+b", text) == nil)
        #expect(try Self.captures("(a|aa)*b", text) == nil)
        #expect(try Self.captures("(a*)*c", text)?.first == text)
        #expect(try Pattern("^(\\w+\\s?)*$").matches(String(repeating: "word ", count: 2_000) + "!") == false)
    }

    /// Random patterns against random texts: the Pike VM captures exactly what a plain
    /// backtracking matcher (the ECMA-262 semantics, exponential but fine on short input) does.
    @Test func capturesAgreeWithABacktrackingMatcher() throws {
        var seed: UInt64 = 0x5EED_2026
        func next(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        let atoms = ["a", "b", "[ab]", "[^a]", ".", "\\d", "(a|bc)", "(?:ab)", "(b)", "(a|ab|b)", "\\b", "(?=a)",
                     "(?:(a)|(b))", "((a)|b)", "(?:(a)|bc)"]
        let quantifiers = ["", "", "*", "+", "?", "{2}", "{1,3}", "*?", "+?", "??", "{0,2}?"]
        for _ in 0..<400 {
            var pattern = next(4) == 0 ? "^" : ""
            for _ in 0..<(1 + next(4)) {
                let atom = atoms[next(atoms.count)]
                pattern += atom + (atom.hasPrefix("\\b") || atom.hasPrefix("(?=") ? "" : quantifiers[next(quantifiers.count)])
            }
            if next(3) == 0 { pattern += "$" }
            if next(4) == 0 { pattern += "|" + atoms[next(atoms.count)] }
            let compiled = try Pattern(pattern)
            let node = try PatternParser.parseCounting(pattern)
            for _ in 0..<15 {
                let text = String((0..<next(7)).map { _ in Array("ab1 c")[next(5)] })
                let expected = Backtracker(node: node.node, groups: node.groups, text: text).firstMatch()
                let actual = compiled.firstMatch(in: text).map { ranges in
                    ranges.map { $0.map { range in
                        (text.unicodeScalars.distance(from: text.startIndex, to: range.lowerBound),
                         text.unicodeScalars.distance(from: text.startIndex, to: range.upperBound)) } }
                }
                #expect(actual.map { $0.map { $0.map { [$0.0, $0.1] } } } == expected.map { $0.map { $0.map { [$0.0, $0.1] } } },
                        "/\(pattern)/ on \"\(text)\"")
                #expect(compiled.matches(text) == (expected != nil), "/\(pattern)/ on \"\(text)\"")
            }
        }
    }
}

/// ECMA-262's matcher as the specification states it: depth-first with continuations.
private struct Backtracker {
    let node: PatternNode
    let groups: Int
    let scalars: [UInt32]

    init(node: PatternNode, groups: Int, text: String) {
        self.node = node
        self.groups = groups
        scalars = text.unicodeScalars.map(\.value)
    }

    typealias Captures = [(Int, Int)?]

    func firstMatch() -> Captures? {
        for start in 0...scalars.count {
            var found: Captures?
            let initial = Captures(repeating: nil, count: groups + 1)
            if match(node, start, initial, { end, captures in
                var all = captures
                all[0] = (start, end)
                found = all
                return true
            }) { return found }
        }
        return nil
    }

    func match(_ node: PatternNode, _ i: Int, _ caps: Captures, _ k: (Int, Captures) -> Bool) -> Bool {
        let n = scalars.count
        switch node {
        case .empty: return k(i, caps)
        case .scalar(let c): return i < n && scalars[i] == c && k(i + 1, caps)
        case .any: return i < n && !PatternCharSet.isLineTerminator(scalars[i]) && k(i + 1, caps)
        case .set(let set): return i < n && set.contains(scalars[i]) && k(i + 1, caps)
        case .lineStart: return i == 0 && k(i, caps)
        case .lineEnd: return i == n && k(i, caps)
        case .wordBoundary(let negated):
            let before = i > 0 && PatternCharSet.isWord(scalars[i - 1])
            let after = i < n && PatternCharSet.isWord(scalars[i])
            return (before != after) != negated && k(i, caps)
        case .concat(let nodes):
            func chain(_ index: Int, _ j: Int, _ c: Captures) -> Bool {
                index == nodes.count ? k(j, c) : match(nodes[index], j, c) { chain(index + 1, $0, $1) }
            }
            return chain(0, i, caps)
        case .alternation(let branches):
            return branches.contains { match($0, i, caps, k) }
        case .lookahead(let inner, let negated):
            return match(inner, i, caps) { _, _ in true } != negated && k(i, caps)
        case .group(let inner, let index):
            return match(inner, i, caps) { j, c in
                var c = c
                c[index] = (i, j)
                return k(j, c)
            }
        case .repetition(let inner, let minimum, let maximum, let lazy):
            // Each pass starts with the atom's groups undefined (ECMA-262 RepeatMatcher step 4).
            func cleared(_ c: Captures) -> Captures {
                guard let groups = inner.groupRange else { return c }
                var c = c
                for g in groups { c[g] = nil }
                return c
            }
            func repeatFrom(_ count: Int, _ j: Int, _ c: Captures) -> Bool {
                if count < minimum { return match(inner, j, cleared(c)) { repeatFrom(count + 1, $0, $1) } }
                if let maximum, count >= maximum { return k(j, c) }
                // An iteration beyond the minimum must consume something (ECMA-262 RepeatMatcher).
                if lazy && k(j, c) { return true }
                if match(inner, j, cleared(c), { end, c2 in end != j && repeatFrom(count + 1, end, c2) }) { return true }
                return !lazy && k(j, c)
            }
            return repeatFrom(0, i, caps)
        }
    }
}
