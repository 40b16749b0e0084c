import HuiliuCore
import HuiliuKit
import Testing

/// Reading YAML: a repeated key is reported where it repeats, with where it was first given.
struct YAMLDocumentTests {
    static func problem(_ yaml: String) -> String? {
        do {
            _ = try YAMLDocument.parse(yaml, file: "p.yaml")
            return nil
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        // Block mappings, nested and at the top, quoted keys, comments between.
        ("version: 1\nsource:\n  file: { path: a }\n  file: { path: b }\n",
         "p.yaml:4:3: duplicate key 'file': already given at 3:3 in this mapping; remove or rename one"),
        ("x: 1\ny: 2\nx: 3\n", "p.yaml:3:1: duplicate key 'x': already given at 1:1 in this mapping; remove or rename one"),
        ("fields:\n  \"a.b\": x\n  # a.b: y\n  c: y\n  'a.b': z\n",
         "p.yaml:5:3: duplicate key 'a.b': already given at 2:3 in this mapping; remove or rename one"),
        ("- a: 1\n  b: 2\n  a: 3\n", "p.yaml:3:3: duplicate key 'a': already given at 1:3 in this mapping; remove or rename one"),
        // Flow mappings, on one line or several, with the same key in a nested mapping.
        ("source: { file: 1, file: 2 }\n",
         "p.yaml:1:20: duplicate key 'file': already given at 1:11 in this mapping; remove or rename one"),
        ("source: {\n  file: 1,\n  x: [1, {file: 2}],\n  \"file\": 3 }\n",
         "p.yaml:4:3: duplicate key 'file': already given at 2:3 in this mapping; remove or rename one"),
        // Every repeat, each where it is (libyaml names the first duplicated key in sorted order).
        ("name: x\nb: 1\na: 1\nb: 2\nb: 3\na: 2\n", """
         p.yaml:6:1: duplicate key 'a': already given at 3:1 in this mapping; remove or rename one
         p.yaml:4:1: duplicate key 'b': already given at 2:1 in this mapping; remove or rename one
         p.yaml:5:1: duplicate key 'b': already given at 2:1 in this mapping; remove or rename one
         """),
        // Text in quotes spanning lines is not taken for keys.
        ("source:\n  b: 1\n  x: \"a\n  b: 2\"\n  b: 3\n",
         "p.yaml:5:3: duplicate key 'b': already given at 2:3 in this mapping; remove or rename one"),
        ("s: {a: \"x\n  , a: 9\", b: 1, a: 2}\n",
         "p.yaml:2:18: duplicate key 'a': already given at 1:5 in this mapping; remove or rename one"),
        // Windows line ends.
        ("x: 1\r\ny: 2\r\nx: 3\r\n", "p.yaml:3:1: duplicate key 'x': already given at 1:1 in this mapping; remove or rename one"),
    ])
    func aRepeatedKeyIsReportedWhereItRepeats(yaml: String, expected: String) {
        #expect(Self.problem(yaml) == expected)
    }

    /// A repeat renamed out of the way keeps every other place on its line, and a JSON-style
    /// flow mapping (no space after the colon) still reads.
    @Test func repeatsInFlowMappingsAreEachSaidWhereTheyAre() {
        #expect(Self.problem("a: {x: 1, x: 2, y: 3, y: 4}\n") == """
            p.yaml:1:11: duplicate key 'x': already given at 1:5 in this mapping; remove or rename one
            p.yaml:1:23: duplicate key 'y': already given at 1:17 in this mapping; remove or rename one
            """)
        #expect(Self.problem(#"{"a":1,"a":{"b":2},"c":"x, y"}"#) == "p.yaml:1:8: duplicate key 'a': already given at 1:2 in this mapping; remove or rename one")
        do {
            let node = try YAMLDocument.parsePastRepeats(#"{"a":1,"a":{"b":2},"c":"x, y"}"#, file: "p.yaml").node
            #expect(node["a"]?.scalarText == "1")
            #expect(node["c"]?.scalarText == "x, y")
            if case .mapping(let pairs, _) = node { #expect(pairs.map(\.key) == ["a", "c"]) }
        } catch {
            Issue.record("\(error)")
        }
    }

    /// A list used twice as a key is named as such, not by Yams' placeholder.
    @Test func aRepeatedListKeyIsNamedAsSuch() {
        let problem = Self.problem("? [a, b]\n: 1\n? [a, b]\n: 2\n")
        #expect(problem?.contains("duplicate key '(a list or mapping as a key)'") == true, "\(problem ?? "")")
    }

    /// A syntax error found after a repeat (in a mapping read to its end first) is said with
    /// it, not instead of it.
    @Test func aSyntaxErrorAfterARepeatKeepsTheRepeat() {
        let problems = Self.problem("s:\n  a: 1\n  a: 2\nt: [1\n")?.split(separator: "\n") ?? []
        #expect(problems.count == 2)
        #expect(problems.first == "p.yaml:3:3: duplicate key 'a': already given at 2:3 in this mapping; remove or rename one")
        #expect(problems.last?.contains("invalid YAML") == true)
    }

    /// libyaml's words for a tab do not say what is wrong; the message does.
    @Test func aTabIndentSaysSo() {
        #expect(Self.problem("version: 1\nsource:\n\tfile: x\n")?.hasSuffix("; YAML indents with spaces, never tabs") == true)
        #expect(Self.problem("version: 1\r\nsource:\r\n\tfile: x\r\n")?.hasSuffix("; YAML indents with spaces, never tabs") == true)
        #expect(Self.problem("a: [1\nb: 2\n")?.contains("tabs") == false)
    }

    /// The likeliest first mistakes say how to mend them: an unquoted cron schedule (read as an
    /// alias) and a reference inside `{ }` (its braces end the flow mapping).
    @Test func anUnquotedCronOrReferenceSaysToQuote() {
        #expect(Self.problem("version: 1\nschedule: */15 * * * *\n")?.hasSuffix(#"must be quoted, as in schedule: "*/15 * * * *""#) == true)
        #expect(Self.problem("source: { x: { secret: ${secret:a} } }\n")?.contains(#"inside { } a reference must be quoted ("${secret:…}")"#) == true)
        #expect(Self.problem("source: { x: { secret: a b } \n")?.contains("quoted") == false)
        // A quoted reference in a broken mapping is not what is wrong; elsewhere a * is no cron;
        // an @every schedule is quoted too.
        #expect(Self.problem("sinks: [ webhook: { url: \"${env:U}\" timeout: 5s } ]\n")?.contains("reference must be quoted") == false)
        #expect(Self.problem("source: { file: { path: *.jsonl } }\nx: 1\n")?.contains("cron") == false)
        #expect(Self.problem("path: *.jsonl\n")?.hasSuffix("a value starting with * must be quoted (YAML reads * as an alias)") == true)
        #expect(Self.problem("schedule: @every 15m\n")?.hasSuffix(#"must be quoted, as in schedule: "@every 15m""#) == true)
    }

    /// A quote never closed is found at the end of the file; the message says where it opened.
    @Test func anUnclosedQuoteSaysWhereItOpened() {
        #expect(Self.problem("version: 1\nname: x\nsource: \"abc\n  file: x\nsinks: [stdout]\n")
                == "p.yaml:6:1: invalid YAML: found unexpected end of stream while scanning a quoted scalar that starts at 3:9")
    }

    @Test func theSameKeyInDifferentMappingsIsFine() {
        #expect(Self.problem("a:\n  k: 1\nb:\n  k: 2\nc: { k: 3 }\n") == nil)
    }
}
