public import HuiliuCore
public import HuiliuKit
import HuiliuSchema

/// Checks each record against its entity's JSON Schema; records that do not conform are
/// dead-lettered with the JSON pointer, the rule, and what was expected.
public struct ValidateStep: StepConnector {
    public static let spec = ComponentSpec(
        name: "validate", kind: .step,
        summary: "Validates records against their common-schema entity (JSON Schema 2020-12).",
        details: """
            Without `schema`, each record is checked against the schema of its event type, as set by \
            `map` (`budget.payment.v1` → `config/schema/budget.payment.json`). A failure reports the \
            instance's JSON pointer, the keyword, the expectation and the value found.
            """,
        fields: [
            FieldSpec("schema", .string, "Entity or event type (`budget.payment.v1`) or a schema URI; default: each record's type.",
                      example: "budget.payment.v1", optional: true),
            FieldSpec("max_errors", .integer, "How many problems to list in a dead letter's reason.", default: 3, range: 1...100),
        ],
        shorthandField: "schema")

    let fixed: Schema?
    /// Every common-schema entity, compiled once when the pipeline loads, by entity name and
    /// by event type (`budget.payment` and `budget.payment.v1`).
    let byType: [String: Schema]
    let maxErrors: Int

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let resources = try MappingResources.of(context)
        let schemas = resources.schemas
        maxErrors = config["max_errors"]?.intValue ?? 3
        if let name = config["schema"]?.stringValue {
            fixed = try Self.schema(named: name, in: resources, config: config)
            byType = [:]
        } else {
            fixed = nil
            var compiled: [String: Schema] = [:]
            for entity in resources.entityNames {
                guard let uri = resources.schemaURI(for: entity) else { continue }
                let schema: Schema
                do {
                    schema = try schemas.schema(uri)
                } catch where error.code == .unknownSchema {
                    continue  // a project without this entity's file validates the others
                } catch {
                    // A broken entity schema must not quietly turn into "no schema for this type".
                    throw config.error("schema", "config/schema: \(entity) does not compile: \(error)")
                }
                compiled[entity] = schema
                if CommonSchema.entities.contains(entity) { compiled[entity + ".v1"] = schema }
            }
            // Every version a schema file declares, by its own event type.
            for (type, uri) in resources.eventTypes.sorted(by: { $0.key < $1.key }) where compiled[type] == nil {
                do {
                    compiled[type] = try schemas.schema(uri)
                } catch {
                    throw config.error("schema", "config/schema: \(type) does not compile: \(error)")
                }
            }
            byType = compiled
        }
    }

    static func schema(named name: String, in resources: MappingResources, config: ParsedConfig) throws -> Schema {
        let uri = resources.schemaURI(for: name) ?? name
        do {
            return try resources.schemas.schema(uri)
        } catch {
            var problem = config.error("schema", "no schema '\(name)' in config/schema")
            problem.suggestion = nearestName(to: name.hasSuffix(".v1") ? String(name.dropLast(3)) : name, in: resources.entityNames)
            throw problem
        }
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        // Valid records stay where they are and failures are swapped out of the way, as in
        // ``MapStep``: appending each record to a new array would retain all its fields.
        var failures: [RecordFailure] = []
        // The records of a batch mostly share one type: the last one's schema is kept rather
        // than hashing the type name for every record.
        var last: (type: String, schema: Schema)?
        let kept = records.withUnsafeMutableBufferPointer { records in
            var kept = 0
            for index in records.indices {
                // Only the data and type are read: handing over the whole record made a copy of it.
                if let problem = check(records[index].data, type: records[index].type, last: &last) {
                    failures.append(RecordFailure(record: records[index], reason: problem.reason, pointer: problem.pointer, rule: problem.rule))
                    continue
                }
                if kept != index { records.swapAt(kept, index) }
                kept += 1
            }
            return kept
        }
        records.removeSubrange(kept...)
        return StepOutput(records: records, failures: failures)
    }

    /// Why a record with `data` of `type` fails, or `nil` when it conforms.
    private func check(_ data: Value, type: String?, last: inout (type: String, schema: Schema)?) -> (reason: String, pointer: String, rule: String)? {
        let schema: Schema
        if let fixed {
            schema = fixed
        } else if let type, let last, last.type == type {
            schema = last.schema
        } else {
            guard let type, let found = byType[type] else {
                return ("the record has no common-schema type (\(type ?? "none")); map it first or name a schema", "", "schema")
            }
            schema = found
            last = (type, found)
        }
        if schema.isValid(data) { return nil }
        let errors = schema.validate(data, maximumErrors: maxErrors + 1)
        guard let first = errors.first else { return nil }
        var reason = "expected \(first.expected), got \(first.actual)"
        for other in errors.dropFirst().prefix(maxErrors - 1) { reason += "; also \(other)" }
        if errors.count > maxErrors { reason += "; and more" }
        return (reason, first.instanceLocation, first.keyword)
    }
}
