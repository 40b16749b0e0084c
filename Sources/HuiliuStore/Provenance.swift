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
    /// The checkpoint committed with the batch (the entry keeps its SHA-256).
    public var checkpoint: Value?
    /// When the batch was committed (RFC 3339).
    public var recordedAt: String
    /// What else a reader of the chain should know: a rollback says why it happened.
    public var note: String?

    /// A count of items, and the size and SHA-256 of their JSON, one compact line each
    /// (`\n`-terminated): for events, exactly the bytes a jsonl sink writes.
    public struct Digested: Sendable, Equatable {
        /// How many items.
        public var count: Int
        /// The lines' size in bytes.
        public var bytes: Int
        /// Lower-case hex SHA-256 of the lines.
        public var sha256: String

        /// A digest of `count` items in `bytes` bytes.
        public init(count: Int, bytes: Int, sha256: String) {
            self.count = count
            self.bytes = bytes
            self.sha256 = sha256
        }

        /// Nothing: the digest of no lines.
        public static let empty = Digested(count: 0, bytes: 0, sha256: Digest.sha256.hex(""))
    }

    /// One sink's part of a batch: its events, and its position after writing them (for a
    /// jsonl sink, its file and length, so the batch is the `bytes` before that length).
    public struct SinkShare: Sendable, Equatable {
        /// The sink's position key (`0:jsonl`).
        public var key: String
        /// Its events.
        public var events: Digested
        /// Its position after the batch.
        public var position: Value?

        /// A sink's share.
        public init(key: String, events: Digested, position: Value?) {
            self.key = key
            self.events = events
            self.position = position
        }
    }

    /// An entry for a committed batch.
    public init(runID: String, trigger: String, batch: Int, source: String, connector: String, input: Digested,
                sinks: [SinkShare], checkpoint: Value?, recordedAt: String, note: String? = nil) {
        self.runID = runID
        self.trigger = trigger
        self.batch = batch
        self.source = source
        self.connector = connector
        self.input = input
        self.sinks = sinks
        self.checkpoint = checkpoint
        self.recordedAt = recordedAt
        self.note = note
    }

    /// The `previous` of a pipeline's first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// The entry's text at `sequence` after `previous`: what is stored and hashed.
    public func text(pipeline: String, sequence: Int, previous: String) -> String {
        func digest(_ d: Digested, _ name: String) -> Object {
            [name: .integer(d.count), "bytes": .integer(d.bytes), "sha256": .string(d.sha256)]
        }
        var shares = Object()
        for share in sinks {
            var object = digest(share.events, "events")
            if let position = share.position { object["position"] = position }
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
        entry["input"] = .object(digest(input, "records"))
        entry["sinks"] = .object(shares)
        // The checkpoint's digest, not the checkpoint: it may hold an upstream's page URL or
        // token, which read-only readers of the chain must not see, and a file source's grows.
        entry["checkpoint_sha256"] = checkpoint.flatMap { $0.isNull ? nil : .string(Self.hash(of: $0.jsonText)) } ?? .null
        if let note { entry["note"] = .string(note) }
        return Value.object(entry).jsonText
    }

    /// The entry as the link after `last` (the chain's last link, or nil for the first): its
    /// place, its text naming `last`'s hash, and its own hash. Both stores append what this gives.
    public func link(pipeline: String, after last: (sequence: Int, hash: String)?) -> ProvenanceLink {
        let sequence = (last?.sequence ?? 0) + 1
        let text = text(pipeline: pipeline, sequence: sequence, previous: last?.hash ?? Self.genesis)
        return ProvenanceLink(sequence: sequence, text: text, hash: Self.hash(of: text))
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
