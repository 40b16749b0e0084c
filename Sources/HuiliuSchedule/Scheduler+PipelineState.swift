import Foundation

extension Scheduler {
    /// Everything the scheduler tracks for one pipeline.
    struct PipelineState: Sendable {
        var config: ScheduledPipeline
        /// Where `@every` periods count from.
        var anchor: Date
        /// The next fire time, before jitter.
        var nextFire: Date?
        /// The jitter drawn for `nextFire`, in seconds.
        var delay: TimeInterval = 0
        var active: ActiveRun?
        var retry: PendingRetry?
        /// The fire time of a queued run (overlap policy `queue`).
        var queued: Date?
        /// Removed by a reload while a run was still going: kept only until that run finishes,
        /// so a re-added pipeline cannot start beside it.
        var isRemoved = false

        var isBusy: Bool { active != nil || retry != nil }
        var nextStart: Date? { nextFire?.addingTimeInterval(delay) }
    }

    struct ActiveRun: Sendable {
        var id: RunID
        var scheduledAt: Date
        var attempt: Int
        var requestedAt: Date
        var startedAt: Date?
        var cancelling: CancelReason?

        /// When the attempt times out; counted from `runStarted`, or from the start request if
        /// that never came.
        func deadline(_ timeout: Duration?) -> Date? {
            guard let timeout, cancelling == nil else { return nil }
            return (startedAt ?? requestedAt).addingTimeInterval(timeout.seconds)
        }
    }

    struct PendingRetry: Sendable {
        var scheduledAt: Date
        var attempt: Int
        var at: Date
    }
}
