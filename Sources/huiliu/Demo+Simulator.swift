import Foundation
import HuiliuReplay
import HuiliuSimulator
import Logging

extension Huiliu.Demo {
    /// Starts the simulated upstream systems in this process on a free loopback port and
    /// points `HUILIU_SIMULATOR_URL` at them, so the `*-api` pipelines reach them.
    func startSimulator() async throws -> LoopbackServer {
        let logger = Logger(label: "huiliu.simulator") { _ in SwiftLogNoOpLogHandler() }
        let server = try await LoopbackServer.start(logger: logger) { onRunning in
            Simulator(configuration: SimulatorConfiguration()).application(host: "127.0.0.1", port: 0, logger: logger, onRunning: onRunning)
        }
        setenv("HUILIU_SIMULATOR_URL", server.url, 1)
        return server
    }
}
