import HuiliuCore
import HuiliuExpression
import HuiliuKit

/// What one sink receives of a batch: the events its `when` holds for, with the fields its
/// `mask` names masked (personal data it is not cleared for).
///
/// ```yaml
/// sinks:
///   - postgres: ${env:HUILIU_PG_URL}                  # cleared: everything, unmasked
///   - webhook:
///       url: "${env:PLATFORM_URL}"
///       when: "type == 'budget.payment.v1'"
///       mask: { payee.account: { keep_start: 4, keep_end: 4 } }   # paths inside `data`
/// ```
struct SinkShare: Sendable {
    let condition: HuiliuExpression.Expression?
    let masks: FieldMasks?

    /// The share `component` asks for, or `nil` when it takes every event as it is.
    /// - Throws: `ConfigError` at the option's position when it is wrong.
    /// `functions` are the gateway's (with its lookup tables), when the host registered them.
    init?(_ component: ComponentConfig, functions: FunctionRegistry? = nil) throws {
        let config = component.config
        let when = ConnectorRegistry.sinkCondition.name, mask = ConnectorRegistry.sinkMask.name
        if let text = config[when]?.stringValue {
            do {
                condition = try HuiliuExpression.Expression(text, functions: functions ?? .huiliu())
            } catch {
                var at = config.valueLocation(of: when)
                at = at.locating(offset: max(0, error.offset), in: text)
                throw ConfigError(.invalidValue, at: at, "invalid condition: \(error.message)")
            }
        } else {
            condition = nil
        }
        if let fields = config[mask]?.objectValue {
            do throws(FieldMasks.Problems) {
                masks = try FieldMasks(fields)
            } catch {
                throw ConfigErrors(error.all.map { ConfigError(.invalidValue, at: config.location(of: mask + "." + $0.path), $0.message) })
            }
        } else {
            masks = nil
        }
        if condition == nil && masks?.isEmpty != false { return nil }
    }

    /// True when the sink is to receive `envelope`.
    /// - Throws: `ExpressionError` when the condition cannot be evaluated on it.
    func wants(_ envelope: Envelope) throws(ExpressionError) -> Bool {
        guard let condition else { return true }
        return try condition.evaluate(envelope.json).isTruthy
    }

    /// `envelope` as the sink receives it: with the fields it is not cleared for masked.
    func masked(_ envelope: Envelope) -> Envelope {
        guard let masks, let data = envelope.data else { return envelope }
        var envelope = envelope
        envelope.data = masks.apply(to: data)
        return envelope
    }
}
