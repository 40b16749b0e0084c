import HuiliuCore

extension BuiltinFunctions {
    static let strings: [ExpressionFunction] = [
        ExpressionFunction(
            "contains", [P("subject", [.array, .string]), P("search", .any)], returns: .boolean,
            summary: "True if the array has an element equal to `search`, or the string contains the string `search`.",
            example: Example("contains('foobar', 'bar')", result: true)
        ) { args in
            switch args[0] {
            case .array(let items):
                return .bool(items.contains(args[1]))
            case .string(let s):
                guard case .string(let search) = args[1] else { return .bool(false) }
                return .bool(s.utf8Contains(search))
            default:
                return .bool(false)
            }
        },
        ExpressionFunction(
            "ends_with", [P("subject", .string), P("suffix", .string)], returns: .boolean,
            summary: "True if the string ends with `suffix`.",
            example: Example("ends_with('report.pdf', '.pdf')", result: true)
        ) { args in
            .bool(args[0].stringValue!.utf8.reversed().starts(with: args[1].stringValue!.utf8.reversed()))
        },
        ExpressionFunction(
            "join", [P("glue", .string), P("items", .arrayOfStrings)], returns: .string,
            summary: "The strings of the array joined with `glue` between them.",
            example: Example("join(', ', `[\"a\", \"b\"]`)", result: "a, b")
        ) { args in
            .string(args[1].arrayValue!.map { $0.stringValue! }.joined(separator: args[0].stringValue!))
        },
        ExpressionFunction(
            "starts_with", [P("subject", .string), P("prefix", .string)], returns: .boolean,
            summary: "True if the string starts with `prefix`.",
            example: Example("starts_with('421181', '4211')", result: true)
        ) { args in
            .bool(args[0].stringValue!.utf8.starts(with: args[1].stringValue!.utf8))
        },
        ExpressionFunction(
            "to_string", [P("value", .any)], returns: .string,
            summary: "A string unchanged; any other value as compact JSON text.",
            example: Example("to_string(`[1, 2]`)", result: "[1,2]")
        ) { args in
            if case .string = args[0] { return args[0] }
            return .string(args[0].jsonText)
        },
        ExpressionFunction(
            "type", [P("value", .any)], returns: .string,
            summary: "The JSON type: `number`, `string`, `boolean`, `array`, `object` or `null`.",
            example: Example("type(`1.5`)", result: "number")
        ) { args in .string(args[0].typeName) },
    ]
}

extension String {
    /// Substring search by code points (UTF-8 bytes), not by grapheme clusters.
    func utf8Contains(_ needle: String) -> Bool {
        let hay = Array(utf8), pin = Array(needle.utf8)
        if pin.isEmpty { return true }
        if pin.count > hay.count { return false }
        outer: for start in 0...(hay.count - pin.count) {
            for k in 0..<pin.count where hay[start + k] != pin[k] { continue outer }
            return true
        }
        return false
    }
}
