public import HuiliuCore
import Foundation

extension ComponentSpec {
    /// The component's reference page in Markdown: summary, details, a field table and an
    /// example configuration built from the fields' examples and defaults.
    public var markdown: String {
        var lines = ["# \(name) (\(kind))", "", summary]
        if !details.isEmpty { lines += ["", details] }
        lines += ["", "Status: \(status).", ""]
        if fields.isEmpty {
            lines.append("This \(kind) has no options.")
        } else {
            lines += ["| field | type | required | default | description |", "|---|---|---|---|---|"]
            for field in fields {
                let type = field.isSecret ? "secret reference" : Self.typeDescription(field.type)
                let required = field.isRequired ? "yes" : "no"
                let defaultText = field.defaultValue.map { "`\($0.jsonText)`" } ?? ""
                lines.append("| `\(field.name)` | \(type) | \(required) | \(defaultText) | \(field.description) |")
            }
        }
        lines += ["", "Example:", "", "```yaml", exampleYAML, "```"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// How a field type reads in reference tables: `string`, ``one of `a`, `b` ``, `mapping (…)`.
    public static func typeDescription(_ type: FieldType) -> String {
        switch type {
        case .oneOf(let options): return "one of " + options.map { "`\($0)`" }.joined(separator: ", ")
        case .object(let fields): return "mapping (" + fields.map { "`\($0.name)`" }.joined(separator: ", ") + ")"
        default: return type.name
        }
    }

    /// A YAML snippet showing the component with its required fields and examples.
    public var exampleYAML: String {
        let shown = fields.filter { $0.isRequired || $0.example != nil }
        if let body = bodyField, let example = field(body)?.example {
            return "\(name): \(example.jsonText)"
        }
        guard !shown.isEmpty else { return "\(name): {}" }
        var lines = ["\(name):"]
        for field in shown {
            let value: String
            if field.isSecret {
                value = "${secret:\(field.name)}"
            } else if let example = field.example ?? field.defaultValue {
                value = example.stringValue.map { Self.yamlScalar($0) } ?? example.jsonText
            } else {
                value = "…"
            }
            lines.append("  \(field.name): \(value)")
        }
        return lines.joined(separator: "\n")
    }

    static func yamlScalar(_ text: String) -> String {
        let plainSafe = !text.isEmpty && text.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_./*@${}".unicodeScalars.contains($0)
        } && !text.hasPrefix("*") && !text.hasPrefix("@")
        return plainSafe ? text : "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A JSON Schema (2020-12) of the component's configuration, for editors and validators.
    public var jsonSchema: Value {
        var schema = Self.schema(for: .object(fields))
        var object = schema.objectValue ?? Object()
        var root = Object()
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = .string("https://huiliu.dev/schema/v1/components/\(kind)/\(name).json")
        root["title"] = .string("\(name) \(kind)")
        root["description"] = .string(summary)
        for (key, value) in object { root[key] = value }
        object = root
        schema = .object(object)
        if let short = shorthandField, let field = field(short) {
            return ["anyOf": [Self.schema(for: field.type), schema]]
        }
        return schema
    }

    static func schema(for type: FieldType) -> Value {
        switch type {
        case .string, .path, .expression: return ["type": "string"]
        case .url: return ["type": "string", "format": "uri"]
        case .integer: return ["type": "integer"]
        case .number: return ["type": "number"]
        case .boolean: return ["type": "boolean"]
        case .duration: return ["type": ["string", "number"], "pattern": "^([0-9]+(ms|s|m|h|d))+$"]
        // Holding a reference of any kind the resolver takes, a file's too (Docker's
        // /run/secrets), as lint requires: text around one (`Bearer ${env:TOKEN}`) is allowed.
        case .secret: return ["type": "string", "pattern": "\\$\\{(secret|env|file):[^}]+\\}"]
        case .oneOf(let options): return ["enum": .array(options.map { .string($0) })]
        case .list(let inner): return ["type": "array", "items": schema(for: inner)]
        case .map(let inner): return ["type": "object", "additionalProperties": schema(for: inner)]
        case .component(let kind): return ["type": "object", "description": .string("a \(kind): `kind: {options}`"),
                                            "minProperties": 1, "maxProperties": 1]
        case .any: return [:]
        case .object(let fields):
            var properties = Object()
            for field in fields {
                var property = schema(for: field.type).objectValue ?? Object()
                property["description"] = .string(field.description)
                if let defaultValue = field.defaultValue { property["default"] = defaultValue }
                if let example = field.example { property["examples"] = [example] }
                if let range = field.range {
                    property["minimum"] = .double(range.lowerBound)
                    property["maximum"] = .double(range.upperBound)
                }
                properties[field.name] = .object(property)
            }
            let required = fields.filter(\.isRequired).map { Value.string($0.name) }
            var object: Value = ["type": "object", "properties": .object(properties), "additionalProperties": false]
            if !required.isEmpty { object["required"] = .array(required) }
            return object
        }
    }
}
