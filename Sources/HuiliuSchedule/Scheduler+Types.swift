public import Foundation

extension Scheduler {
    /// One attempt of one pipeline run, numbered by the scheduler from 1.
    public struct RunID: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// The number; unique within one scheduler's life.
        public let rawValue: UInt64

        /// A run id from its number.
        public init(_ rawValue: UInt64) { self.rawValue = rawValue }

        public var description: String { "run-\(rawValue)" }
        public static func < (a: RunID, b: RunID) -> Bool { a.rawValue < b.rawValue }
    }

    /// How a run ended, as the engine reports it. A run cancelled for any reason is a failure.
    public enum RunOutcome: Sendable, Hashable {
        case success
        case failure
    }

    /// Why the scheduler asks for a run to be cancelled.
    public enum CancelReason: String, Sendable, Hashable {
        /// The attempt ran longer than the pipeline's timeout.
        case timedOut = "timed out"
        /// The pipeline was removed by a reload.
        case removed = "pipeline removed"
    }

    /// Why a fire time did not start a run.
    public enum SkipReason: String, Sendable, Hashable {
        /// The pipeline was busy and its overlap policy is `skip`.
        case overlap
        /// The pipeline was busy and one run was already queued.
        case queueFull = "queue full"
        /// The fire time passed while the daemon was down or asleep; at `scheduledAt` and any
        /// fire times after it, up to the one that ran or the next one ahead.
        case missed
        /// An `@reboot` pipeline added after start-up, when there is no start-up to run at.
        case notAtStartup = "not at startup"
    }

    /// What the driver must do; `handle(_:at:)` returns these in order, `sleep` last.
    public enum Action: Sendable, Hashable {
        /// Start attempt `attempt` (1-based) of the run scheduled for `scheduledAt`.
        case start(String, run: RunID, scheduledAt: Date, attempt: Int)
        /// Cancel a run in progress; its `runFinished` still follows.
        case cancel(String, run: RunID, reason: CancelReason)
        /// A fire time that starts no run, for logs and metrics.
        case skip(String, scheduledAt: Date, reason: SkipReason)
        /// A failed attempt will be tried again as attempt `attempt` at `at`.
        case retry(String, scheduledAt: Date, attempt: Int, at: Date)
        /// The run scheduled for `scheduledAt` failed its last attempt.
        case giveUp(String, scheduledAt: Date, attempts: Int)
        /// Wait until this time or the next event, then `tick`; nil means wait for an event.
        case sleep(until: Date?)
    }

    /// Something that happened, fed to `handle(_:at:)`.
    public enum Event: Sendable, Hashable {
        /// Time passed: the wake-up came, or the driver checks in.
        case tick
        /// A pipeline was loaded or reloaded; `lastFire` is the last scheduled time recorded for
        /// it, which drives the missed-run policy.
        case added(String, ScheduledPipeline, lastFire: Date?)
        /// A pipeline was removed by a reload.
        case removed(String)
        /// A pipeline stays but is scheduled no more (disabled, or its schedule taken out): no
        /// more fire times, and a run going finishes (its timeout still counts).
        case unscheduled(String)
        /// A started run is really running; its timeout counts from now.
        case runStarted(String, RunID)
        /// A run ended.
        case runFinished(String, RunID, RunOutcome)
    }

    /// What the scheduler knows about one pipeline, for status pages and tests.
    public struct PipelineStatus: Sendable, Hashable {
        /// The next fire time, before jitter; nil when the schedule never fires again.
        public var nextFire: Date?
        /// When the next fire time starts a run, jitter included.
        public var nextStart: Date?
        /// The attempt in progress, if any.
        public var running: RunID?
        /// The attempt number of the run in progress.
        public var attempt: Int?
        /// When the next retry starts, if a failed run waits for one.
        public var retryAt: Date?
        /// The fire time of a run waiting for the pipeline to be free.
        public var queued: Date?
    }
}
