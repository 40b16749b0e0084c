import HuiliuCore
import HuiliuExpression
import Testing

struct ExpressionTests {
    /// How many nested calls fit under the parser's depth limit of 512 (each call is one level).
    static let maximumNesting = 511

    @Test func compiledExpressionIsReusable() throws {
        let expression = try Expression("payments[?amount > `100`].payee")
        #expect(expression.text == "payments[?amount > `100`].payee")
        let a: Value = ["payments": [["payee": "甲", "amount": 150], ["payee": "乙", "amount": 50]]]
        let b: Value = ["payments": [["payee": "丙", "amount": 100.5]]]
        #expect(try expression.evaluate(a) == ["甲"])
        #expect(try expression.evaluate(b) == ["丙"])
    }

    @Test func syntaxErrorsNameTheColumn() {
        #expect(throws: ExpressionError.self) { try Expression("foo.]") }
        do {
            _ = try Expression("a.b.c.]")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.offset == 6)
            #expect(error.description == "column 7: expected identifier after '.', found ']'")
        }
    }

    /// A bare number where a value belongs says how JMESPath writes one.
    @Test func aBareNumberSaysLiteralsTakeBackticks() {
        do {
            _ = try Expression("amount_fen > 0")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.description == "column 14: unexpected number 0: a number as a value is a literal, written in backticks: `0`")
        }
        for text in ["amount > 0.5", "amount > 1e3"] {
            #expect(throws: ExpressionError.self) { try Expression(text) }
            do { _ = try Expression(text) } catch { #expect(error.description.hasSuffix("written in backticks: such as `0.5`"), "\(error)") }
        }
    }

    /// A bare `true` or `false` where a value belongs is refused: JMESPath reads a field
    /// of that name, so `{valid: true}` gave null and `ok == true` matched nothing, silently.
    /// The specification's reading stays available (the compliance suite runs with it), and
    /// the names still work after a dot, quoted, or as keys.
    @Test func aBareTrueIsRefusedForTheLiteralItMeant() throws {
        do {
            _ = try Expression("ok == true")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.description == "column 7: a bare true would read a field named 'true': the value is written in backticks, `true` (in YAML, quoted: '`true`'), and such a field in double quotes, \"true\"")
        }
        for text in ["{a: false}", "[true]", "not_null(x, false)"] {
            #expect(throws: ExpressionError.self, "\(text)") { try Expression(text) }
        }
        let data: Value = ["true": 1, "a": ["null": 2]]
        #expect(try Expression("\"true\"").evaluate(data) == 1)
        #expect(try Expression("a.null").evaluate(data) == 2)
        // After a dot it can only be a field; in a filter after it, a value again.
        #expect(try Expression("a.true").evaluate(["a": ["true": 3]]) == 3)
        #expect(throws: ExpressionError.self) { try Expression("a.b[?c == true]") }
        #expect(try Expression("{true: `true`}").evaluate(data) == ["true": true])
        // A bare null reads null, short of a field of that name: `x || null` stays right.
        #expect(try Expression("a.x || null").evaluate(data) == .null)
        #expect(try Expression("true", keywordsAreFields: true).evaluate(data) == 1)
    }

    /// An argument written out that would fail every record fails the compile, where lint
    /// reports it, with the message the record would have had.
    @Test(arguments: [
        ("lookup('division', k)", "lookup(): unknown table 'division'"),
        ("lookup('divisions', k, 'nocolumn')", "lookup(): table 'divisions' has no column 'nocolumn'"),
        ("regex_match(id, '(')", "regex_match()"),
        ("regex_extract(x, '(Z)', `5`)", "regex_extract(): the pattern has no group 5"),
        ("parse_time(t, null, 'Asia/Shangai')", "unknown time zone 'Asia/Shangai'"),
        // US Central to Foundation, China Standard Time to whoever wrote it.
        ("parse_time(t, null, 'CST')", "abbreviations such as CST name more than one zone"),
        ("to_date(t, ['yyyyMMdd', 'yyyy-MM-dd HH:MM:ss'])", "format"),
        ("code('paid', s)", "code() argument 1 (table) must be object, found string"),
        ("split(id, '')", "split(): the separator is empty"),
        ("to_fen(`true`)", "to_fen() argument 1 (amount) must be"),
        ("abs('x')", "abs() argument 1"),
        ("mask(x, `-1`, `0`)", "mask(): keep_start and keep_end must be whole numbers ≥ 0"),
        ("time_progress(x, 'week')", "time_progress(): method must be 'month' or 'day', got 'week'"),
    ])
    func anArgumentThatFailsEveryRecordFailsTheCompile(text: String, message: String) {
        #expect { _ = try HuiliuExpression.Expression(text, functions: Support.functions) } throws: { error in
            "\(error)".contains(message)
        }
        // Given by the record, the same arguments are the record's problem.
        #expect(throws: Never.self) { _ = try HuiliuExpression.Expression("lookup(t, k)", functions: Support.functions) }
    }

    /// A JSON literal's fault is placed where it is, not at the opening backtick: a long inline
    /// code table was searched by hand.
    @Test func aJSONLiteralsFaultIsWhereItIs() {
        do {
            _ = try Expression(#"code(`{"已支付":"paid",}`, x)"#, functions: Support.functions)
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.offset == 20, "\(error)")
            #expect(error.message.hasPrefix("invalid JSON literal: "))
        }
    }

    @Test func offsetsCountCharactersNotBytes() {
        do {
            _ = try Expression("'黄冈市' | ]")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.offset == 8)
        }
    }

    @Test(arguments: [
        ("unknown(@)", "unknown-function", 0),
        ("foo | abs()", "invalid-arity", 6),
        ("abs('x')", "invalid-type", 0),
        ("foo[::0]", "invalid-value", 3),
        ("foo[", "syntax", 4),
        ("`{bad`", "syntax", 2),
        ("a = b", "syntax", 2),
    ])
    func errorKindsAndOffsets(text: String, kind: String, offset: Int) {
        do {
            _ = try Expression(text).evaluate(["foo": [1]])
            Issue.record("expected \(kind) for \(text)")
        } catch {
            #expect(error.kind.description == kind, "\(text): \(error)")
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test func runtimeErrorsPointAtTheFunction() {
        do {
            _ = try Expression("items | sort_by(@, &name)").evaluate(["items": [["name": 1], ["name": "a"]]])
            Issue.record("expected invalid-type")
        } catch {
            #expect(error.kind == .invalidType)
            #expect(error.offset == 8)
        }
    }

    @Test func deepNestingIsRefused() throws {
        let deep = String(repeating: "(", count: 600) + "a" + String(repeating: ")", count: 600)
        #expect(throws: ExpressionError.self) { try Expression(deep) }
        let fine = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        #expect(try Expression(fine).evaluate(["a": 1]) == 1)
    }

    /// The deepest expression the parser accepts still evaluates on a task's stack.
    @Test func deepestAcceptedExpressionEvaluatesInATask() async throws {
        let levels = Self.maximumNesting
        let text = String(repeating: "not_null(", count: levels) + "a" + String(repeating: ")", count: levels)
        let expression = try Expression(text)
        let result = try await Task.detached { try expression.evaluate(["a": 7]) }.value
        #expect(result == 7)
    }

    @Test func errorsAreEquatable() {
        #expect(throws: ExpressionError(.unknownFunction, offset: 0, "unknown function 'nope()'")) {
            try Expression("nope()")
        }
    }

    @Test func stringOrderingComparesCodePoints() throws {
        let input: Value = ["a": "2024-03-05T00:00:00+08:00", "b": "2024-03-06T00:00:00+08:00"]
        #expect(try Expression("a < b").evaluate(input) == true)
        #expect(try Expression("a < `1`").evaluate(input) == nil)
    }

    @Test func numbersCompareAcrossKinds() throws {
        #expect(try Expression("`1` == `1.0`").evaluate(nil) == true)
        #expect(try Expression("`1.50` < `2`").evaluate(nil) == true)
        #expect(try Expression("[?@ > `1.5`]").evaluate([1, 1.75, .decimal(DecimalNumber("2.00")!)]) == [1.75, 2])
    }
}
