/// One record on its way through a pipeline: the payload plus what the envelope will need.
///
/// Sources fill `data` and `origin`; steps reshape `data` and set the envelope fields;
/// the runner wraps the result in an ``Envelope`` for the sinks. `original` keeps the
/// payload as the source produced it, so a record that fails later can be dead-lettered
/// and replayed from its raw form.
public struct Record: Sendable {
    /// The payload.
    public var data: Value
    /// The payload as the source yielded it.
    public var original: Value
    /// Where the record came from, for error messages: `payments.csv:42`.
    public var origin: RecordOrigin
    /// The natural key (becomes the envelope `subject` and feeds its id).
    public var key: String?
    /// The event type, such as `budget.payment.v1`.
    public var type: String?
    /// When the fact happened (RFC 3339), for the envelope `time`.
    public var time: String?
    /// The schema the data claims to follow (a URI), for the envelope `dataschema`.
    public var dataschema: String?
    /// CloudEvents extension attributes: `region`, `owner`, `classification`, …
    public var extensions: Object
    /// The envelope fields as the source set them, kept by the runner before the steps change
    /// them, so a dead letter replays as the source yielded it.
    public var sourceFields: SourceFields?
}

extension Record {
    /// A record fresh from a source.
    // Delegating to the memberwise initializer, for the reason given at ``Envelope``'s.
    public init(data: Value, origin: RecordOrigin, key: String? = nil, type: String? = nil) {
        self.init(data: data, original: data, origin: origin, key: key, type: type, time: nil, dataschema: nil,
                  extensions: Object(), sourceFields: nil)
    }

    /// The record as a source yielded it: `original` with the envelope fields in `fields`.
    public init(original: Value, origin: RecordOrigin, fields: SourceFields?) {
        self.init(data: original, original: original, origin: origin, key: fields?.key, type: fields?.type, time: fields?.time,
                  dataschema: fields?.dataschema, extensions: fields?.extensions ?? Object(), sourceFields: fields)
    }
}

/// The envelope fields a source set on a record.
public struct SourceFields: Sendable, Equatable {
    /// The natural key.
    public var key: String?
    /// The event type.
    public var type: String?
    /// The event time.
    public var time: String?
    /// The data schema.
    public var dataschema: String?
    /// Extension attributes.
    public var extensions: Object
    /// The identity the record had at its source, where these fields are not the source's (a
    /// letter of a sink's condition holds the event the steps made); empty for none.
    public var identityAtSource: String?

    /// The record's identity at its source, for matching a dead letter with a later delivery of
    /// the same record: its type and key (`nil` without a key).
    public var identity: String? {
        if let identityAtSource { return identityAtSource.isEmpty ? nil : identityAtSource }
        return key.map { (type ?? "") + "\u{0}" + $0 }
    }

    /// The fields as a JSON object, for storing; absent fields are left out.
    public var value: Value {
        var object = Object()
        if let key { object["key"] = .string(key) }
        if let type { object["type"] = .string(type) }
        if let time { object["time"] = .string(time) }
        if let dataschema { object["dataschema"] = .string(dataschema) }
        if !extensions.isEmpty { object["extensions"] = .object(extensions) }
        if let identityAtSource { object["identity"] = .string(identityAtSource) }
        return .object(object)
    }
}

extension SourceFields {
    /// The fields `record` has now. Borrowed: an initializer would otherwise take the whole
    /// record as its own, which costs a copy (a retain of every field) per record.
    public init(of record: borrowing Record) {
        // Through the memberwise initializer, for the reason given at ``Envelope``'s.
        self.init(key: record.key, type: record.type, time: record.time, dataschema: record.dataschema,
                  extensions: record.extensions)
    }

    /// The fields stored as ``value``.
    public init(value: Value) {
        self.init(key: value["key"]?.stringValue, type: value["type"]?.stringValue, time: value["time"]?.stringValue,
                  dataschema: value["dataschema"]?.stringValue, extensions: value["extensions"]?.objectValue ?? Object(),
                  identityAtSource: value["identity"]?.stringValue)
    }
}

/// Where a record came from: a file and line, a request and item index.
public struct RecordOrigin: Sendable, Hashable, CustomStringConvertible {
    /// The file, URL or stream (`payments.csv`, `GET /api/payments?page=3`).
    public var source: String
    /// The line or item number within it (1-based); 0 when there is none.
    public var position: Int

    public var description: String { position > 0 ? "\(source):\(position)" : source }
}

extension RecordOrigin {
    /// An origin at `position` within `source`.
    public init(_ source: String, position: Int = 0) {
        self.init(source: source, position: position)
    }
}

/// A run of records a source yields together, with the checkpoint that covers them.
public struct RecordBatch: Sendable {
    /// The records, in source order.
    public var records: [Record]
    /// Input the source could not turn into records (a malformed line), with the raw text
    /// as payload; they go to the dead-letter store, never silently dropped.
    public var rejects: [Rejected]
    /// Where the source resumes once this batch is safely delivered; `nil` keeps the last one.
    public var checkpoint: Checkpoint?

    /// A batch of records and its checkpoint.
    public init(records: [Record], rejects: [Rejected] = [], checkpoint: Checkpoint?) {
        self.records = records
        self.rejects = rejects
        self.checkpoint = checkpoint
    }

    /// Input that could not be read as a record.
    public struct Rejected: Sendable {
        /// Where it was.
        public var origin: RecordOrigin
        /// Why it was rejected (with the byte offset or column).
        public var reason: String
        /// The raw input, as text.
        public var raw: Value

        /// A rejected piece of input.
        public init(origin: RecordOrigin, reason: String, raw: Value) {
            self.origin = origin
            self.reason = reason
            self.raw = raw
        }
    }
}

/// A source's resume position: opaque to the engine, meaningful to the source that made it.
public struct Checkpoint: Sendable, Equatable {
    /// The position, as JSON (a byte offset, a cursor, a timestamp per partition …).
    public var value: Value

    /// A checkpoint holding `value`.
    public init(_ value: Value) {
        self.value = value
    }
}
