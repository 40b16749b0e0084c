public import HuiliuCore
public import HuiliuKit
import Foundation
import Logging

extension ConnectorContext {
    /// A context for tests: a throwaway project directory (the temporary directory by
    /// default) and a logger that prints nothing.
    public static func testing(projectDirectory: String? = nil, batchSize: Int = 1000,
                               services: ServiceValues = ServiceValues()) -> ConnectorContext {
        let projectDirectory = projectDirectory ?? NSTemporaryDirectory()
        return ConnectorContext(pipeline: "test", logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                         projectDirectory: projectDirectory, dataDirectory: projectDirectory + "/data",
                         configDirectory: projectDirectory + "/config", services: services, batchSize: batchSize)
    }
}

extension ParsedConfig {
    /// A configuration holding `values` as if they had been read from a file.
    public init(testing values: Object, baseDirectory: String = "") {
        self.init(location: SourceLocation(file: "test.yaml", line: 1, column: 1), baseDirectory: baseDirectory)
        self.values = values
    }
}

/// Reads every batch a source yields after `checkpoint`.
public func drain(_ source: any SourceConnector, after checkpoint: Checkpoint? = nil) async throws -> [RecordBatch] {
    var reader = try await source.reader(after: checkpoint)
    var batches: [RecordBatch] = []
    while let batch = try await reader.next() { batches.append(batch) }
    await reader.close()
    return batches
}

/// A sink that keeps what it is given, and can be told to fail, for engine tests.
public final class RecordingSink: SinkConnector, @unchecked Sendable {
    public static let spec = ComponentSpec(name: "recording", kind: .sink, summary: "Keeps envelopes in memory (tests).",
                                           fields: [FieldSpec("fail_after", .integer, "Fail every write after this many batches.", optional: true)])
    private let lock = NSLock()
    private var stored: [Envelope] = []
    private var writes = 0
    private var begun = 0
    /// Fails every write after this many successful ones.
    public var failAfter: Int?
    /// Waits (an hour, or until the run is asked to stop) in every write after this many
    /// successful ones, as a sink waiting to retry an endpoint that is down does.
    public var stallAfter: Int?
    /// How long each write takes, as a request or a transaction in flight does.
    public var writeDuration: Duration?

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        failAfter = config["fail_after"]?.intValue
    }

    /// A sink outside any pipeline.
    public init(failAfter: Int? = nil, stallAfter: Int? = nil, writeDuration: Duration? = nil) {
        self.failAfter = failAfter
        self.stallAfter = stallAfter
        self.writeDuration = writeDuration
    }

    /// Everything written so far.
    public var envelopes: [Envelope] { lock.withLock { stored } }

    /// Writes begun so far, finished or not.
    public var writesBegun: Int { lock.withLock { begun } }

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        lock.withLock { begun += 1 }
        if let stallAfter, lock.withLock({ writes >= stallAfter }) {
            try await StopSignal.sleep(for: .seconds(3600))
        }
        if let writeDuration { try await Task.sleep(for: writeDuration) }
        try lock.withLock {
            if let failAfter, writes >= failAfter { throw RecordingSinkError() }
            writes += 1
            stored.append(contentsOf: envelopes)
        }
        return nil
    }

    /// The failure a `RecordingSink` reports.
    public struct RecordingSinkError: Error, CustomStringConvertible {
        public var description: String { "recording sink told to fail" }
    }
}

/// What a scripted source with `fail_at_end` throws after its last batch.
public struct ScriptedFailure: Error, CustomStringConvertible {
    public var description: String { "the source failed after its last batch" }
}

/// A source that yields scripted batches of numbered records, for engine tests.
public struct ScriptedSource: SourceConnector {
    public static let spec = ComponentSpec(name: "scripted", kind: .source, summary: "Yields numbered records (tests).", fields: [
        FieldSpec("records", .integer, "How many records.", default: 10),
        FieldSpec("batch", .integer, "Records per batch.", default: 3),
        FieldSpec("bad_every", .integer, "Make every n-th record malformed (amount is text).", optional: true),
        FieldSpec("bad_below", .integer, "Make the records before this one malformed.", optional: true),
        FieldSpec("hang_after", .integer, "After this many records, wait (cancellably) as a quiet upstream would.", optional: true),
        FieldSpec("fail_at_end", .boolean, "After the last batch, fail instead of ending.", default: false),
    ])
    let count: Int
    let batch: Int
    let badEvery: Int?
    let badBelow: Int
    let hangAfter: Int?
    let failAtEnd: Bool

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        count = config["records"]?.intValue ?? 10
        batch = config["batch"]?.intValue ?? 3
        badEvery = config["bad_every"]?.intValue
        badBelow = config["bad_below"]?.intValue ?? 0
        hangAfter = config["hang_after"]?.intValue
        failAtEnd = config["fail_at_end"]?.boolValue ?? false
    }

    public func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader {
        Reader(next: checkpoint?.value.intValue ?? 0, source: self)
    }

    struct Reader: BatchReader {
        var next: Int
        let source: ScriptedSource

        mutating func next() async throws -> RecordBatch? {
            if let hang = source.hangAfter, next >= hang { try await Task.sleep(for: .seconds(3600)) }
            guard next < source.count else {
                if source.failAtEnd { throw ScriptedFailure() }
                return nil
            }
            let end = min(source.count, next + source.batch)
            let records = (next..<end).map { i -> Record in
                let bad = source.badEvery.map { (i + 1) % $0 == 0 } ?? false || i < source.badBelow
                return Record(data: ["n": .integer(i), "amount": bad ? "many" : .integer(i * 100)],
                              origin: RecordOrigin("scripted", position: i + 1), key: "k\(i)", type: "test.record.v1")
            }
            next = end
            return RecordBatch(records: records, checkpoint: Checkpoint(.integer(end)))
        }
    }
}
