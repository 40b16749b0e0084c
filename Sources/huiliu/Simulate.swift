import ArgumentParser
import Foundation
import HuiliuSimulator
import Logging
import ServiceLifecycle
import UnixSignals

extension Huiliu {
    /// `huiliu simulate`: the upstream systems, on loopback.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve simulated upstream systems (budget network, government, supervisory commission, court, procuratorate, environment).",
            discussion: """
                For trying pipelines and connectors without the real systems. Data is generated from --seed; \
                faults can be injected to exercise retries, back-off and dead letters.

                Examples:
                  huiliu simulate
                  huiliu simulate --port 9000 --every-429 7 --every-503 11 --latency-ms 50 --malformed-every 100
                """)

        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "Port (0 picks a free one).")
        var port = 8480

        @Option(help: "Seed of the generated data.")
        var seed: UInt64 = 20_240_301

        @Option(help: "Payments the budget network holds.")
        var payments = 2400

        @Option(name: .customLong("every-429"), help: "Answer every n-th request with 429 and Retry-After: 1 (0: never).")
        var every429 = 0

        @Option(name: .customLong("every-503"), help: "Answer every n-th request with 503 (0: never).")
        var every503 = 0

        @Option(help: "Added latency per request, in milliseconds.")
        var latencyMs = 0

        @Option(help: "Make one record in n malformed (0: never).")
        var malformedEvery = 0

        @Option(help: "Where to write the procuratorate's exchange database (SQLite) for the sql source; empty for none.")
        var exchangeDatabase = ExchangeDatabase.path

        func validate() throws {
            if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        }

        func run() async throws {
            var configuration = SimulatorConfiguration()
            configuration.seed = seed
            configuration.payments = payments
            configuration.faults.tooManyRequestsEvery = every429
            configuration.faults.serverErrorEvery = every503
            configuration.faults.latencyMilliseconds = latencyMs
            configuration.faults.malformedEvery = malformedEvery
            var logger = Logger(label: "huiliu.simulator")
            logger.logLevel = .notice
            let host = host
            let simulator = Simulator(configuration: configuration)
            let exchangeDatabase = exchangeDatabase
            let app = simulator.application(host: host, port: port, logger: logger) { bound in
                // The exchange database once the port is ours: a simulator that cannot start must
                // not rewrite the one another simulator's pipelines read.
                if !exchangeDatabase.isEmpty {
                    do {
                        try ExchangeDatabase.write(simulator, to: exchangeDatabase)
                        StandardStreams.writeNow("procuratorate exchange database (table ajxx) written to \(exchangeDatabase)\n")
                    } catch {
                        printError("\(exchangeDatabase): \(error)")
                        Glibc.exit(2)
                    }
                }
                // Written straight out: a log file or a service manager must see the port
                // (--port 0) at once, not when a buffer fills.
                StandardStreams.writeNow("simulated upstream systems on http://\(host):\(bound) — Ctrl-C stops\n")
            }
            let service = NamedService(name: "simulator http://\(host):\(port)", service: app)
            let group = ServiceGroup(configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            do {
                try await group.run()
            } catch let failure as NamedService.Failure {
                printError(failure.description + " (--port)")
                throw ExitCode(2)
            }
        }
    }
}
