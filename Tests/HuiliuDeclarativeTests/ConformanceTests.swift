import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuHJ212
import HuiliuKit
import HuiliuKitTesting
import HuiliuReplay
import Testing
@testable import HuiliuTestSupport

/// The conformance harness over every built-in kind and every shipped manifest: specs
/// valid, example configurations parse, checkpoints monotonic, re-delivery yields the same
/// event ids.
struct ConformanceTests {
    static var builtIns: [ComponentSpec] {
        var registry = ConnectorRegistry()
        try! BuiltInConnectors.register(into: &registry)
        try! registry.register(source: HJ212Source.self)
        return registry.allSpecs
    }

    static var manifests: [ConnectorManifest] {
        ManifestConnectors.manifests(projectDirectory: repositoryRoot, functions: TestConnector.resources.functions)
    }

    @Test(arguments: builtIns.map(\.name))
    func builtInSpecsAndExamples(_ name: String) throws {
        let spec = try #require(Self.builtIns.first { $0.name == name })
        #expect(ConnectorConformance.specProblems(spec) == [])
        #expect(ConnectorConformance.exampleProblems(spec) == [])
    }

    /// The parameterized test above has a case per built-in kind; an empty registry would give none.
    @Test func everyBuiltInKindIsChecked() {
        let names = Set(Self.builtIns.map(\.name))
        #expect(names.isSuperset(of: ["file", "sql", "process", "webhook", "hj212", "jsonl", "sqlite", "postgres", "stdout", "map", "validate", "mask", "encrypt", "decrypt", "filter", "dedupe", "rule", "set"]),
                "\(names.sorted())")
    }

    @Test func everyManifestSpecAndExample() throws {
        #expect(Self.manifests.count >= 6)
        for manifest in Self.manifests {
            #expect(ConnectorConformance.specProblems(manifest.componentSpec) == [], "\(manifest.name)")
            #expect(ConnectorConformance.exampleProblems(manifest.componentSpec) == [], "\(manifest.name)")
        }
    }

    @Test func everyRecordedManifestStreamResumesAndRedelivers() async throws {
        var services = ServiceValues()
        services[MappingResources.self] = TestConnector.resources
        var checked = 0
        for manifest in Self.manifests {
            guard let fixtures = try ConnectorFixtures.load(connectorDirectory: manifest.directory) else { continue }
            let replay = ConnectorReplay(manifest: manifest, fixtures: fixtures, projectDirectory: repositoryRoot, services: services)
            for stream in fixtures.streams {
                // Fixtures hold the slices of one run: a resumed run can only replay from inside a slice,
                // since a lookback shifts the slices a new run would request.
                let check = try await replay.withSource(stream) { make in
                    try await ConnectorConformance.sourceCheck(resumable: { $0.value["current"] != nil }, make)
                }
                #expect(check.problems == [], "\(manifest.name)/\(stream)")
                // Its slices are one page each (48 rows, pages of 500), so every checkpoint is a slice
                // boundary, which a recording cannot replay from.
                let onePagePerSlice: Set = ["environment/water-hourly"]
                if !onePagePerSlice.contains("\(manifest.name)/\(stream)") {
                    #expect(check.resumed > 0, "\(manifest.name)/\(stream): no checkpoint to resume from was tested")
                }
                checked += 1
            }
        }
        #expect(checked >= 7)
    }

    @Test func theFileSourceResumesAndRedelivers() async throws {
        let folder = try makeTemporaryDirectory("huiliu-conformance")
        for file in 0..<3 {
            let lines = (0..<17).map { "{\"id\": \"\(file)-\($0)\", \"v\": \($0)}" }.joined(separator: "\n") + "\n"
            try lines.write(toFile: folder + "/part-\(file).jsonl", atomically: true, encoding: .utf8)
        }
        let config = ParsedConfig(testing: ["path": .string(folder + "/part-*.jsonl"), "key": "id"])
        let context = ConnectorContext.testing(projectDirectory: folder, batchSize: 5)
        let problems = try await ConnectorConformance.sourceProblems(resumes: 5) { try FileSource(config: config, context: context) }
        #expect(problems == [])
    }

    @Test func theScriptedTestSourceResumesAndRedelivers() async throws {
        let config = ParsedConfig(testing: ["records": 20, "batch": 6])
        let problems = try await ConnectorConformance.sourceProblems { try ScriptedSource(config: config, context: .testing()) }
        #expect(problems == [])
    }

    @Test func theHarnessCatchesAnUnstableSource() async throws {
        // Keys that change on every read: re-delivery would duplicate every event.
        struct Unstable: SourceConnector {
            static let spec = ComponentSpec(name: "unstable", kind: .source, summary: "Changes its keys.", fields: [])
            init(config: ParsedConfig, context: ConnectorContext) {}
            func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader { Reader(done: checkpoint != nil) }
            struct Reader: BatchReader {
                var done: Bool
                mutating func next() async throws -> RecordBatch? {
                    guard !done else { return nil }
                    done = true
                    return RecordBatch(records: [Record(data: 1, origin: RecordOrigin("x"), key: UUID().uuidString)], checkpoint: Checkpoint(1))
                }
            }
        }
        let problems = try await ConnectorConformance.sourceProblems { Unstable(config: ParsedConfig(testing: [:]), context: .testing()) }
        #expect(problems.contains { $0.contains("re-delivery changed event ids") })
        let bad = ComponentSpec(name: "Bad Name", kind: .sink, summary: "", fields: [
            FieldSpec("n", .integer, "", default: "many"), FieldSpec("n", .string, "Twice."),
        ], shorthandField: "missing")
        #expect(ConnectorConformance.specProblems(bad).count == 6)
    }
}
