public import HuiliuCore
public import Foundation

/// One execution of a pipeline, as the history shows it.
public struct RunRecord: Sendable, Equatable {
    /// Unique id (time-ordered).
    public var id: String
    /// The pipeline's name.
    public var pipeline: String
    /// What started it: `cli`, `schedule`, `api`, `replay`.
    public var trigger: String
    /// When it started (RFC 3339, UTC).
    public var startedAt: String
    /// When it ended, if it has.
    public var finishedAt: String?
    /// Where it is.
    public var status: RunStatus
    /// Records the source yielded.
    public var recordsRead: Int
    /// Envelopes every sink acknowledged.
    public var recordsWritten: Int
    /// Records dead-lettered.
    public var recordsFailed: Int
    /// Why it failed, if it did.
    public var error: String?

    /// A run record.
    public init(id: String, pipeline: String, trigger: String, startedAt: String, finishedAt: String? = nil,
                status: RunStatus, recordsRead: Int = 0, recordsWritten: Int = 0, recordsFailed: Int = 0,
                error: String? = nil) {
        self.id = id
        self.pipeline = pipeline
        self.trigger = trigger
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.recordsRead = recordsRead
        self.recordsWritten = recordsWritten
        self.recordsFailed = recordsFailed
        self.error = error
    }

    /// The error of a run marked interrupted: its process ended without recording how the run
    /// ended. No quote in it: it is written into SQL as it is.
    public static let interruptedReason = "its process ended without recording how the run ended (killed, out of memory, or the state store unreachable then): the log of that host says how"

    /// Seconds between start and finish, if finished.
    public var duration: Double? {
        guard let finishedAt, let end = Timestamp.parse(finishedAt), let start = Timestamp.parse(startedAt) else { return nil }
        // Timestamps are to the millisecond; the difference of two Dates is not, quite.
        return (end.timeIntervalSince(start) * 1000).rounded() / 1000
    }
}

/// Where a run is.
public enum RunStatus: String, Sendable, Equatable, CaseIterable {
    case running
    case succeeded
    case failed
    case cancelled
    /// The process ended without finishing the run (found on the next start).
    case interrupted
}

/// The committed position of one pipeline's source, with the sinks' positions.
public struct StoredCheckpoint: Sendable, Equatable {
    /// The source's checkpoint.
    public var checkpoint: Checkpoint
    /// Each sink's position (by sink index), for sinks that can roll back.
    public var sinkPositions: [String: Value]
    /// The run that committed it.
    public var runID: String
    /// When (RFC 3339, UTC).
    public var updatedAt: String

    /// A stored checkpoint.
    public init(checkpoint: Checkpoint, sinkPositions: [String: Value], runID: String, updatedAt: String) {
        self.checkpoint = checkpoint
        self.sinkPositions = sinkPositions
        self.runID = runID
        self.updatedAt = updatedAt
    }
}

/// A record that failed a step, kept with everything needed to understand and replay it.
public struct DeadLetter: Sendable, Equatable {
    /// Store-assigned id (0 before it is stored).
    public var id: Int
    /// The pipeline.
    public var pipeline: String
    /// The run it failed in.
    public var runID: String
    /// The failing step (`steps[1] validate`).
    public var step: String
    /// Where the record came from (`payments.csv:42`).
    public var origin: String
    /// Why it failed.
    public var reason: String
    /// The JSON pointer of the offending value, when known.
    public var pointer: String?
    /// The rule that failed, when known.
    public var rule: String?
    /// The raw payload as the source yielded it.
    public var payload: Value
    /// The envelope fields the source set (key, type, time, …), restored on replay.
    public var sourceFields: SourceFields?
    /// When it was stored (RFC 3339, UTC).
    public var createdAt: String
    /// `pending` until replayed successfully.
    public var status: String

    /// The statuses a letter can have, and `all`, as lists filter by them.
    public static let statusFilters = ["pending", "replayed", "aborted", "discarded", "superseded", "all"]
    /// The run that replayed it, once it has been.
    public var replayRunID: String?

    /// A dead letter (not yet stored).
    public init(id: Int = 0, pipeline: String, runID: String, step: String, origin: String, reason: String,
                pointer: String? = nil, rule: String? = nil, payload: Value, sourceFields: SourceFields? = nil,
                createdAt: String = Timestamp.now(),
                status: String = "pending", replayRunID: String? = nil) {
        self.id = id
        self.pipeline = pipeline
        self.runID = runID
        self.step = step
        self.origin = origin
        self.reason = reason
        self.pointer = pointer
        self.rule = rule
        self.payload = payload
        self.sourceFields = sourceFields
        self.createdAt = createdAt
        self.status = status
        self.replayRunID = replayRunID
    }
}

/// RFC 3339 timestamps in UTC, as the store writes them.
public enum Timestamp {
    /// Now, to the millisecond.
    public static func now() -> String {
        format(Date())
    }

    /// A date as `2026-11-29T01:20:30.123Z`.
    public static func format(_ date: Date) -> String {
        // gmtime_r rather than a date formatter: this runs once per committed batch.
        // In whole milliseconds first: a time made from integer milliseconds (1700000000123 / 1000)
        // is a hair below them as a double, and truncating it wrote a millisecond early.
        let total = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(total.quotientAndRemainder(dividingBy: 1000).quotient - (total % 1000 < 0 ? 1 : 0))
        let millis = Int(total - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// Parses what `format` writes (fractional seconds optional).
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = formatter.date(from: text) { return d }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension RunRecord {
    /// The run as JSON, one shape for `huiliu runs --json` and the admin API.
    public var jsonValue: Value {
        ["id": .string(id), "pipeline": .string(pipeline), "trigger": .string(trigger),
         "status": .string(status.rawValue), "started_at": .string(startedAt),
         "finished_at": finishedAt.map { .string($0) } ?? .null, "duration_seconds": duration.map { .double($0) } ?? .null,
         "records_read": .integer(recordsRead), "records_written": .integer(recordsWritten),
         "records_failed": .integer(recordsFailed), "error": error.map { .string($0) } ?? .null]
    }
}

extension DeadLetter {
    /// The letter as JSON, one shape for `huiliu dead-letters` and the admin API; the raw
    /// payload (personal data, often) and the source's envelope fields only when asked for,
    /// as for one letter.
    public func jsonValue(payload: Bool) -> Value {
        var object: Object = [
            "id": .integer(id), "pipeline": .string(pipeline), "run": .string(runID),
            "step": .string(step), "origin": .string(origin), "reason": .string(reason),
            "pointer": pointer.map { .string($0) } ?? .null, "rule": rule.map { .string($0) } ?? .null,
            "status": .string(status), "created_at": .string(createdAt),
            "replay_run": replayRunID.map { .string($0) } ?? .null,
        ]
        if payload {
            object["payload"] = self.payload
            object["source_fields"] = sourceFields?.value ?? .null
        }
        return .object(object)
    }
}
