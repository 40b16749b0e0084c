import CoreMetrics
import Foundation

/// The metrics a pipeline run reports through swift-metrics (exported as Prometheus text by
/// `huiliu serve`; a no-op elsewhere). Handles are made once per run, not per batch.
struct RunMetrics {
    let read: Counter
    let failed: Counter
    let deadLettered: Counter
    /// One per sink, in sink order.
    let written: [Counter]
    let pipeline: String

    init(pipeline: String, sinks: [String]) {
        self.pipeline = pipeline
        let dimensions = [("pipeline", pipeline)]
        read = Counter(label: "huiliu_records_read_total", dimensions: dimensions)
        failed = Counter(label: "huiliu_records_failed_total", dimensions: dimensions)
        deadLettered = Counter(label: "huiliu_records_dead_lettered_total", dimensions: dimensions)
        written = sinks.map { Counter(label: "huiliu_records_written_total", dimensions: [("pipeline", pipeline), ("sink", $0)]) }
    }

    /// Counts a committed batch; `delivered` is each sink's share (sinks with a `when` get less), in sink order.
    func batch(read count: Int, written delivered: [Int], failed failures: Int, deadLetters: Bool) {
        read.increment(by: count)
        for (counter, events) in zip(written, delivered) { counter.increment(by: events) }
        failed.increment(by: failures)
        if deadLetters { deadLettered.increment(by: failures) }
    }

    func finished(status: String, seconds: Double) {
        Timer(label: "huiliu_run_duration_seconds", dimensions: [("pipeline", pipeline), ("status", status)],
              preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64(seconds * 1e9))
        Counter(label: "huiliu_runs_total", dimensions: [("pipeline", pipeline), ("status", status)]).increment()
        if status == "succeeded" {
            Gauge(label: "huiliu_last_success_timestamp_seconds", dimensions: [("pipeline", pipeline)])
                .record(Date().timeIntervalSince1970)
        }
    }
}
