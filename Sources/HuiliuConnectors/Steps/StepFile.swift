import Foundation
import HuiliuKit

/// The YAML files steps name — a mapping, a rule — read with the same checks as pipelines.
enum StepFile {
    /// Reads the file at `path` that `config`'s `field` named as `reference`, checked against
    /// `fields`. A file that parses comes back with its field problems instead of failing on
    /// them, so that the step can add the problems of the fields that did read (expressions
    /// that do not compile) and report all.
    /// - Throws: the file's syntax errors at their lines, or, for a missing file, an error at
    ///   `field` suggesting the nearest file in the same directory.
    static func read(_ path: String, reference: String, field: String, fields: [FieldSpec],
                     config: ParsedConfig, context: ConnectorContext) throws -> (ParsedConfig, [ConfigError]) {
        let display = path.hasPrefix(context.projectDirectory + "/") ? String(path.dropFirst(context.projectDirectory.count + 1)) : path
        let node: ConfigNode, repeats: [ConfigError]
        do {
            (node, repeats) = try YAMLDocument.loadPastRepeats(path: path, displayPath: display)
        } catch {
            switch error {
            case .syntax(let problem): throw problem
            case .duplicateKeys(let problems): throw ConfigErrors(problems)
            case .unreadable:
                let directory = (path as NSString).deletingLastPathComponent
                let known = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                    .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                var problem = config.error(field, "\(field) '\(reference)' not found: no file \(display)")
                problem.suggestion = nearestName(to: name, in: known).map { reference.replacingOccurrences(of: name, with: $0) }
                throw problem
            }
        }
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: context.resolver, baseDirectory: context.projectDirectory)
        let parsed = validator.readFields(node, fields: fields, owner: field)
        return (parsed, repeats + validator.problems)
    }
}
