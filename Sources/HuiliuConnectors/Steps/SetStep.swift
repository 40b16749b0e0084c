public import HuiliuCore
public import HuiliuKit

/// Sets fields to constant values on every record (dotted paths create nested objects).
public struct SetStep: StepConnector {
    static let fields = Field<Value>("fields", .map(.any), "Field paths and the values to set.",
                                     example: ["region": "110105", "meta.system": "budget-network"])

    public static let spec = ComponentSpec(
        name: "set", kind: .step, summary: "Adds or overwrites fields with constant values.",
        details: """
            Written as a mapping of field paths to values: `- set: {region: "110105", meta.system: budget}`. A path \
            through a value that is not an object (`name.first` where `name` is text) fails the record rather than \
            replace that value.
            """,
        fields: [fields.spec], bodyField: "fields")

    let assignments: [(path: String, value: Value)]

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let object = try config[Self.fields].objectValue ?? Object()
        assignments = object.map { (path: $0.key, value: $0.value) }
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        var failures: [RecordFailure] = []
        var kept: [Record] = []
        kept.reserveCapacity(records.count)
        for var record in records {
            guard record.data.objectValue != nil else { kept.append(record); continue }
            // A path through a value that is not an object would replace it (a name, a list)
            // with an object holding only the new field: the record is failed instead.
            if let (path, blocking, value) = assignments.lazy.compactMap({ assignment in
                Self.nonObject(on: assignment.path, in: record.data).map { (assignment.path, $0.path, $0.value) }
            }).first {
                failures.append(RecordFailure(record: record, reason: "set '\(path)': '\(blocking)' is \(value.typeName), not an object; nothing was set",
                                              pointer: "/" + blocking.split(separator: ".", omittingEmptySubsequences: false).joined(separator: "/"), rule: "set"))
                continue
            }
            for (path, value) in assignments { record.data.setValue(value, atPath: path) }
            kept.append(record)
        }
        return StepOutput(records: kept, failures: failures)
    }

    /// The first value on the way to `path` (not at it) that exists and is not an object.
    static func nonObject(on path: String, in data: Value) -> (path: String, value: Value)? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var current = data
        for (index, part) in parts.dropLast().enumerated() {
            guard let next = current[part], !next.isNull else { return nil }
            guard next.objectValue != nil else { return (parts[...index].joined(separator: "."), next) }
            current = next
        }
        return nil
    }
}
