import Foundation
import Glibc

/// Crash points for the crash-safety tests: `HUILIU_FAULT=after-sink-write:3` kills the
/// process with SIGKILL right after the third batch was written to the sinks and before
/// its checkpoint was committed — the same as a kill from outside at that instant, but
/// reproducible. Unset in normal use, where every check is a single comparison.
enum FaultInjection {
    /// Where a crash can be injected.
    enum Point: String {
        case beforeSinkWrite = "before-sink-write"
        case afterSinkWrite = "after-sink-write"
        case afterCommit = "after-commit"
    }

    static let configured: (point: Point, batch: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["HUILIU_FAULT"] else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let point = Point(rawValue: String(parts[0])), let batch = Int(parts[1]) else { return nil }
        return (point, batch)
    }()

    /// Kills the process if a crash is configured for this point and batch (1-based).
    static func check(_ point: Point, batch: Int) {
        guard let configured, configured.point == point, configured.batch == batch else { return }
        kill(getpid(), SIGKILL)
    }
}
