import Foundation
public import HuiliuCore
import HuiliuExpression
public import HuiliuKit
import HuiliuSchema

/// Judges records by a rule from `config/rules/` and raises an `alert.v1` record beside each
/// one it flags: budget execution behind time progress, a water section worse than its
/// target class, a suggestion past its deadline.
///
/// ```yaml
/// steps:
///   - map: budget-network/execution
///   - rule: budget-time-progress     # config/rules/budget-time-progress.yaml
///   - validate                       # checks the records and their alerts
/// ```
public struct RuleStep: StepConnector {
    /// The severities of `alert.v1`, mildest first.
    static let severities = ["info", "yellow", "orange", "red"]

    /// The fields of a rule file.
    static let fileFields: [FieldSpec] = [
        FieldSpec("version", .integer, "Format version; must be 1.", default: 1, range: 1...1),
        FieldSpec("description", .string, "What the rule checks, and whose policy its thresholds are.", optional: true),
        FieldSpec("title", .string, "The title of its alerts.", example: "预算执行低于序时进度 / Budget execution behind time progress"),
        FieldSpec("entity", .string, "Event type of the records it judges; records of other types pass untouched.",
                  example: "budget.execution.v1"),
        FieldSpec("metrics", .map(.expression), """
            Figures computed for each record, in order, kept in the alert: each expression sees `record` (the \
            record's data) and `metrics` (the figures computed before it) and gives a number or null.
            """, example: ["gap_pp": "subtract(metrics.execution_rate_pct, metrics.time_progress_pct)"], optional: true),
        FieldSpec("levels", .list(.object([
            FieldSpec("severity", .oneOf(severities), "The alert's severity."),
            FieldSpec("when", .expression, "Condition over `record` and `metrics`; the level applies when it is true.",
                      example: "metrics.gap_pp < `-10`"),
            FieldSpec("threshold", .number, "The threshold the condition tests, reported in the alert.", optional: true),
        ])), "The levels, most severe first: the first whose condition holds raises the alert; none, no alert."),
        FieldSpec("message", .expression, "Expression for the alert's explanation, over `record` and `metrics`.", optional: true),
        FieldSpec("region", .expression, "Expression for the division concerned (GB/T 2260 code).", example: "record.region",
                  optional: true),
        FieldSpec("owner", .expression, "Expression for the unit responsible.", example: "record.unit_name", optional: true),
    ]

    public static let spec = ComponentSpec(
        name: "rule", kind: .step,
        summary: "Judges records by a rule from config/rules/ and raises an alert.v1 record beside each one it flags.",
        details: """
            `rule: name` loads `config/rules/name.yaml` (or a .yaml path). The rule computes its `metrics` for each \
            record of its `entity` type, tests its `levels` from the most severe down, and for the first that holds \
            adds an `alert.v1` record after the record: its id digests the rule, the entity and the record's \
            natural key, so a rerun over the same period updates the alert instead of adding another. Records \
            pass on unchanged (`emit: alerts` passes only the alerts). A record the rule cannot be computed on, \
            or one without a natural key, is dead-lettered with the reason. Put `validate` after the step to check \
            the alerts against `alert.json` too.
            """,
        fields: [
            FieldSpec("rule", .string, "A rule: its name in `config/rules/`, or a .yaml path.", example: "budget-time-progress"),
            FieldSpec("emit", .oneOf(["records_and_alerts", "alerts"]),
                      "What goes on: every record and the alerts, or only the alerts.", default: "records_and_alerts"),
        ],
        shorthandField: "rule")

    /// One level of a rule.
    struct Level: Sendable {
        var severity: String
        var condition: HuiliuExpression.Expression
        var threshold: Value?
    }

    let name: String
    let title: String
    let entity: String
    let metrics: [(name: String, expression: HuiliuExpression.Expression)]
    let levels: [Level]
    let message: HuiliuExpression.Expression?
    let region: HuiliuExpression.Expression?
    let owner: HuiliuExpression.Expression?
    let alertsOnly: Bool
    let eventSource: String
    let clock: @Sendable () -> Int64
    /// Turns the clock's milliseconds into `raised_at`, in Asia/Shanghai as every time Huiliu writes.
    let timestamp: HuiliuExpression.Expression

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let reference = try config[Field<String>("rule", .string, "")]
        let (rule, name) = try Self.load(reference, config: config, context: context)
        let functions = try MappingResources.of(context).functions
        var problems: [ConfigError] = []
        func compile(_ field: String) -> HuiliuExpression.Expression? {
            guard let text = rule[field]?.stringValue ?? Self.value(at: field, in: rule)?.stringValue else { return nil }
            do {
                return try HuiliuExpression.Expression(text, functions: functions)
            } catch {
                var at = rule.location(of: field)
                at.column += max(0, error.offset)
                problems.append(ConfigError(.invalidValue, at: at, "invalid expression: \(error.message)"))
                return nil
            }
        }
        var metrics: [(String, HuiliuExpression.Expression)] = []
        for (metric, _) in rule["metrics"]?.objectValue ?? Object() {
            if let expression = compile("metrics." + metric) { metrics.append((metric, expression)) }
        }
        var levels: [Level] = []
        for (index, level) in (rule["levels"]?.arrayValue ?? []).enumerated() {
            guard let severity = level["severity"]?.stringValue, let condition = compile("levels.\(index).when") else { continue }
            levels.append(Level(severity: severity, condition: condition, threshold: level["threshold"]))
        }
        if levels.isEmpty && problems.isEmpty {
            problems.append(rule.error("levels", "a rule needs at least one level"))
        }
        message = compile("message")
        region = compile("region")
        owner = compile("owner")
        if !problems.isEmpty { throw ConfigErrors(problems) }
        self.name = name
        self.metrics = metrics
        self.levels = levels
        title = rule["title"]?.stringValue ?? name
        entity = rule["entity"]?.stringValue ?? ""
        alertsOnly = config["emit"]?.stringValue == "alerts"
        eventSource = context.eventSource
        clock = context.clock
        timestamp = try HuiliuExpression.Expression("parse_time(@)", functions: functions)
    }

    /// A value inside a list of objects, by a dotted path with indices (`levels.0.when`).
    private static func value(at path: String, in config: ParsedConfig) -> Value? {
        var parts = path.split(separator: ".").map(String.init)[...]
        guard let first = parts.popFirst(), var value = config[first] else { return nil }
        for part in parts {
            if let index = Int(part), let items = value.arrayValue, items.indices.contains(index) {
                value = items[index]
            } else if let member = value[part] {
                value = member
            } else {
                return nil
            }
        }
        return value
    }

    /// Reads `config/rules/<name>.yaml` (or a path) with the same checks as pipelines.
    static func load(_ reference: String, config: ParsedConfig, context: ConnectorContext) throws -> (ParsedConfig, String) {
        let isPath = reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
        let path = isPath ? config.resolvePath(reference) : context.configDirectory + "/rules/\(reference).yaml"
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        guard !name.isEmpty, name.utf8.count <= 64, name.first.map({ $0.isLetter || $0.isNumber }) == true,
              name.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".contains($0) }) else {
            throw config.error("rule", "a rule's name (its file name) is lower-case letters, digits, '.', '-' and '_', at most 64 characters; got '\(name)'")
        }
        return (try StepFile.load(path, reference: reference, field: "rule", fields: fileFields, config: config, context: context), name)
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        var out: [Record] = []
        out.reserveCapacity(alertsOnly ? 16 : records.count + 16)
        var failures: [RecordFailure] = []
        let raisedAt = try? timestamp.evaluate(.integer(Int(clock())))
        for record in records {
            guard record.type == entity else {
                if !alertsOnly { out.append(record) }
                continue
            }
            do throws(RuleFailure) {
                let alert = try judge(record, raisedAt: raisedAt ?? .null)
                if !alertsOnly { out.append(record) }
                if let alert { out.append(alert) }
            } catch {
                failures.append(RecordFailure(record: record, reason: "rule '\(name)': \(error.message)", rule: "rule"))
            }
        }
        return StepOutput(records: out, failures: failures)
    }

    /// Why a record could not be judged.
    struct RuleFailure: Error {
        var message: String
    }

    /// The alert `record` raises, if any.
    func judge(_ record: Record, raisedAt: Value) throws(RuleFailure) -> Record? {
        guard let subject = record.key else {
            throw RuleFailure(message: "the record has no natural key to name in an alert (a map step's `key` sets it)")
        }
        var scope = Object()
        scope["record"] = record.data
        scope["metrics"] = .object(Object())
        func evaluate(_ expression: HuiliuExpression.Expression, _ what: String) throws(RuleFailure) -> Value {
            do {
                return try expression.evaluate(.object(scope))
            } catch {
                throw RuleFailure(message: "\(what) '\(expression.text)': \(error.message)")
            }
        }
        var figures = Object()
        for (metric, expression) in metrics {
            let value = try evaluate(expression, "metric \(metric)")
            switch value {
            case .integer, .decimal, .double, .null: break
            default: throw RuleFailure(message: "metric \(metric) '\(expression.text)' gave \(value.jsonText), not a number")
            }
            figures[metric] = value
            scope["metrics"] = .object(figures)
        }
        var raisedLevel: Level?
        for level in levels where try evaluate(level.condition, "level \(level.severity) condition").isTruthy {
            raisedLevel = level
            break
        }
        guard let level = raisedLevel else { return nil }
        var alert = Object()
        alert["alert_id"] = .string(Envelope.deterministicID(source: name, type: entity, key: subject))
        alert["rule"] = .string(name)
        alert["severity"] = .string(level.severity)
        alert["raised_at"] = raisedAt
        alert["title"] = .string(title)
        if let message {
            switch try evaluate(message, "message") {
            case .null: break
            case .string(let text): alert["message"] = .string(text)
            case let other: throw RuleFailure(message: "message '\(message.text)' gave \(other.jsonText), not text")
            }
        }
        alert["entity"] = .string(entity)
        alert["subject"] = .string(subject)
        alert["event_id"] = .string(Envelope.deterministicID(source: eventSource, type: entity, key: subject))
        for (field, expression) in [("region", region), ("owner", owner)] {
            guard let expression else { continue }
            switch try evaluate(expression, field) {
            case .null: break
            case .string(let text): alert[field] = .string(text)
            case let other: throw RuleFailure(message: "\(field) '\(expression.text)' gave \(other.jsonText), not text")
            }
        }
        // The schema's metrics are numbers: a figure that could not be computed is left out.
        var numbers = Object()
        for (metric, value) in figures where !value.isNull { numbers[metric] = value }
        if !numbers.isEmpty { alert["metrics"] = .object(numbers) }
        if let threshold = level.threshold { alert["threshold"] = threshold }
        alert["status"] = .string("open")
        var raised = Record(data: .object(alert), origin: record.origin, key: alert["alert_id"]?.stringValue, type: Self.alertType)
        raised.time = raisedAt.stringValue
        raised.dataschema = CommonSchema.uri(for: Self.alertType)
        raised.extensions = record.extensions
        return raised
    }

    /// The event type of alerts.
    static let alertType = "alert.v1"
}
