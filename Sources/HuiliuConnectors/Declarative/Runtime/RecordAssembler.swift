import HuiliuCore
import HuiliuKit

/// Turns a page's raw records into a batch: natural keys from the primary key, origins,
/// and the stream's mapping into the common schema. A record the mapping cannot handle is
/// rejected with its raw payload, so it becomes a dead letter.
struct RecordAssembler: Sendable {
    let keyPaths: [[String]]
    let rawType: String
    var mapping: MapStep?
    let mappingName: String

    /// The batch of `records` from `origin`, carrying `checkpoint`.
    func batch(_ records: [Value], origin: String, checkpoint: Checkpoint?) -> RecordBatch {
        var built: [Record] = []
        built.reserveCapacity(records.count)
        for (index, value) in records.enumerated() {
            built.append(record(value, origin: RecordOrigin(origin, position: index + 1)))
        }
        return assemble(consume built, rejects: [], checkpoint: checkpoint)
    }

    /// A raw record with its key and type.
    func record(_ value: Value, origin: RecordOrigin) -> Record {
        Record(data: value, origin: origin, key: key(of: value), type: rawType)
    }

    /// The batch of already built raw records, mapped.
    ///
    /// A record without its primary key (absent, null or empty) is rejected unless the mapping
    /// sets a key of its own (a key expression, or its entity's natural key): its event id would follow from its position, and an upserting
    /// sink would overwrite some other record with it on a later run.
    func assemble(_ built: consuming [Record], rejects: [RecordBatch.Rejected], checkpoint: Checkpoint?) -> RecordBatch {
        var records = consume built
        var rejects = rejects
        let mappingKeys = mapping.map { $0.key != nil || !$0.naturalKey.isEmpty } ?? false
        if !keyPaths.isEmpty && !mappingKeys && records.contains(where: { $0.key == nil }) {
            let paths = keyPaths.map { $0.joined(separator: ".") }.joined(separator: ", ")
            for record in records where record.key == nil {
                rejects.append(RecordBatch.Rejected(origin: record.origin, reason: "primary key \(paths): missing, null, empty, or not a string or a number of at most 18 significant digits",
                                                    raw: record.data))
            }
            records.removeAll { $0.key == nil }
        }
        guard let mapping, !records.isEmpty else { return RecordBatch(records: records, rejects: rejects, checkpoint: checkpoint) }
        let failures = mapping.map(&records)
        let failed = failures.map { failure in
            var reason = "mapping \(mappingName): "
            if let pointer = failure.pointer { reason += (pointer.isEmpty ? "/" : pointer) + ": " }
            if let rule = failure.rule { reason += rule + ": " }
            return RecordBatch.Rejected(origin: failure.record.origin, reason: reason + failure.reason, raw: failure.record.original)
        }
        return RecordBatch(records: records, rejects: rejects + failed, checkpoint: checkpoint)
    }

    /// The primary key's values joined with `/`, or `nil` when one is missing.
    func key(of value: Value) -> String? {
        // One field is the common case: its text is the key, with no list to join per record.
        if keyPaths.count == 1 { return value.value(atPath: keyPaths[0]).flatMap(RecordKey.part) }
        guard !keyPaths.isEmpty else { return nil }
        var parts: [Value] = []
        for path in keyPaths {
            guard let part = value.value(atPath: path) else { return nil }
            parts.append(part)
        }
        return RecordKey.make(parts)
    }
}
