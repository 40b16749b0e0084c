import Foundation
public import HuiliuEnvironment

/// Writes frames from every connection to the ``FrameBuffer`` in shared transactions.
///
/// One fsync per frame would cap the listener at the disk's sync rate. Instead a dedicated
/// thread takes whatever frames are queued — waiting up to ``Configuration/window`` after the
/// first for more, or until ``Configuration/maximumBatch`` are waiting — commits them in one
/// transaction, and only then resumes their submitters, which send the acknowledgements.
/// While one group is being synced the next one gathers, so under load the groups grow on
/// their own. SQLite blocks, so it runs on its own thread, never on the event loops or the
/// cooperative pool.
public final class GroupCommitter: @unchecked Sendable {
    /// How frames are grouped.
    public struct Configuration: Sendable {
        /// How long to wait for more frames after the first of a group. The default is 1 ms.
        public var window: Duration = .milliseconds(1)
        /// The most frames in one transaction. The default is 2048.
        public var maximumBatch = 2048

        /// The defaults.
        public init() {}
    }

    /// Why a frame was not stored.
    public struct StopError: Error, Sendable, CustomStringConvertible {
        /// The committer stopped before the frame was committed.
        public var description: String { "the HJ 212 buffer is shutting down; the frame was not stored" }
    }

    private struct Pending {
        var frame: BufferedFrame
        var continuation: CheckedContinuation<FrameBuffer.Outcome, any Error>
    }

    private enum State { case running, finishing, abandoned, stopped }

    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var state = State.running
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    private var buffer: FrameBuffer?
    private let stations: StationRegistry
    private let configuration: Configuration
    private var statistics = (groups: 0, frames: 0, largestGroup: 0, busy: Duration.zero)

    /// Opens the buffer at `path` and starts the writer thread.
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - stations: for normalizing split uploads once complete.
    ///   - configuration: grouping.
    public init(path: String, stations: StationRegistry, configuration: Configuration = .init()) throws {
        buffer = try FrameBuffer(path: path)
        self.stations = stations
        self.configuration = configuration
        let thread = Thread { [self] in run() }
        thread.name = "hj212-group-commit"
        thread.start()
        let checkpointer = Thread { [self] in runCheckpoints(path: path) }
        checkpointer.name = "hj212-checkpoint"
        checkpointer.start()
    }

    /// Stores `frame` durably; returns once its transaction is committed.
    /// - Throws: ``StopError`` if the committer stopped first, or the store's error.
    public func submit(_ frame: BufferedFrame) async throws -> FrameBuffer.Outcome {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard state == .running else {
                condition.unlock()
                continuation.resume(throwing: StopError())
                return
            }
            queue.append(Pending(frame: frame, continuation: continuation))
            if queue.count == 1 || queue.count >= configuration.maximumBatch { condition.signal() }
            condition.unlock()
        }
    }

    /// Commits what is queued, refuses new frames, and returns once the thread has stopped.
    public func finish() async {
        await stop(.finishing)
    }

    /// Stops without committing what is queued, as a crash would: those submitters get
    /// ``StopError`` and their devices no acknowledgement. For crash tests.
    public func abandon() async {
        await stop(.abandoned)
    }

    /// Groups committed, frames committed, the largest group, and the time spent committing.
    public var groupStatistics: (groups: Int, frames: Int, largestGroup: Int, busy: Duration) {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    private func stop(_ next: State) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            condition.lock()
            if state == .stopped {
                condition.unlock()
                waiter.resume()
                return
            }
            if state == .running || next == .abandoned { state = next }
            exitWaiters.append(waiter)
            condition.broadcast()
            condition.unlock()
        }
    }

    private func run() {
        while let group = nextGroup() {
            let began = ContinuousClock.now
            let outcome = Result { try buffer!.store(group.map(\.frame), stations: stations) }
            let took = began.duration(to: .now)
            condition.lock()
            let abandoned = state == .abandoned
            if case .success = outcome, !abandoned {
                statistics.groups += 1
                statistics.frames += group.count
                statistics.largestGroup = max(statistics.largestGroup, group.count)
                statistics.busy += took
            }
            condition.unlock()
            switch outcome {
            case .success(let results):
                // Committed even if abandoned meanwhile: a crash after the sync keeps the rows,
                // but its acknowledgements never leave, which is what abandoning models.
                for (pending, result) in zip(group, results) {
                    if abandoned { pending.continuation.resume(throwing: StopError()) } else { pending.continuation.resume(returning: result) }
                }
            case .failure(let error):
                for pending in group { pending.continuation.resume(throwing: error) }
            }
        }
        condition.lock()
        let graceful = state == .finishing
        condition.unlock()
        if graceful { try? buffer?.checkpoint(truncate: true) }
        condition.lock()
        let leftovers = queue
        queue = []
        state = .stopped
        buffer = nil
        let waiters = exitWaiters
        exitWaiters = []
        condition.unlock()
        for pending in leftovers { pending.continuation.resume(throwing: StopError()) }
        for waiter in waiters { waiter.resume() }
    }

    /// Checkpoints the log every 200 ms on a connection of its own, so the commit thread only
    /// ever appends to the log and syncs it. The commit thread empties the log when it finishes.
    private func runCheckpoints(path: String) {
        guard let database = try? FrameBuffer(path: path) else { return }
        while true {
            condition.lock()
            let stopped = state == .stopped
            condition.unlock()
            if stopped { break }
            try? database.checkpoint()
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// The next group to commit, or `nil` when the thread should stop.
    private func nextGroup() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && state == .running { condition.wait() }
        if state == .abandoned || queue.isEmpty { return nil }
        if state == .running, (queue.count < configuration.maximumBatch), configuration.window > .zero {
            let deadline = Date(timeIntervalSinceNow: Double(configuration.window.components.attoseconds) / 1e18
                                + Double(configuration.window.components.seconds))
            while queue.count < configuration.maximumBatch, state == .running {
                if !condition.wait(until: deadline) { break }
            }
            if state == .abandoned { return nil }
        }
        let count = min(queue.count, configuration.maximumBatch)
        let group = Array(queue.prefix(count))
        queue.removeFirst(count)
        return group
    }
}
