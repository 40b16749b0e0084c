import Foundation
import HuiliuEngine
import HuiliuStore
import Synchronization

/// Shows a run's counters on one redrawn terminal line, at most ten times a second.
final class ProgressReporter: Sendable {
    let pipeline: String
    let live: Bool
    private let lastDraw = Mutex<ContinuousClock.Instant?>(nil)

    init(pipeline: String, live: Bool) {
        self.pipeline = pipeline
        self.live = live
    }

    func update(_ progress: RunProgress) {
        guard live else { return }
        let now = ContinuousClock.now
        let draw = lastDraw.withLock { last -> Bool in
            if let last, now - last < .milliseconds(100) { return false }
            last = now
            return true
        }
        guard draw else { return }
        let line = "\(pipeline)  read \(grouped(progress.read))  written \(grouped(progress.written))  failed \(grouped(progress.failed))  \(grouped(Int(progress.rate))) records/s"
        StandardStreams.writeError("\r\u{1B}[K" + line)
    }

    func finish() {
        guard live else { return }
        StandardStreams.writeError("\r\u{1B}[K")
    }
}

/// `12345678` as `12,345,678`.
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// A finished run in plain words, for terminals and logs alike.
func summary(of run: RunRecord) -> String {
    let seconds = run.duration ?? 0
    let rate = seconds > 0 ? Double(run.recordsRead) / seconds : 0
    var lines = ["\(run.pipeline): \(run.status.rawValue) in \(String(format: "%.2f", seconds))s (run \(run.id))",
                 "  read \(grouped(run.recordsRead)), written \(grouped(run.recordsWritten)), failed \(grouped(run.recordsFailed)), \(grouped(Int(rate))) records/s"]
    if run.recordsFailed > 0 {
        if run.status == .failed, run.error?.contains("errors.max_failure_ratio") == true {
            // An aborted run's letters are kept apart: its records are read again by the next run.
            lines.append("  failed records are kept as aborted letters (the next run reads them again): "
                         + "huiliu dead-letters list --pipeline \(run.pipeline) --status aborted")
        } else {
            lines.append("  failed records are in the dead-letter store: huiliu dead-letters list --pipeline \(run.pipeline)")
        }
    }
    // Records a filter, dedupe or rule did not pass on are neither written nor failed: say so,
    // or "read 3, written 0" looks like a loss.
    let dropped = run.recordsRead - run.recordsWritten - run.recordsFailed
    if run.status == .succeeded && dropped > 0 {
        lines.append("  \(grouped(dropped)) record\(dropped == 1 ? " was" : "s were") passed on by no step (a filter, dedupe or rule left \(dropped == 1 ? "it" : "them") out)")
    }
    if let error = run.error { lines.append("  error: \(error)") }
    return lines.joined(separator: "\n")
}
