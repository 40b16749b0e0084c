import Foundation
public import HuiliuConnectors
public import HuiliuCore
public import HuiliuKit
import Logging

/// Replays a manifest connector's fixtures: the recorded responses are served by a
/// loopback ``ReplayServer`` (real HTTP through the real libcurl transport), the stream is
/// read through the connector with the recording's clock and dummy secrets, and the output
/// is normalized into one line per event (plus rejects and the final checkpoint), ready to
/// compare with `fixtures/expected/<stream>.jsonl`.
public struct ConnectorReplay: Sendable {
    /// The connector.
    public let manifest: ConnectorManifest
    /// Its fixtures.
    public let fixtures: ConnectorFixtures
    /// The project root.
    public let projectDirectory: String
    /// Shared services for the connector (mapping resources).
    public var services: ServiceValues

    /// A replay of `manifest` with `fixtures`.
    public init(manifest: ConnectorManifest, fixtures: ConnectorFixtures, projectDirectory: String, services: ServiceValues) {
        self.manifest = manifest
        self.fixtures = fixtures
        self.projectDirectory = projectDirectory
        self.services = services
    }

    /// What a replay produced.
    public struct Result: Sendable {
        /// The stream.
        public var stream: String
        /// The normalized output.
        public var lines: [String]
        /// The golden output, if there is one.
        public var expected: [String]?
        /// Requests no recording matched.
        public var unmatched: [String]

        /// True when the output equals the golden file and every request was matched.
        public var passed: Bool { unmatched.isEmpty && expected == lines }

        /// A line diff against the golden file (`-` expected, `+` actual), at most `limit` lines.
        public func diff(limit: Int = 20) -> String {
            LineDiff.render(expected: expected ?? [], actual: lines, limit: limit)
        }
    }

    /// Replays `stream`.
    public func run(_ stream: String) async throws -> Result {
        let (replay, server, secrets) = try await startServer(stream)
        do {
            let source = try makeSource(stream, replayURL: server.url, secrets: secrets, scratch: nil)
            var reader = try await source.reader(after: nil)
            var batches: [RecordBatch] = []
            do {
                while let batch = try await reader.next() { batches.append(batch) }
            } catch {
                await reader.close()
                throw error
            }
            await reader.close()
            await server.stop()
            return Result(stream: stream, lines: ReplayOutput.lines(batches, source: "/connectors/\(manifest.name)/\(stream)"),
                          expected: fixtures.expected(stream), unmatched: replay.unmatched)
        } catch {
            await server.stop()
            if let first = replay.unmatched.first {
                throw ManifestRuntimeError("\(error)\nthe first request without a recording was:\n\(first)")
            }
            throw error
        }
    }

    /// Runs `body` with the replay server of `stream` running; `body` gets a factory of fresh
    /// sources reading from it (the conformance harness reads a stream several times).
    public func withSource<T>(_ stream: String, _ body: (_ make: () throws -> any SourceConnector) async throws -> T) async throws -> T {
        let (_, server, secrets) = try await startServer(stream)
        let scratch = NSTemporaryDirectory() + "huiliu-replay-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            let result = try await body { try makeSource(stream, replayURL: server.url, secrets: secrets, scratch: scratch) }
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private func startServer(_ stream: String) async throws -> (ReplayServer, LoopbackServer, SecretStore) {
        let exchanges = try fixtures.exchanges(stream)
        var secrets: [String: String] = [:]
        // Every `${secret:<field>}` of the replay configuration: never the real value.
        for field in manifest.fields { secrets[field.name] = manifest.replaySecret(field.name) }
        let scrubber = FixtureScrubber(secrets: secrets.values, volatileNames: fixtures.volatileNames, origin: nil)
        let replay = ReplayServer(exchanges: exchanges, scrubber: scrubber)
        return (replay, try await replay.start(), SecretStore(secrets))
    }

    private func makeSource(_ stream: String, replayURL: String, secrets: SecretStore, scratch: String?) throws -> DeclarativeSource {
        let resolver = ReferenceResolver(environment: ["HUILIU_REPLAY_URL": replayURL, "HUILIU_FIXTURES": fixtures.directory],
                                         secrets: secrets)
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: resolver, baseDirectory: projectDirectory)
        let fields = manifest.componentSpec.fields.filter { $0.name != "stream" }
        var config = validator.readFields(fixtures.config ?? .mapping([], at: SourceLocation(file: "fixtures/config.yaml", line: 1, column: 1)),
                                          fields: fields, owner: "fixtures/config.yaml")
        if !validator.problems.isEmpty { throw ConfigErrors(validator.problems) }
        config.values["stream"] = .string(stream)
        let now = fixtures.now
        var services = services
        services[RecordedTime.self] = RecordedTime()
        let context = ConnectorContext(pipeline: "replay", logger: Logger(label: "huiliu.replay") { _ in SwiftLogNoOpLogHandler() },
                                       projectDirectory: projectDirectory,
                                       dataDirectory: scratch ?? NSTemporaryDirectory() + "huiliu-replay-data",
                                       configDirectory: projectDirectory + "/config", services: services, resolver: resolver,
                                       clock: { now })
        return try DeclarativeSource(manifest: manifest, config: config, context: context)
    }
}

/// The normalized form of a source's output that golden files hold: one CloudEvents
/// envelope per record (with the deterministic id the engine would give it), one line per
/// rejected input, and the last checkpoint.
public enum ReplayOutput {
    /// The lines for `batches` read from `source`.
    public static func lines(_ batches: [RecordBatch], source: String) -> [String] {
        var lines: [String] = []
        var checkpoint: Checkpoint?
        for batch in batches {
            for record in batch.records {
                let type = record.type ?? "huiliu.record.v1"
                let id = Envelope.deterministicID(source: source, type: type, key: record.key ?? "@" + record.origin.description)
                let envelope = Envelope(id: id, source: source, type: type, subject: record.key, time: record.time,
                                        dataschema: record.dataschema, data: record.data, extensions: record.extensions)
                var writer = JSONWriter()
                writer.write(envelope)
                lines.append(writer.withBytes { String(decoding: $0, as: UTF8.self) })
            }
            for reject in batch.rejects {
                lines.append(Value(["rejected": ["origin": .string(reject.origin.description), "reason": .string(reject.reason),
                                                 "raw": reject.raw]]).jsonText)
            }
            if let next = batch.checkpoint { checkpoint = next }
        }
        if let checkpoint { lines.append(Value(["checkpoint": withoutTimes(checkpoint.value)]).jsonText) }
        return lines
    }

    /// File modification times depend on where the fixtures were checked out; golden files leave them out.
    static func withoutTimes(_ value: Value) -> Value {
        switch value {
        case .object(let object):
            var copy = Object(minimumCapacity: object.count)
            for (key, member) in object where key != "mtime" { copy[key] = withoutTimes(member) }
            return .object(copy)
        case .array(let items): return .array(items.map(withoutTimes))
        default: return value
        }
    }
}

extension Value {
    fileprivate init(_ object: Object) {
        self = .object(object)
    }
}
