import HuiliuEnvironment
public import HuiliuKit
public import Logging
import Metrics
public import ServiceLifecycle

/// The HJ 212 listener as a `Service` for `huiliu serve`: graceful shutdown stops accepting,
/// lets every connection commit and acknowledge what it has received, flushes the last
/// group commit and closes.
///
/// ```swift
/// let settings = try HJ212ListenerSettings(config: parsed)
/// let hj212 = try HJ212ListenerService(settings: settings, resolver: resolver, logger: logger)
/// services.append(.init(service: hj212, failureTerminationBehavior: .gracefullyShutdownGroup))
/// admin.readinessChecks.append { hj212.readiness() }
/// ```
public struct HJ212ListenerService: Service {
    /// The listener it runs.
    public let listener: HJ212Listener

    /// A service over an existing listener.
    public init(listener: HJ212Listener) {
        self.listener = listener
    }

    /// Loads the station registry named in `settings` (resolving `${secret:…}` through
    /// `resolver`) and opens the buffer.
    /// - Throws: ``ConfigErrors`` for a bad stations file, or the buffer's error.
    public init(settings: HJ212ListenerSettings, resolver: ReferenceResolver = ReferenceResolver(), logger: Logger,
                metrics: ListenerMetrics = ListenerMetrics()) throws {
        let stations = try StationsFile.load(path: settings.stationsPath, resolver: resolver)
        listener = try HJ212Listener(settings: settings, stations: stations, logger: logger, metrics: metrics)
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await listener.run()
        } onGracefulShutdown: {
            listener.shutdown()
        }
    }

    /// Whether the listener is bound and accepting, for the admin API's readiness endpoint.
    public func readiness() -> Readiness {
        if let address = listener.localAddress, listener.isAccepting {
            return Readiness(isReady: true, detail: "hj212 listener accepting on \(HJ212Listener.describe(address))")
        }
        return Readiness(isReady: false, detail: "hj212 listener not bound")
    }

    /// The answer to a readiness check.
    public struct Readiness: Sendable, Equatable {
        /// True when the component can do its work.
        public var isReady: Bool
        /// What it is doing, in words.
        public var detail: String
    }
}
