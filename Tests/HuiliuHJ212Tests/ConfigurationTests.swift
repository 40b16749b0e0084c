import Foundation
import HuiliuCore
import HuiliuEnvironment
@testable import HuiliuHJ212
import HuiliuKit
import HuiliuKitTesting
import Logging
import Testing

/// The station registry file and the listener settings, read like every other configuration.
struct ConfigurationTests {
    static let example = """
        stations:
          - mn: 42110200SW0001
            name: 长江武汉关断面
            agency: 生态环境
            region: "421102"
            edition: "2017"
            password: ${secret:hj212/42110200SW0001}
            water_body: river
          - mn: 42110200AQ0001
            password: "123456"
            units: { a21026: mg/m³ }
        """

    @Test func readsStationsAndResolvesSecretPasswords() throws {
        let node = try YAMLDocument.parse(Self.example, file: "stations.yaml")
        let resolver = ReferenceResolver(environment: [:], secrets: SecretStore(["hj212/42110200SW0001": "S3cret!"]))
        let registry = try StationsFile.read(node, resolver: resolver)
        let water = try #require(registry["42110200SW0001"])
        #expect(water.password == "S3cret!")
        #expect(water.edition == .hj2017)
        #expect(water.waterBody == .river)
        #expect(water.region == "421102")
        #expect(registry["42110200AQ0001"]?.unitOverrides["a21026"] == "mg/m³")
    }

    @Test func reportsEveryProblemAtItsPlace() throws {
        let text = """
            stations:
              - mn: A1
                pasword: "123456"
              - mn: A2
                edition: "2019"
                password: ${secret:hj212/missing}
              - mn: A1
            """
        let node = try YAMLDocument.parse(text, file: "stations.yaml")
        let errors = try #require(throws: ConfigErrors.self) { try StationsFile.read(node) }
        let lines = errors.errors.map(\.description)
        #expect(lines.contains { $0.hasPrefix("stations.yaml:3:5: unknown key 'pasword'") })
        #expect(lines.contains { $0.hasPrefix("stations.yaml:5:") && $0.contains("edition") })
        #expect(lines.contains { $0.hasPrefix("stations.yaml:6:") && $0.contains("hj212/missing") })
        #expect(lines.contains { $0.contains("station 'A1' is listed twice") })
    }

    @Test func theExampleRegistryInConfigLoads() throws {
        // Tests/HuiliuHJ212Tests/ConfigurationTests.swift → the repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/hj212/stations.yaml").path
        try #require(FileManager.default.fileExists(atPath: path), "no \(path)")
        let resolver = ReferenceResolver(environment: [:], secrets: SecretStore([
            "hj212/42110200SW0001": "x", "hj212/42110200AQ0001": "y",
        ]))
        let registry = try StationsFile.load(path: path, resolver: resolver)
        #expect(registry["42110200SW0001"]?.waterBody == .river)
        #expect(registry["42110200AQ0001"] != nil)
        // The emulator's default fleet (seed 1) is registered for the demo.
        for device in DeviceEmulator(configuration: .init(deviceCount: 12, seed: 1)).devices {
            #expect(registry[device.mn] != nil, "\(device.mn)")
        }
    }

    @Test func listenerSettingsFromConfiguration() throws {
        let config = ParsedConfig(testing: [
            "port": .integer(19212), "idle_timeout": .string("90s"), "buffer": .string("data/x.db"),
            "group_commit_window": .string("2ms"),
        ], baseDirectory: "/srv/huiliu")
        let settings = try HJ212ListenerSettings(config: config)
        #expect(settings.port == 19212)
        #expect(settings.host == "0.0.0.0")
        #expect(settings.idleTimeout == .seconds(90))
        #expect(settings.bufferPath == "/srv/huiliu/data/x.db")
        #expect(settings.stationsPath == "/srv/huiliu/config/hj212/stations.yaml")
        #expect(settings.groupCommit.window == .milliseconds(2))
        #expect(HJ212ListenerSettings.fields.map(\.name).contains("close_after_refusals"))
        // Unnamed, the buffer and the registry are the gateway's, where the hj212 source looks.
        let defaults = try HJ212ListenerSettings(config: ParsedConfig(testing: [:], baseDirectory: "/srv/huiliu"),
                                                 dataDirectory: "/var/lib/huiliu", configDirectory: "/etc/huiliu")
        #expect(defaults.bufferPath == "/var/lib/huiliu/hj212-buffer.db")
        #expect(defaults.stationsPath == "/etc/huiliu/hj212/stations.yaml")
    }

    @Test func listenerSettingsAreLintedLikeEverythingElse() throws {
        let node = try YAMLDocument.parse("port: 99999\nidle_timout: 5m\n", file: "huiliu.yaml")
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: ReferenceResolver(environment: [:]), baseDirectory: "")
        _ = validator.readFields(node, fields: HJ212ListenerSettings.fields, owner: "listeners.hj212")
        let messages = validator.problems.map(\.description)
        #expect(messages.contains { $0.hasPrefix("huiliu.yaml:2:1: unknown key 'idle_timout'") && $0.contains("idle_timeout") })
        #expect(messages.contains { $0.hasPrefix("huiliu.yaml:1:") })
    }

    @Test func addressParsing() throws {
        var settings = HJ212ListenerSettings()
        try settings.setAddress("127.0.0.1:9300")
        #expect(settings.host == "127.0.0.1" && settings.port == 9300)
        try settings.setAddress(":9400")
        #expect(settings.host == "0.0.0.0" && settings.port == 9400)
        #expect(throws: ConfigError.self) { try settings.setAddress("nowhere") }
    }

    @Test func serviceReadinessFollowsTheListener() async throws {
        let directory = Fixtures.directory()
        var settings = HJ212ListenerSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.bufferPath = directory + "/b.db"
        let service = HJ212ListenerService(listener: try HJ212Listener(settings: settings, stations: StationRegistry(),
                                                                       logger: .init(label: "t")))
        #expect(!service.readiness().isReady)
        let task = Task { try await service.run() }
        _ = try await service.listener.waitUntilBound()
        #expect(service.readiness().isReady)
        #expect(service.readiness().detail.hasPrefix("hj212 listener accepting on 127.0.0.1:"))
        service.listener.shutdown()
        try await task.value
        #expect(!service.readiness().isReady)
    }
}
