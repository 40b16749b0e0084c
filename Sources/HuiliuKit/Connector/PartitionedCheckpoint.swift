public import HuiliuCore

/// The checkpoint shape for sources that read a stream in partitions (administrative
/// divisions, stations, accounts) with a cursor each: the cursor every partition has
/// completed, and where the unit of work in progress stands.
///
/// ```swift
/// var state = PartitionedCheckpoint(checkpoint, stream: "payments") ?? PartitionedCheckpoint(stream: "payments")
/// state.cursors["421102"] = "2024-03-01 00:00:00"
/// state.current = ["partition": "421181", "page": 7]
/// return RecordBatch(records: records, checkpoint: state.checkpoint)
/// ```
/// Serialised as `{"stream": …, "cursors": {partition: cursor}, "current": …}` with keys in
/// sorted order, so equal states always compare and store equal.
public struct PartitionedCheckpoint: Sendable, Equatable {
    /// The partition key of a stream that is not partitioned.
    public static let wholeStream = "*"

    /// The stream the state belongs to.
    public var stream: String
    /// The completed cursor of each partition, by partition key.
    public var cursors: [String: Value]
    /// The position within the unit being read, or `nil` between units.
    public var current: Value?

    /// A fresh state: nothing read yet.
    public init(stream: String) {
        self.stream = stream
        self.cursors = [:]
        self.current = nil
    }

    /// The state stored in `checkpoint`; `nil` when there is none or it belongs to another stream.
    public init?(_ checkpoint: Checkpoint?, stream: String) {
        guard let object = checkpoint?.value.objectValue, object["stream"]?.stringValue == stream else { return nil }
        self.stream = stream
        var cursors: [String: Value] = [:]
        for (key, value) in object["cursors"]?.objectValue ?? Object() { cursors[key] = value }
        self.cursors = cursors
        let current = object["current"]
        self.current = current?.isNull == false ? current : nil
    }

    /// The state as a checkpoint.
    public var checkpoint: Checkpoint {
        var sorted = Object(minimumCapacity: cursors.count)
        for key in cursors.keys.sorted() { sorted.appendUnchecked(key: key, value: cursors[key]!) }
        var object: Object = ["stream": .string(stream), "cursors": .object(sorted)]
        if let current { object["current"] = current }
        return Checkpoint(.object(object))
    }
}
