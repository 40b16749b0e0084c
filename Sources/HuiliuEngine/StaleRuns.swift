public import HuiliuStore
import HuiliuCore

/// Runs recorded `running` whose process is gone: a run holds its pipeline's lock from before
/// its record is written until after it is finished, so a record still `running` once that
/// lock is free was left by a process that died (killed, out of memory, a power cut).
public enum StaleRuns {
    /// Marks the runs left `running` by dead processes `interrupted`; returns how many. Each
    /// pipeline's lock is taken only to test it and released before the store is written, so a
    /// run starting meanwhile is not refused as busy, and its new record is not among those marked.
    ///
    /// Only with the embedded store: on a shared PostgreSQL store a pipeline's lock is a session's
    /// advisory lock, which cannot be tested without taking it, and another gateway starting the
    /// pipeline in that moment would take its fire time for served. There each run marks its own
    /// pipeline's stale runs when it starts.
    public static func mark(store: any StateStore, gateway: GatewayConfig) async throws -> Int {
        guard gateway.storeURL == nil else { return 0 }
        let running = try await store.runs(pipeline: nil, status: .running, limit: 1000)
        var stale: [String] = []
        for pipeline in Set(running.map(\.pipeline)) {
            // Read before the lock is tested: a run that started after the test is not in the list.
            guard !FileLock.isHeld(path: PipelineLock.filePath(pipeline: pipeline, gateway: gateway)) else { continue }
            stale += running.filter { $0.pipeline == pipeline }.map(\.id)
        }
        return try await store.markInterrupted(runs: stale)
    }
}
