import HuiliuCore

extension BuiltinFunctions {
    static let collections: [ExpressionFunction] = [
        ExpressionFunction(
            "keys", [P("object", .object)], returns: .arrayOfStrings,
            summary: "The member names of an object, in order.",
            example: Example("keys(`{\"a\": 1, \"b\": 2}`)", result: ["a", "b"])
        ) { args in .array(args[0].objectValue!.keys.map(Value.string)) },
        ExpressionFunction(
            "length", [P("value", [.string, .array, .object])], returns: .number,
            summary: "The number of code points in a string, elements in an array or members in an object.",
            example: Example("length('黄冈市')", result: 3)
        ) { args in
            switch args[0] {
            case .string(let s): return .integer(s.unicodeScalars.count)
            case .array(let a): return .integer(a.count)
            case .object(let o): return .integer(o.count)
            default: return .null
            }
        },
        ExpressionFunction(
            "map", [P("expression", .expression), P("items", .array)], returns: .array,
            summary: "The expression applied to each element; unlike a projection, `null` results are kept.",
            example: Example("map(&a, `[{\"a\": 1}, {}]`)", result: [1, nil])
        ) { args throws(ExpressionError) in
            let reference = args.reference(0)
            let items = args[1].arrayValue!
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try reference.evaluate(item)) }
            return .array(out)
        },
        ExpressionFunction(
            "merge", [], variadic: P("objects", .object), returns: .object,
            summary: "The objects merged left to right; a later member replaces an earlier one of the same name.",
            example: Example("merge(`{\"a\": 1, \"b\": 2}`, `{\"b\": 3}`)", result: ["a": 1, "b": 3])
        ) { args in
            var merged = args[0].objectValue!
            for other in args.values.dropFirst() {
                for (key, value) in other.objectValue! { merged[key] = value }
            }
            return .object(merged)
        },
        ExpressionFunction(
            "not_null", [], variadic: P("values", .any), returns: .any,
            summary: "The first argument that is not `null`, or `null`.",
            example: Example("not_null(missing, `0`)", input: [:], result: 0)
        ) { args in args.values.first { !$0.isNull } ?? .null },
        ExpressionFunction(
            "reverse", [P("value", [.string, .array])], returns: [.string, .array],
            summary: "The array's elements or the string's code points in reverse order.",
            example: Example("reverse(`[1, 2, 3]`)", result: [3, 2, 1])
        ) { args in
            switch args[0] {
            case .string(let s):
                var reversed = String.UnicodeScalarView()
                reversed.append(contentsOf: s.unicodeScalars.reversed())
                return .string(String(reversed))
            case .array(let a): return .array(a.reversed())
            default: return .null
            }
        },
        ExpressionFunction(
            "to_array", [P("value", .any)], returns: .array,
            summary: "An array unchanged; any other value wrapped in a one-element array.",
            example: Example("to_array('a')", result: ["a"])
        ) { args in
            if case .array = args[0] { return args[0] }
            return .array([args[0]])
        },
        ExpressionFunction(
            "values", [P("object", .object)], returns: .array,
            summary: "The member values of an object, in order.",
            example: Example("values(`{\"a\": 1, \"b\": 2}`)", result: [1, 2])
        ) { args in .array(args[0].objectValue!.values) },
    ]
}
