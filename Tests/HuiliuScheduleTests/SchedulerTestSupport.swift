import Foundation
import HuiliuSchedule

/// An injected clock for scheduler tests: times are written as Shanghai wall times.
enum T {
    /// `"09:15"` or `"09:15:30"` on Monday 2026-03-02, or a full `"2026-03-05T02:00"`.
    static func at(_ time: String) -> Date {
        let full = time.contains("T") ? time : "2026-03-02T\(time)"
        return RFC3339.parse(full + (full.count == 16 ? ":00" : "") + "+08:00")!
    }

    static func pipeline(
        _ expression: String, jitter: Duration = .zero, overlap: OverlapPolicy = .skip,
        missedRuns: MissedRunPolicy = .skip, retry: RetryPolicy = .none, timeout: Duration? = nil
    ) -> ScheduledPipeline {
        ScheduledPipeline(schedule: try! Schedule(expression), jitter: jitter, overlap: overlap,
                          missedRuns: missedRuns, retry: retry, timeout: timeout)
    }

    static func run(_ n: UInt64) -> Scheduler.RunID { Scheduler.RunID(n) }
}

extension Array where Element == Scheduler.Action {
    /// Every action but the closing `.sleep`.
    var work: [Scheduler.Action] { filter { if case .sleep = $0 { false } else { true } } }

    /// The wake-up time of the closing `.sleep`.
    var wakeUp: Date? {
        if case .sleep(let until) = last { return until }
        return nil
    }
}
