import Foundation
import HuiliuEngine
import HuiliuEnvironment
import HuiliuHJ212
import HuiliuKit
import Logging
import NIOCore

extension Huiliu.Demo {
    /// Runs the HJ 212 listener on a free loopback port and lets emulated monitoring devices
    /// report to it for a few seconds, so the `hj212` pipeline has a buffer to read.
    func emulateDevices(_ gateway: GatewayConfig, seconds: Int) async throws -> FleetReport {
        let resolver = ReferenceResolver(secrets: gateway.secrets)
        var settings = HJ212ListenerSettings()
        if let node = gateway.listeners["hj212"] {
            settings = try HJ212ListenerSettings.read(node, resolver: resolver, baseDirectory: gateway.projectDirectory,
                                                              dataDirectory: gateway.dataDirectory, configDirectory: gateway.configDirectory)
        } else {
            settings.stationsPath = gateway.configDirectory + "/hj212/stations.yaml"
            settings.bufferPath = gateway.dataDirectory + "/hj212-buffer.db"
        }
        settings.host = "127.0.0.1"
        settings.port = 0
        let logger = Logger(label: "huiliu.demo") { _ in SwiftLogNoOpLogHandler() }
        let service = try HJ212ListenerService(settings: settings, resolver: resolver, logger: logger)
        return try await withThrowingTaskGroup(of: FleetReport?.self) { group in
            group.addTask {
                try await service.listener.run()
                return nil
            }
            let address = try await service.listener.waitUntilBound()
            var fleet = DeviceFleet.Options(host: "127.0.0.1", port: address.port ?? 0)
            fleet.devices = 12
            fleet.framesPerSecond = 40
            fleet.duration = .seconds(seconds)
            fleet.allRequestAnswers = true
            // Two days of hour data first, so the demo has water classes, hourly AQIs and each
            // air station's daily AQI for yesterday.
            fleet.catchUpHours = 48
            let report = try await DeviceFleet(options: fleet).run()
            service.listener.shutdown()
            while let result = try await group.next() { _ = result }
            return report
        }
    }
}
