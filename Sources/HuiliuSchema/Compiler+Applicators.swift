import HuiliuCore
import HuiliuRegex

extension Compiler {
    mutating func compileObjectKeywords(_ object: Object, at location: SchemaSet.Location, scope: Scope,
                                        into builder: inout NodeBuilder) throws(SchemaError) {
        if let n = try count(object, "minProperties", builder), n > 0 { builder.object.append(.minProperties(n)) }
        if let n = try count(object, "maxProperties", builder) { builder.object.append(.maxProperties(n)) }
        var required: [String] = []
        if let value = object["required"] {
            for name in try strings(value, "required", builder) where !required.contains(name) { required.append(name) }
        }

        var rules = MemberRules.Draft()
        if let value = object["properties"] {
            guard case .object(let properties) = value else { throw invalid(builder, "properties", "must be an object") }
            for (name, schema) in properties {
                let node = try child(schema, location, scope, "properties", name)
                rules.slots[name] = rules.names.count
                rules.names.append(name)
                // -1 marks a property that is declared but unconstrained: skipped when validating.
                rules.nodes.append(isTrivial(node) ? -1 : node)
            }
        }
        if let value = object["patternProperties"] {
            guard case .object(let patterns) = value else { throw invalid(builder, "patternProperties", "must be an object") }
            for (source, schema) in patterns {
                let pattern: Pattern
                do {
                    pattern = try Pattern(source)
                } catch {
                    throw SchemaError(.unsupportedPattern, at: builder.keywordLocation("patternProperties"), "\(source): \(error)")
                }
                rules.patterns.append((pattern, try child(schema, location, scope, "patternProperties", source)))
            }
        }
        if let value = object["additionalProperties"] {
            let node = try child(value, location, scope, "additionalProperties")
            if !isTrivial(node) {
                rules.additional = node
                rules.additionalRejectsAll = rejectsAll(node)
            }
        }
        // Required names that are declared properties are counted in the members pass;
        // the rest need their own lookups.
        rules.isRequired = rules.names.map { required.contains($0) }
        rules.required = required.filter { rules.slots[$0] != nil }
        let undeclared = required.filter { rules.slots[$0] == nil }
        if !undeclared.isEmpty { builder.object.append(.required(undeclared)) }
        if rules.nodes.contains(where: { $0 >= 0 }) || !rules.patterns.isEmpty || rules.additional != nil
            || !rules.required.isEmpty {
            builder.object.append(.members(MemberRules(rules)))
        }
        if let value = object["propertyNames"] {
            let node = try child(value, location, scope, "propertyNames")
            if !isTrivial(node) { builder.object.append(.propertyNames(node)) }
        }

        var dependentRequired: [(String, [String])] = []
        var dependentSchemas: [(String, Int)] = []
        if let value = object["dependentRequired"] {
            guard case .object(let map) = value else { throw invalid(builder, "dependentRequired", "must be an object") }
            for (name, list) in map { dependentRequired.append((name, try strings(list, "dependentRequired", builder))) }
        }
        if let value = object["dependentSchemas"] {
            guard case .object(let map) = value else { throw invalid(builder, "dependentSchemas", "must be an object") }
            for (name, schema) in map {
                dependentSchemas.append((name, try child(schema, location, scope, "dependentSchemas", name)))
            }
        }
        if scope.dialect != .draft2020_12, case .object(let map) = object["dependencies"] {
            for (name, entry) in map {
                if case .array = entry {
                    dependentRequired.append((name, try strings(entry, "dependencies", builder)))
                } else {
                    dependentSchemas.append((name, try child(entry, location, scope, "dependencies", name)))
                }
            }
        }
        if !dependentRequired.isEmpty { builder.object.append(.dependentRequired(dependentRequired)) }
        if !dependentSchemas.isEmpty { builder.object.append(.dependentSchemas(dependentSchemas)) }
    }

    mutating func compileApplicators(_ object: Object, at location: SchemaSet.Location, scope: Scope,
                                     into builder: inout NodeBuilder) throws(SchemaError) {
        for keyword in ["allOf", "anyOf", "oneOf"] {
            guard let value = object[keyword] else { continue }
            guard case .array(let schemas) = value, !schemas.isEmpty else {
                throw invalid(builder, keyword, "must be a non-empty array of schemas")
            }
            var nodes: [Int] = []
            for (k, schema) in schemas.enumerated() { nodes.append(try child(schema, location, scope, keyword, String(k))) }
            switch keyword {
            case "allOf":
                let needed = nodes.filter { !isTrivial($0) }
                if !needed.isEmpty { builder.general.append(.allOf(needed)) }
            case "anyOf": builder.general.append(.anyOf(nodes))
            default: builder.general.append(.oneOf(nodes))
            }
        }
        if let value = object["not"] {
            builder.general.append(.not(try child(value, location, scope, "not")))
        }
        if let condition = object["if"] {
            let ifNode = try child(condition, location, scope, "if")
            var thenNode: Int?
            var elseNode: Int?
            if let value = object["then"] { thenNode = try child(value, location, scope, "then") }
            if let value = object["else"] { elseNode = try child(value, location, scope, "else") }
            if thenNode != nil || elseNode != nil {
                builder.general.append(.conditional(if: ifNode, then: thenNode, else: elseNode))
            }
        }
    }

    private func strings(_ value: Value, _ keyword: String, _ builder: NodeBuilder) throws(SchemaError) -> [String] {
        guard case .array(let items) = value else { throw invalid(builder, keyword, "must be an array of strings") }
        var names: [String] = []
        for item in items {
            guard case .string(let name) = item else { throw invalid(builder, keyword, "must be an array of strings") }
            names.append(name)
        }
        return names
    }
}
