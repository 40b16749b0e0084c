import Synchronization

/// Lets a daemon ask a run to stop at its next batch boundary: everything delivered so far
/// stays committed, and the run ends as `cancelled`. A sink waiting to retry its batch (an
/// endpoint that is down) gives up instead of waiting out its backoff (see ``StopSignal``);
/// that batch is delivered by the next run.
public final class RunControl: Sendable {
    private let stop = Atomic<Bool>(false)
    private let handlers = Mutex<[@Sendable () -> Void]>([])

    /// A control that has not been asked to stop.
    public init() {}

    /// Asks the run to stop after the batch it is delivering; a source waiting for input
    /// (a process that has gone quiet) and a sink waiting to retry are interrupted.
    public func requestStop() {
        stop.store(true, ordering: .relaxed)
        for handler in handlers.withLock({ handlers in defer { handlers = [] }; return handlers }) { handler() }
    }

    /// True once a stop was requested.
    public var isStopRequested: Bool {
        stop.load(ordering: .relaxed)
    }

    /// Calls `handler` when a stop is requested (at once if it already was).
    func onStop(_ handler: @escaping @Sendable () -> Void) {
        let now = handlers.withLock { handlers -> Bool in
            if stop.load(ordering: .relaxed) { return true }
            handlers.append(handler)
            return false
        }
        if now { handler() }
    }
}
