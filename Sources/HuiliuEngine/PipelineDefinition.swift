public import Foundation
import HuiliuCore
public import HuiliuKit
public import HuiliuSchedule

/// A pipeline file after validation: what to read, how to transform it, where to write.
public struct PipelineDefinition: Sendable {
    /// The unique name (`budget-payments`).
    public var name: String
    /// What it is for.
    public var description: String
    /// Whether the daemon schedules it.
    public var enabled: Bool
    /// A cron expression or `@every …`, if it runs on a schedule.
    public var schedule: String?
    /// The time zone its schedule is read in.
    public var timezone: String?
    /// The CloudEvents `source` attribute of its events.
    public var eventSource: String
    /// The source component.
    public var source: ComponentConfig
    /// The steps, in order.
    public var steps: [ComponentConfig]
    /// The sinks; every one must acknowledge a batch before its checkpoint commits.
    public var sinks: [ComponentConfig]
    /// What happens to records that fail.
    public var errors: ErrorPolicy
    /// How records are grouped.
    public var batchSize: Int
    /// How many batches go through the steps at once.
    public var parallelism: Int
    /// How the daemon treats the schedule: jitter, overlap, missed runs, retries, timeout.
    public var scheduling: SchedulingPolicy
    /// Whether each committed batch is recorded in the pipeline's provenance chain.
    public var provenance: Bool = false
    /// Whether events get a W3C `traceparent` extension (the run's trace, the batch's span).
    public var trace: Bool = false
    /// The file it was loaded from.
    public var file: String
    /// The SHA-256 (hex) of that file's bytes when it was loaded, so a command can tell that
    /// the daemon runs an older copy; `nil` for a definition not loaded from a file.
    public var fileDigest: String?
    /// What lint warns of in the file (`file:line:column: warning: …`), such as a duration
    /// without a unit.
    public var warnings: [String] = []

    /// How the daemon runs a scheduled pipeline.
    public struct SchedulingPolicy: Sendable, Equatable {
        /// A random delay of up to this much after each fire time, to spread load.
        public var jitter: Duration = .zero
        /// `skip` a fire time while a run is going, or `queue` one run behind it.
        public var overlap: String = "skip"
        /// After downtime: `skip` the missed fire times, or `run_once` to catch up.
        public var missedRuns: String = "skip"
        /// Attempts of a failed run, the first included.
        public var retryAttempts: Int = 1
        /// Wait before the second attempt; it grows by `retryMultiplier` up to `retryMaxDelay`.
        public var retryInitialDelay: Duration = .seconds(30)
        /// Growth of the wait between attempts.
        public var retryMultiplier: Double = 2
        /// The longest wait between attempts.
        public var retryMaxDelay: Duration = .seconds(600)
        /// A run still going after this long is cancelled (at a batch boundary).
        public var timeout: Duration?

        /// The defaults.
        public init() {}
    }

    /// How a pipeline treats records that fail a step.
    public struct ErrorPolicy: Sendable, Equatable {
        /// Keep failed records in the dead-letter store (otherwise the run fails on the first).
        public var deadLetter: Bool
        /// The share of failed records above which a run is aborted.
        public var maxFailureRatio: Double
    }
}

/// The pipeline file format, version 1, declared with the same field specs as components
/// so lint and docs read it the same way.
public enum PipelineSchema {
    /// The top-level fields.
    public static let fields: [FieldSpec] = [
        FieldSpec("version", .integer, "Format version of this file; must be 1.", range: 1...1),
        FieldSpec("name", .string, "Unique pipeline name: lower-case letters, digits and dashes.", example: "budget-payments"),
        FieldSpec("description", .string, "What the pipeline is for.", optional: true),
        FieldSpec("enabled", .boolean, "Whether `huiliu serve` schedules it.", default: true),
        FieldSpec("schedule", .string, "Cron expression (5 or 6 fields) or `@every 15m` (a new pipeline's periods on a fixed grid from midnight on the zone's standard clock: :00, :15, :30, :45; then from its last fire); absent means on demand only.",
                  example: "0 2 * * *", optional: true),
        FieldSpec("timezone", .string, "Time zone of the schedule; defaults to the gateway's (Asia/Shanghai).",
                  example: "Asia/Shanghai", optional: true),
        FieldSpec("event_source", .string, "CloudEvents `source` of the events; defaults to `/huiliu/<name>`.",
                  example: "/budget-network/payments", optional: true),
        FieldSpec("source", .component(.source), "Where records come from: `kind: {options}`."),
        FieldSpec("steps", .list(.component(.step)), "Transformations applied in order.", optional: true),
        FieldSpec("sinks", .list(.component(.sink)), "Where envelopes go; each must acknowledge every batch."),
        FieldSpec("errors", .object(errorFields), "How failed records are handled.", optional: true),
        FieldSpec("batch", .object(batchFields), "How records are grouped between source and sinks.", optional: true),
        FieldSpec("scheduling", .object(schedulingFields), "How `huiliu serve` runs the schedule.", optional: true),
        FieldSpec("provenance", .boolean, """
            Record each committed batch in a hash chain: when, from which source, and SHA-256 digests of the raw records \
            received and of the events each sink was given (`huiliu audit verify`). Costs 2–3 µs per record.
            """, default: false),
        FieldSpec("trace", .boolean, """
            Give each event a W3C `traceparent` extension (CloudEvents distributed tracing): the run's trace (derived \
            from the run id, or continuing the TRACEPARENT that `huiliu run` was started with) and the batch's span. An \
            event whose record came with one (a push with a traceparent header) keeps it. Webhook requests carry the \
            batch's trace context in any case.
            """, default: false),
    ]

    /// Fields of `scheduling:`.
    public static let schedulingFields: [FieldSpec] = [
        FieldSpec("jitter", .duration, "Random delay of up to this much after each fire time.", default: "0s"),
        FieldSpec("overlap", .oneOf(["skip", "queue"]), "While a run is going (scheduled, manual or through the API): skip the fire time, or queue one run to start when it ends.",
                  default: "skip"),
        FieldSpec("missed_runs", .oneOf(["skip", "run_once"]), "After downtime: skip missed fire times, or run once to catch up; a fire whose run died with the daemon (kill -9) counts as missed.",
                  default: "skip"),
        FieldSpec("retry", .object([
            FieldSpec("attempts", .integer, "Attempts in all, the first included.", default: 1, range: 1...100),
            FieldSpec("initial_delay", .duration, "Wait before the second attempt.", default: "30s"),
            FieldSpec("multiplier", .number, "Growth of the wait between attempts.", default: 2, range: 1...10),
            FieldSpec("max_delay", .duration, "Longest wait between attempts.", default: "10m"),
        ]), "Retrying a failed run with exponential back-off.", optional: true),
        FieldSpec("timeout", .duration, "Cancel a run (at a batch boundary) that takes longer than this.", optional: true),
    ]

    /// Fields of `errors:`.
    public static let errorFields: [FieldSpec] = [
        FieldSpec("dead_letter", .boolean, "Keep failed records for inspection and replay instead of failing the run.", default: true),
        FieldSpec("max_failure_ratio", .number, "Abort the run when more than this share of its records failed (0–1), judged at its end. Before it, a run is aborted only when more than half (and more than this share) of its first 10,000 or more records failed, or any with 0; a run stopped partway (Ctrl-C, its timeout) is judged that way from 100 records, and otherwise keeps what it committed; an aborted run leaves the checkpoint where it started, so the next run reads the same records again, and delivers them again to sinks that keep what they got.",
                  default: 1, range: 0...1),
    ]

    /// Fields of `batch:`.
    public static let batchFields: [FieldSpec] = [
        FieldSpec("size", .integer, "Records per batch; a checkpoint is committed after each.", default: 1000, range: 1...100_000),
        FieldSpec("parallelism", .integer, "Batches transformed at once (delivery stays in order); default: one per CPU core the process may use (its affinity mask and cgroup CPU quota).",
                  optional: true, range: 1...64),
    ]
}

extension PipelineDefinition {
    /// The pipeline's schedule, in its own time zone or `defaultZone` (the gateway's); `nil`
    /// without one.
    public func parsedSchedule(defaultZone: TimeZone) -> Schedule? {
        guard let schedule else { return nil }
        return try? Schedule(schedule, zone: timezone.flatMap(TimeZone.init(identifier:)) ?? defaultZone)
    }
}
