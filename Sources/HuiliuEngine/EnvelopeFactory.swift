public import HuiliuCore

/// Wraps processed records in CloudEvents envelopes for the sinks.
public struct EnvelopeFactory: Sendable {
    /// The `source` attribute of every event.
    public var source: String
    /// The type of records no step gave one.
    public var defaultType: String

    /// A factory for events from `source`.
    public init(source: String, defaultType: String = "huiliu.record.v1") {
        self.source = source
        self.defaultType = defaultType
    }

    /// The envelope of a record. The id is derived from the source, the type and the
    /// natural key (or, for records without one, their origin, also when replayed from the
    /// dead-letter store), so re-delivery after a crash produces the same id and upserting
    /// sinks keep one copy.
    public func envelope(for record: Record) -> Envelope {
        var copy = record
        return envelope(taking: &copy)
    }

    /// The envelope of a record that is not needed afterwards: its data and attributes are
    /// moved into the event instead of copied, which spares a retain and a release of each
    /// per record.
    public func envelope(taking record: inout Record) -> Envelope {
        let type = record.type.take() ?? defaultType
        let key = record.key.take()
        let id = Envelope.deterministicID(source: source, type: type,
                                          key: key ?? "@" + DeadLetterReplayer.originalOrigin(record.origin))
        // No datacontenttype: in the structured JSON format, `data` without one is JSON.
        return Envelope(id: id, source: source, type: type, subject: key, time: record.time.take(),
                        dataschema: record.dataschema.take(), data: exchange(&record.data, with: .null),
                        extensions: exchange(&record.extensions, with: Object()))
    }
}
