import Foundation
import HuiliuCore
public import HuiliuEngine
public import HuiliuStore
public import Logging
import UnixSignals
public import ServiceLifecycle

/// Runs pipelines on their schedules and on request, as child tasks, until graceful
/// shutdown: then it starts nothing new and waits for running runs to stop at a batch
/// boundary with their checkpoints committed.
public struct SchedulerService: Service {
    let daemon: Daemon

    /// The scheduler of a daemon.
    public init(daemon: Daemon) {
        self.daemon = daemon
    }

    public func run() async throws {
        let initial = await daemon.bootstrap()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for request in initial { group.addTask { await daemon.execute(request) } }
                var event: Daemon.Event = .tick
                // Cancelled (another service of the group failed, such as the admin API finding its
                // port taken): stop scheduling, and let the cancelled runs end.
                while !Task.isCancelled {
                    let (starts, wake, stop) = await daemon.handle(event)
                    for request in starts { group.addTask { await daemon.execute(request) } }
                    if stop { break }
                    let deadline = wake.map { ContinuousClock.now + .seconds(max(0, $0.timeIntervalSinceNow)) }
                    event = await daemon.mailbox.next(until: deadline) ?? .tick
                }
                // Runs finishing now report to the mailbox, which nobody reads any more: fine.
            }
        } onGracefulShutdown: {
            daemon.beginShutdown()
        }
    }
}

/// Re-reads the pipeline files on SIGHUP.
public struct ReloadOnHangupService: Service {
    let daemon: Daemon
    let logger: Logger

    /// A service that reloads `daemon` on SIGHUP.
    public init(daemon: Daemon, logger: Logger) {
        self.daemon = daemon
        self.logger = logger
    }

    public func run() async throws {
        // Signals that come during a reload make one more, not one each: a reload takes seconds.
        let (requests, request) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { request.yield() }
        }
        defer { signals.cancel() }
        for await _ in requests.cancelOnGracefulShutdown() {
            switch await daemon.reload() {
            case .success(let count): logger.notice("SIGHUP: reloaded \(count) pipeline(s)")
            case .failure(let problems): logger.error("SIGHUP: reload refused, the running set is kept:\n\(problems)")
            }
        }
    }
}

/// Keeps the run history true and bounded: every minute, runs left `running` by a process or
/// gateway that died (their pipeline's lock free) are marked interrupted, so the status page
/// does not show them running until the pipeline next runs; daily, the records of runs older
/// than `serve.keep_runs` are forgotten (a pipeline every few minutes makes a hundred thousand
/// runs a year).
public struct RunHistoryService: Service {
    let store: any StateStore
    let gateway: GatewayConfig
    let logger: Logger

    /// The housekeeping of `store`'s runs, as `gateway` configures it.
    public init(store: any StateStore, gateway: GatewayConfig, logger: Logger) {
        self.store = store
        self.gateway = gateway
        self.logger = logger
    }

    public func run() async throws {
        var pruned: Date?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let marked = try await StaleRuns.mark(store: store, gateway: gateway)
                if marked > 0 { logger.notice("runs whose process is gone marked interrupted", metadata: ["runs": "\(marked)"]) }
            } catch {
                logger.debug("stale runs not checked", metadata: ["error": "\(error)"])
            }
            if let keep = gateway.keepRuns, pruned.map({ Date().timeIntervalSince($0) >= 86_400 }) ?? true {
                pruned = Date()
                let cutoff = Timestamp.format(Date().addingTimeInterval(-Double(keep.components.seconds)))
                do {
                    let count = try await store.pruneRuns(startedBefore: cutoff)
                    if count > 0 { logger.info("run history pruned", metadata: ["runs": "\(count)", "started_before": .string(cutoff)]) }
                } catch {
                    logger.warning("run history not pruned; tried again tomorrow", metadata: ["error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }
}
