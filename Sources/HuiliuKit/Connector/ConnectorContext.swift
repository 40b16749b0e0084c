public import Logging
import Foundation

/// What a component may use while it runs: where it is, who it runs for, how to log,
/// and shared services the host registered (lookup tables, schemas, …).
public struct ConnectorContext: Sendable {
    /// The pipeline the component belongs to.
    public var pipeline: String
    /// The logger, with `pipeline` (and later `run`) metadata attached.
    public var logger: Logger
    /// The project's root directory (where `config/`, `connectors/` and `data/` live).
    public var projectDirectory: String
    /// Where components keep their own state files.
    public var dataDirectory: String
    /// The gateway's `config/` directory.
    public var configDirectory: String
    /// Shared services, by type.
    public var services: ServiceValues
    /// How many records a source should put in one batch. The default is 1000.
    public var batchSize: Int
    /// Expands `${env:…}`, `${file:…}` and `${secret:…}` in files a component reads itself
    /// (mapping files, station registries), with the gateway's secrets.
    public var resolver: ReferenceResolver
    /// A cursor range to read again instead of resuming (`huiliu run --backfill FROM..TO`);
    /// sources without a cursor refuse it. The default is `nil`.
    public var backfill: BackfillRange?
    /// The current time in milliseconds since 1970. Fixture replay and tests pin it; the
    /// default reads the system clock.
    public var clock: @Sendable () -> Int64
    /// The CloudEvents `source` of the pipeline's events; the default is `/huiliu/<pipeline>`.
    public var eventSource: String

    /// A context.
    public init(pipeline: String, logger: Logger, projectDirectory: String, dataDirectory: String,
                configDirectory: String, services: ServiceValues = ServiceValues(), batchSize: Int = 1000,
                resolver: ReferenceResolver = ReferenceResolver(), backfill: BackfillRange? = nil,
                clock: @escaping @Sendable () -> Int64 = ConnectorContext.systemClock) {
        self.batchSize = batchSize
        self.backfill = backfill
        self.clock = clock
        self.resolver = resolver
        self.pipeline = pipeline
        self.eventSource = "/huiliu/" + pipeline
        self.logger = logger
        self.projectDirectory = projectDirectory
        self.dataDirectory = dataDirectory
        self.configDirectory = configDirectory
        self.services = services
    }
}

extension ConnectorContext {
    /// Milliseconds since 1970 from the system's real-time clock.
    public static let systemClock: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// A bag of shared values keyed by their type, so the host can hand components services
/// from modules the kit does not depend on.
public struct ServiceValues: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]

    /// An empty bag.
    public init() {}

    /// The value registered for `type`.
    public subscript<T: Sendable>(type: T.Type) -> T? {
        get { storage[ObjectIdentifier(type)] as? T }
        set { storage[ObjectIdentifier(type)] = newValue }
    }
}
