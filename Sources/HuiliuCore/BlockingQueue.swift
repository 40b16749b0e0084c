import Dispatch

/// A serial dispatch queue for work that blocks on the disk: `fsync`, SQLite commits.
///
/// Swift's cooperative pool has one thread per core. An `fdatasync` there parks one of
/// the two threads this machine has for milliseconds and stalls parsing and mapping with
/// it; a serial queue gets a thread of its own instead. Work handed to ``run(_:)`` runs
/// in order, one piece at a time.
public final class BlockingQueue: Sendable {
    let queue: DispatchQueue

    /// A queue named `label` (it shows in debuggers and thread lists).
    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `work` on the queue and resumes the caller with its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<T, any Error>) in
            queue.async {
                do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}
