public import HuiliuKit
import HuiliuCore
public import Logging
import ServiceLifecycle
import UnixSignals

extension HJ212ListenerSettings {
    /// Reads and validates the `listeners.hj212` section of `config/huiliu.yaml`.
    /// - Parameters:
    ///   - node: the section as written.
    ///   - resolver: expands `${env:…}` and `${secret:…}`.
    ///   - baseDirectory: what relative paths are relative to (the config file's directory).
    ///   - dataDirectory: the gateway's, for the buffer when the section names none.
    ///   - configDirectory: the gateway's, for the station registry when the section names none.
    /// - Throws: every problem, each at its `file:line:column`.
    public static func read(_ node: ConfigNode, resolver: ReferenceResolver, baseDirectory: String, dataDirectory: String? = nil,
                            configDirectory: String? = nil) throws(ConfigErrors) -> HJ212ListenerSettings {
        try ConfigValidator.readSection(node, fields: fields, owner: "listeners.hj212", resolver: resolver, baseDirectory: baseDirectory) {
            (config) throws(ConfigError) in
            try HJ212ListenerSettings(config: config, dataDirectory: dataDirectory, configDirectory: configDirectory)
        }
    }
}

extension HJ212ListenerService {
    /// Runs the listener until SIGTERM or SIGINT, then shuts it down gracefully: what
    /// `huiliu hj212 listen` does.
    public func runUntilSignalled(logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: [.init(service: self)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
