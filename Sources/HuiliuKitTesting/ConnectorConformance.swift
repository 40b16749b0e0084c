public import HuiliuCore
public import HuiliuKit

/// The checks every connector passes, built in or declared in a manifest (Vector's
/// component compliance, Benthos's spec linting):
///
/// 1. its specification is valid — a name, a one-line summary, described fields with unique
///    names, defaults and examples that are values of their fields' types;
/// 2. the example configuration docs show (``ComponentSpec/exampleYAML``) parses cleanly;
/// 3. for sources: checkpoints are monotonic — resuming from any checkpoint yields exactly
///    the records after it, nothing before it again and nothing skipped;
/// 4. for sources: re-delivery — reading again from the start — yields identical event ids.
///
/// ```swift
/// #expect(ConnectorConformance.specProblems(FileSource.spec) == [])
/// #expect(ConnectorConformance.exampleProblems(FileSource.spec) == [])
/// #expect(try await ConnectorConformance.sourceProblems { try FileSource(config: config, context: context) } == [])
/// ```
public enum ConnectorConformance {
    /// Problems with a specification, in words; empty when it is valid.
    public static func specProblems(_ spec: ComponentSpec) -> [String] {
        var problems: [String] = []
        let name = spec.name
        if name.isEmpty || !name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) {
            problems.append("\(name): the name must be lower-case letters, digits, '-' and '_'")
        }
        if spec.summary.isEmpty || spec.summary.contains("\n") { problems.append("\(name): the summary must be one non-empty line") }
        var seen: Set<String> = []
        for field in spec.fields {
            if !seen.insert(field.name).inserted { problems.append("\(name).\(field.name): declared twice") }
            if field.description.isEmpty { problems.append("\(name).\(field.name): no description") }
            if case .oneOf(let options) = field.type, options.isEmpty { problems.append("\(name).\(field.name): no options") }
            for (label, value) in [("default", field.defaultValue), ("example", field.example)] {
                guard let value, field.type != .secret else { continue }
                for problem in typeProblems(value, field) { problems.append("\(name).\(field.name): \(label) \(value.jsonText): \(problem)") }
            }
            if field.isSecret && field.defaultValue != nil { problems.append("\(name).\(field.name): a secret cannot have a default") }
        }
        for (label, field) in [("shorthand", spec.shorthandField), ("body", spec.bodyField)] {
            if let field, spec.field(field) == nil { problems.append("\(name): the \(label) field '\(field)' is not declared") }
        }
        return problems
    }

    /// Problems reading the example configuration of the spec's docs, in words.
    public static func exampleProblems(_ spec: ComponentSpec) -> [String] {
        let yaml = spec.exampleYAML
        let node: ConfigNode
        do {
            node = try YAMLDocument.parse(yaml, file: "\(spec.name) example")
        } catch {
            return ["\(spec.name): the example is not YAML: \(error)\n\(yaml)"]
        }
        var registry = ConnectorRegistry()
        let unbuildable = ConformanceError(message: "conformance: specs only")
        do {
            switch spec.kind {
            case .source: try registry.register(sourceSpec: spec) { _, _ in throw unbuildable }
            case .step: try registry.register(stepSpec: spec) { _, _ in throw unbuildable }
            case .sink: try registry.register(sinkSpec: spec) { _, _ in throw unbuildable }
            }
        } catch {
            return ["\(spec.name): \(error)"]
        }
        // The example writes secrets as ${secret:<field>}; any value will do.
        var secrets: [String: String] = [:]
        for field in spec.fields { secrets[field.name] = "conformance-\(field.name)" }
        var validator = ConfigValidator(registry: registry, resolver: ReferenceResolver(environment: [:], secrets: SecretStore(secrets)),
                                        baseDirectory: "/")
        _ = validator.readComponent(node, kind: spec.kind)
        return validator.problems.map { "\(spec.name) example: \($0)\n\(yaml)" }
    }

    /// Problems with a source's checkpoints and event ids, in words. `make` builds a fresh
    /// source for every read; at most `resumes` checkpoints, spread over the stream and
    /// accepted by `resumable`, are resumed from.
    ///
    /// Resuming must yield every record after the checkpoint, in order, and nothing the
    /// source never delivered. A source may re-deliver a few records from before its
    /// checkpoint (a lookback window for late arrivals): their ids must be the ones already
    /// delivered, so upserting sinks keep one copy.
    public static func sourceProblems(resumes: Int = 3, resumable: (Checkpoint) -> Bool = { _ in true },
                                      _ make: () throws -> any SourceConnector) async throws -> [String] {
        try await sourceCheck(resumes: resumes, resumable: resumable, make).problems
    }

    /// ``sourceProblems(resumes:resumable:_:)``, and how many checkpoints were resumed from:
    /// a source none of whose checkpoints is resumable passes without its resuming tested.
    public static func sourceCheck(resumes: Int = 3, resumable: (Checkpoint) -> Bool = { _ in true },
                                   _ make: () throws -> any SourceConnector) async throws -> (problems: [String], resumed: Int) {
        var problems: [String] = []
        let first = try await read(make(), after: nil)
        if first.batches.isEmpty { problems.append("the source yielded nothing; conformance needs data") }
        let again = try await read(make(), after: nil)
        if again.ids != first.ids {
            problems.append("re-delivery changed event ids: \(first.ids.count) ids the first time, \(again.ids.count) the second, first difference at record \((0..<min(first.ids.count, again.ids.count)).first { first.ids[$0] != again.ids[$0] } ?? min(first.ids.count, again.ids.count))")
        }
        let checkpointed = first.batches.indices.filter { first.batches[$0].checkpoint.map(resumable) ?? false }
        let chosen = Set(spread(checkpointed, count: resumes))
        for index in checkpointed where chosen.contains(index) {
            let rest = first.batches[(index + 1)...].flatMap(\.ids)
            let before = Set(first.batches[...index].flatMap(\.ids))
            let resumed = try await read(make(), after: first.batches[index].checkpoint).ids
            // Re-delivered records from before the checkpoint may come first; then exactly the rest.
            let tail = Array(resumed.drop { before.contains($0) && !rest.contains($0) })
            if tail != rest {
                let invented = resumed.filter { !before.contains($0) && !rest.contains($0) }.count
                problems.append("resuming after batch \(index + 1) of \(first.batches.count) yielded \(resumed.count) records, not the \(rest.count) after it"
                    + (invented > 0 ? " (\(invented) never delivered before)" : ""))
            }
        }
        return (problems, chosen.count)
    }

    /// What one read produced.
    struct Read {
        struct Batch {
            var ids: [String]
            var checkpoint: Checkpoint?
        }
        var batches: [Batch] = []
        var ids: [String] { batches.flatMap(\.ids) }
    }

    static func read(_ source: any SourceConnector, after checkpoint: Checkpoint?) async throws -> Read {
        var reader = try await source.reader(after: checkpoint)
        var result = Read()
        do {
            while let batch = try await reader.next() {
                let ids = batch.records.map { record in
                    Envelope.deterministicID(source: "conformance", type: record.type ?? "huiliu.record.v1",
                                             key: record.key ?? "@" + record.origin.description)
                } + batch.rejects.map { "reject@" + $0.origin.description }
                result.batches.append(.init(ids: ids, checkpoint: batch.checkpoint))
            }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        return result
    }

    /// Up to `count` elements spread evenly over `items`, the first and last included.
    static func spread(_ items: [Int], count: Int) -> [Int] {
        guard items.count > count, count > 1 else { return items }
        return (0..<count).map { items[$0 * (items.count - 1) / (count - 1)] }
    }

    /// Why `value` is not a value of `field`'s type.
    static func typeProblems(_ value: Value, _ field: FieldSpec) -> [String] {
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: ReferenceResolver(environment: [:]), baseDirectory: "/")
        _ = validator.readValue(node(value), type: field.type, field: field)
        return validator.problems.map(\.message)
    }

    /// A configuration node spelling `value` as YAML would.
    static func node(_ value: Value) -> ConfigNode {
        let at = SourceLocation(file: "spec", line: 1, column: 1)
        switch value {
        case .null: return .scalar("null", isPlain: true, at: at)
        case .string(let s): return .scalar(s, isPlain: false, at: at)
        case .array(let items): return .sequence(items.map(node), at: at)
        case .object(let object): return .mapping(object.map { (key: $0.key, keyLocation: at, value: node($0.value)) }, at: at)
        default: return .scalar(value.jsonText, isPlain: true, at: at)
        }
    }
}

/// A failure the conformance harness raises itself.
public struct ConformanceError: Error, CustomStringConvertible {
    /// What happened.
    public var message: String
    public var description: String { message }
}
