import HuiliuCore
import HuiliuExpression
import HuiliuKit

/// A sink's `when`: the events it receives, decided on each event's CloudEvents JSON.
///
/// ```yaml
/// sinks:
///   - sqlite: { path: data/huiliu.db }
///   - webhook: { url: "${env:PLATFORM_URL}", when: "type == 'alert.v1'" }
/// ```
struct SinkCondition: Sendable {
    let expression: HuiliuExpression.Expression

    /// The condition of `component`, or `nil` when it sets none.
    /// - Throws: `ConfigError` at the expression's position when it does not compile.
    init?(_ component: ComponentConfig) throws {
        let name = ConnectorRegistry.sinkCondition.name
        guard let text = component.config[name]?.stringValue else { return nil }
        do {
            expression = try HuiliuExpression.Expression(text, functions: .huiliu())
        } catch {
            var at = component.config.valueLocation(of: name)
            at.column += max(0, error.offset)
            throw ConfigError(.invalidValue, at: at, "invalid condition: \(error.message)")
        }
    }

    /// The envelopes the condition holds for, in order.
    /// - Throws: `RunError` naming the event and the sink when the condition cannot be evaluated
    ///   on one: an event is never dropped from a sink unnoticed.
    func select(_ envelopes: [Envelope], sink: String) throws -> [Envelope] {
        var selected: [Envelope] = []
        for envelope in envelopes {
            do throws(ExpressionError) {
                if try expression.evaluate(envelope.json).isTruthy { selected.append(envelope) }
            } catch {
                throw RunError("sink \(sink): condition '\(expression.text)' on event \(envelope.id): \(error.message)")
            }
        }
        return selected
    }
}
