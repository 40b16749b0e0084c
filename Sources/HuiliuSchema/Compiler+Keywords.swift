import HuiliuCore
import HuiliuRegex

extension Compiler {
    /// Reads the keywords of one schema object into `builder`. Keywords Huiliu does not
    /// validate (`title`, `description`, `default`, `examples`, `x-…`) are annotations and skipped.
    mutating func compileKeywords(_ object: Object, at location: SchemaSet.Location, scope: Scope,
                                  into builder: inout NodeBuilder) throws(SchemaError) {
        if let ref = object["$ref"] {
            guard case .string(let reference) = ref else { throw invalid(builder, "$ref", "must be a string") }
            let target = try compileReference(reference, scope: scope, at: builder.keywordLocation("$ref"))
            builder.general.append(.ref(target))
            if scope.dialect.refOverridesSiblings { return }
        }
        if case .string(let reference) = object["$dynamicRef"] {
            // Resolved statically, like `$ref`: right unless an outer resource overrides the anchor.
            let target = try compileReference(reference, scope: scope, at: builder.keywordLocation("$dynamicRef"))
            builder.general.append(.ref(target))
        }
        for keyword in ["unevaluatedProperties", "unevaluatedItems"] {
            if let value = object[keyword], value != .bool(true), value != .object(Object()) {
                throw SchemaError(.unsupportedKeyword, at: builder.keywordLocation(keyword),
                                  "\(keyword) needs annotation tracking, which Huiliu's validator does not do")
            }
        }
        if let type = object["type"] { builder.types = try types(type, builder) }
        if let value = object["const"] { builder.general.append(.constant(value)) }
        if let value = object["enum"] {
            guard case .array(let values) = value else { throw invalid(builder, "enum", "must be an array") }
            builder.general.append(.enumeration(values, values.count > 8 ? ValueIndex(values) : nil))
        }
        try compileStringKeywords(object, into: &builder)
        try compileNumberKeywords(object, into: &builder)
        try compileArrayKeywords(object, at: location, scope: scope, into: &builder)
        try compileObjectKeywords(object, at: location, scope: scope, into: &builder)
        try compileApplicators(object, at: location, scope: scope, into: &builder)
    }

    func invalid(_ builder: NodeBuilder, _ keyword: String, _ message: String) -> SchemaError {
        SchemaError(.invalidKeyword, at: builder.keywordLocation(keyword), "\(keyword) \(message)")
    }

    private func types(_ value: Value, _ builder: NodeBuilder) throws(SchemaError) -> TypeSet {
        let names: [Value]
        switch value {
        case .string: names = [value]
        case .array(let array): names = array
        default: throw invalid(builder, "type", "must be a type name or an array of them")
        }
        var set: TypeSet = []
        for name in names {
            guard case .string(let text) = name, let type = TypeSet.names.first(where: { $0.0 == text })?.1 else {
                throw invalid(builder, "type", "has an unknown type \(name.jsonText)")
            }
            set.insert(type)
        }
        return set
    }

    func count(_ object: Object, _ keyword: String, _ builder: NodeBuilder) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        guard let n = value.intValue, n >= 0 else { throw invalid(builder, keyword, "must be a non-negative integer") }
        return n
    }

    private mutating func compileStringKeywords(_ object: Object, into builder: inout NodeBuilder) throws(SchemaError) {
        if let n = try count(object, "minLength", builder), n > 0 { builder.string.append(.minLength(n)) }
        if let n = try count(object, "maxLength", builder) { builder.string.append(.maxLength(n)) }
        if let value = object["pattern"] {
            guard case .string(let source) = value else { throw invalid(builder, "pattern", "must be a string") }
            do {
                builder.string.append(.pattern(try Pattern(source)))
            } catch {
                throw SchemaError(.unsupportedPattern, at: builder.keywordLocation("pattern"), "\(source): \(error)")
            }
        }
        if let value = object["format"] {
            guard case .string(let name) = value else { throw invalid(builder, "format", "must be a string") }
            if options.assertsFormat, let format = Format(name: name) { builder.string.append(.format(format, name)) }
        }
    }

    private mutating func compileNumberKeywords(_ object: Object, into builder: inout NodeBuilder) throws(SchemaError) {
        func limit(_ keyword: String) throws(SchemaError) -> Value? {
            guard let value = object[keyword] else { return nil }
            guard value.isNumber else { throw invalid(builder, keyword, "must be a number") }
            return value
        }
        if let v = try limit("minimum") { builder.number.append(.minimum(v)) }
        if let v = try limit("exclusiveMinimum") { builder.number.append(.exclusiveMinimum(v)) }
        if let v = try limit("maximum") { builder.number.append(.maximum(v)) }
        if let v = try limit("exclusiveMaximum") { builder.number.append(.exclusiveMaximum(v)) }
        if let v = try limit("multipleOf") {
            guard let divisor = NumberMath.decimal(v), divisor.significand > 0 else {
                throw invalid(builder, "multipleOf", "must be greater than 0")
            }
            builder.number.append(.multipleOf(divisor))
        }
    }

    private mutating func compileArrayKeywords(_ object: Object, at location: SchemaSet.Location, scope: Scope,
                                               into builder: inout NodeBuilder) throws(SchemaError) {
        if let n = try count(object, "minItems", builder), n > 0 { builder.array.append(.minItems(n)) }
        if let n = try count(object, "maxItems", builder) { builder.array.append(.maxItems(n)) }
        if object["uniqueItems"] == .bool(true) { builder.array.append(.uniqueItems) }

        var prefix: [Int] = []
        var rest: Int?
        var restKeyword = "items"
        if scope.dialect.hasTupleItems, case .array(let tuple) = object["items"] {
            for (k, item) in tuple.enumerated() { prefix.append(try child(item, location, scope, "items", String(k))) }
            if let additional = object["additionalItems"] {
                rest = try child(additional, location, scope, "additionalItems")
                restKeyword = "additionalItems"
            }
        } else {
            if !scope.dialect.hasTupleItems, let value = object["prefixItems"] {
                guard case .array(let tuple) = value else { throw invalid(builder, "prefixItems", "must be an array") }
                for (k, item) in tuple.enumerated() { prefix.append(try child(item, location, scope, "prefixItems", String(k))) }
            }
            if let items = object["items"] { rest = try child(items, location, scope, "items") }
        }
        if let r = rest, isTrivial(r) { rest = nil }
        if !prefix.isEmpty || rest != nil {
            builder.array.append(.items(prefix: prefix, rest: rest, restRejectsAll: rest.map(rejectsAll) ?? false,
                                        restKeyword: restKeyword))
        }
        if let contains = object["contains"] {
            let node = try child(contains, location, scope, "contains")
            let minimum = try count(object, "minContains", builder) ?? 1
            let maximum = try count(object, "maxContains", builder)
            builder.array.append(.contains(node, minimum: minimum, maximum: maximum))
        }
    }

    /// True if node `index` is already compiled and accepts everything (so it can be skipped).
    func isTrivial(_ index: Int) -> Bool { nodes[index]?.acceptsAll ?? false }

    func rejectsAll(_ index: Int) -> Bool { nodes[index]?.rejectsAll ?? false }
}
