public import HuiliuCore
import HuiliuExpression
public import HuiliuKit

/// Keeps the records a JMESPath condition holds for and drops the others.
///
/// ```yaml
/// - filter: "status == '已支付' && amount_fen > `0`"
/// ```
public struct FilterStep: StepConnector {
    static let condition = Field<String>("condition", .string, "JMESPath condition; records for which it is true (JMESPath truthiness: not false, null, empty text, list or object) are kept.",
                                         example: "status == '已支付'")

    public static let spec = ComponentSpec(
        name: "filter", kind: .step, summary: "Keeps the records a condition holds for; drops the rest.",
        details: """
            The condition is a mapping expression over the record as it reaches the step (Huiliu's functions \
            included). Dropped records are not failures: they count as read and not written. A record the \
            condition cannot be evaluated on (a function refusing its value) is dead-lettered with the reason.
            """,
        fields: [condition.spec], shorthandField: "condition")

    let expression: HuiliuExpression.Expression

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let text = try config[Self.condition]
        let functions = try MappingResources.of(context).functions
        do {
            expression = try HuiliuExpression.Expression(text, functions: functions)
        } catch {
            var at = config.valueLocation(of: "condition")
            at.column += max(0, error.offset)
            throw ConfigError(.invalidValue, at: at, "invalid condition: \(error.message)")
        }
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        var failures: [RecordFailure] = []
        // Kept records move to the front in place, as in the map and validate steps.
        let kept = records.withUnsafeMutableBufferPointer { records in
            var kept = 0
            for index in records.indices {
                let keep: Bool
                do throws(ExpressionError) {
                    keep = try expression.evaluate(records[index].data).isTruthy
                } catch {
                    failures.append(RecordFailure(record: records[index], reason: "filter condition '\(expression.text)': \(error.message)",
                                                  rule: "filter"))
                    continue
                }
                guard keep else { continue }
                if kept != index { records.swapAt(kept, index) }
                kept += 1
            }
            return kept
        }
        records.removeSubrange(kept...)
        return StepOutput(records: records, failures: failures)
    }
}
