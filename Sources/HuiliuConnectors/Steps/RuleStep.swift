import CoreMetrics
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
            record's data), `extensions` (its envelope's extension attributes: `region`, `owner` …) and `metrics` \
            (the figures computed before it) and gives a number or null.
            """, example: ["gap_pp": "subtract(metrics.execution_rate_pct, metrics.time_progress_pct)"], optional: true),
        FieldSpec("levels", .list(.object([
            FieldSpec("severity", .oneOf(severities), "The alert's severity."),
            FieldSpec("when", .expression, "Condition over `record`, `extensions` and `metrics`; the level applies when it is true.",
                      example: "metrics.gap_pp < `-10`"),
            FieldSpec("threshold", .number, "The threshold the condition tests, reported in the alert.", optional: true),
        ])), "The levels, most severe first: the first whose condition holds raises the alert; none, no alert."),
        FieldSpec("message", .expression, "Expression for the alert's explanation, over `record`, `extensions` and `metrics`.", optional: true),
        FieldSpec("region", .expression, "Expression for the division concerned (GB/T 2260 code); without one, the record's envelope `region`.", example: "record.region",
                  optional: true),
        FieldSpec("owner", .expression, "Expression for the unit responsible; without one, the record's envelope `owner`.", example: "record.unit_name", optional: true),
    ]

    public static let spec = ComponentSpec(
        name: "rule", kind: .step,
        summary: "Judges records by a rule from config/rules/ and raises an alert.v1 record beside each one it flags.",
        details: """
            `rule: name` loads `config/rules/name.yaml` (or a .yaml path). The rule computes its `metrics` for each \
            record of its `entity` type, tests its `levels` from the most severe down, and for the first that holds \
            adds an `alert.v1` record after the record. Its id digests the rule, the entity and the record's \
            natural key, and it is raised at the record's `time` (the clock's only for records without one), so a \
            rerun over the same data raises the same alert again rather than another one. Alerts are raised \
            `open`: acknowledging and resolving them is the platform's, kept apart from the events a rerun \
            rewrites. Records pass on unchanged (`emit: alerts` passes only the alerts). A record the rule cannot \
            judge (a metric that fails, no natural key) is dead-lettered; one whose alert text fails passes on, \
            and the failure is dead-lettered so that a replay raises the alert. Validate before the step, so \
            rejected records raise nothing, and after it, to check the alerts against `alert.json`. The metric \
            `huiliu_alerts_raised_total` counts alerts by pipeline, rule and severity.
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
    /// `huiliu_alerts_raised_total{pipeline, rule, severity}`, by severity.
    let raised: [String: Counter]

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let reference = try config[Field<String>("rule", .string, "")]
        let (rule, name, fileProblems) = try Self.load(reference, config: config, context: context)
        let functions = try MappingResources.of(context).functions
        // The file's own problems and those of the expressions that read, reported together.
        var problems = fileProblems
        func compile(_ text: String?, at location: SourceLocation) -> HuiliuExpression.Expression? {
            guard let text else { return nil }
            do {
                return try HuiliuExpression.Expression(text, functions: functions)
            } catch {
                var at = location
                at = at.locating(offset: max(0, error.offset), in: text)
                problems.append(ConfigError(.invalidValue, at: at, "invalid expression: \(error.message)"))
                return nil
            }
        }
        var metrics: [(String, HuiliuExpression.Expression)] = []
        for (metric, text) in rule["metrics"]?.objectValue ?? Object() {
            if let expression = compile(text.stringValue, at: rule.location(of: "metrics." + metric)) { metrics.append((metric, expression)) }
        }
        var levels: [Level] = []
        for (index, level) in (rule["levels"]?.arrayValue ?? []).enumerated() {
            guard let severity = level["severity"]?.stringValue,
                  let condition = compile(level["when"]?.stringValue, at: rule.location(of: "levels.\(index).when")) else { continue }
            // Tested in order, so a milder level first would hide the severer one for good.
            if let previous = levels.last, Self.rank(severity) > Self.rank(previous.severity) {
                problems.append(rule.error("levels.\(index).severity", "levels go from the most severe down: '\(severity)' comes after the milder '\(previous.severity)', so it could never be raised"))
            }
            levels.append(Level(severity: severity, condition: condition, threshold: level["threshold"]))
        }
        if levels.isEmpty && problems.isEmpty {
            problems.append(rule.error("levels", "a rule needs at least one level"))
        }
        let entity = rule["entity"]?.stringValue ?? ""
        // A missing entity is already a problem of the file.
        if !Self.isEventType(entity) && rule["entity"] != nil {
            problems.append(rule.error("entity", "'entity' is an event type such as budget.execution.v1 (lower-case names, then .v and a version); got '\(entity)'"))
        }
        let title = rule["title"]?.stringValue ?? name
        if title.isEmpty || title.count > 200 {
            problems.append(rule.error("title", "an alert's title is 1 to 200 characters (alert.json); this one has \(title.count)"))
        }
        message = compile(rule["message"]?.stringValue, at: rule.valueLocation(of: "message"))
        region = compile(rule["region"]?.stringValue, at: rule.valueLocation(of: "region"))
        owner = compile(rule["owner"]?.stringValue, at: rule.valueLocation(of: "owner"))
        if !problems.isEmpty { throw ConfigErrors(problems) }
        self.name = name
        self.metrics = metrics
        self.levels = levels
        self.title = title
        self.entity = entity
        alertsOnly = config["emit"]?.stringValue == "alerts"
        eventSource = context.eventSource
        clock = context.clock
        timestamp = try HuiliuExpression.Expression("parse_time(@)", functions: functions)
        var raised: [String: Counter] = [:]
        for severity in Set(levels.map(\.severity)) {
            raised[severity] = Counter(label: "huiliu_alerts_raised_total",
                                       dimensions: [("pipeline", context.pipeline), ("rule", name), ("severity", severity)])
        }
        self.raised = raised
    }

    /// How severe a severity is: 0 for `info` up to 3 for `red`.
    static func rank(_ severity: String) -> Int {
        severities.firstIndex(of: severity) ?? 0
    }

    /// True for an event type as alert.json's `entity` takes it: `budget.execution.v1`.
    static func isEventType(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count >= 2, let version = parts.last, version.count >= 2, version.first == UInt8(ascii: "v"),
              version.dropFirst().allSatisfy({ (48...57).contains($0) }) else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { (97...122).contains($0) } }
    }

    /// Reads `config/rules/<name>.yaml` (or a path) with the same checks as pipelines.
    static func load(_ reference: String, config: ParsedConfig, context: ConnectorContext) throws -> (ParsedConfig, String, [ConfigError]) {
        let isPath = reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
        let path = isPath ? config.resolvePath(reference) : context.configDirectory + "/rules/\(reference).yaml"
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        // alert.json's pattern for `rule`, byte by byte: ^[a-z0-9][a-z0-9._-]*$, at most 64.
        func allowed(_ byte: UInt8) -> Bool { (97...122).contains(byte) || (48...57).contains(byte) }
        guard let first = name.utf8.first, allowed(first), name.utf8.count <= 64,
              name.utf8.allSatisfy({ allowed($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            throw config.error("rule", "a rule's name (its file name) is lower-case letters, digits, '.', '-' and '_', at most 64 characters; got '\(name)'")
        }
        let (parsed, problems) = try StepFile.read(path, reference: reference, field: "rule", fields: fileFields, config: config, context: context)
        return (parsed, name, problems)
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        var out: [Record] = []
        out.reserveCapacity(alertsOnly ? 16 : records.count + 16)
        var failures: [RecordFailure] = []
        let now = try? timestamp.evaluate(.integer(Int(clock())))
        for record in records {
            guard record.type == entity else {
                if !alertsOnly { out.append(record) }
                continue
            }
            do throws(RuleFailure) {
                // When the record's fact happened (the time a report was made), so a rerun over
                // the same data raises the same alert; the clock only for records without one.
                let alert = try judge(record, raisedAt: record.time.map(Value.string) ?? now ?? .null)
                if !alertsOnly { out.append(record) }
                if let alert {
                    if let severity = alert.data["severity"]?.stringValue { raised[severity]?.increment() }
                    out.append(alert)
                }
            } catch {
                if error.recordPasses && !alertsOnly { out.append(record) }
                failures.append(RecordFailure(record: record, reason: "rule '\(name)': \(error.message)", rule: "rule"))
            }
        }
        return StepOutput(records: out, failures: failures)
    }

    /// Why a record could not be judged, or its alert not raised.
    struct RuleFailure: Error {
        var message: String
        /// The record was judged and goes on; only its alert failed (a broken `message`).
        /// Replaying the dead letter delivers the record again, under the same id, with its alert.
        var recordPasses = false
    }

    /// The alert `record` raises, if any.
    func judge(_ record: Record, raisedAt: Value) throws(RuleFailure) -> Record? {
        guard let subject = record.key else {
            throw RuleFailure(message: "the record has no natural key to name in an alert (a map step's `key` sets it)")
        }
        guard !subject.isEmpty, subject.count <= 256 else {
            throw RuleFailure(message: "the record's natural key has \(subject.count) characters; an alert's subject has 1 to 256 (alert.json)")
        }
        var scope = Object()
        scope["record"] = record.data
        // The envelope's extension attributes (region, owner …): HJ 212 records carry their
        // station's region there, not in their data.
        scope["extensions"] = .object(record.extensions)
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
        alert["entity"] = .string(entity)
        alert["subject"] = .string(subject)
        alert["event_id"] = .string(Envelope.deterministicID(source: eventSource, type: entity, key: subject))
        // The text fields describe the alert; one that fails loses the alert, not the record.
        for (field, expression) in [("message", message), ("region", region), ("owner", owner)] {
            guard let expression else {
                // Without an expression, the record's own envelope says where it belongs.
                // (A CloudEvents integer, as a region may come from elsewhere, is its digits.)
                if field != "message", let value = record.extensions[field], let text = value.stringValue ?? (value.isNumber ? value.jsonText : nil) {
                    alert[field] = .string(text)
                }
                continue
            }
            let value: Value
            do throws(RuleFailure) {
                value = try evaluate(expression, field)
            } catch {
                throw RuleFailure(message: "alert not raised: " + error.message, recordPasses: true)
            }
            switch value {
            case .null: break
            case .string(let text): alert[field] = .string(text)
            default:
                throw RuleFailure(message: "alert not raised: \(field) '\(expression.text)' gave \(value.jsonText), not text", recordPasses: true)
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
        // An alert a later step refuses is dead-lettered as the record that raised it, as the
        // source gave it: a replay runs that through the steps again and raises the alert anew
        // (and delivers the record again, under the same id). The alert itself would fail the
        // first step on every replay.
        raised.original = record.original
        raised.sourceFields = record.sourceFields
        return raised
    }

    /// The event type of alerts.
    public static let alertType = "alert.v1"

    /// The event type of the records the rule judges.
    public var entityType: String { entity }

    /// Whether the records judged go on beside their alerts (`emit: records_and_alerts`).
    public var passesRecords: Bool { !alertsOnly }
}
