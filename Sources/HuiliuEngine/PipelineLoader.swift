import HuiliuCore
public import HuiliuKit
import Foundation
import HuiliuSchedule
import HuiliuExpression

/// Reads pipeline files: YAML → located nodes → every problem at `file:line:column`, or a
/// ``PipelineDefinition``.
public struct PipelineLoader: Sendable {
    /// The components pipelines may name.
    public var registry: ConnectorRegistry
    /// How references are expanded.
    public var resolver: ReferenceResolver
    /// The directory relative paths in pipelines are resolved against: the project root,
    /// so `path: data/inbox/x.csv` means the same in every pipeline file.
    public var projectDirectory: String

    /// A loader for a registry and resolver, resolving paths against `projectDirectory`.
    public init(registry: ConnectorRegistry, resolver: ReferenceResolver, projectDirectory: String) {
        self.registry = registry
        self.resolver = resolver
        self.projectDirectory = projectDirectory
    }

    /// The outcome of reading one file.
    public enum Outcome: Sendable {
        /// Valid.
        case pipeline(PipelineDefinition)
        /// Readable, with problems.
        case problems([ConfigError])
        /// Not readable at all.
        case unreadable(String)
    }

    /// Reads and validates the pipeline at `path`.
    public func load(path: String) -> Outcome {
        let node: ConfigNode, bytes: [UInt8], repeats: [ConfigError]
        do {
            (node, bytes, repeats) = try YAMLDocument.readPastRepeats(path: path)
        } catch {
            if case .unreadable = error { return .unreadable(error.description) }
            return .problems(error.problems)
        }
        let outcome = validate(node, file: path, directory: projectDirectory)
        if !repeats.isEmpty {
            // The repeats and everything else wrong with the file, in one pass.
            guard case .problems(let more) = outcome else { return .problems(repeats) }
            return .problems(repeats + more)
        }
        // The digest of the bytes parsed, not of a second read the file may have changed before.
        guard case .pipeline(var definition) = outcome else { return outcome }
        definition.fileDigest = Digest.hexString(Digest.sha256.hash(bytes))
        return .pipeline(definition)
    }

    /// Validates a parsed pipeline document.
    public func validate(_ node: ConfigNode, file: String, directory: String) -> Outcome {
        var validator = ConfigValidator(registry: registry, resolver: resolver, baseDirectory: directory)
        let parsed = validator.readFields(node, fields: PipelineSchema.fields, owner: "pipeline")
        var problems = validator.problems

        if let name = parsed["name"]?.stringValue, !Self.isValidName(name) {
            problems.append(ConfigError(.invalidValue, at: node["name"].map(Self.textStart) ?? parsed.location(of: "name"),
                                        "'name' must be lower-case letters, digits, '-' and '_', starting with a letter or digit; got '\(name)'"))
        }
        if let schedule = parsed["schedule"]?.stringValue, let scalar = node["schedule"] {
            do throws(CronError) {
                _ = try Schedule(schedule)
            } catch {
                // Point at the faulty character inside the expression.
                var at = Self.textStart(of: scalar)
                at.column += max(0, error.column - 1)
                problems.append(ConfigError(.invalidValue, at: at, "invalid schedule '\(schedule)': \(error.message)"))
            }
        }
        if let zone = parsed["timezone"]?.stringValue, TimeZone(named: zone) == nil, let scalar = node["timezone"] {
            problems.append(ConfigError(.invalidValue, at: Self.textStart(of: scalar), "unknown time zone '\(zone)'",
                                        suggestion: nearestName(to: zone, in: TimeZone.knownTimeZoneIdentifiers)))
        }
        if let source = parsed["event_source"]?.stringValue, !Self.isURIReference(source) {
            problems.append(ConfigError(.invalidValue, at: node["event_source"].map(Self.textStart) ?? parsed.location(of: "event_source"),
                                        "'event_source' is the CloudEvents source, a non-empty URI reference such as /huiliu/budget or "
                                        + "urn:huiliu:budget (spaces and other characters percent-encoded); got '\(source)'"))
        }
        // The description is shown to every reader of the admin API and the status page.
        if case .scalar(let text, _, _)? = node["description"], text.contains("${secret:") {
            problems.append(ConfigError(.invalidValue, at: Self.textStart(of: node["description"]!),
                                        "'description' is shown to every reader of the admin API; it cannot hold a ${secret:…} reference"))
        }
        if let sinks = parsed.components["sinks"], sinks.isEmpty, problems.isEmpty {
            problems.append(ConfigError(.missingField, at: parsed.location(of: "sinks"), "'sinks' must name at least one sink"))
        }
        guard problems.isEmpty, let source = parsed.components["source"]?.first, let name = parsed["name"]?.stringValue else {
            return .problems(ConfigErrors(problems).errors)
        }
        let errors = parsed["errors"]?.objectValue ?? Object()
        let batch = parsed["batch"]?.objectValue ?? Object()
        var definition = PipelineDefinition(
            name: name,
            description: parsed["description"]?.stringValue ?? "",
            enabled: parsed["enabled"]?.boolValue ?? true,
            schedule: parsed["schedule"]?.stringValue,
            timezone: parsed["timezone"]?.stringValue,
            eventSource: parsed["event_source"]?.stringValue ?? "/huiliu/\(name)",
            source: source,
            steps: parsed.components["steps"] ?? [],
            sinks: parsed.components["sinks"] ?? [],
            errors: .init(deadLetter: errors["dead_letter"]?.boolValue ?? true,
                          maxFailureRatio: errors["max_failure_ratio"]?.doubleValue ?? 1),
            batchSize: batch["size"]?.intValue ?? 1000,
            parallelism: batch["parallelism"]?.intValue ?? UsableCores.count,
            scheduling: Self.schedulingPolicy(parsed["scheduling"]?.objectValue ?? Object()),
            file: file)
        definition.provenance = parsed["provenance"]?.boolValue ?? false
        definition.trace = parsed["trace"]?.boolValue ?? false
        definition.warnings = Self.unitlessDurations(parsed, node)
        return .pipeline(definition)
    }

    /// A scheduling duration given as a bare number is read as seconds: `timeout: 2` meant as
    /// hours cancelled every run after two seconds, with nothing said (`@every 15` is refused).
    static func unitlessDurations(_ parsed: ParsedConfig, _ node: ConfigNode) -> [String] {
        let scheduling = parsed["scheduling"]?.objectValue ?? Object()
        var bare: [(path: String, value: Value)] = []
        for key in ["jitter", "timeout"] { if let value = scheduling[key], value.isNumber { bare.append(("scheduling." + key, value)) } }
        let retry = scheduling["retry"]?.objectValue ?? Object()
        for key in ["initial_delay", "max_delay"] { if let value = retry[key], value.isNumber { bare.append(("scheduling.retry." + key, value)) } }
        // Zero is zero in any unit.
        return bare.filter { $0.value.doubleValue != 0 }.map { path, value in
            let n = value.jsonText
            var at: ConfigNode? = node
            for key in path.split(separator: ".") { at = at?[String(key)] }
            let seconds = value.doubleValue ?? 0
            // A fraction has no unit to carry it (1.5s is no duration): in milliseconds, then.
            let written = seconds == seconds.rounded() ? "\(Int(seconds))s (or \(Int(seconds))m, \(Int(seconds))h)" : "\(Int((seconds * 1000).rounded()))ms"
            return "\(at?.location ?? parsed.location(of: "scheduling")): warning: '\(path.split(separator: ".").last!): \(n)' has no unit and is read as \(n) seconds: write \(written)"
        }
    }

    static func duration(_ value: Value?) -> Duration? {
        guard let value else { return nil }
        if let seconds = value.doubleValue { return .milliseconds(Int64(seconds * 1000)) }
        return value.stringValue.flatMap { Duration(configText: $0) }
    }

    static func schedulingPolicy(_ object: Object) -> PipelineDefinition.SchedulingPolicy {
        var policy = PipelineDefinition.SchedulingPolicy()
        if let jitter = duration(object["jitter"]) { policy.jitter = jitter }
        if let overlap = object["overlap"]?.stringValue { policy.overlap = overlap }
        if let missed = object["missed_runs"]?.stringValue { policy.missedRuns = missed }
        if let retry = object["retry"]?.objectValue {
            if let attempts = retry["attempts"]?.intValue { policy.retryAttempts = attempts }
            if let delay = duration(retry["initial_delay"]) { policy.retryInitialDelay = delay }
            if let multiplier = retry["multiplier"]?.doubleValue { policy.retryMultiplier = multiplier }
            if let delay = duration(retry["max_delay"]) { policy.retryMaxDelay = delay }
        }
        policy.timeout = duration(object["timeout"])
        return policy
    }

    /// Where a scalar's text starts (after the opening quote of a quoted scalar).
    /// True if `text` is a non-empty RFC 3986 URI reference: ASCII letters, digits, the
    /// unreserved and reserved marks, and well-formed percent escapes only.
    static func isURIReference(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return false }
        let marks = Set("-._~:/?#[]@!$&'()*+,;=".utf8)
        func isHex(_ b: UInt8) -> Bool { (48...57).contains(b) || (65...70).contains(b) || (97...102).contains(b) }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else { return false }
                i += 3
                continue
            }
            guard (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || marks.contains(b) else { return false }
            i += 1
        }
        return true
    }

    static func textStart(of node: ConfigNode) -> SourceLocation {
        var at = node.location
        if case .scalar(_, false, _) = node { at.column += 1 }
        return at
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isLowercase || ("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}

extension PipelineLoader {
    /// Builds every component of a valid pipeline without running it, so checks that
    /// components make beyond their specs (a mapping file that does not exist, a
    /// two-character delimiter) are reported by lint too.
    public func checkComponents(_ definition: PipelineDefinition, context: ConnectorContext) -> [ConfigError] {
        build(definition.source, context: context) + definition.steps.flatMap { build($0, context: context) }
            + definition.sinks.flatMap { build($0, context: context) }
    }

    /// What building the components of the pipeline file at `path` finds, for those whose own
    /// configuration is valid while the file has other problems: lint reports a missing
    /// mapping file together with a misspelt key, not only once that is fixed.
    public func componentProblems(path: String, context: ConnectorContext) -> [ConfigError] {
        // A file with a key given twice is read with the first of each: its components are checked too.
        guard let node = try? YAMLDocument.loadPastRepeats(path: path).node else { return [] }
        var components: [(ConfigNode, ComponentKind)] = []
        if let source = node["source"] { components.append((source, .source)) }
        for (key, kind) in [("steps", ComponentKind.step), ("sinks", .sink)] {
            switch node[key] {
            case .sequence(let items, _)?: components += items.map { ($0, kind) }
            case let item?: components.append((item, kind))
            case nil: break
            }
        }
        return components.flatMap { node, kind -> [ConfigError] in
            var validator = ConfigValidator(registry: registry, resolver: resolver, baseDirectory: projectDirectory)
            guard let component = validator.readComponent(node, kind: kind), validator.problems.isEmpty else { return [] }
            return build(component, context: context)
        }
    }

    /// The problems building one component finds.
    private func build(_ component: ComponentConfig, context: ConnectorContext) -> [ConfigError] {
        do {
            switch component.spec.kind {
            case .source: _ = try registry.makeSource(component, context: context)
            case .step: _ = try registry.makeStep(component, context: context)
            case .sink:
                _ = try registry.makeSink(component, context: context)
                _ = try SinkShare(component, functions: context.services[FunctionRegistry.self])
            }
            return []
        } catch let error as ConfigError {
            return [error]
        } catch let errors as ConfigErrors {
            return errors.errors
        } catch {
            return [ConfigError(.invalidValue, at: component.location, "\(component.spec.kind) '\(component.name)': \(error)")]
        }
    }
}
