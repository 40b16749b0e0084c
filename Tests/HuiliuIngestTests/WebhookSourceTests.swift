import Foundation
import HuiliuCore
@testable import HuiliuIngest
import HuiliuKit
import HuiliuKitTesting
import HuiliuStore
import Testing

/// The buffer and the `webhook` source that reads one channel of it.
struct WebhookSourceTests {
    let path = NSTemporaryDirectory() + "ingest-\(UUID().uuidString.prefix(8))/buffer.db"

    func source(_ values: Object, batchSize: Int = 1000) throws -> WebhookSource {
        var values = values
        values["buffer"] = .string(path)
        return try WebhookSource(config: ParsedConfig(testing: values), context: .testing(batchSize: batchSize))
    }

    @Test func readsOneChannelAfterItsCheckpointWithKeysAndTypes() async throws {
        let buffer = try IngestBuffer(path: path)
        _ = try buffer.store([IngestedRecord(data: ["project": ["id": "P1"]]), IngestedRecord(data: ["project": ["id": 2]])],
                             channel: "gov", request: "r1", idempotencyKey: nil, receivedAt: 1000)
        _ = try buffer.store([IngestedRecord(data: ["x": 1])], channel: "court", request: "r2", idempotencyKey: nil, receivedAt: 1000)
        let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        _ = try buffer.store([IngestedRecord(data: ["project": ["id": "P3"]], key: "subject-3", type: "gov.project.v1", time: "2024-03-05T08:00:00+08:00",
                                             extensions: ["traceparent": .string(trace)])],
                             channel: "gov", request: "r3", idempotencyKey: nil, receivedAt: 2000)
        let source = try source(["channel": "gov", "key": "project.id", "type": "gov.raw.v1"], batchSize: 2)
        let batches = try await drain(source)
        #expect(batches.map(\.records.count) == [2, 1])
        let records = batches.flatMap(\.records)
        #expect(records.map(\.key) == ["P1", "2", "subject-3"])
        #expect(records.map(\.type) == ["gov.raw.v1", "gov.raw.v1", "gov.project.v1"])
        #expect(records.last?.time == "2024-03-05T08:00:00+08:00")
        // The trace context it was pushed in goes on with it (into its event's extensions).
        #expect(records.last?.extensions == ["traceparent": .string(trace)] && records.first?.extensions.isEmpty == true)
        #expect(records.first?.origin.description == "gov/r1:1")
        #expect(batches.last?.checkpoint?.value["sequence"] == 4)
        #expect(batches.last?.checkpoint?.value["buffer"] == .string(buffer.id))
        // Resumed: only what came after.
        _ = try buffer.store([IngestedRecord(data: ["project": ["id": "P5"]])], channel: "gov", request: "r4", idempotencyKey: nil, receivedAt: 3000)
        let resumed = try await drain(source, after: batches.last?.checkpoint).flatMap(\.records)
        #expect(resumed.map(\.key) == ["P5"])
        #expect(try buffer.pending(channel: "gov", after: 5) == 0)
    }

    /// A channel's token holder pushing a CloudEvent of another entity's type (into the court's
    /// table, through the government's channel) gets a dead letter, where the pipeline names the
    /// types it takes; records that are not CloudEvents take the pipeline's type as before.
    @Test func typesOutsideTheListAreDeadLetters() async throws {
        let buffer = try IngestBuffer(path: path)
        _ = try buffer.store([IngestedRecord(data: ["id": 1], key: "a", type: "gov.project.v1"),
                              IngestedRecord(data: ["id": 2], key: "b", type: "case.v1"),
                              IngestedRecord(data: ["id": 3])],
                             channel: "gov", request: "r1", idempotencyKey: nil, receivedAt: 1000)
        let batches = try await drain(source(["channel": "gov", "key": "id", "type": "gov.raw.v1", "types": ["gov.project.v1"]]))
        #expect(batches.flatMap(\.records).map(\.type) == ["gov.project.v1", "gov.raw.v1"])
        #expect(batches.flatMap(\.rejects).map(\.reason) == ["a CloudEvent of type 'case.v1', which this pipeline does not take (types: gov.project.v1)"])
    }

    @Test func anIdempotencyKeyStoresARequestOnce() throws {
        let buffer = try IngestBuffer(path: path)
        let first = try buffer.store([IngestedRecord(data: ["a": 1]), IngestedRecord(data: ["a": 2])], channel: "gov", request: "r1",
                                     idempotencyKey: "k1", receivedAt: 1000)
        #expect(first == IngestBuffer.Stored(request: "r1", records: 2, sequences: 1...2, repeated: false))
        let again = try buffer.store([IngestedRecord(data: ["a": 1]), IngestedRecord(data: ["a": 2])], channel: "gov", request: "r2",
                                     idempotencyKey: "k1", receivedAt: 2000)
        #expect(again == IngestBuffer.Stored(request: "r1", records: 2, sequences: 1...2, repeated: true))
        // The same key on another channel is another request.
        let elsewhere = try buffer.store([IngestedRecord(data: ["a": 1])], channel: "court", request: "r3", idempotencyKey: "k1", receivedAt: 2000)
        #expect(!elsewhere.repeated)
        #expect(try buffer.pending(channel: "gov", after: 0) == 2)
        // The same key with another body is a mistake, not a repeat: nothing is stored.
        #expect(throws: IngestBuffer.KeyReused.self) {
            try buffer.store([IngestedRecord(data: ["a": 3])], channel: "gov", request: "r5", idempotencyKey: "k1", bodyDigest: "other", receivedAt: 2000)
        }
        // Past its retention but not yet delivered, a request's records stay, and so does its key:
        // a retry is still a repeat, not a second copy.
        #expect(try buffer.prune(channel: "gov", pipeline: "p", deliveredThrough: 0, retention: 0, now: 5000) == 0)
        #expect(try buffer.store([IngestedRecord(data: ["a": 1]), IngestedRecord(data: ["a": 2])], channel: "gov", request: "r6",
                                 idempotencyKey: "k1", receivedAt: 5000).repeated)
        // Pruned with its records, the key is forgotten.
        #expect(try buffer.prune(channel: "gov", pipeline: "p", deliveredThrough: 2, retention: 500, now: 2000) == 2)
        #expect(try !buffer.store([], channel: "gov", request: "r4", idempotencyKey: "k1", receivedAt: 3000).repeated)
    }

    /// A group commit takes the pushes in order: a key sent twice in one group is stored once,
    /// and a key reused with another body fails only its own push.
    @Test func aGroupCommitJudgesItsPushesInOrder() throws {
        let buffer = try IngestBuffer(path: path)
        func push(_ request: String, _ key: String?, _ digest: String, _ count: Int) -> IngestBuffer.Push {
            IngestBuffer.Push(records: (0..<count).map { IngestedRecord(data: ["i": .integer($0)]) }, channel: "gov", request: request,
                              idempotencyKey: key, bodyDigest: digest, receivedAt: 1000)
        }
        let outcomes = try buffer.store([push("r1", "k", "d1", 2), push("r2", "k", "d1", 2), push("r3", "k", "d2", 1), push("r4", nil, "", 3)])
        #expect(try outcomes[0].get() == IngestBuffer.Stored(request: "r1", records: 2, sequences: 1...2, repeated: false))
        #expect(try outcomes[1].get() == IngestBuffer.Stored(request: "r1", records: 2, sequences: 1...2, repeated: true))
        #expect(throws: IngestBuffer.KeyReused.self) { try outcomes[2].get() }
        #expect(try outcomes[3].get().sequences == 3...5)
        #expect(try buffer.pending(channel: "gov", after: 0) == 5)
    }

    /// Records go only once every pipeline reading the channel has delivered them, and only
    /// when older than the retention; the chunks add up.
    @Test func prunesBelowEveryReaderAndTheRetentionOnly() throws {
        let buffer = try IngestBuffer(path: path)
        for i in 0..<10 {
            _ = try buffer.store([IngestedRecord(data: ["i": .integer(i)])], channel: "gov", request: "r\(i)", idempotencyKey: nil,
                                 receivedAt: Int64(1000 + i))
        }
        #expect(try buffer.prune(channel: "gov", pipeline: "slow", deliveredThrough: 2, retention: 5000, now: 5000) == 0)
        // The fast reader has delivered 8, the slow one 2: only 1 and 2 may go. The fast one keeps
        // records 1 s, but the slow one's 5 s count: the longest retention of the channel's readers.
        #expect(try buffer.prune(channel: "gov", pipeline: "fast", deliveredThrough: 8, retention: 1000, now: 6000, chunk: 1) == 0)
        #expect(try buffer.prune(channel: "gov", pipeline: "fast", deliveredThrough: 8, retention: 1000, now: 10_000, chunk: 1) == 2)
        // The slow one catches up to 8: 3 to 8 may go, but 8 is newer than the cutoff.
        #expect(try buffer.prune(channel: "gov", pipeline: "slow", deliveredThrough: 8, retention: 5000, now: 6007, chunk: 2) == 5)
        #expect(try buffer.records(channel: "gov", after: 0, limit: 100).map(\.sequence) == [8, 9, 10])
        #expect(try buffer.lastSequence() == 10)
    }

    /// A body nested as deep as the endpoint takes reads back from the buffer, which wraps it
    /// one level deeper: what was answered 202 is delivered, not dead-lettered.
    @Test func aRecordNestedAsDeepAsTakenReadsBack() throws {
        let depth = JSONReader.maximumDepth - 1
        let body = Array(("{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}").utf8)
        let records = try IngestPayload.records(body, contentType: "application/json", attribute: { _ in nil })
        let buffer = try IngestBuffer(path: path)
        _ = try buffer.store(records, channel: "gov", request: "deep", idempotencyKey: nil, receivedAt: 1000)
        let entry = try #require(try buffer.records(channel: "gov", after: 0, limit: 1).first)
        #expect(entry.record?.data == records[0].data)
    }

    /// A pipeline the daemon has loaded but not yet run holds the channel's records: another
    /// pipeline's pruning waits for it. Registering again does not move it.
    @Test func aPipelineRegisteredBeforeItsFirstRunHoldsRecords() throws {
        let buffer = try IngestBuffer(path: path)
        for i in 0..<3 {
            _ = try buffer.store([IngestedRecord(data: ["i": .integer(i)])], channel: "gov", request: "r\(i)", idempotencyKey: nil, receivedAt: 1000)
        }
        let source = try WebhookSource(config: ParsedConfig(testing: ["channel": "gov", "buffer": .string(path)]), context: .testing())
        try source.registerAsReader()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(try buffer.prune(channel: "gov", pipeline: "other", deliveredThrough: 3, retention: 1000, now: now) == 0)
        try source.registerAsReader()
        #expect(try buffer.pending(channel: "gov", after: 0) == 3)
    }

    /// Readers recorded by the version before (no retention, no time seen) keep their place
    /// for a retention after the upgrade instead of being dropped as stale at once.
    @Test func readersFromBeforeTheUpgradeKeepTheirPlace() throws {
        let buffer = try IngestBuffer(path: path)
        for i in 0..<3 {
            _ = try buffer.store([IngestedRecord(data: ["i": .integer(i)])], channel: "gov", request: "r\(i)", idempotencyKey: nil, receivedAt: 1000)
        }
        try SQLiteDatabase(path: path).execute("""
            DROP TABLE IF EXISTS ingest_consumers;
            CREATE TABLE ingest_consumers (channel TEXT NOT NULL, pipeline TEXT NOT NULL, sequence INTEGER NOT NULL, PRIMARY KEY (channel, pipeline));
            INSERT INTO ingest_consumers VALUES ('gov', 'old', 1);
            """)
        #expect(try buffer.prune(channel: "gov", pipeline: "new", deliveredThrough: 3, retention: 1000, now: 1_700_000_000_000) == 1)
        #expect(try buffer.pending(channel: "gov", after: 0) == 2)
    }

    /// A reader that stopped running (its pipeline was removed or renamed) holds records back
    /// only for its own retention, not for ever.
    @Test func aReaderThatStoppedRunningLetsGoAfterItsRetention() throws {
        let buffer = try IngestBuffer(path: path)
        for i in 0..<4 {
            _ = try buffer.store([IngestedRecord(data: ["i": .integer(i)])], channel: "gov", request: "r\(i)", idempotencyKey: nil,
                                 receivedAt: 1000)
        }
        #expect(try buffer.prune(channel: "gov", pipeline: "old", deliveredThrough: 1, retention: 10_000, now: 2000) == 0)
        // The old reader has delivered only 1 and keeps records 10 s: nothing goes yet.
        #expect(try buffer.prune(channel: "gov", pipeline: "new", deliveredThrough: 4, retention: 1000, now: 5000) == 0)
        // Ten seconds after its last run, the old reader no longer counts.
        #expect(try buffer.prune(channel: "gov", pipeline: "new", deliveredThrough: 4, retention: 1000, now: 12_001) == 4)
        #expect(try buffer.pending(channel: "gov", after: 0) == 0)
    }

    /// A buffer replaced under the pipeline (deleted, restored from an older copy) restarts
    /// its numbers: the source refuses to read it from the old checkpoint.
    @Test func refusesACheckpointOfAnotherBuffer() async throws {
        let buffer = try IngestBuffer(path: path)
        _ = try buffer.store([IngestedRecord(data: ["a": 1]), IngestedRecord(data: ["a": 2])], channel: "gov", request: "r1",
                             idempotencyKey: nil, receivedAt: 1000)
        let source = try source(["channel": "gov"])
        let checkpoint = try await drain(source).last?.checkpoint
        try FileManager.default.removeItem(atPath: path)
        _ = try IngestBuffer(path: path).store([IngestedRecord(data: ["a": 3])], channel: "gov", request: "r2", idempotencyKey: nil, receivedAt: 2000)
        await #expect { try await drain(source, after: checkpoint) } throws: { "\($0)".contains("--reset") }
        // A source whose buffer the listener never made says so instead of reading an empty one.
        let elsewhere = try WebhookSource(config: ParsedConfig(testing: ["channel": "gov", "buffer": .string(path + ".elsewhere")]),
                                          context: .testing())
        await #expect { try await drain(elsewhere) } throws: { "\($0)".contains("no push buffer at") }
    }

    /// Without a `buffer` of its own, the source reads the one the gateway's push endpoint is
    /// configured with, not a default file beside it.
    @Test func readsTheBufferTheListenerIsConfiguredWith() throws {
        var services = ServiceValues()
        services[ListenerBuffers.self] = ListenerBuffers(paths: ["webhook": path])
        let configured = try WebhookSource(config: ParsedConfig(testing: ["channel": "gov"]), context: .testing(services: services))
        #expect(configured.bufferPath == path)
        let unconfigured = try WebhookSource(config: ParsedConfig(testing: ["channel": "gov"]), context: .testing(projectDirectory: "/p"))
        #expect(unconfigured.bufferPath == "/p/data/ingest-buffer.db")
    }

    @Test func refusesABadChannelName() {
        #expect(throws: ConfigError.self) { try source(["channel": "gov/x"]) }
    }
}
