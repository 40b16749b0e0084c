public import Hummingbird
public import Logging
import ServiceLifecycle
import Synchronization

/// A Hummingbird application running on a loopback port in this process, for fixture
/// replay, the demo's simulated upstream systems and tests: started, its port learned,
/// stopped gracefully.
///
/// ```swift
/// let server = try await LoopbackServer.start { onRunning in
///     Simulator().application(host: "127.0.0.1", port: 0, logger: logger, onRunning: onRunning)
/// }
/// defer { Task { await server.stop() } }
/// print(server.url)   // http://127.0.0.1:41234
/// ```
public final class LoopbackServer: Sendable {
    /// The bound port.
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Runs the application `make` builds (it must call its argument with the bound port once
    /// listening) and returns once it listens.
    public static func start<App: ApplicationProtocol>(
        logger: Logger = Logger(label: "huiliu.loopback") { _ in SwiftLogNoOpLogHandler() },
        _ make: (@escaping @Sendable (Int) async -> Void) -> App
    ) async throws -> LoopbackServer {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in continuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw LoopbackServerError()
        }
        continuation.finish()
        return LoopbackServer(port: port, group: group, task: task)
    }

    /// Stops the server and waits for it to finish.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// A loopback server that did not start listening.
public struct LoopbackServerError: Error, CustomStringConvertible {
    public var description: String { "the loopback server did not start" }
}
