import Foundation
import HuiliuCore
@testable import HuiliuIngest
import HuiliuKit
import HuiliuKitTesting
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
        _ = try buffer.store([IngestedRecord(data: ["project": ["id": "P3"]], key: "subject-3", type: "gov.project.v1", time: "2024-03-05T08:00:00+08:00")],
                             channel: "gov", request: "r3", idempotencyKey: nil, receivedAt: 2000)
        let source = try source(["channel": "gov", "key": "project.id", "type": "gov.raw.v1"], batchSize: 2)
        let batches = try await drain(source)
        #expect(batches.map(\.records.count) == [2, 1])
        let records = batches.flatMap(\.records)
        #expect(records.map(\.key) == ["P1", "2", "subject-3"])
        #expect(records.map(\.type) == ["gov.raw.v1", "gov.raw.v1", "gov.project.v1"])
        #expect(records.last?.time == "2024-03-05T08:00:00+08:00")
        #expect(records.first?.origin.description == "gov/r1:1")
        #expect(batches.last?.checkpoint?.value == ["sequence": 4])
        // Resumed: only what came after.
        _ = try buffer.store([IngestedRecord(data: ["project": ["id": "P5"]])], channel: "gov", request: "r4", idempotencyKey: nil, receivedAt: 3000)
        let resumed = try await drain(source, after: batches.last?.checkpoint).flatMap(\.records)
        #expect(resumed.map(\.key) == ["P5"])
        #expect(try buffer.pending(channel: "gov", after: 5) == 0)
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
        // Pruned with its records, the key is forgotten.
        #expect(try buffer.prune(channel: "gov", deliveredThrough: 2, receivedBefore: 1500) == 2)
        #expect(try !buffer.store([], channel: "gov", request: "r4", idempotencyKey: "k1", receivedAt: 3000).repeated)
    }

    @Test func refusesABadChannelName() {
        #expect(throws: ConfigError.self) { try source(["channel": "gov/x"]) }
    }
}
