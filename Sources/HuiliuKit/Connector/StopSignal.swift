import Synchronization

/// A run's request to stop, as components see it: a sink waiting before its next attempt
/// (an endpoint that is down) gives up at once instead of waiting out its backoff, while
/// work in flight — a request, a transaction — is left to finish, for ``grace`` at most.
///
/// The engine sets ``current`` around each delivery; a component waits with
/// ``sleep(for:)`` where it would call `Task.sleep` between attempts.
public final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits cancelled before their continuation was registered.
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    /// The signal of the run the calling task works for, if any.
    @TaskLocal public static var current: StopSignal?

    /// A signal not yet given; work in flight gets `grace` after it (10 seconds by default).
    public init(grace: Duration = .seconds(10)) {
        self.grace = grace
    }

    /// Gives the signal: waiters wake, and later waits end at once.
    public func stop() {
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// True once the signal was given.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// How long work in flight may go on once the signal is given, before it is cancelled: a
    /// request to a server gone silent, a statement behind another session's lock.
    public let grace: Duration

    /// The result of `work`, which is cancelled if it is still going ``grace`` after the
    /// signal is given (then ``RunStopped`` is thrown).
    public func finishing<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask { [self] in
                await wait()
                try await Task.sleep(for: grace)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw RunStopped() }
            return value
        }
    }

    /// Waits `duration`, or less if the run's stop signal comes first (then throws
    /// ``RunStopped``); without a run's signal, a plain `Task.sleep`. Cancellation throws as
    /// `Task.sleep` does.
    public static func sleep(for duration: Duration) async throws {
        guard let signal = current else {
            try await Task.sleep(for: duration)
            return
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await Task.sleep(for: duration)
                return false
            }
            group.addTask {
                await signal.wait()
                return true
            }
            let stopped = try await group.next() ?? false
            group.cancelAll()
            if stopped { throw RunStopped() }
        }
    }

    /// Returns once the signal is given, or the task is cancelled.
    private func wait() async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.stopped || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = waiter
                    return false
                }
                if now { waiter.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if !state.stopped { state.cancelled.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }
}

/// Thrown by a component that gave up because its run was asked to stop; the run ends
/// `cancelled`, and what it was delivering is delivered by the next run.
public struct RunStopped: Error, Sendable, CustomStringConvertible {
    /// The error.
    public init() {}

    public var description: String { "the run was asked to stop" }
}
