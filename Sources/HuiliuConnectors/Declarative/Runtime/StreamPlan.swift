import HuiliuCore
import HuiliuKit

/// The order a stream is read in — partitions, then each partition's cursor slices — and
/// what a checkpoint saves: after a finished slice its partition's cursor moves to the
/// slice's end; during one, the page to resume at. A backfill reads its range in every
/// partition and leaves the saved state alone.
struct StreamPlan: Sendable {
    /// One slice of one partition, and the page to start it at.
    struct Unit: Sendable {
        var partitionIndex: Int
        var key: String
        var partition: Value
        var slice: CursorSlice?
        var rest: [CursorSlice]
        var page: PageState
        var maxCursor: Int?
        /// An interrupted slice read again from its first page.
        var restarted = false
    }

    let stream: String
    let partitions: [(key: String, value: Value)]
    let cursor: CursorMath?
    let start: Value
    let end: Value?
    let now: Int
    let backfill: (from: Int, to: Int)?
    let original: Checkpoint?
    let initialState: PartitionedCheckpoint
    let firstPage: PageState
    /// Pages are positions (page numbers, offsets), not tokens: an interrupted slice is read again from its start.
    var positionalPaging = false

    /// The partition key of a value: its text, or `*` for a stream without partitions.
    static func key(_ value: Value) -> String {
        switch value {
        case .null: return PartitionedCheckpoint.wholeStream
        case .string(let s): return s
        default: return value.jsonText
        }
    }

    /// The unit after `previous` (the first one when `nil`), or `nil` when the stream is done.
    func nextUnit(after previous: Unit?, state: PartitionedCheckpoint) throws -> Unit? {
        var index: Int
        if let previous {
            if let slice = previous.rest.first {
                return Unit(partitionIndex: previous.partitionIndex, key: previous.key, partition: previous.partition, slice: slice,
                            rest: Array(previous.rest.dropFirst()), page: firstPage, maxCursor: nil)
            }
            index = previous.partitionIndex + 1
        } else {
            if backfill == nil, let resumed = try resume(state) { return resumed }
            index = 0
        }
        while index < partitions.count {
            let (key, value) = partitions[index]
            let slices = try self.slices(for: key, state: state)
            if let first = slices.first {
                return Unit(partitionIndex: index, key: key, partition: value, slice: first,
                            rest: slices.dropFirst().compactMap { $0 }, page: firstPage, maxCursor: nil)
            }
            index += 1
        }
        return nil
    }

    /// The unit an interrupted run was in, from the saved `current`.
    private func resume(_ state: PartitionedCheckpoint) throws -> Unit? {
        guard let current = state.current, let key = current["partition"]?.stringValue,
              let index = partitions.firstIndex(where: { $0.key == key }), let page = PageState(json: current["page"]) else { return nil }
        var slice: CursorSlice?
        var rest: [CursorSlice] = []
        if let cursor, let saved = current["slice"], let startValue = saved["start"] {
            let endValue = saved["end"] ?? .null
            let upper = endValue.isNull ? nil : try cursor.number(endValue)
            slice = CursorSlice(start: startValue, end: endValue, lower: try cursor.number(startValue), upper: upper)
            if let upper {
                let to = try end.map { $0.isNull ? now : try cursor.number($0) } ?? (cursor.definition.kind == .datetime ? now : upper)
                rest = try cursor.slices(from: upper, to: to)
            }
        }
        if positionalPaging {
            // Page numbers and offsets are positions in data that changes between runs: a record
            // updated or deleted meanwhile shifts an unread one onto a page already read. The
            // slice (the partition, for a stream without a cursor) is read again from its start;
            // event ids keep the records read twice single in upserting sinks.
            return Unit(partitionIndex: index, key: key, partition: partitions[index].value, slice: slice, rest: rest,
                        page: firstPage, maxCursor: nil, restarted: page.index > 0)
        }
        return Unit(partitionIndex: index, key: key, partition: partitions[index].value, slice: slice, rest: rest, page: page,
                    maxCursor: current["max_cursor"]?.intValue)
    }

    /// A partition's slices: one unsliced unit without a cursor, the backfill range, or from the saved cursor.
    private func slices(for key: String, state: PartitionedCheckpoint) throws -> [CursorSlice?] {
        guard let cursor else { return [nil] }
        if let backfill { return try cursor.slices(from: backfill.from, to: backfill.to) }
        return try cursor.slices(saved: state.cursors[key], start: start, end: end, now: now)
    }

    /// The checkpoint for a state: the state itself, or during a backfill the one the run started with.
    func checkpoint(_ state: PartitionedCheckpoint) -> Checkpoint? {
        if backfill != nil { return original ?? Checkpoint(.null) }
        return state.checkpoint
    }

    /// Where a partition's cursor stands after `unit`'s slice is complete, `saved` where it stood.
    func completedCursor(_ unit: Unit, maxCursor: Int?, saved: Value?) -> Value? {
        guard backfill == nil, let cursor, let slice = unit.slice else { return nil }
        if !slice.end.isNull { return slice.end }
        // An open slice (an integer cursor without `end`) ends at the highest cursor read, never
        // behind the saved one: its start is the saved cursor less the lookback, and taken as the
        // end of a read that found nothing new, every such run slid the cursor back by the
        // lookback and delivered old records again.
        if let saved, let before = try? cursor.number(saved), before >= maxCursor ?? before { return saved }
        if let maxCursor { return try? cursor.value(maxCursor) }
        return slice.start
    }
}
