
/// The hand-off between libcurl's write callback (on the loop thread) and a body's consumer.
///
/// The producer offers each chunk; once more than `highWater` bytes wait, it refuses, which
/// pauses the transfer. The consumer resumes it after draining below `lowWater`.
final class BodyBuffer: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var buffered = 0
        /// The most bytes ever waiting at once: what back-pressure bounds.
        var peakBuffered = 0
        var paused = false
        var end: Result<TransferMetrics, TransportError>?
        var waiter: CheckedContinuation<Result<[UInt8]?, TransportError>, Never>?
        var abandoned = false
    }

    private enum Take {
        case chunk([UInt8], resume: Bool)
        case finished(Result<[UInt8]?, TransportError>)
        case wait
    }

    let url: String
    private let highWater: Int
    private let lowWater: Int
    private let state = Locked(State())
    private let resumeTransfer: @Sendable () -> Void
    private let cancelTransfer: @Sendable () -> Void

    /// - Parameters:
    ///   - url: the transfer's URL, for errors.
    ///   - highWater: buffered bytes at which the transfer pauses.
    ///   - resume: asks the loop to unpause the transfer.
    ///   - cancel: asks the loop to abort the transfer.
    init(url: String, highWater: Int = 1 << 20, resume: @escaping @Sendable () -> Void,
         cancel: @escaping @Sendable () -> Void) {
        self.url = url
        self.highWater = highWater
        self.lowWater = highWater / 4
        self.resumeTransfer = resume
        self.cancelTransfer = cancel
    }

    // MARK: producer (loop thread)

    /// Takes `bytes`, or returns `false` (leaving them to libcurl) when the consumer is behind.
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let chunk = Array(bytes.assumingMemoryBound(to: UInt8.self))
        var waiter: CheckedContinuation<Result<[UInt8]?, TransportError>, Never>?
        let accepted = state.withLock { s -> Bool in
            if s.abandoned { return true }
            if let w = s.waiter {
                s.waiter = nil
                waiter = w
                return true
            }
            if s.buffered >= highWater {
                s.paused = true
                return false
            }
            s.chunks.append(chunk)
            s.buffered += chunk.count
            s.peakBuffered = max(s.peakBuffered, s.buffered)
            return true
        }
        waiter?.resume(returning: .success(chunk))
        return accepted
    }

    /// Records the end of the transfer and wakes a waiting consumer.
    func finish(_ result: Result<TransferMetrics, TransportError>) {
        let waiter = state.withLock { s -> CheckedContinuation<Result<[UInt8]?, TransportError>, Never>? in
            if s.end == nil { s.end = result }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: result.map { _ in nil })
    }

    // MARK: consumer

    /// The most bytes that ever waited for the consumer at once.
    var peakBuffered: Int { state.withLock { $0.peakBuffered } }

    var metrics: TransferMetrics? {
        state.withLock { s in
            guard case .success(let metrics)? = s.end else { return nil }
            return metrics
        }
    }

    /// The next chunk, `nil` at the end, or the transfer's error.
    func next() async -> Result<[UInt8]?, TransportError> {
        if let result = settle(take(installing: nil)) { return result }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if let result = settle(take(installing: continuation)) {
                    continuation.resume(returning: result)
                }
            }
        } onCancel: {
            self.abandon()
        }
    }

    /// Stops reading: drops buffered chunks, fails a waiting `next()`, and aborts the transfer
    /// unless it already ended.
    func abandon() {
        let (waiter, ended) = state.withLock { s in
            s.abandoned = true
            s.chunks.removeAll()
            s.buffered = 0
            defer { s.waiter = nil }
            return (s.waiter, s.end != nil)
        }
        waiter?.resume(returning: .failure(cancelledError))
        if !ended { cancelTransfer() }
    }

    private var cancelledError: TransportError {
        TransportError(.cancelled, url: url, message: "the body's reader stopped")
    }

    private func take(installing continuation: CheckedContinuation<Result<[UInt8]?, TransportError>, Never>?) -> Take {
        state.withLock { s in
            if !s.chunks.isEmpty {
                let chunk = s.chunks.removeFirst()
                s.buffered -= chunk.count
                var resume = false
                if s.paused && s.buffered <= lowWater {
                    s.paused = false
                    resume = true
                }
                return .chunk(chunk, resume: resume)
            }
            if s.abandoned { return .finished(.failure(cancelledError)) }
            if let end = s.end { return .finished(end.map { _ in nil }) }
            if let continuation { s.waiter = continuation }
            return .wait
        }
    }

    private func settle(_ take: Take) -> Result<[UInt8]?, TransportError>? {
        switch take {
        case .chunk(let chunk, let resume):
            if resume { resumeTransfer() }
            return .success(chunk)
        case .finished(let result):
            return result
        case .wait:
            return nil
        }
    }
}
