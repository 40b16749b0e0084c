import HuiliuCore
import HuiliuKit
import Logging

/// Reads an HTTP stream: partition by partition, slice by slice, page by page, with the
/// stream's state (a cursor per partition, the page in progress) in every batch's
/// checkpoint. Pages are fetched ahead and mapped in their own tasks, so requests, JSON
/// parsing and mapping overlap; batches still come out in order.
final class HTTPStreamReader: BatchReader {
    let runtime: HTTPStreamRuntime
    let assembler: RecordAssembler
    let base: Object
    let plan: StreamPlan
    private var state: PartitionedCheckpoint
    private var unit: StreamPlan.Unit?
    private var fetcher: PageFetcher?
    private var maxCursor: Int?
    private var queue: [Task<RecordBatch, any Error>] = []
    private var exhausted = false
    /// A failure met while earlier pages were still being mapped: those are delivered first.
    private var failure: (any Error)?
    /// Partitions that failed while the others were read, with why, and how many in a row.
    private var failedPartitions: [(key: String, error: any Error)] = []
    private var failuresInARow = 0
    /// Partitions failing one after another say the system is down or the credentials wrong,
    /// not that one station is: the rest are not tried (each would retry, and log in, again).
    static let failuresInARowLimit = 3

    init(runtime: HTTPStreamRuntime, assembler: RecordAssembler, base: Object, plan: StreamPlan) {
        self.runtime = runtime
        self.assembler = assembler
        self.base = base
        self.plan = plan
        self.state = plan.initialState
    }

    deinit {
        for task in queue { task.cancel() }
    }

    func next() async throws -> RecordBatch? {
        while true {
            // Keep one batch being mapped while the next page is fetched.
            if let first = queue.first, queue.count >= 2 || exhausted {
                queue.removeFirst()
                return try await first.value
            }
            if exhausted {
                if let failure { throw failure }
                return nil
            }
            let next: (FetchedPage, Checkpoint?)?
            do {
                next = try await nextPage()
            } catch {
                failure = error
                exhausted = true
                continue
            }
            guard let (page, checkpoint) = next else {
                exhausted = true
                continue
            }
            let assembler = self.assembler
            queue.append(Task { assembler.batch(page.records, origin: page.origin, checkpoint: checkpoint) })
        }
    }

    func close() async {
        fetcher?.cancel()
        for task in queue { task.cancel() }
        queue.removeAll()
    }

    /// The next page of the current slice, moving on to the next slice or partition as they end.
    private func nextPage() async throws -> (FetchedPage, Checkpoint?)? {
        while true {
            if fetcher == nil {
                let next = failuresInARow >= Self.failuresInARowLimit ? nil : try plan.nextUnit(after: unit, state: state)
                guard let next else {
                    if failedPartitions.isEmpty { return nil }
                    let reasons = failedPartitions.map { "'\($0.key)': \($0.error)" }.joined(separator: "; ")
                    let rest = failuresInARow >= Self.failuresInARowLimit
                        ? "\(failuresInARow) in a row, so the partitions after them were not tried" : "the others were read, and their cursors moved"
                    throw ManifestRuntimeError("""
                        \(failedPartitions.count == 1 ? "partition" : "\(failedPartitions.count) partitions") failed (\(rest)): \(reasons)
                        """)
                }
                unit = next
                maxCursor = next.maxCursor
                var object = base
                object["partition"] = next.partition
                object["slice"] = next.slice?.json ?? .null
                if next.restarted {
                    runtime.upstream.logger.notice(
                        "an interrupted \(next.slice == nil ? "stream" : "slice") is read again from its first page (pages are positions, which shift as records change); records already delivered come again, which upserting sinks keep once\(next.slice == nil ? "" : ": incremental.step keeps slices short")",
                        metadata: ["stream": "\(runtime.upstream.connector)/\(runtime.upstream.stream)", "slice": "\(next.slice?.json.jsonText ?? "")"])
                }
                fetcher = PageFetcher(runtime: runtime, base: object, slice: next.slice, start: next.page)
            }
            guard let unit, let fetcher else { continue }
            let fetched: (page: FetchedPage, resume: PageState?)?
            do {
                fetched = try await fetcher.next()
            } catch where plan.partitions.count > 1 && !(error is CancellationError) && !Task.isCancelled {
                // One partition's failure (a station decommissioned, a district's system down)
                // holds back only that partition: its cursor stays, the run fails at the end,
                // and the partitions after it are read rather than left for ever behind it.
                runtime.upstream.logger.error("partition failed; the others are read", metadata: [
                    "stream": "\(runtime.upstream.connector)/\(runtime.upstream.stream)", "partition": "\(unit.key)", "error": "\(error)",
                ])
                failedPartitions.append((unit.key, error))
                failuresInARow += 1
                fetcher.cancel()
                self.fetcher = nil
                self.unit?.rest = []
                state.current = nil
                maxCursor = nil
                // An empty batch saves that the partition is no longer in progress: resumed there,
                // the next run would fail on it again before reaching the others.
                let nothing = FetchedPage(page: unit.page, records: [], received: 0, ignored: true, total: nil, next: nil, stop: true,
                                          origin: unit.key, maxCursor: nil)
                return (nothing, plan.checkpoint(state))
            }
            failuresInARow = 0
            guard let (page, resume) = fetched else {
                finish(unit)
                continue
            }
            if let value = page.maxCursor { maxCursor = max(maxCursor ?? value, value) }
            if let resume {
                var current: Object = ["partition": .string(unit.key), "page": resume.json]
                if let slice = unit.slice { current["slice"] = slice.json }
                if let maxCursor { current["max_cursor"] = .integer(maxCursor) }
                state.current = .object(current)
            } else {
                finish(unit)
            }
            return (page, plan.checkpoint(state))
        }
    }

    /// Records a finished slice: the partition's cursor moves to its end.
    private func finish(_ unit: StreamPlan.Unit) {
        fetcher = nil
        state.current = nil
        if let cursor = plan.completedCursor(unit, maxCursor: maxCursor, saved: state.cursors[unit.key]) { state.cursors[unit.key] = cursor }
        maxCursor = nil
    }
}
