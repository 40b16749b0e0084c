import Synchronization

/// Lets a daemon ask a run to stop at its next batch boundary: everything delivered so far
/// stays committed, and the run ends as `cancelled`.
public final class RunControl: Sendable {
    private let stop = Atomic<Bool>(false)

    /// A control that has not been asked to stop.
    public init() {}

    /// Asks the run to stop after the batch it is delivering.
    public func requestStop() {
        stop.store(true, ordering: .relaxed)
    }

    /// True once a stop was requested.
    public var isStopRequested: Bool {
        stop.load(ordering: .relaxed)
    }
}
