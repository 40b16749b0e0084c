/// Which keywords hold subschemas, and in what shape: the walk for `$id` and anchors must
/// enter exactly these (a `$id` inside `enum` or `const` is data, not an identifier).
enum SchemaKeywords {
    enum Shape {
        case schema, schemaArray, schemaMap, other
    }

    static func shape(of keyword: String) -> Shape {
        switch keyword {
        case "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames",
             "additionalItems", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
            return .schema
        case "items", "prefixItems", "allOf", "anyOf", "oneOf":
            return .schemaArray
        case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies":
            return .schemaMap
        default:
            return .other
        }
    }
}
