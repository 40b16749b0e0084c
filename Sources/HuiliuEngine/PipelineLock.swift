import Foundation
import HuiliuCore

/// An exclusive lock on one pipeline across processes, so a scheduled run, a manual
/// `huiliu run` and a dead-letter replay never write the same pipeline's sinks at once.
public final class PipelineLock {
    private let lock: FileLock

    /// Takes the lock of `pipeline` (in the gateway's `data/locks/`), or returns `nil` if
    /// another process holds it.
    public init?(pipeline: String, gateway: GatewayConfig) throws {
        guard let lock = try FileLock(path: gateway.dataDirectory + "/locks/" + pipeline + ".lock") else { return nil }
        self.lock = lock
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
