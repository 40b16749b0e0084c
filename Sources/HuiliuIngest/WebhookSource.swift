import Foundation
public import HuiliuCore
public import HuiliuKit
import HuiliuStore
import Logging

/// The `webhook` source: the records upstream systems pushed to one channel of the daemon's
/// push endpoint (`listeners.webhook` in `config/huiliu.yaml`), read from its durable buffer
/// in arrival order after the last checkpoint.
///
/// ```yaml
/// source:
///   webhook: { channel: government, key: project_id, type: government.project.raw.v1 }
/// ```
public struct WebhookSource: BufferReadingSource {
    static let channel = Field<String>("channel", .string, "The channel whose records this pipeline reads (a key of listeners.webhook.channels).",
                                       example: "government")
    static let buffer = Field<String?>("buffer", .path, "The push endpoint's buffer; the default is the one `listeners.webhook.buffer` names, or `ingest-buffer.db` in the data directory.",
                                       example: "data/ingest-buffer.db")
    static let key = Field<String?>("key", .string, """
        Field (dotted path) holding each record's natural key, for records that are not CloudEvents; a CloudEvent's \
        source and subject (or id), `/district/jiangan#2024-001`, are its key otherwise.
        """, example: "project_id")
    static let type = Field<String?>("type", .string, "Event type for the records until a `map` step sets one; a CloudEvent keeps its own.",
                                     example: "government.project.raw.v1")
    static let types = Field<[String]?>("types", .list(.string), """
        The CloudEvent types this pipeline takes; a pushed event of another type is a dead letter naming it. Without \
        it any type is taken, and a CloudEvent's type names the table an upserting sink writes it to: a channel's \
        token would let its holder write into every entity's table.
        """, example: ["government.project.raw.v1"])
    static let retention = Field<Duration>("retention", .duration, """
        How long pushed records are kept after they arrive. A run deletes records older than the longest retention \
        of the pipelines reading the channel once every one of them has delivered them, and the idempotency keys \
        of requests whose records are all gone. A pipeline holds records from when the daemon loads it (or its first \
        run) until it has not run for its retention.
        """, default: "7d", advanced: true)

    public static let spec = ComponentSpec(
        name: "webhook", kind: .source,
        summary: "Reads the records upstream systems pushed to a channel of the daemon's push endpoint, in arrival order.",
        details: """
            `huiliu serve` with a `listeners.webhook` section takes `POST /ingest/<channel>` requests (a bearer token \
            per channel) holding a JSON object, an array of objects, JSON Lines, or CloudEvents (structured, batched \
            or binary mode), and answers 202 only once their records are committed to its buffer. This source reads \
            one channel of that buffer after the last delivered sequence number, so a run resumes exactly where the \
            previous one stopped. A CloudEvent gives its record the event's data, type, time, and source and subject (or id) as \
            natural key (`/district/jiangan#2024-001`: a subject names its entity within its source only); other records take `key` and `type` from here. Schedule the pipeline as often as the pushed \
            data should move on (`schedule: "@every 30s"`).
            """,
        fields: [channel.spec, buffer.spec, key.spec, type.spec, types.spec, retention.spec])

    let channelName: String
    let bufferPath: String
    let keyComponents: [String]
    let type: String?
    let acceptedTypes: Set<String>?
    let retentionPeriod: Duration
    let batchSize: Int
    let pipeline: String
    let logger: Logger
    /// Now, in milliseconds since 1970: the context's clock.
    let clock: @Sendable () -> Int64

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        channelName = try config[Self.channel]
        guard IngestSettings.isChannelName(channelName) else {
            throw config.error("channel", "channel names use letters, digits, '-' and '_' only; got '\(channelName)'")
        }
        bufferPath = try config[Self.buffer]
            ?? ListenerBuffers.path(of: "webhook", in: context, or: context.dataDirectory + "/ingest-buffer.db")
        keyComponents = try config[Self.key].map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) } ?? []
        type = try config[Self.type]
        acceptedTypes = try config[Self.types].map(Set.init)
        retentionPeriod = try config[Self.retention]
        batchSize = max(1, context.batchSize)
        pipeline = context.pipeline
        logger = context.logger
        clock = context.clock
    }

    public func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader {
        let buffer = try IngestBuffer(existing: bufferPath)
        let sequence = try BufferPosition.resume(checkpoint, buffer: buffer.id, lastGiven: buffer.lastSequence(), path: bufferPath,
                                                 what: "push buffer")
        do {
            let deleted = try buffer.prune(channel: channelName, pipeline: pipeline, deliveredThrough: sequence,
                                           retention: retentionPeriod.wholeMilliseconds,
                                           now: clock())
            if deleted > 0 { logger.info("deleted delivered pushed records past their retention", metadata: ["records": "\(deleted)"]) }
        } catch {
            // Costs only disk space until the next run.
            logger.warning("cannot delete old records from the push buffer", metadata: ["error": "\(error)"])
        }
        return WebhookBatchReader(source: self, buffer: buffer, position: sequence)
    }

    public func registerAsReader() throws {
        guard FileManager.default.fileExists(atPath: bufferPath) else { return }
        try IngestBuffer(existing: bufferPath).register(channel: channelName, pipeline: pipeline,
                                                        retention: retentionPeriod.wholeMilliseconds,
                                                        now: clock())
    }

    /// A record's natural key: the CloudEvent's, or the value at ``key``.
    func naturalKey(of record: IngestedRecord) -> String? {
        if let key = record.key { return key }
        guard !keyComponents.isEmpty else { return nil }
        var value: Value? = record.data
        for component in keyComponents { value = value?[component] }
        return value.flatMap(RecordKey.part)
    }
}

/// Reads one channel of the buffer, a batch at a time.
struct WebhookBatchReader: BatchReader {
    let source: WebhookSource
    let buffer: IngestBuffer
    var position: Int

    mutating func next() async throws -> RecordBatch? {
        let entries = try buffer.records(channel: source.channelName, after: position, limit: source.batchSize)
        guard let last = entries.last else { return nil }
        var records: [Record] = [], rejects: [RecordBatch.Rejected] = []
        records.reserveCapacity(entries.count)
        for entry in entries {
            let origin = RecordOrigin("\(source.channelName)/\(entry.request)", position: entry.sequence)
            guard let stored = entry.record else {
                rejects.append(.init(origin: origin, reason: "the stored record is not JSON any more", raw: .string(entry.text)))
                continue
            }
            if let accepted = source.acceptedTypes, let type = stored.type, !accepted.contains(type) {
                rejects.append(.init(origin: origin, reason: """
                    a CloudEvent of type '\(type)', which this pipeline does not take (types: \(accepted.sorted().joined(separator: ", ")))
                    """, raw: .string(entry.text)))
                continue
            }
            var record = Record(data: stored.data, origin: origin, key: source.naturalKey(of: stored), type: stored.type ?? source.type)
            record.time = stored.time
            record.extensions = stored.extensions
            records.append(record)
        }
        position = last.sequence
        return RecordBatch(records: records, rejects: rejects,
                           checkpoint: BufferPosition.checkpoint(position, buffer: buffer.id))
    }
}

