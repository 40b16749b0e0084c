import Foundation
public import HuiliuCore
import HuiliuExpression
public import HuiliuKit
import HuiliuSchema

/// Maps records into a common-schema entity with JMESPath expressions, and sets the
/// envelope fields: event type, natural key (the subject, which fixes the event id),
/// time and extension attributes.
///
/// ```yaml
/// - map:
///     type: budget.payment.v1
///     key: '"支付编号"'
///     time: parse_time("支付日期")
///     fields:
///       payment_id: '"支付编号"'
///       amount_fen: to_fen("金额（元）")
///       payee.name: '"收款人"'
/// - map: budget-network/payments      # or a mapping kept with its connector
/// ```
public struct MapStep: StepConnector {
    /// The fields a mapping has, inline or in a mapping file.
    static let mappingFields: [FieldSpec] = [
        FieldSpec("type", .string, "Event type of the mapped records, such as `budget.payment.v1`; names the common-schema entity.",
                  example: "budget.payment.v1", optional: true),
        FieldSpec("key", .expression, "Expression for the natural key: the envelope subject, and the basis of the event id; a list (`[fiscal_year, payment_id]`) is a key of several fields. Without it, a common-schema type's key is its `x-natural-key` fields of the mapped entity, joined with `/`.",
                  example: "payment_id", optional: true),
        FieldSpec("time", .expression, "Expression for when the fact happened (RFC 3339), e.g. `parse_time(pay_date)`.",
                  optional: true),
        FieldSpec("fields", .map(.expression), "Target field paths (dotted for nesting) and the expressions that fill them.",
                  example: ["amount_fen": "to_fen(amount)", "payee.name": "payee"], optional: true),
        FieldSpec("extensions", .map(.expression), "CloudEvents extension attributes (`region`, `owner`) and their expressions.",
                  optional: true),
        FieldSpec("keep_nulls", .boolean, "Keep fields whose expression gives null (they are left out by default).",
                  default: false),
    ]

    /// The fields of a mapping file.
    static let fileFields: [FieldSpec] = mappingFields + [
        FieldSpec("description", .string, "What the mapping is for.", optional: true),
        FieldSpec("version", .integer, "Format version; must be 1.", default: 1, range: 1...1),
    ]

    public static let spec = ComponentSpec(
        name: "map", kind: .step,
        summary: "Maps records into a common-schema entity with JMESPath expressions and sets type, key and time.",
        details: """
            Expressions are JMESPath with Huiliu's extension functions (`to_fen`, `parse_time`, `lookup`, \
            `uscc_valid`, … — see `huiliu expr --functions`). Keys that are not plain identifiers, such as \
            Chinese column names, are quoted: `'"支付编号"'`. A record whose expression fails is dead-lettered \
            with the target field and the reason. `mapping: system/name` loads \
            `connectors/system/mappings/name.yaml`.
            """,
        fields: [FieldSpec("mapping", .string, "A mapping file: `system/name` (in `connectors/system/mappings/`) or a path.",
                           example: "budget-network/payments", optional: true)] + mappingFields,
        shorthandField: "mapping")

    let type: String?
    /// The event type the step gives records, if its mapping names one.
    public var entityType: String? { type }
    let dataschema: String?
    let plan: MappingPlan
    let key: JMESPathExpression?
    /// Without a `key`, the fields of the entity that its schema's `x-natural-key` names.
    let naturalKey: [String]
    let time: JMESPathExpression?
    let extensions: [(name: String, expression: JMESPathExpression)]
    let keepNulls: Bool

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        var mapping = config
        // A mapping file's own problems (an unknown key) are reported with its expressions' ones.
        var problems: [ConfigError] = []
        if let reference = config["mapping"]?.stringValue {
            if config["fields"] != nil {
                throw config.error("fields", "give either 'mapping' or inline 'fields', not both")
            }
            (mapping, problems) = try Self.loadMappingFile(reference, config: config, context: context)
        }
        guard mapping["fields"]?.objectValue.map({ !$0.isEmpty }) == true else {
            if !problems.isEmpty { throw ConfigErrors(problems) }
            throw ConfigError(.missingField, at: config.location, "a map step needs 'fields' (or a 'mapping' file that has them)")
        }
        let resources = try MappingResources.of(context)
        let functions = resources.functions
        func compile(_ text: String, at location: SourceLocation) -> JMESPathExpression? {
            do {
                return try JMESPathExpression(text, functions: functions)
            } catch {
                var at = location
                at = at.locating(offset: max(0, error.offset), in: text)
                var suggestion: String?
                if error.kind == .unknownFunction, let name = error.message.split(separator: "'").dropFirst().first {
                    suggestion = nearestName(to: String(name.prefix { $0 != "(" }), in: functions.functions.map(\.name)).map { $0 + "()" }
                }
                problems.append(ConfigError(.invalidValue, at: at, "invalid expression: \(error.message)", suggestion: suggestion))
                return nil
            }
        }
        var plan = MappingPlan()
        // The entity's schema, when the map names a common-schema type: a target it has no
        // field for would fail every record's validation, so it is a mistake to say now.
        let entity = mapping["type"]?.stringValue.flatMap { type in
            resources.schemaURI(for: type).flatMap { resources.schemas.document($0) }.map { (type, $0) }
        }
        for (target, value) in mapping["fields"]?.objectValue ?? Object() {
            if let (type, schema) = entity, let problem = Self.unknownTarget(target, in: schema, type: type) {
                problems.append(ConfigError(.invalidValue, at: mapping.location(of: "fields." + target), problem.message,
                                            suggestion: problem.suggestion))
                continue
            }
            guard let text = value.stringValue, let expression = compile(text, at: mapping.location(of: "fields." + target)) else { continue }
            if let other = plan.add(target.split(separator: ".", omittingEmptySubsequences: false).map(String.init)[...], expression, target: target) {
                let (whole, part) = other.count < target.count ? (other, target) : (target, other)
                problems.append(ConfigError(.invalidValue, at: mapping.location(of: "fields." + target),
                                            "'\(part)' is inside '\(whole)', which this map also sets whole: the entity would get the field twice; set one or the other"))
            }
        }
        var extensions: [(String, JMESPathExpression)] = []
        for (name, value) in mapping["extensions"]?.objectValue ?? Object() {
            guard Envelope.isValidAttributeName(name) else {
                problems.append(ConfigError(.invalidValue, at: mapping.location(of: "extensions." + name),
                                            "extension attribute names use only lower-case letters a-z and digits 0-9; got '\(name)'"))
                continue
            }
            guard !Envelope.contextAttributes.contains(name) else {
                problems.append(ConfigError(.invalidValue, at: mapping.location(of: "extensions." + name),
                                            "'\(name)' is a CloudEvents context attribute; an extension cannot set it"))
                continue
            }
            if let text = value.stringValue, let expression = compile(text, at: mapping.location(of: "extensions." + name)) {
                extensions.append((name, expression))
            }
        }
        if let type = mapping["type"]?.stringValue, type.isEmpty || type.contains(where: { $0.isWhitespace }) {
            problems.append(ConfigError(.invalidValue, at: Self.textLocation(mapping, "type"),
                                        "'type' is the CloudEvents type, a non-empty name without spaces such as budget.payment.v1; got '\(type)'"))
        } else if let type = mapping["type"]?.stringValue, entity == nil,
                  let near = Self.nearEntity(type, entities: resources.entityNames) {
            // A type a letter or two off an entity's (`livelihood.projects.v1`) is no type of its
            // own but a slip: checked against no schema here, every record failed validation.
            problems.append(ConfigError(.invalidValue, at: Self.textLocation(mapping, "type"),
                                        "'\(type)' is no common-schema entity type", suggestion: near))
        }
        key = mapping["key"]?.stringValue.flatMap { compile($0, at: Self.textLocation(mapping, "key")) }
        // A common-schema entity names its natural key: without a `key` expression the subject
        // is made of those fields once mapped, so it cannot leave one out (a voucher number
        // without its fiscal year) and nothing is evaluated twice.
        if mapping["key"] == nil, let (type, schema) = entity, case .array(let names)? = schema["x-natural-key"] {
            naturalKey = names.compactMap(\.stringValue)
            // A field of the natural key that the mapping never sets fails every record.
            let mapped = Set((mapping["fields"]?.objectValue ?? Object()).map { String($0.key.split(separator: ".").first ?? "") })
            for field in naturalKey where !mapped.contains(field) {
                problems.append(ConfigError(.invalidValue, at: mapping.location(of: "fields"),
                                            "\(type)'s natural key (\(naturalKey.joined(separator: ", "))) needs '\(field)', which this map does not set: map it, or give a key"))
            }
        } else {
            naturalKey = []
        }
        time = mapping["time"]?.stringValue.flatMap { compile($0, at: Self.textLocation(mapping, "time")) }
        if !problems.isEmpty { throw ConfigErrors(problems) }
        self.plan = plan
        self.extensions = extensions
        type = mapping["type"]?.stringValue
        dataschema = type.flatMap { resources.schemaURI(for: $0) }
        keepNulls = mapping["keep_nulls"]?.boolValue ?? false
    }

    /// Why `target` (a dotted path) is not a field of `schema`, an entity's JSON Schema, when an
    /// object on its way has `additionalProperties: false` and no such property; `nil` when it
    /// is one, or when the schema does not say (a `$ref`, open objects).
    static func unknownTarget(_ target: String, in schema: Value, type: String) -> (message: String, suggestion: String?)? {
        var level = schema
        var path: [String] = []
        for component in target.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            guard let properties = level["properties"]?.objectValue else { return nil }
            if let next = properties[component] {
                level = next
                path.append(component)
                continue
            }
            guard level["additionalProperties"] == .bool(false) else { return nil }
            let owner = path.isEmpty ? type : "\(path.joined(separator: ".")) of \(type)"
            return ("'\(component)' is not a field of \(owner) (\(properties.keys.joined(separator: ", ")))",
                    nearestName(to: component, in: properties.keys).map { (path + [$0]).joined(separator: ".") })
        }
        return nil
    }

    /// The common-schema entity type (`livelihood.project.v1`) that `type`, named like one
    /// (version 1 or none) but not one, is a slip of; `nil` when it is none's.
    static func nearEntity(_ type: String, entities: [String] = CommonSchema.entities) -> String? {
        let base = type.hasSuffix(".v1") ? String(type.dropLast(3)) : type
        guard !entities.contains(base),
              !base.hasSuffix(".raw"), base.range(of: #"\.v[0-9]+$"#, options: .regularExpression) == nil else { return nil }
        return nearestName(to: base, in: entities).map { $0 + ".v1" }
    }

    /// Where a scalar field's text starts; keys are located, values are close enough after them.
    static func textLocation(_ config: ParsedConfig, _ field: String) -> SourceLocation {
        var at = config.location(of: field)
        at.column += field.count + 2
        return at
    }

    /// Reads `connectors/<system>/mappings/<name>.yaml` (or a path) with the same checks as pipelines.
    static func loadMappingFile(_ reference: String, config: ParsedConfig, context: ConnectorContext) throws -> (ParsedConfig, [ConfigError]) {
        let path: String
        if reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            path = config.resolvePath(reference)
        } else {
            let parts = reference.split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else {
                throw config.error("mapping", "'mapping' is `system/name` (connectors/system/mappings/name.yaml) or a .yaml path; got '\(reference)'")
            }
            path = context.projectDirectory + "/connectors/\(parts[0])/mappings/\(parts[1]).yaml"
        }
        return try StepFile.read(path, reference: reference, field: "mapping", fields: fileFields, config: config, context: context)
    }

    /// The key of `fields` in `entity` (see ``RecordKey``), or `nil` when one is missing, null, empty or no exact number.
    static func naturalKey(_ fields: [String], of entity: Value) -> String? {
        var values: [Value] = []
        values.reserveCapacity(fields.count)
        for field in fields {
            guard let value = entity[field] else { return nil }
            values.append(value)
        }
        return RecordKey.make(values)
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        let failures = map(&records)
        return StepOutput(records: records, failures: failures)
    }

    /// Maps `records` in place, removing the ones that fail (returned as failures). Mutating
    /// the caller's array avoids copying every record, which matters at hundreds of thousands
    /// of records a second.
    func map(_ records: inout [Record]) -> [RecordFailure] {
        var failures: [RecordFailure] = []
        var kept = 0
        for index in records.indices {
            do throws(MappingFailure) {
                let input = records[index].data
                records[index].data = try plan.build(from: input, keepNulls: keepNulls)
                if let key {
                    let value = try evaluate(key, input, target: "key")
                    // A list is a key of several fields (`[year, id]`), joined as a natural key is.
                    let text = value.arrayValue.map { $0.isEmpty ? nil : RecordKey.make($0) } ?? RecordKey.part(value)
                    guard let text else {
                        failures.append(RecordFailure(record: records[index], reason: "the key expression gave \(value.jsonText), not a string, a number of at most 18 significant digits, or a list of them",
                                                      pointer: "", rule: "key"))
                        continue
                    }
                    records[index].key = text
                }
                if !naturalKey.isEmpty {
                    guard let subject = Self.naturalKey(naturalKey, of: records[index].data) else {
                        failures.append(RecordFailure(record: records[index],
                                                      reason: "the natural key (\(naturalKey.joined(separator: ", "))) has a field that is missing, null, empty, or not a string or a number of at most 18 significant digits",
                                                      pointer: "", rule: "key"))
                        continue
                    }
                    records[index].key = subject
                }
                if let time {
                    let value = try evaluate(time, input, target: "time")
                    // The envelope's `time` is an RFC 3339 timestamp or absent, never free text.
                    guard value.isNull || value.stringValue.map(RFC3339.isDateTime) == true else {
                        failures.append(RecordFailure(record: records[index], reason: "time gave \(value.jsonText), not an RFC 3339 timestamp (parse_time() makes one)",
                                                      pointer: "", rule: "time"))
                        continue
                    }
                    guard value.isNull || value.stringValue.map(RFC3339.isEventTime) == true else {
                        failures.append(RecordFailure(record: records[index], reason: "time gave \(value.jsonText), which not every sink can store: years 0001–9999, offsets within ±15:59",
                                                      pointer: "", rule: "time"))
                        continue
                    }
                    records[index].time = value.stringValue
                }
                var badExtension: (String, Value)?
                for (name, expression) in extensions {
                    let value = try evaluate(expression, input, target: name)
                    switch value {
                    case .null: break
                    case .string, .bool: records[index].extensions[name] = value
                    // CloudEvents integers are 32-bit: a larger one is refused by receivers.
                    case .integer(let n) where Int32(exactly: n) != nil: records[index].extensions[name] = value
                    default: badExtension = (name, value)
                    }
                }
                if let (name, value) = badExtension {
                    failures.append(RecordFailure(record: records[index], reason: "extension \(name) gave \(value.typeName) \(value.jsonText); CloudEvents extensions are strings, 32-bit integers or booleans (to_string() makes any value a string)",
                                                  pointer: "", rule: "extension"))
                    continue
                }
                if let type { records[index].type = type }
                if let dataschema { records[index].dataschema = dataschema }
                if kept != index { records.swapAt(kept, index) }
                kept += 1
            } catch {
                failures.append(RecordFailure(record: records[index], reason: "\(error.target) = \(error.expression): \(error.error.message)",
                                              pointer: error.pointer, rule: error.error.kind.description))
            }
        }
        records.removeSubrange(kept...)
        return failures
    }

    private func evaluate(_ expression: JMESPathExpression, _ input: Value, target: String) throws(MappingFailure) -> Value {
        do {
            return try expression.evaluate(input)
        } catch {
            throw MappingFailure(target: target, expression: expression.text, error: error)
        }
    }
}
