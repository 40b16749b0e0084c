public import HuiliuCore

/// One committed batch as a link of its pipeline's provenance chain: what was received, from
/// which source, when, and what each sink was given — as SHA-256 digests of the exact JSON.
///
/// The store gives the entry its place: a sequence number and the hash of the entry before it.
/// The entry's text (compact JSON, keys in a fixed order) is kept as written and its hash is
/// SHA-256 of that text, so altering, removing or inserting an entry breaks the chain where it
/// happened (``ProvenanceChain``).
public struct ProvenanceEntry: Sendable, Equatable {
    /// The run that committed the batch.
    public var runID: String
    /// What started the run (`cli`, `schedule`, `replay` …).
    public var trigger: String
    /// The batch's number within the run, from 1.
    public var batch: Int
    /// The CloudEvents `source` of the pipeline's events.
    public var source: String
    /// The source component (`budget-network`, `file` …).
    public var connector: String
    /// The raw records received, the ones the source rejected included.
    public var input: Digested
    /// What each sink was given, in the pipeline's sink order.
    public var sinks: [SinkShare]
    /// The checkpoint committed with the batch.
    public var checkpoint: Value?
    /// When the batch was committed (RFC 3339).
    public var recordedAt: String

    /// A count of items and the SHA-256 of their JSON, one compact line each (`\n`-terminated).
    public struct Digested: Sendable, Equatable {
        /// How many items.
        public var count: Int
        /// Lower-case hex SHA-256.
        public var sha256: String

        /// A digest of `count` items.
        public init(count: Int, sha256: String) {
            self.count = count
            self.sha256 = sha256
        }
    }

    /// One sink's part of a batch: its events (as a jsonl sink writes them) and its position
    /// before and after writing them (a jsonl sink's byte range).
    public struct SinkShare: Sendable, Equatable {
        /// The sink's position key (`0:jsonl`).
        public var key: String
        /// Its events.
        public var events: Digested
        /// Its committed position before the batch.
        public var from: Value?
        /// Its position after the batch.
        public var to: Value?

        /// A sink's share.
        public init(key: String, events: Digested, from: Value?, to: Value?) {
            self.key = key
            self.events = events
            self.from = from
            self.to = to
        }
    }

    /// An entry for a committed batch.
    public init(runID: String, trigger: String, batch: Int, source: String, connector: String, input: Digested,
                sinks: [SinkShare], checkpoint: Value?, recordedAt: String) {
        self.runID = runID
        self.trigger = trigger
        self.batch = batch
        self.source = source
        self.connector = connector
        self.input = input
        self.sinks = sinks
        self.checkpoint = checkpoint
        self.recordedAt = recordedAt
    }

    /// The `previous` of a pipeline's first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// The entry's text at `sequence` after `previous`: what is stored and hashed.
    public func text(pipeline: String, sequence: Int, previous: String) -> String {
        func digest(_ d: Digested, _ name: String) -> Value { [name: .integer(d.count), "sha256": .string(d.sha256)] }
        var shares = Object()
        for share in sinks {
            var object = Object()
            object["events"] = .integer(share.events.count)
            object["sha256"] = .string(share.events.sha256)
            if let from = share.from { object["from"] = from }
            if let to = share.to { object["to"] = to }
            shares[share.key] = .object(object)
        }
        var entry = Object()
        entry["pipeline"] = .string(pipeline)
        entry["sequence"] = .integer(sequence)
        entry["previous"] = .string(previous)
        entry["recorded_at"] = .string(recordedAt)
        entry["run"] = .string(runID)
        entry["trigger"] = .string(trigger)
        entry["batch"] = .integer(batch)
        entry["source"] = .string(source)
        entry["connector"] = .string(connector)
        entry["input"] = digest(input, "records")
        entry["sinks"] = .object(shares)
        entry["checkpoint"] = checkpoint ?? .null
        return Value.object(entry).jsonText
    }

    /// The hash of an entry's text: lower-case hex SHA-256 of its UTF-8 bytes.
    public static func hash(of text: String) -> String {
        Digest.sha256.hex(text)
    }
}

/// A stored link of a provenance chain.
public struct ProvenanceLink: Sendable, Equatable {
    /// Its place in the pipeline's chain, from 1.
    public var sequence: Int
    /// The entry's text as stored (see ``ProvenanceEntry/text(pipeline:sequence:previous:)``).
    public var text: String
    /// The hash stored with it.
    public var hash: String

    /// A link.
    public init(sequence: Int, text: String, hash: String) {
        self.sequence = sequence
        self.text = text
        self.hash = hash
    }
}
