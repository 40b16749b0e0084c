import HuiliuCore

/// The rows of an entity's field table, read from the schema documents (not the compiled
/// nodes): `$ref`s are followed so a field shows the type, unit and code list of the shared
/// definition it uses, and its own description wins over the definition's.
enum FieldRows {
    struct Row {
        var name: String
        var type: String
        var required: String
        var unit: String
        var codeList: String
        var description: String
    }

    struct Facts {
        var type = ""
        var unit = ""
        var codeList = ""
        var description = ""

        mutating func addSentence(_ sentence: String) {
            if !description.isEmpty { description += description.hasSuffix(".") ? " " : ". " }
            description += sentence
        }
    }

    /// Fields that an `if`/`then` (directly or in `allOf`) requires: field → conditions
    /// such as `kind = surface_water_class`.
    static func conditionalRequirements(_ schema: Value) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var clauses = [schema]
        if case .array(let all) = schema["allOf"] { clauses += all }
        for clause in clauses {
            guard case .object(let condition) = clause["if"]?["properties"] ?? .null,
                  case .array(let required) = clause["then"]?["required"] ?? .null else { continue }
            let text = condition.compactMap { name, rule in rule["const"].map { "\(name) = \(plain($0))" } }
                .joined(separator: ", ")
            for name in required.compactMap(\.stringValue) { result[name, default: []].append(text) }
        }
        return result
    }

    static func collect(_ schema: Value, prefix: String, conditions: [String: [String]], set: SchemaSet,
                        base: URIReference, into rows: inout [Row]) {
        guard case .object(let properties) = schema["properties"] else { return }
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        for (name, field) in properties {
            let facts = describe(field, set: set, base: base)
            var requirement = required.contains(name) ? "yes" : "no"
            if !required.contains(name), let when = conditions[name] {
                requirement = "when " + when.joined(separator: " or ")
            }
            rows.append(Row(name: prefix + name, type: facts.type, required: requirement, unit: facts.unit,
                            codeList: facts.codeList, description: facts.description))
            let resolved = chain(field, set: set, base: base).last?.schema ?? field
            if resolved["properties"] != nil {
                collect(resolved, prefix: prefix + name + ".", conditions: [:], set: set, base: base, into: &rows)
            } else if let items = resolved["items"], items["properties"] != nil {
                collect(items, prefix: prefix + name + "[].", conditions: [:], set: set, base: base, into: &rows)
            }
        }
    }

    /// A field's schema followed by the definitions its `$ref`s lead to, with their names.
    private static func chain(_ schema: Value, set: SchemaSet, base: URIReference) -> [(name: String?, schema: Value)] {
        var result: [(name: String?, schema: Value)] = [(nil, schema)]
        var current = schema
        var currentBase = base
        while case .string(let ref) = current["$ref"], result.count < 8 {
            let target = URIReference(ref).resolved(against: currentBase)
            guard let location = set.resources[target.withoutFragment.description],
                  let tokens = JSONPointer.tokens(JSONPointer.percentDecoded(target.fragment ?? "") ?? ""),
                  let value = JSONPointer.resolve(location.pointer + tokens, in: set.documents[location.document].value)
            else { break }
            result.append((tokens.last, value))
            current = value
            currentBase = target.withoutFragment
        }
        return result
    }

    static func describe(_ field: Value, set: SchemaSet, base: URIReference) -> Facts {
        let links = chain(field, set: set, base: base)
        func first(_ key: String) -> Value? { links.lazy.compactMap { $0.schema[key] }.first }
        var facts = Facts()
        facts.description = first("description")?.stringValue ?? ""
        facts.codeList = first("x-codelist")?.stringValue ?? ""
        if let unit = first("x-unit")?.stringValue {
            facts.unit = unit
        } else if let field = first("x-unit-field")?.stringValue {
            facts.unit = "see `\(field)`"
        }
        facts.type = typeText(links.last!.schema, first: first) { describe($0, set: set, base: base).type }
        // The format and the shared definition's name qualify the type: `string (date-time, date_time)`.
        var qualifiers: [String] = []
        if let format = first("format")?.stringValue { qualifiers.append(format) }
        if let name = links.last?.name, links.count > 1, !qualifiers.contains(name) { qualifiers.append(name) }
        if !qualifiers.isEmpty { facts.type += " (" + qualifiers.joined(separator: ", ") + ")" }
        if first("x-pii") == .bool(true) { facts.addSentence("Personal data: mask or encrypt it (the `mask` and `encrypt` steps, or a sink's `mask`) before it reaches a sink not cleared for it; validation failures never quote it.") }
        var constraints: [String] = []
        if let v = first("minimum") { constraints.append("≥ \(plain(v))") }
        if let v = first("exclusiveMinimum") { constraints.append("> \(plain(v))") }
        if let v = first("maximum") { constraints.append("≤ \(plain(v))") }
        if let v = first("exclusiveMaximum") { constraints.append("< \(plain(v))") }
        if let v = first("minLength"), v != 0 { constraints.append("length ≥ \(plain(v))") }
        if let v = first("maxLength") { constraints.append("length ≤ \(plain(v))") }
        if let v = first("minItems") { constraints.append("≥ \(plain(v)) items") }
        if let v = first("pattern") { constraints.append("pattern `\(plain(v))`") }
        if !constraints.isEmpty { facts.type += "; " + constraints.joined(separator: ", ") }
        if case .array(let values) = first("enum") {
            let labels = first("x-enum-labels")
            let listed = values.map { value -> String in
                let label = labels?[plain(value)]?.stringValue
                return "`\(plain(value))`" + (label.map { " \($0)" } ?? "")
            }
            facts.addSentence("Values: " + listed.joined(separator: "; "))
        }
        return facts
    }

    private static func typeText(_ schema: Value, first: (String) -> Value?, items describe: (Value) -> String) -> String {
        var type: String
        switch first("type") {
        case .string(let name)?: type = name
        case .array(let names)?: type = names.compactMap(\.stringValue).joined(separator: " or ")
        default:
            if first("anyOf") != nil || first("oneOf") != nil { type = "string" } else { type = "any" }
        }
        if type == "array", let items = schema["items"] {
            type = "array of " + describe(items)
        }
        if type == "object", let additional = schema["additionalProperties"], let valueType = additional["type"]?.stringValue {
            type = "object of \(valueType)"
        }
        return type
    }

    /// A value as text without JSON quotes for strings.
    static func plain(_ value: Value) -> String {
        value.stringValue ?? value.jsonText
    }
}
