import HuiliuReplay
import HuiliuSimulator
import Logging

/// The simulated upstream systems, in this process on a loopback port, shared by the tests.
enum SimulatorServer {
    static let shared = Task<LoopbackServer, any Error> {
        var configuration = SimulatorConfiguration()
        configuration.payments = 300
        let logger = Logger(label: "simulator") { _ in SwiftLogNoOpLogHandler() }
        return try await LoopbackServer.start(logger: logger) { onRunning in
            Simulator(configuration: configuration).application(host: "127.0.0.1", port: 0, logger: logger, onRunning: onRunning)
        }
    }

    static func url() async throws -> String { try await shared.value.url }
}
