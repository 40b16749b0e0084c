import Foundation
import HuiliuKit

/// The YAML files steps name — a mapping, a rule — read with the same checks as pipelines.
enum StepFile {
    /// Reads the file at `path` that `config`'s `field` named as `reference`, checked against `fields`.
    /// - Throws: the file's syntax or field errors at their lines, or, for a missing file, an
    ///   error at `field` suggesting the nearest file in the same directory.
    static func load(_ path: String, reference: String, field: String, fields: [FieldSpec],
                     config: ParsedConfig, context: ConnectorContext) throws -> ParsedConfig {
        let display = path.hasPrefix(context.projectDirectory + "/") ? String(path.dropFirst(context.projectDirectory.count + 1)) : path
        let node: ConfigNode
        var repeats: [ConfigError] = []
        do {
            node = try YAMLDocument.load(path: path, displayPath: display)
        } catch {
            switch error {
            case .syntax(let problem): throw problem
            case .duplicateKeys(let problems, nil): throw ConfigErrors(problems)
            case .duplicateKeys(let problems, let read?):
                // Read with the first of each repeated key, for the file's other problems too.
                repeats = problems
                node = read
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
        if !repeats.isEmpty || !validator.problems.isEmpty { throw ConfigErrors(repeats + validator.problems) }
        return parsed
    }
}
