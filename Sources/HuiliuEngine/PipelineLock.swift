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
public final class PipelineLock {
    private let lock: FileLock?
    private let session: PostgresConnection?

    /// Takes the lock of `pipeline`, or returns `nil` if another process holds it.
    public init?(pipeline: String, gateway: GatewayConfig) throws {
        if let url = gateway.storeURL {
            let secrets = gateway.secrets
            let connection = try PostgresConnection(url: url) { secrets.scrub($0) }
            let taken = try connection.execute("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", ["huiliu/pipeline/" + pipeline])
            guard PostgresStateStore.scalar(taken) == "t" else { return nil }
            session = connection
            lock = nil
        } else {
            guard let lock = try FileLock(path: gateway.dataDirectory + "/locks/" + pipeline + ".lock") else { return nil }
            self.lock = lock
            session = nil
        }
    }
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
