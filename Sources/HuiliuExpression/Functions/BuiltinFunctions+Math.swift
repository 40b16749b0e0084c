import HuiliuCore

extension BuiltinFunctions {
    static let math: [ExpressionFunction] = [
        ExpressionFunction(
            "abs", [P("value", .number)], returns: .number,
            summary: "The absolute value of a number.",
            example: Example("abs(`-1.5`)", result: 1.5)
        ) { args in ExactArithmetic.abs(args[0]) },
        ExpressionFunction(
            "avg", [P("values", .arrayOfNumbers)], returns: [.number, .null],
            summary: "The mean of an array of numbers, or `null` for an empty array. Exact for integers and decimals when the quotient terminates.",
            example: Example("avg(`[10, 15, 20]`)", result: 15)
        ) { args in
            let items = args[0].arrayValue!
            guard !items.isEmpty else { return .null }
            var sum = ExactArithmetic.Sum()
            for item in items { sum.add(item) }
            return ExactArithmetic.divide(sum.total, by: items.count)
        },
        ExpressionFunction(
            "ceil", [P("value", .number)], returns: .number,
            summary: "The smallest integer not less than the value.",
            example: Example("ceil(`1.001`)", result: 2)
        ) { args in ExactArithmetic.round(args[0], up: true) },
        ExpressionFunction(
            "floor", [P("value", .number)], returns: .number,
            summary: "The largest integer not greater than the value.",
            example: Example("floor(`-1.5`)", result: -2)
        ) { args in ExactArithmetic.round(args[0], up: false) },
        ExpressionFunction(
            "sum", [P("values", .arrayOfNumbers)], returns: .number,
            summary: "The total of an array of numbers (0 for an empty array). Exact for integers and decimals.",
            example: Example("sum(`[12.30, 0.70, 1]`)", result: 14)
        ) { args in
            var sum = ExactArithmetic.Sum()
            for item in args[0].arrayValue! { sum.add(item) }
            return sum.total
        },
        ExpressionFunction(
            "to_number", [P("value", .any)], returns: [.number, .null],
            summary: "A number unchanged; a string holding a JSON number parsed; `null` for anything else.",
            example: Example("to_number('12.30')", result: 12.3)
        ) { args in
            switch args[0] {
            case .integer, .decimal, .double: return args[0]
            case .string(let s): return ExactArithmetic.parseNumber(s) ?? .null
            default: return .null
            }
        },
    ]
}
