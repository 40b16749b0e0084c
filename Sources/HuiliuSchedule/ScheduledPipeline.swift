import Foundation

/// How one pipeline is scheduled: when it fires and what happens around each run.
///
/// ```swift
/// var nightly = ScheduledPipeline(schedule: try Schedule("0 2 * * *"))
/// nightly.jitter = .seconds(120)
/// nightly.retry = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(30))
/// nightly.timeout = .seconds(3600)
/// ```
public struct ScheduledPipeline: Sendable, Hashable {
    /// When the pipeline fires.
    public var schedule: Schedule
    /// The longest random delay added to each scheduled start, to spread load. The default is 0.
    public var jitter: Duration
    /// What a fire time does while the pipeline is still busy. The default is `.skip`.
    public var overlap: OverlapPolicy
    /// What fire times missed while the daemon was down do. The default is `.skip`.
    public var missedRuns: MissedRunPolicy
    /// How a failed run is tried again. The default is no retry.
    public var retry: RetryPolicy
    /// How long one attempt may run before it is cancelled. The default is nil: no limit.
    public var timeout: Duration?

    /// A pipeline on `schedule`, with every policy at its default unless given.
    public init(
        schedule: Schedule, jitter: Duration = .zero, overlap: OverlapPolicy = .skip,
        missedRuns: MissedRunPolicy = .skip, retry: RetryPolicy = .none, timeout: Duration? = nil
    ) {
        self.schedule = schedule
        self.jitter = jitter
        self.overlap = overlap
        self.missedRuns = missedRuns
        self.retry = retry
        self.timeout = timeout
    }
}

/// What a fire time does while the pipeline's previous run (or its retries) is still going.
/// Two runs of one pipeline never overlap either way.
public enum OverlapPolicy: String, Sendable, Hashable, CaseIterable {
    /// Drop the fire time and report it skipped.
    case skip
    /// Run it as soon as the pipeline is free; at most one run waits, later ones are skipped.
    case queue
}

/// What happens to fire times that passed while the daemon was down.
public enum MissedRunPolicy: String, Sendable, Hashable, CaseIterable {
    /// Report them skipped and wait for the next fire time.
    case skip
    /// Run once now for the latest of them.
    case runOnce = "run_once"
}

/// Retries of a failed run, with exponential back-off.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. The default is 1: no retry.
    public var maxAttempts: Int
    /// The wait before the second attempt. The default is 30 seconds.
    public var initialDelay: Duration
    /// How much each wait grows over the one before. The default is 2.
    public var multiplier: Double
    /// The longest wait. The default is 10 minutes.
    public var maxDelay: Duration

    /// A policy; with no arguments it never retries.
    public init(
        maxAttempts: Int = 1, initialDelay: Duration = .seconds(30), multiplier: Double = 2,
        maxDelay: Duration = .seconds(600)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maxDelay = maxDelay
    }

    /// No retry: a failed run stays failed.
    public static let none = RetryPolicy()

    /// The wait after attempt `attempt` (1-based) fails: `initialDelay × multiplier^(attempt-1)`,
    /// at most `maxDelay`.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let grown = initialDelay.seconds * pow(multiplier, Double(max(0, attempt - 1)))
        return .seconds(min(grown, maxDelay.seconds))
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
