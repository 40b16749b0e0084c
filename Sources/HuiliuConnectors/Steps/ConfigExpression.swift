import HuiliuCore
import HuiliuExpression
import HuiliuKit

extension ParsedConfig {
    /// Compiles the expression in `field` with the project's functions; a syntax error is a
    /// configuration error at its column in the pipeline file, saying `invalid <what>`.
    func expression(_ field: Field<String>, context: ConnectorContext, what: String) throws -> HuiliuExpression.Expression {
        let text = try self[field]
        let functions = try MappingResources.of(context).functions
        do {
            return try HuiliuExpression.Expression(text, functions: functions)
        } catch {
            var at = valueLocation(of: field.spec.name)
            at = at.locating(offset: max(0, error.offset), in: text)
            throw ConfigError(.invalidValue, at: at, "invalid \(what): \(error.message)")
        }
    }
}
