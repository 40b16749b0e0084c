import Foundation
import HuiliuReplay
import HuiliuSimulator
import Logging

extension Huiliu.Demo {
    /// Starts the simulated upstream systems in this process on a free loopback port and
    /// points `HUILIU_SIMULATOR_URL` at them, so the `*-api` pipelines reach them; writes the
    /// simulated exchange database into the project for the `*-exchange` pipelines.
    func startSimulator(projectDirectory: String) async throws -> LoopbackServer {
        let logger = Logger(label: "huiliu.simulator") { _ in SwiftLogNoOpLogHandler() }
        let simulator = Simulator(configuration: SimulatorConfiguration())
        try ExchangeDatabase.write(simulator, to: projectDirectory + "/" + ExchangeDatabase.path)
        let server = try await LoopbackServer.start(logger: logger) { onRunning in
            simulator.application(host: "127.0.0.1", port: 0, logger: logger, onRunning: onRunning)
        }
        setenv("HUILIU_SIMULATOR_URL", server.url, 1)
        return server
    }
}
