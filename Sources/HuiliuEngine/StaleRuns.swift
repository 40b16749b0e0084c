public import HuiliuStore
import HuiliuCore

/// Runs recorded `running` whose process is gone: a run holds its pipeline's lock from before
/// its record is written until after it is finished, so a record still `running` once that
/// lock is free was left by a process that died (killed, out of memory, a power cut).
public enum StaleRuns {
    /// Marks the runs left `running` by dead processes `interrupted`; returns how many. The locks
    /// are tested without being waited for or kept (``PipelineLock/held(_:gateway:)``), so a run
    /// starting meanwhile is not refused as busy, and its new record is not among those marked.
    /// With a shared PostgreSQL store, a run of another gateway holds its advisory lock: a
    /// gateway killed mid-run is found by the others.
    public static func mark(store: any StateStore, gateway: GatewayConfig) async throws -> Int {
        // Read before the locks are tested: a run that started after the test is not in the list.
        let running = try await store.runs(pipeline: nil, status: .running, limit: 1000)
        guard !running.isEmpty else { return 0 }
        let held = try await PipelineLock.held(Array(Set(running.map(\.pipeline))), gateway: gateway)
        return try await store.markInterrupted(runs: running.filter { !held.contains($0.pipeline) }.map(\.id))
    }
}
