import CSQLite
import Synchronization

/// A flag one thread raises to stop another's database work, before it starts as well as while
/// it runs: an interrupt or a cancel request reaches only a statement already running.
public final class InterruptFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    /// A signal not raised.
    public init() {}

    /// Raises the signal; callable from any thread.
    public func raise() {
        raised.store(true, ordering: .relaxed)
    }

    /// Whether it was raised.
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}

extension SQLiteDatabase {
    /// Has every statement check `signal` every thousand virtual-machine steps and stop with
    /// an error once it is raised.
    public func stop(when signal: InterruptFlag) {
        watched = signal
        sqlite3_progress_handler(handle, 1000, { context in
            Unmanaged<InterruptFlag>.fromOpaque(context!).takeUnretainedValue().isRaised ? 1 : 0
        }, Unmanaged.passUnretained(signal).toOpaque())
    }
}
