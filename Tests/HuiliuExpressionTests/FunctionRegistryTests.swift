import HuiliuCore
import HuiliuExpression
import Testing

struct FunctionRegistryTests {
    static let builtins = ["abs", "avg", "ceil", "contains", "ends_with", "floor", "join", "keys", "length", "map", "max",
                           "max_by", "merge", "min", "min_by", "not_null", "reverse", "sort", "sort_by", "starts_with",
                           "sum", "to_array", "to_number", "to_string", "type", "values"]
    static let extensions = ["case_number_parse", "coalesce", "code", "excel_date", "format_time", "get", "id_number_valid", "lookup", "lower", "mask",
                             "organization_code_valid", "parse_time", "percent", "regex_extract", "regex_match", "replace", "sha256", "sm3",
                             "split", "subtract", "time_progress", "to_date", "to_fen", "trim", "upper", "uscc_valid"]

    @Test func standardIsExactlyTheBuiltins() {
        #expect(FunctionRegistry.standard.functions.map(\.name) == Self.builtins)
    }

    @Test func huiliuAddsTheExtensions() {
        #expect(Support.functions.functions.map(\.name) == (Self.builtins + Self.extensions).sorted())
    }

    @Test func extensionsAreNotInTheStandardSet() {
        #expect(throws: ExpressionError.self) { try Expression("to_fen('1')") }
    }

    /// Every function's documented example evaluates to its documented result.
    @Test(arguments: Support.functions.functions.map(\.name))
    func exampleHolds(name: String) throws {
        let function = try #require(Support.functions.function(named: name))
        #expect(!function.summary.isEmpty)
        let example = function.example
        #expect(example.expression.contains(name + "("))
        let result = try Expression(example.expression, functions: Support.functions).evaluate(example.input)
        #expect(result == example.result, "\(example.expression) gave \(result.jsonText)")
    }

    @Test func signatures() throws {
        let functions = Support.functions
        #expect(functions.function(named: "parse_time")?.signature
                == "parse_time(value: number|string|null, formats?: string|array[string]|null, zone?: string|null) -> string|null")
        #expect(functions.function(named: "merge")?.signature == "merge(objects...: object) -> object")
        #expect(functions.function(named: "sort_by")?.signature == "sort_by(items: array, key: expression) -> array")
    }

    @Test func markdownReferenceCoversEveryFunction() {
        let markdown = Support.functions.markdownReference()
        #expect(markdown.hasPrefix("# Expression functions\n"))
        for function in Support.functions.functions {
            #expect(markdown.contains("\n## \(function.name)\n"))
            #expect(markdown.contains(function.signature))
        }
        #expect(markdown.contains("Example: `to_fen('1,234.50')` → `123450`"))
        #expect(markdown.contains("`` abs(`-1.5`) ``"))
        #expect(markdown.contains("| [`to_fen`](#to_fen) | `number\\|null` |"))
    }

    @Test func usersCanRegisterFunctions() throws {
        var functions = FunctionRegistry.standard
        functions.register(ExpressionFunction(
            "double", [.init("n", .number)], returns: .number,
            summary: "Twice n.", example: .init("double(`2`)", result: 4)
        ) { args in .integer(args[0].intValue! * 2) })
        #expect(try Expression("double(`21`)", functions: functions).evaluate(nil) == 42)
        #expect(throws: ExpressionError.self) { try Expression("double('x')", functions: functions).evaluate(nil) }
        #expect(throws: ExpressionError.self) { try Expression("double()", functions: functions) }
    }

    @Test func userFunctionsCanTakeExpressionReferences() throws {
        var functions = FunctionRegistry()
        functions.register(ExpressionFunction(
            "count_if", [.init("items", .array), .init("test", .expression)], returns: .number,
            summary: "How many items pass the test.", example: .init("count_if(`[1, 2]`, &@)", result: 2)
        ) { args throws(ExpressionError) in
            let test = args.reference(1)
            var n = 0
            for item in args[0].arrayValue! where try test.evaluate(item) == true { n += 1 }
            return .integer(n)
        })
        let expression = try Expression("count_if(@, &(amount > `0`))", functions: functions)
        #expect(try expression.evaluate([["amount": 1], ["amount": -1], ["amount": 3]]) == 2)
        #expect(throws: ExpressionError.self) { try Expression("length(@)", functions: functions) }
    }

    @Test func optionalParametersCountTowardsArity() {
        #expect(Support.errorKind("parse_time()") == "invalid-arity")
        #expect(Support.errorKind("parse_time('x', 'y', 'z', 'w')") == "invalid-arity")
        #expect(Support.errorKind("regex_extract('a', 'a', `0`, `1`)") == "invalid-arity")
    }
}
