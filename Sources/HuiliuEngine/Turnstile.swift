import Foundation

/// Lets numbered tasks pass one at a time in the order of their numbers (0, 1, 2, …),
/// whatever order they arrive in: the transform workers hand batches on in source order.
final class Turnstile: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var waiting: [Int: CheckedContinuation<Void, any Error>] = [:]
    private var cancelled: Set<Int> = []

    /// Returns once every number before `number` has passed (called `advance()`); throws
    /// `CancellationError` if the task is cancelled while it waits.
    func wait(for number: Int) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                if number == next {
                    lock.unlock()
                    continuation.resume()
                } else if cancelled.remove(number) != nil {
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiting[number] = continuation
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let continuation = waiting.removeValue(forKey: number)
            // Cancelled before it started waiting: the wait itself fails at once.
            if continuation == nil, number != next { cancelled.insert(number) }
            lock.unlock()
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Lets the next number pass; called by the task whose turn it was.
    func advance() {
        lock.lock()
        next += 1
        let continuation = waiting.removeValue(forKey: next)
        lock.unlock()
        continuation?.resume()
    }
}
