import HuiliuCore

/// Renders a Markdown reference of the entities in a ``SchemaSet``: for each field its name,
/// type, whether it is required, unit, code list and description. `huiliu schema docs` prints it.
public enum SchemaDocs {
    /// The reference for every document with an `x-entity` annotation, followed by the shared
    /// definitions of every document that has `$defs` and no `x-entity`.
    /// - Parameters:
    ///   - set: the schema documents, with cross-document references resolvable.
    ///   - title: the top heading. The default is the common schema's name.
    public static func markdown(_ set: SchemaSet, title: String = "汇流通用数据模型 / Huiliu common schema") -> String {
        var out = "# \(title)\n\n"
        let entities = set.documents.indices.filter { set.documents[$0].value["x-entity"]?.stringValue != nil }
        let order = CommonSchema.entities
        let sorted = entities.sorted { a, b in
            let x = order.firstIndex(of: set.documents[a].value["x-entity"]!.stringValue!) ?? .max
            let y = order.firstIndex(of: set.documents[b].value["x-entity"]!.stringValue!) ?? .max
            return (x, a) < (y, b)
        }
        for index in sorted {
            out += "- [`\(set.documents[index].value["x-entity"]!.stringValue!)`](#\(anchor(set.documents[index])))"
            out += " — " + cell(set.documents[index].value["title"]?.stringValue ?? "") + "\n"
        }
        out += "\n"
        for index in sorted { out += entitySection(set, index) }
        for (index, document) in set.documents.enumerated()
        where document.value["x-entity"] == nil && document.value["$defs"] != nil {
            out += definitionsSection(set, index)
        }
        return out
    }

    private static func anchor(_ document: SchemaSet.Document) -> String {
        (document.value["x-entity"]?.stringValue ?? "").replacing(".", with: "")
    }

    private static func entitySection(_ set: SchemaSet, _ index: Int) -> String {
        let document = set.documents[index]
        let schema = document.value
        let entity = schema["x-entity"]?.stringValue ?? "?"
        var out = "## \(entity)\n\n"
        if let title = schema["title"]?.stringValue { out += "**\(title)**\n\n" }
        if let description = schema["description"]?.stringValue { out += description + "\n\n" }
        var facts = ["Schema `\(document.base)`"]
        if let type = schema["x-event-type"]?.stringValue { facts.append("event type `\(type)`") }
        if case .array(let keys) = schema["x-natural-key"] {
            facts.append("natural key " + keys.compactMap(\.stringValue).map { "`\($0)`" }.joined(separator: " + "))
        }
        if schema["additionalProperties"] == .bool(false) { facts.append("no other fields allowed") }
        out += facts.joined(separator: " · ") + "\n\n"
        out += "| Field | Type | Required | Unit | Code list | Description |\n|---|---|---|---|---|---|\n"
        let conditions = FieldRows.conditionalRequirements(schema)
        var rows: [FieldRows.Row] = []
        FieldRows.collect(schema, prefix: "", conditions: conditions, set: set, base: document.base, into: &rows)
        for row in rows {
            out += "| `\(row.name)` | \(cell(row.type)) | \(cell(row.required)) | \(cell(row.unit)) | "
                + "\(cell(row.codeList)) | \(cell(row.description)) |\n"
        }
        return out + "\n"
    }

    private static func definitionsSection(_ set: SchemaSet, _ index: Int) -> String {
        let document = set.documents[index]
        var out = "## Shared definitions (`\(document.base)`)\n\n"
        if let description = document.value["description"]?.stringValue { out += description + "\n\n" }
        out += "| Definition | Type | Unit | Code list | Description |\n|---|---|---|---|---|\n"
        guard case .object(let defs) = document.value["$defs"] else { return out }
        for (name, schema) in defs {
            let facts = FieldRows.describe(schema, set: set, base: document.base)
            out += "| `\(name)` | \(cell(facts.type)) | \(cell(facts.unit)) | \(cell(facts.codeList)) | "
                + "\(cell(facts.description)) |\n"
        }
        return out + "\n"
    }

    /// Text made safe for one Markdown table cell.
    static func cell(_ text: String) -> String {
        text.replacing("|", with: "\\|").replacing("\n", with: " ")
    }
}
