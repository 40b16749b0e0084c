import ArgumentParser
import Foundation
import HuiliuEnvironment
import HuiliuEngine
import HuiliuHJ212
import HuiliuKit
import Logging

/// `huiliu hj212`: tools for HJ 212 monitoring devices. The logic lives in HuiliuHJ212; these
/// commands only read arguments and print.
struct HJ212Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hj212",
        abstract: "HJ 212 monitoring devices: decode captures, run the listener, emulate a fleet.",
        subcommands: [Decode.self, Listen.self, Emulate.self, Verify.self])
}

extension HJ212Command {
    /// `huiliu hj212 decode [FILE] [--normalize]`.
    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode raw HJ 212 frames into one JSON line each.",
            discussion: """
                Reads a capture (standard input by default) and prints each frame as one JSON line: edition, \
                header fields, measurements, CRC verdict and deviations; or the reason it was rejected, with \
                its byte offset and a hex excerpt. With --normalize, prints the environment.measurement.v1 \
                CloudEvents envelopes instead (split uploads reassembled), with the units, agency and region of \
                the station registry (config/hj212/stations.yaml when there is one), and rejections on standard \
                error. Exits 1 when any frame was rejected, or (with --normalize) when a measurement upload has \
                no DataTime, which the listener refuses too.

                Examples:
                  huiliu hj212 decode capture.txt
                  nc -l 9212 | huiliu hj212 decode --normalize
                """)

        @Argument(help: "A file of raw frames; standard input when absent.")
        var file: String?

        @Flag(help: "Print environment.measurement.v1 envelopes instead of frame reports.")
        var normalize = false

        @Flag(help: "Show frames whose CRC is wrong instead of rejecting them.")
        var ignoreCRC = false

        @Option(help: "The station registry for --normalize (default: config/hj212/stations.yaml of the project, if any).")
        var stations: String?

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let bytes = Array(try readInput(file))
            var registry = StationRegistry()
            if normalize {
                // A capture can be decoded anywhere; the project's registry is used when there is one.
                let gateway = try? options.gateway(anywhere: true)
                let path = stations ?? gateway.map { $0.configDirectory + "/hj212/stations.yaml" }
                if let path, stations != nil || FileManager.default.fileExists(atPath: path) {
                    do {
                        registry = try StationsFile.load(path: path, resolver: ReferenceResolver(secrets: gateway?.secrets ?? SecretStore()))
                    } catch {
                        printError("\(error)")
                        throw ExitCode(2)
                    }
                }
            }
            let lines = HJ212Decode.lines(bytes, normalize: normalize, stations: registry, verifyCRC: !ignoreCRC)
            for line in lines.output { print(line) }
            for line in lines.diagnostics { printError(line) }
            if lines.rejected > 0 { throw ExitCode(1) }
        }
    }

    /// `huiliu hj212 listen`.
    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HJ 212 listener in the foreground until SIGINT or SIGTERM.",
            discussion: """
                Uses the listeners.hj212 section of config/huiliu.yaml when there is one. Frames are committed \
                to the buffer before they are acknowledged; the hj212 source reads the buffer.
                """)

        @OptionGroup var options: GlobalOptions

        @Option(help: "HOST:PORT to listen on (default: the config's, else 0.0.0.0:9212).")
        var address: String?

        @Option(help: "The station registry (default: the config's, else config/hj212/stations.yaml).")
        var stations: String?

        @Option(help: "The buffer file (default: the config's, else data/hj212-buffer.db).")
        var buffer: String?

        @Flag(help: "Accept devices that are not in the registry (testing only).")
        var acceptUnknown = false

        func run() async throws {
            let gateway = try options.gateway()
            let resolver = ReferenceResolver(secrets: gateway.secrets)
            var settings: HJ212ListenerSettings
            do {
                if let node = gateway.listeners["hj212"] {
                    settings = try HJ212ListenerSettings.read(node, resolver: resolver, baseDirectory: gateway.projectDirectory,
                                                              dataDirectory: gateway.dataDirectory, configDirectory: gateway.configDirectory)
                } else {
                    settings = HJ212ListenerSettings()
                    settings.stationsPath = gateway.configDirectory + "/hj212/stations.yaml"
                    settings.bufferPath = gateway.dataDirectory + "/hj212-buffer.db"
                }
                if let address { try settings.setAddress(address) }
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
            if let stations { settings.stationsPath = stations }
            if let buffer { settings.bufferPath = buffer }
            if acceptUnknown { settings.acceptsUnknownStations = true }
            var logger = options.logger(label: "huiliu.hj212")
            // A listener logs its connections at info unless told otherwise.
            logger.logLevel = options.logLevel ?? .info
            let service: HJ212ListenerService
            do {
                service = try HJ212ListenerService(settings: settings, resolver: resolver, logger: logger)
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
            do {
                try await service.runUntilSignalled(logger: logger)
            } catch let failure as HJ212Listener.BindFailure {
                printError("\(failure)")
                throw ExitCode(2)
            }
        }
    }

    /// `huiliu hj212 emulate`.
    struct Emulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Emulate a fleet of HJ 212 devices sending to a listener.",
            discussion: """
                Opens one connection per device and sends real-time data, with every 10th frame minute data and \
                every 60th hour data, at the given total rate; each device waits for the 9014 its frame asks for. \
                Reports frames sent, acknowledged and timed out, the rate, and ack latency p50/p99.

                Examples:
                  huiliu hj212 emulate --target 127.0.0.1:9212 --devices 12 --rate 24 --duration 60
                  huiliu hj212 emulate --target 127.0.0.1:9212 --devices 1000 --rate 0 --editions 2017,2025 --all-ask
                """)

        @Option(help: "The listener, HOST:PORT.")
        var target: String

        @Option(help: "Devices, one connection each.")
        var devices = 12

        @Option(help: "Frames per second across the fleet; 0 sends as fast as acknowledgements come back.")
        var rate = 12.0

        @Option(help: "Seconds to send.")
        var duration = 10.0

        @Option(help: "Share of frames broken on purpose (bad CRC, bad length, truncated), 0 to 1.")
        var corrupt = 0.0

        @Option(help: "Editions dealt to devices in turn, comma-separated.")
        var editions = "2005,2017,2025"

        @Option(help: "Seed for device ids, values and faults (seed 1 matches config/hj212/stations.yaml).")
        var seed: UInt64 = 1

        @Option(help: "The password devices send.")
        var password = "123456"

        @Flag(help: "Every 2017/2025 device asks for acknowledgements (otherwise every other one does).")
        var allAsk = false

        @Option(help: "Seconds a device waits for an acknowledgement.")
        var ackTimeout = 5.0

        @Option(help: "Write 'MN QN' of every acknowledged frame to this file (for crash tests).")
        var ackedLog: String?

        @Option(help: "DataTime of the first frames (yyyyMMddHHmmss, local time); each device's clock then advances one second per frame. Default: now.")
        var startTime: String?

        @Option(help: "Hours of hour data each device uploads first, back to back, as a data logger catching up after an outage does (48 gives every air station a whole previous day, so its daily AQI).")
        var catchUpHours = 0

        func validate() throws {
            guard devices > 0 else { throw ValidationError("--devices must be at least 1") }
            guard catchUpHours >= 0 else { throw ValidationError("--catch-up-hours must be 0 or more") }
            guard rate >= 0, duration > 0, (0...1).contains(corrupt) else {
                throw ValidationError("--rate must be ≥ 0, --duration > 0 and --corrupt between 0 and 1")
            }
            guard rate == 0 || Double(devices) / rate <= 86_400 else {
                throw ValidationError("--rate must be 0 (as fast as acknowledged) or enough for every device to send at least once a day")
            }
            guard parsedEditions != nil else { throw ValidationError("--editions takes 2005, 2017 and 2025, comma-separated") }
            if let startTime, HJ212.Timestamp(startTime) == nil {
                throw ValidationError("--start-time must be yyyyMMddHHmmss, got '\(startTime)'")
            }
            guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]), (1...65_535).contains(port) else {
                throw ValidationError("--target must be HOST:PORT, the port from 1 to 65535")
            }
        }

        var parsedEditions: [HJ212.Edition]? {
            let list = editions.split(separator: ",").map { HJ212.Edition(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
            return list.contains(nil) || list.isEmpty ? nil : list.compactMap { $0 }
        }

        func run() async throws {
            let colon = target.lastIndex(of: ":")!
            var fleet = DeviceFleet.Options(host: String(target[..<colon]), port: Int(target[target.index(after: colon)...])!)
            fleet.devices = devices
            fleet.framesPerSecond = rate
            fleet.duration = .milliseconds(Int64(duration * 1000))
            fleet.corruptionRate = corrupt
            fleet.editions = parsedEditions ?? HJ212.Edition.allCases
            fleet.seed = seed
            fleet.password = password
            fleet.allRequestAnswers = allAsk
            fleet.ackTimeout = .milliseconds(Int64(ackTimeout * 1000))
            fleet.acknowledgedLog = ackedLog
            fleet.startTime = startTime.flatMap { HJ212.Timestamp($0) }
            fleet.catchUpHours = catchUpHours
            let report = try await DeviceFleet(options: fleet).run()
            print(report)
            if report.failedConnections == devices { throw ExitCode(1) }
        }
    }

    /// `huiliu hj212 verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every frame a fleet saw acknowledged is in the buffer exactly once.",
            discussion: "Pairs with `emulate --acked-log`: after killing and restarting the gateway, run this on its buffer.")

        @Option(help: "The buffer file.")
        var buffer: String

        @Option(help: "The acknowledged-frames file `emulate --acked-log` wrote.")
        var acked: String

        func run() async throws {
            guard let text = try? String(contentsOfFile: acked, encoding: .utf8) else {
                printError("cannot read \(acked)")
                throw ExitCode(2)
            }
            // Opening a buffer that is not there would create an empty one, and report it empty.
            guard FileManager.default.fileExists(atPath: buffer) else {
                printError("\(buffer): cannot read: no such file")
                throw ExitCode(2)
            }
            // By isNewline: "\r\n" (a file that went through Windows) is one Character, not "\n".
            let lines = text.split(whereSeparator: \.isNewline).map(String.init)
            let result: BufferAudit.Result
            do {
                result = try BufferAudit.check(acknowledged: lines, bufferPath: buffer)
            } catch {
                // A buffer that cannot be read is no finding about the frames (exit 1): exit 2, as for a missing one.
                printError("\(buffer): cannot read it as an HJ 212 buffer: \(error)")
                throw ExitCode(2)
            }
            print(result)
            if !result.isClean { throw ExitCode(1) }
        }
    }
}
