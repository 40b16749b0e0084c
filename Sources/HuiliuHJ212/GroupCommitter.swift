import Foundation
import HuiliuEnvironment
import NIOCore

/// Writes frames from every connection to the ``FrameBuffer`` in shared transactions.
///
/// One fsync per frame would cap the listener at the disk's sync rate. Instead a dedicated
/// thread takes whatever frames are queued — waiting up to ``Configuration/window`` after the
/// first for more, or until ``Configuration/maximumBatch`` are waiting — commits them in one
/// transaction, and only then hands each outcome to the connection that submitted it, on that
/// connection's event loop: one task per event loop per group, not one per frame. While one
/// group is being synced the next one gathers, so under load the groups grow on their own.
/// SQLite blocks, so it runs on its own thread, never on the event loops.
public final class GroupCommitter: @unchecked Sendable {
    /// How frames are grouped.
    public struct Configuration: Sendable {
        /// How long to wait for more frames after the first of a group. The default is 1 ms.
        public var window: Duration = .milliseconds(1)
        /// The most frames in one transaction. The default is 2048.
        public var maximumBatch = 2048
        /// How long a split upload may wait for its missing packets before it is stored with
        /// those that came. The default is 1 hour.
        public var incompleteUploadTimeout: Duration = .seconds(3600)
        /// The station entries incomplete uploads are normalized against: the listener's
        /// registry as it is when they time out (a reload replaces it).
        var stations: @Sendable () -> StationRegistry = { StationRegistry() }

        /// The defaults.
        public init() {}
    }

    /// Why a frame was not stored.
    public struct StopError: Error, Sendable, CustomStringConvertible {
        /// The committer stopped before the frame was committed.
        public var description: String { "the HJ 212 buffer is shutting down; the frame was not stored" }
    }

    /// Takes the outcomes of the frames it submitted, on its event loop, in submission order.
    protocol Receiver: AnyObject {
        /// The outcome of the oldest frame still waiting.
        func committed(_ outcome: Result<FrameBuffer.Outcome, any Error>)
        /// Every outcome of one group for this event loop has been handed out (a time to flush).
        func groupDelivered()
    }

    private typealias Outcome = Result<FrameBuffer.Outcome, any Error>

    private enum State { case running, finishing, abandoned, stopped }

    private let condition = NSCondition()
    /// Frames waiting for the next group, and where each one's outcome goes.
    private var queue: [BufferedFrame] = []
    private var receivers: [NIOLoopBound<any Receiver>] = []
    private var state = State.running
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    private var buffer: FrameBuffer?
    private let configuration: Configuration
    private var statistics = (groups: 0, frames: 0, largestGroup: 0, busy: Duration.zero)
    /// Split uploads stored incomplete after ``Configuration/incompleteUploadTimeout``.
    private var incompleteUploads = 0
    /// The checkpoint thread has copied most of the log into the database: the commit thread
    /// copies the rest, so that its next transaction starts the log over.
    private var checkpointDue = false

    /// Opens the buffer at `path` and starts the writer thread.
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - configuration: grouping.
    public init(path: String, configuration: Configuration = .init()) throws {
        buffer = try FrameBuffer(path: path)
        self.configuration = configuration
        // Named from inside: on Linux a name set before `start()` does not reach the OS thread.
        Thread { [self] in
            Thread.current.name = "hj212-commit"
            run()
        }.start()
        Thread { [self] in
            Thread.current.name = "hj212-checkpoint"
            runCheckpoints(path: path)
        }.start()
    }

    /// Queues `frame`; its outcome goes to `receiver` on `receiver`'s event loop once its
    /// transaction is committed — or ``StopError``, or the store's error.
    /// - Returns: false, and nothing is queued, if the committer is stopping.
    func submit(_ frame: BufferedFrame, receiver: NIOLoopBound<any Receiver>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard state == .running else { return false }
        queue.append(frame)
        receivers.append(receiver)
        if queue.count == 1 || queue.count >= configuration.maximumBatch { condition.signal() }
        return true
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

    /// Split uploads stored without all their packets because the rest never came.
    public var incompleteUploadsStored: Int {
        condition.lock()
        defer { condition.unlock() }
        return incompleteUploads
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
        var lastSweep = ContinuousClock.now
        while let (group, receivers) = nextGroup() {
            if lastSweep.duration(to: .now) >= sweepInterval {
                lastSweep = .now
                storeIncompleteUploads()
            }
            if group.isEmpty { continue }
            let began = ContinuousClock.now
            let outcome = Result { try buffer!.store(group) }
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
                Self.deliver(receivers, abandoned ? results.map { _ in .failure(StopError()) } : results.map { .success($0) })
            case .failure(let error):
                Self.deliver(receivers, receivers.map { _ in .failure(error) })
            }
            condition.lock()
            let checkpoint = checkpointDue
            checkpointDue = false
            condition.unlock()
            if checkpoint { try? buffer!.checkpoint() }
        }
        condition.lock()
        let graceful = state == .finishing
        condition.unlock()
        if graceful { try? buffer?.checkpoint(truncate: true) }
        condition.lock()
        let leftovers = receivers
        queue = []
        receivers = []
        state = .stopped
        buffer = nil
        let waiters = exitWaiters
        exitWaiters = []
        condition.unlock()
        Self.deliver(leftovers, leftovers.map { _ in .failure(StopError()) })
        for waiter in waiters { waiter.resume() }
    }

    /// How often the commit thread looks for split uploads that timed out.
    private var sweepInterval: Duration { min(.seconds(60), configuration.incompleteUploadTimeout / 2) }

    /// Stores the split uploads whose missing packets did not come in time: the packets that
    /// did were acknowledged, so their values must not wait in the buffer forever.
    private func storeIncompleteUploads() {
        let timeout = configuration.incompleteUploadTimeout
        let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - Int64(timeout.components.seconds) * 1000
            - Int64(timeout.components.attoseconds / 1_000_000_000_000_000)
        guard let stored = try? buffer?.storeIncompleteUploads(firstReceivedBefore: cutoff, stations: configuration.stations()),
              stored > 0 else { return }
        condition.lock()
        incompleteUploads += stored
        condition.unlock()
    }

    /// Hands out a group's outcomes with one task per event loop.
    private static func deliver(_ receivers: [NIOLoopBound<any Receiver>], _ outcomes: [Outcome]) {
        // A handful of event loops: a list beats hashing. Each loop's task gets the positions
        // of its receivers in the shared arrays rather than copies of them.
        var batches: [(loop: ObjectIdentifier, positions: [Int])] = []
        receivers.withUnsafeBufferPointer { receivers in
            for position in receivers.indices {
                let loop = ObjectIdentifier(receivers[position].eventLoop)
                if let index = batches.firstIndex(where: { $0.loop == loop }) {
                    batches[index].positions.append(position)
                } else {
                    batches.append((loop, [position]))
                    batches[batches.count - 1].positions.reserveCapacity(receivers.count)
                }
            }
        }
        for batch in batches {
            let positions = batch.positions
            receivers[positions[0]].eventLoop.execute {
                for position in positions { receivers[position].value.committed(outcomes[position]) }
                for position in positions { receivers[position].value.groupDelivered() }
            }
        }
    }

    /// Checkpoints the log every 100 ms on a connection of its own, then leaves the last few
    /// frames to the commit thread.
    ///
    /// SQLite starts the log over only when a transaction begins with every frame in it copied
    /// to the database, and under steady load a checkpoint on another thread never catches
    /// the writer: the log would grow without end, and every commit would extend the file, so
    /// each sync would also write the file's size and block map. This thread does the bulk of
    /// the copying (and its sync) off the commit path; the commit thread, between two groups,
    /// copies what came since and syncs, which is quick, and its next transaction reuses the
    /// log from the start. The commit thread empties the log when it finishes.
    private func runCheckpoints(path: String) {
        guard let database = try? FrameBuffer(path: path) else { return }
        while true {
            condition.lock()
            let stopped = state == .stopped
            condition.unlock()
            if stopped { break }
            if (try? database.checkpoint()) != nil {
                condition.lock()
                checkpointDue = true
                condition.unlock()
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// The next group to commit and where the outcomes go, or `nil` when the thread should stop.
    private func nextGroup() -> ([BufferedFrame], [NIOLoopBound<any Receiver>])? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && state == .running {
            // Wakes now and then when idle, so timed-out split uploads are stored without traffic.
            if !condition.wait(until: Date(timeIntervalSinceNow: Double(sweepInterval.components.seconds)
                                           + Double(sweepInterval.components.attoseconds) / 1e18)),
               queue.isEmpty, state == .running {
                return ([], [])
            }
        }
        if state == .abandoned || queue.isEmpty { return nil }
        if state == .running, (queue.count < configuration.maximumBatch), configuration.window > .zero {
            let deadline = Date(timeIntervalSinceNow: Double(configuration.window.components.attoseconds) / 1e18
                                + Double(configuration.window.components.seconds))
            while queue.count < configuration.maximumBatch, state == .running {
                if !condition.wait(until: deadline) { break }
            }
            if state == .abandoned { return nil }
        }
        guard queue.count > configuration.maximumBatch else {
            // The whole queue: handed over without copying a frame.
            defer {
                queue = []
                receivers = []
            }
            return (queue, receivers)
        }
        let count = configuration.maximumBatch
        defer {
            queue.removeFirst(count)
            receivers.removeFirst(count)
        }
        return (Array(queue.prefix(count)), Array(receivers.prefix(count)))
    }
}
