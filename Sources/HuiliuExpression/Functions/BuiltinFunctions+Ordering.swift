import HuiliuCore

extension BuiltinFunctions {
    static let ordering: [ExpressionFunction] = [
        ExpressionFunction(
            "max", [P("values", [.arrayOfNumbers, .arrayOfStrings])], returns: [.number, .string, .null],
            summary: "The largest number or string of the array, or `null` when it is empty.",
            example: Example("max(`[3, 12.5, 7]`)", result: 12.5)
        ) { args throws(ExpressionError) in try extreme(args[0].arrayValue!, largest: true) },
        ExpressionFunction(
            "min", [P("values", [.arrayOfNumbers, .arrayOfStrings])], returns: [.number, .string, .null],
            summary: "The smallest number or string of the array, or `null` when it is empty.",
            example: Example("min(`[\"b\", \"a\"]`)", result: "a")
        ) { args throws(ExpressionError) in try extreme(args[0].arrayValue!, largest: false) },
        ExpressionFunction(
            "max_by", [P("items", .array), P("key", .expression)], returns: .any,
            summary: "The element whose key (a number or string) is largest, or `null` for an empty array.",
            example: Example("max_by(@, &age).name", input: [["name": "a", "age": 30], ["name": "b", "age": 40]], result: "b")
        ) { args throws(ExpressionError) in try extremeBy(args, "max_by", largest: true) },
        ExpressionFunction(
            "min_by", [P("items", .array), P("key", .expression)], returns: .any,
            summary: "The element whose key (a number or string) is smallest, or `null` for an empty array.",
            example: Example("min_by(@, &age).name", input: [["name": "a", "age": 30], ["name": "b", "age": 40]], result: "a")
        ) { args throws(ExpressionError) in try extremeBy(args, "min_by", largest: false) },
        ExpressionFunction(
            "sort", [P("values", [.arrayOfNumbers, .arrayOfStrings])], returns: .array,
            summary: "The numbers or strings in ascending order (strings by code point).",
            example: Example("sort(`[3, 1, 2]`)", result: [1, 2, 3])
        ) { args throws(ExpressionError) in
            let items = args[0].arrayValue!
            try requireHomogeneous(items, "sort")
            return .array(stableSorted(items, keys: items))
        },
        ExpressionFunction(
            "sort_by", [P("items", .array), P("key", .expression)], returns: .array,
            summary: "The elements in ascending order of their key; keys must be all numbers or all strings. Equal keys keep their order.",
            example: Example("sort_by(@, &age)[].name", input: [["name": "a", "age": 40], ["name": "b", "age": 30]], result: ["b", "a"])
        ) { args throws(ExpressionError) in
            let items = args[0].arrayValue!
            let keys = try sortKeys(items, args.reference(1), "sort_by")
            return .array(stableSorted(items, keys: keys))
        },
    ]

    /// Numbers compare by value and strings by code point; `nil` for mixed kinds.
    static func order(_ a: Value, _ b: Value) -> Int? {
        if a.isNumber && b.isNumber { return Value.compareNumbers(a, b) }
        if case .string(let x) = a, case .string(let y) = b { return Value.compareStrings(x, y) }
        return nil
    }

    private static func requireHomogeneous(_ items: [Value], _ name: String) throws(ExpressionError) {
        guard let first = items.first else { return }
        for item in items where order(first, item) == nil {
            throw .invalidType("\(name)() needs all numbers or all strings, found \(first.typeName) and \(item.typeName)")
        }
    }

    private static func extreme(_ items: [Value], largest: Bool) throws(ExpressionError) -> Value {
        guard var best = items.first else { return .null }
        try requireHomogeneous(items, largest ? "max" : "min")
        for item in items.dropFirst() {
            let c = order(item, best)!
            if largest ? c > 0 : c < 0 { best = item }
        }
        return best
    }

    /// The key of each element; all numbers or all strings, like the first.
    private static func sortKeys(_ items: [Value], _ reference: ExpressionReference,
                                 _ name: String) throws(ExpressionError) -> [Value] {
        var keys: [Value] = []
        keys.reserveCapacity(items.count)
        for item in items {
            let key = try reference.evaluate(item)
            guard key.isNumber || key.stringValue != nil else {
                throw .invalidType("\(name)() keys must be numbers or strings, found \(key.typeName)")
            }
            if let first = keys.first, order(first, key) == nil {
                throw .invalidType("\(name)() keys must all be numbers or all be strings, found \(first.typeName) and \(key.typeName)")
            }
            keys.append(key)
        }
        return keys
    }

    private static func extremeBy(_ args: FunctionArguments, _ name: String, largest: Bool) throws(ExpressionError) -> Value {
        let items = args[0].arrayValue!
        let keys = try sortKeys(items, args.reference(1), name)
        guard !items.isEmpty else { return .null }
        var best = 0
        for i in 1..<items.count {
            let c = order(keys[i], keys[best])!
            if largest ? c > 0 : c < 0 { best = i }
        }
        return items[best]
    }

    /// Sorts by key, keeping equal keys in their original order.
    private static func stableSorted(_ items: [Value], keys: [Value]) -> [Value] {
        let indices = items.indices.sorted { a, b in
            let c = order(keys[a], keys[b]) ?? 0
            return c != 0 ? c < 0 : a < b
        }
        return indices.map { items[$0] }
    }
}
