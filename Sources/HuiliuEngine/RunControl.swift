import Synchronization

/// Lets a daemon ask a run to stop at its next batch boundary: everything delivered so far
/// stays committed, and the run ends as `cancelled`. A sink waiting to retry its batch (an
/// endpoint that is down) gives up instead of waiting out its backoff (see ``StopSignal``);
/// that batch is delivered by the next run.
public final class RunControl: Sendable {
    private let stop = Atomic<Bool>(false)
    private let handlers = Mutex<[@Sendable () -> Void]>([])
    private let why = Mutex<String?>(nil)

    /// A control that has not been asked to stop.
    public init() {}

    /// Asks the run to stop after the batch it is delivering; a source waiting for input
    /// (a process that has gone quiet) and a sink waiting to retry are interrupted.
    /// - Parameter reason: why, kept as the run's error (`timed out after 1h`); `nil` for a
    ///   stop someone asked for.
    public func requestStop(reason: String? = nil) {
        if let reason { why.withLock { $0 = $0 ?? reason } }
        stop.store(true, ordering: .relaxed)
        for handler in handlers.withLock({ handlers in defer { handlers = [] }; return handlers }) { handler() }
    }

    /// Why the run was stopped, when a reason was given.
    public var stopReason: String? { why.withLock { $0 } }

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
