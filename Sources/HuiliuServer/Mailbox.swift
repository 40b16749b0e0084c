import Synchronization

/// A queue of events with one reader that can wait for the next event or a deadline,
/// whichever comes first, without losing an event that arrives as the deadline passes.
final class Mailbox<Event: Sendable>: Sendable {
    private struct State {
        var queue: [Event] = []
        var waiter: CheckedContinuation<Event?, Never>?
    }

    private let state = Mutex(State())

    /// Whether the reader is waiting for an event (for tests that need it waiting).
    var hasWaitingReader: Bool { state.withLock { $0.waiter != nil } }

    /// Adds an event, waking the reader if it waits.
    func post(_ event: Event) {
        let waiter = state.withLock { state -> CheckedContinuation<Event?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.queue.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// The next event, or `nil` once `deadline` passes (never, when it is `nil`).
    func next(until deadline: ContinuousClock.Instant?) async -> Event? {
        if let queued = state.withLock({ $0.queue.isEmpty ? nil : $0.queue.removeFirst() }) { return queued }
        return await withTaskGroup(of: Event?.self) { group in
            group.addTask { await self.wait() }
            if let deadline {
                group.addTask {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // An event that raced the deadline comes back from the cancelled waiter: keep it.
            var found = first
            for await result in group where result != nil {
                if found == nil { found = result } else if let result { requeue(result) }
            }
            return found
        }
    }

    private func requeue(_ event: Event) {
        state.withLock { $0.queue.insert(event, at: 0) }
    }

    private func wait() async -> Event? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Event?? in
                    if !state.queue.isEmpty { return .some(state.queue.removeFirst()) }
                    // Checked under the lock the cancellation handler takes, so a cancellation
                    // that found no waiter to wake is seen here instead.
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Event?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
