public import HuiliuCore
public import HuiliuKit

/// Sets fields to constant values on every record (dotted paths create nested objects).
public struct SetStep: StepConnector {
    static let fields = Field<Value>("fields", .map(.any), "Field paths and the values to set.",
                                     example: ["region": "110105", "meta.system": "budget-network"])

    public static let spec = ComponentSpec(
        name: "set", kind: .step, summary: "Adds or overwrites fields with constant values.",
        details: "Written as a mapping of field paths to values: `- set: {region: \"110105\", meta.system: budget}`.",
        fields: [fields.spec], bodyField: "fields")

    let assignments: [(path: String, value: Value)]

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let object = try config[Self.fields].objectValue ?? Object()
        assignments = object.map { (path: $0.key, value: $0.value) }
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        for i in records.indices {
            for (path, value) in assignments where records[i].data.objectValue != nil {
                records[i].data.setValue(value, atPath: path)
            }
        }
        return StepOutput(records: records)
    }
}
