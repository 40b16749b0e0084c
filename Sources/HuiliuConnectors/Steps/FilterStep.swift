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
        expression = try config.expression(Self.condition, context: context, what: "condition")
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        let failures = records.keep(rule: "filter", { (record) throws(ExpressionError) in
            try expression.evaluate(record.data).isTruthy
        }, reason: { "filter condition '\(expression.text)': \($0.message)" })
        return StepOutput(records: records, failures: failures)
    }
}
