@testable import HuiliuRegex
import Testing

/// The ECMA-262 pattern engine: its semantics where they differ from Swift `Regex`, and the
/// DFA agreeing with the Pike VM.
struct PatternTests {
    static func matches(_ pattern: String, _ text: String) throws -> Bool {
        let compiled = try Pattern(pattern)
        let viaVM = compiled.matchesWithVM(text)
        #expect(compiled.matches(text) == viaVM, "DFA and VM disagree on /\(pattern)/ for \"\(text)\"")
        return viaVM
    }

    @Test func searchIsUnanchored() throws {
        #expect(try Self.matches("a+", "xxaxx"))
        #expect(try Self.matches("^a", "abc"))
        #expect(try !Self.matches("^a", "ba"))
        #expect(try Self.matches("c$", "abc"))
        #expect(try !Self.matches("b$", "abc"))
    }

    @Test func dollarDoesNotAcceptATrailingNewline() throws {
        // Swift Regex and PCRE would match here; ECMA-262 does not.
        #expect(try !Self.matches("^abc$", "abc\n"))
    }

    @Test func classEscapesAreASCII() throws {
        #expect(try !Self.matches("^\\d$", "৪"))  // Bengali four
        #expect(try !Self.matches("^\\w$", "é"))
        #expect(try Self.matches("^\\s$", "\u{3000}"))  // ideographic space is \s in ECMA-262
        #expect(try Self.matches("^\\p{Letter}+$", "黄冈é"))
        #expect(try Self.matches("^\\p{Script=Han}{2}$", "黄冈"))
        #expect(try !Self.matches("^\\p{sc=Han}$", "a"))
    }

    @Test func chineseCodePatterns() throws {
        let court = "^[（(〔](19|20)[0-9]{2}[）)〕]((最高法|[京鄂粤]([0-9]{2}|[0-9]{4})?)知?[\\u4e00-\\u9fa5]{1,4}[0-9]+|[\\u4e00-\\u9fa5]{2,16}字第[0-9]+)号$"
        #expect(try Self.matches(court, "（2024）鄂11民初123号"))
        #expect(try Self.matches(court, "（2019）最高法知民终1号"))
        #expect(try Self.matches(court, "(2013)鄂十堰中民四终字第00139号"))
        #expect(try !Self.matches(court, "2024鄂11民初123号"))
        #expect(try !Self.matches(court, "（2024）鄂11民初号"))
        #expect(try Pattern(court).isDeterministic)
    }

    @Test func alternationRepetitionAndLookahead() throws {
        #expect(try Self.matches("^(ab|cd){2,3}$", "abcdab"))
        #expect(try !Self.matches("^(ab|cd){2,3}$", "ab"))
        #expect(try Self.matches("^(?=.*[0-9])[a-z0-9]{4}$", "ab1c"))
        #expect(try !Self.matches("^(?=.*[0-9])[a-z0-9]{4}$", "abcd"))
        #expect(try !Self.matches("^(?!x)", "xyz"))
        #expect(try Self.matches("\\bword\\b", "a word here"))
        #expect(try !Self.matches("\\bword\\b", "swordfish"))
        #expect(try !Pattern("(?=a)").isDeterministic)
    }

    @Test func pathologicalPatternsStayLinear() throws {
        // Exponential for a backtracking engine; the NFA simulation is linear.
        let evil = String(repeating: "a", count: 5_000) + "!"
        #expect(try !Self.matches("^(a+)+$", evil))
        #expect(try !Self.matches("^(a|aa)*$", evil))
    }

    @Test(arguments: ["(a", "a)", "[a", "*a", "a**", "a{2}{3}", "\\1(a)", "(?<=a)b", "\\p{Klingon}", "[z-a]", "x{3,2}"])
    func invalidOrUnsupportedPatternsAreRefused(pattern: String) {
        #expect(throws: PatternError.self) { try Pattern(pattern) }
    }

    @Test func annexBLiterals() throws {
        #expect(try Self.matches("^a{$", "a{"))
        #expect(try Self.matches("^]$", "]"))
        #expect(try Self.matches("^[\\]-]+$", "]-]"))
    }

    /// A counted repetition runs as a DFA (about a thousand states for a{1000}): on the VM it
    /// cost its size for every character of the text.
    @Test func countedRepetitionIsDeterministic() throws {
        let pattern = try Pattern("a{1000}b")
        #expect(pattern.isDeterministic)
        #expect(pattern.matches(String(repeating: "a", count: 1500) + "b"))
        #expect(!pattern.matches(String(repeating: "a", count: 1500)))
        #expect(!pattern.matches(String(repeating: "a", count: 999) + "b"))
    }

    /// Random patterns over a small alphabet against random strings: the DFA and the VM agree.
    @Test func dfaAgreesWithTheVMOnRandomPatterns() throws {
        var seed: UInt64 = 0x2024_0601
        func next(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        let atoms = ["a", "b", "[ab]", "[^a]", ".", "\\d", "é", "(a|bc)", "(?:ab)", "[0-9a]"]
        let quantifiers = ["", "", "*", "+", "?", "{2}", "{1,3}", "{0,}"]
        var deterministic = 0
        for _ in 0..<300 {
            var pattern = next(3) == 0 ? "^" : ""
            for _ in 0..<(1 + next(4)) { pattern += atoms[next(atoms.count)] + quantifiers[next(quantifiers.count)] }
            if next(3) == 0 { pattern += "$" }
            if next(5) == 0 { pattern += "|" + atoms[next(atoms.count)] }
            let compiled = try Pattern(pattern)
            if compiled.isDeterministic { deterministic += 1 }
            for _ in 0..<20 {
                let text = String((0..<next(7)).map { _ in Array("ab1é\n")[next(5)] })
                #expect(compiled.matches(text) == compiled.matchesWithVM(text), "/\(pattern)/ on \"\(text)\"")
            }
        }
        #expect(deterministic > 250)
    }
}
