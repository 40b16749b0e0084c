import Foundation
import HuiliuCore
import HuiliuStore
import HuiliuKit

/// An exclusive lock on one pipeline across processes, so a scheduled run, a manual
/// `huiliu run` and a dead-letter replay never write the same pipeline's sinks at once.
///
/// With the embedded store it is a file lock in the gateway's `data/locks/`; with a shared
/// PostgreSQL store it is a session advisory lock in that database, which holds across every
/// gateway sharing the store, and is released when this object goes (or its process dies).
public final class PipelineLock: @unchecked Sendable {
    private let lock: FileLock?
    private let session: PostgresConnection?
    /// Where the shared store's round trips wait, off Swift's cooperative threads (two on a
    /// two-core machine, which a slow network would otherwise hold).
    private let io = BlockingQueue(label: "huiliu.pipeline-lock")

    /// Takes the lock of `pipeline` as ``init(pipeline:gateway:)`` does, connecting to a shared
    /// store off the cooperative threads.
    public static func acquire(pipeline: String, gateway: GatewayConfig) async throws -> PipelineLock? {
        guard gateway.storeURL != nil else { return try PipelineLock(pipeline: pipeline, gateway: gateway) }
        return try await BlockingQueue(label: "huiliu.pipeline-lock.acquire").run { try PipelineLock(pipeline: pipeline, gateway: gateway) }
    }

    /// Takes the lock of `pipeline`, or returns `nil` if another process holds it.
    public init?(pipeline: String, gateway: GatewayConfig) throws {
        if let url = gateway.storeURL {
            let secrets = gateway.secrets
            let connection = try PostgresConnection(url: url, keepalive: true) { secrets.scrub($0) }
            let taken = try connection.execute("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", [Self.advisoryKey(pipeline)])
            guard PostgresStateStore.scalar(taken) == "t" else { return nil }
            session = connection
            lock = nil
        } else {
            guard let lock = try FileLock(path: Self.filePath(pipeline: pipeline, gateway: gateway)) else { return nil }
            self.lock = lock
            session = nil
        }
    }

    /// The pipelines among `pipelines` whose lock some process (or gateway) holds now, told
    /// without taking any: a run starting meanwhile is never refused. With a shared store, from
    /// PostgreSQL's lock table (a bigint advisory key shows as its two halves), for the store's
    /// database only: advisory locks are per database, and the table lists the whole server's.
    public static func held(_ pipelines: [String], gateway: GatewayConfig) async throws -> Set<String> {
        guard let url = gateway.storeURL else {
            return Set(pipelines.filter { FileLock.isHeld(path: filePath(pipeline: $0, gateway: gateway)) })
        }
        let secrets = gateway.secrets
        return try await BlockingQueue(label: "huiliu.pipeline-lock.held").run {
            let connection = try PostgresConnection(url: url) { secrets.scrub($0) }
            var held: Set<String> = []
            for pipeline in pipelines {
                let rows = try connection.execute("""
                    SELECT count(*) FROM pg_locks, (SELECT hashtextextended($1, 0) AS k) key
                    WHERE locktype = 'advisory' AND granted AND objsubid = 1
                      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                      AND classid = ((key.k >> 32) & 4294967295)::oid AND objid = (key.k & 4294967295)::oid
                    """, [advisoryKey(pipeline)])
                if PostgresStateStore.scalar(rows) != "0" { held.insert(pipeline) }
            }
            return held
        }
    }

    /// The text a pipeline's advisory lock in a shared store is keyed by (hashed to a bigint).
    static func advisoryKey(_ pipeline: String) -> String {
        "huiliu/pipeline/" + pipeline
    }

    /// The lock file of `pipeline` with the embedded store.
    public static func filePath(pipeline: String, gateway: GatewayConfig) -> String {
        gateway.dataDirectory + "/locks/" + pipeline + ".lock"
    }

    /// Throws unless the lock is still held. A file lock lasts as long as the process; an
    /// advisory lock as long as its session, which a network failure or a server restart can
    /// end — and then another gateway may take the pipeline. The runner checks before each
    /// commit, so a run that lost its lock stops rather than commit beside another.
    public func verify() async throws {
        guard session != nil else { return }
        try await io.run { [self] in try verifySession() }
    }

    private func verifySession() throws {
        guard let session else { return }
        do {
            try session.execute("SELECT 1")
        } catch {
            throw RunError("the pipeline's lock in the shared store was lost (\(error)); stopping so that two gateways never commit the same pipeline")
        }
    }
}

/// A run that did not start because the pipeline is running elsewhere: in another process,
/// or on another gateway sharing the state store (which then serves the same fire time).
public struct PipelineBusy: Error, Sendable, CustomStringConvertible {
    /// The pipeline.
    public var pipeline: String

    /// The error for `pipeline`.
    public init(pipeline: String) {
        self.pipeline = pipeline
    }

    public var description: String { "pipeline '\(pipeline)' is already running in another process (or on another gateway sharing the store)" }
}

/// A run that could not start or had to stop.
public struct RunError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public var message: String

    /// An error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
