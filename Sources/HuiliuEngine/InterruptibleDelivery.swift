import HuiliuCore
import Synchronization

/// Delivers batches in tasks of their own, so that a stop request can cancel one: a sink
/// waiting out an endpoint that is down (a webhook's backoff, up to a minute per attempt)
/// must not hold a stop for minutes. Sinks that are writing normally do not look at
/// cancellation and finish their batch; one that gives up leaves its batch uncommitted, and
/// the next run delivers it again under the same event ids.
final class InterruptibleDelivery: Sendable {
    private let state = Mutex<(current: Task<[String: Value], any Error>?, interrupted: Bool)>((nil, false))

    /// Delivers `envelopes` through `processor`'s sinks; cancelled by ``interrupt()`` and by
    /// the cancellation of the calling task.
    func deliver(_ envelopes: [Envelope], through processor: BatchProcessor) async throws -> [String: Value] {
        let task = Task { try await processor.deliver(envelopes) }
        let interrupted = state.withLock { state in
            state.current = task
            return state.interrupted
        }
        if interrupted { task.cancel() }
        defer { state.withLock { $0.current = nil } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Cancels the delivery under way, and any started after.
    func interrupt() {
        let current = state.withLock { state in
            state.interrupted = true
            return state.current
        }
        current?.cancel()
    }
}
